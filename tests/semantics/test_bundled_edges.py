"""Generated cases of the five bundled policies at the edges of time, through every path.

test_rule_variants.py varies the rules on test-only policies, with instants on a grid of whole hours written
with +03:00; the scenario files are hand-made.  Here hypothesis writes cases of the bundled policies
themselves (harif, saddad, green_energy, khairat_albaha, suqya) around the dates where their periods are hard:
Founding Day, Ramadan and Eid al-Fitr, the Day of Arafah and Eid al-Adha with their observed days, National Day
and the turn of the year (2024-2026, as holidays.SaudiArabia lists them).  Each case may carry:

- its deadline's trigger and the fulfilling event exactly at the due instant, one second or one microsecond
  after it, one second or a day before it (due computed by the policy's calendar), or as early as the
  literal reading's bound; triggers at midnight or at 23:59;
- other events at random (every event type: repeated triggers, steps out of order, `case_closed` anywhere,
  before a trigger too), at 00:00, 23:59:59 or with fractions of a second;
- instants written as a case file or an export may write them: +03:00, UTC `Z`, other offsets (+05:30, -04:00,
  +14:00), local time without an offset, a bare date, a Hijri date in each accepted spelling, Arabic-Indic
  digits;
- channels the policy does or does not offer, missing channels and outcomes, agreed channels, facts true,
  false, null or absent;

judged at an `as_of` that is often an event's or a due's very instant (or a second either side), in either
reading or the configured one, with the default or another warning window.  Paths compared field by field
(conftest): judge_table, `policykit batch --out v.jsonl` against `policykit check --format json` and its
Parquet rows, the live replays of each case, and one clocked session shared by the cases, fed in time order
and newest first.  Derandomized; PK_EDGE_EXAMPLES=1000 PK_EDGE_RANDOM=1 (with --hypothesis-seed=N) hunts
further, by hand.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hijridate import Gregorian
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykit.calendar import calendar_for
from policykit.loader import load_policy

from .test_rule_variants import _judged_everywhere, _report, configured_at_risk

POLICIES = ("harif", "saddad", "green_energy", "khairat_albaha", "suqya")
LOADED = {pid: load_policy(pid) for pid in POLICIES}
TYPES = ["request_received", "requirements_explained", "procedures_unclear", "referred_to_social_researcher",
         "data_verified", "declaration_signed", "applicant_informed", "request_completed", "referred_to_committee",
         "decision_notified", "registration_completed", "service_delivered", "complaint_received",
         "complaint_resolved", "case_closed"]
CHANNELS = ["interview", "phone", "email", "social_media", "fax", "letters", "website"]
FACTS = ("association_caused_harm", "investigation_minutes_approved", "final_ruling_issued")
RIYADH = dt.timezone(dt.timedelta(hours=3))
# a few days before each hard stretch: Founding Day, Ramadan, Eid al-Fitr, Eid al-Adha, National Day, new year
ANCHORS = [dt.date(2025, 2, 18), dt.date(2025, 3, 1), dt.date(2025, 3, 24), dt.date(2025, 5, 28),
           dt.date(2025, 9, 16), dt.date(2025, 12, 22), dt.date(2026, 3, 10), dt.date(2026, 5, 18),
           dt.date(2024, 4, 3), dt.date(2024, 6, 10)]
OFFSETS = [dt.timezone.utc, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(dt.timedelta(hours=-4)),
           dt.timezone(dt.timedelta(hours=14))]
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
EDGES = [dt.timedelta(0), dt.timedelta(seconds=1), dt.timedelta(microseconds=1), dt.timedelta(seconds=-1),
         dt.timedelta(days=1), dt.timedelta(days=-1)]


@st.composite
def spelled(draw, at: dt.datetime) -> str:
    """`at` as a case file or an export may write it (the same instant, or its day for a date-only form)."""
    local = at.astimezone(RIYADH)
    shape = draw(st.sampled_from(["offset", "utc", "other", "local", "date", "hijri", "arabic"]))
    if shape == "utc":
        return at.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    if shape == "other":
        return at.astimezone(draw(st.sampled_from(OFFSETS))).isoformat()
    if shape == "local":
        return local.replace(tzinfo=None).isoformat()
    if shape == "date" and local.time() == dt.time(0):
        return local.date().isoformat()
    if shape == "hijri" and local.time() == dt.time(0):
        h = Gregorian(local.year, local.month, local.day).to_hijri()
        return draw(st.sampled_from([f"{h.year}-{h.month:02d}-{h.day:02d}H", f"{h.year}-{h.month}-{h.day} هـ",
                                     f"{h.day}/{h.month}/{h.year}هـ"]))
    if shape == "arabic":
        return local.isoformat().translate(ARABIC_INDIC)
    return local.isoformat()


def _instant(draw, base: dt.datetime) -> dt.datetime:
    at = base + dt.timedelta(hours=draw(st.integers(0, 24 * 40)))
    end = draw(st.sampled_from(["hour", "hour", "hour", "midnight", "last_second", "fraction"]))
    if end == "midnight":
        return at.replace(hour=0)
    if end == "last_second":
        return at.replace(hour=23, minute=59, second=59)
    if end == "fraction":
        return at.replace(hour=23, minute=59, second=59, microsecond=draw(st.sampled_from([1, 500_000, 999_999])))
    return at


@st.composite
def edge_worlds(draw) -> dict:
    """A bundled policy id, a reading, an as_of, a warning window and one to three cases (see the module)."""
    pid = draw(st.sampled_from(POLICIES))
    policy = LOADED[pid]
    calendar = calendar_for(policy.calendar)
    deadline = next(r for r in policy.rules if r.kind == "deadline")
    cases, instants = [], []
    for n in range(draw(st.integers(1, 3))):
        base = dt.datetime.combine(draw(st.sampled_from(ANCHORS)), dt.time(9), RIYADH)
        base += dt.timedelta(days=draw(st.integers(0, 10)))
        timed = [(draw(st.sampled_from(TYPES)), _instant(draw, base)) for _ in range(draw(st.integers(0, 8)))]
        if draw(st.booleans()):  # the deadline's trigger, and maybe its answer at the due's edge
            trigger = base + dt.timedelta(hours=draw(st.integers(0, 24 * 5)))
            if draw(st.booleans()):
                trigger = trigger.replace(hour=draw(st.sampled_from([0, 23])), minute=draw(st.sampled_from([0, 59])))
            due = calendar.due(trigger, deadline.period.amount, deadline.period.unit)
            instants.append(due)
            timed.append((deadline.trigger.event, trigger))
            if draw(st.booleans()):
                edge = draw(st.sampled_from(EDGES + [-dt.timedelta(days=deadline.period.amount)]))
                timed.append((deadline.fulfilled_by.event, due + edge))
        order = draw(st.permutations(range(len(timed))))
        events = []
        for kind, at in (timed[i] for i in order):
            event = {"type": kind, "at": draw(spelled(at))}
            if kind in ("request_received", "decision_notified", "complaint_received"):
                channel = draw(st.sampled_from(CHANNELS + [None]))
                if channel is not None:
                    event["channel"] = channel
            if kind == "request_received" and draw(st.booleans()):
                event["agreed_channel"] = draw(st.sampled_from(CHANNELS[:3]))
            if kind == "decision_notified" and (outcome := draw(st.sampled_from(["approved", "rejected", None]))):
                event["outcome"] = outcome
            events.append(event)
            instants.append(at)
        facts = {name: value for name in FACTS
                 if (value := draw(st.sampled_from([True, False, None, "absent"]))) != "absent"}
        cases.append({"case_id": f"E{n}", "events": events, "facts": facts})
    if instants and draw(st.booleans()):
        as_of = draw(st.sampled_from(instants)) + draw(st.sampled_from(EDGES[:4]))
    else:
        as_of = base + dt.timedelta(hours=draw(st.integers(0, 24 * 70)))
    as_of_text = as_of.astimezone(draw(st.sampled_from([RIYADH, *OFFSETS]))).isoformat()
    return {"policy": pid, "reading": draw(st.sampled_from([None, "intended", "literal"])), "as_of": as_of_text,
            "cases": cases, "at_risk": draw(st.sampled_from([None, None, (0.5, 0), (0.0, 5)]))}


@settings(max_examples=int(os.environ.get("PK_EDGE_EXAMPLES", 40)), deadline=None,
          derandomize=os.environ.get("PK_EDGE_RANDOM") is None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(world=edge_worlds())
def test_bundled_policies_at_the_edges_agree_on_every_path(world, tmp_path_factory):
    pid = world["policy"]
    with configured_at_risk(world["at_risk"]) as at_risk:
        found = _judged_everywhere(world, pid, LOADED[pid], world["as_of"], world["reading"], at_risk, True,
                                   tmp_path_factory.mktemp("edges"))
    assert not found, f"world {world!r}\n" + _report(found)


@pytest.mark.parametrize("pid", POLICIES)
def test_the_anchors_reach_the_hard_stretches(pid):
    """The generator's dates do meet the hard stretches: from each anchor, a deadline's window holds a holiday
    on a weekday, or the turn of a year."""
    calendar = calendar_for(LOADED[pid].calendar)
    for anchor in ANCHORS:
        days = [anchor + dt.timedelta(days=k) for k in range(40)]
        holiday = any(not calendar.is_working_day(d) and d.weekday() not in (4, 5) for d in days)
        assert holiday or days[-1].year > anchor.year, anchor
