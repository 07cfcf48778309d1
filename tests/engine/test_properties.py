"""Hypothesis properties of the engine and the calendar."""

import datetime as dt

from hypothesis import given, settings, strategies as st
from pydantic import TypeAdapter

from policykit.calendar import WorkCalendar
from policykit.case import Case, Event
from policykit.config import AtRisk
from policykit.verdict import Verdict
from policykit.engine import evaluate
from policykit.loader import load_policy
from policykit.records import record_of
from policykit.judge.compiled import _COMPILED

CAL = WorkCalendar()
TZ = CAL.tz
START = dt.datetime(2024, 1, 1, tzinfo=TZ)
AS_OF = dt.datetime(2026, 12, 31, tzinfo=TZ)
POLICY_IDS = ("harif", "green_energy", "suqya")
POLICIES = {pid: load_policy(pid) for pid in POLICY_IDS}
RECORDS = {pid: record_of(policy) for pid, policy in POLICIES.items()}
TYPES = ["request_received", "procedures_unclear", "referred_to_social_researcher", "data_verified",
         "declaration_signed", "applicant_informed", "request_completed", "referred_to_committee",
         "decision_notified", "registration_completed", "service_delivered", "complaint_received",
         "complaint_resolved", "case_closed"]
ATTRS = {
    "request_received": st.fixed_dictionaries({}, optional={"channel": st.sampled_from(["interview", "phone", "fax"]),
                                                            "agreed_channel": st.sampled_from(["phone", "email"])}),
    "decision_notified": st.fixed_dictionaries({}, optional={"outcome": st.sampled_from(["approved", "rejected"]),
                                                             "channel": st.sampled_from(["phone", "email"])}),
}
FAST = settings(max_examples=150, deadline=None)


@st.composite
def cases(draw):
    """A case whose events have distinct instants spread over two years."""
    minutes = draw(st.lists(st.integers(0, 60 * 24 * 400), min_size=0, max_size=12, unique=True))
    events = []
    for index, offset in enumerate(minutes):
        kind = draw(st.sampled_from(TYPES))
        attrs = draw(ATTRS[kind]) if kind in ATTRS else {}
        events.append(Event(index, kind, START + dt.timedelta(minutes=offset), attrs))
    facts = draw(st.fixed_dictionaries({}, optional={
        "association_caused_harm": st.booleans(), "investigation_minutes_approved": st.booleans(),
        "final_ruling_issued": st.booleans()}))
    return Case("P-1", tuple(sorted(events, key=lambda e: e.at)), facts)


def _normalised(verdict, original_index):
    data = verdict.to_json_dict()
    for finding in data["findings"]:
        finding["evidence"] = sorted(original_index[i] for i in finding["evidence"])
        for key in ("explanation", "would_decide"):
            finding.pop(key)
    for note in data["notes"]:
        note["event_index"] = original_index.get(note["event_index"])
        note.pop("message")
    return data


@FAST
@given(case=cases(), policy_id=st.sampled_from(POLICY_IDS), perm_seed=st.randoms(use_true_random=False),
       reading=st.sampled_from([None, "intended", "literal"]))
def test_shuffling_events_never_changes_the_verdict(case, policy_id, perm_seed, reading):
    policy = POLICIES[policy_id]
    order = list(case.events)
    perm_seed.shuffle(order)
    shuffled = tuple(Event(new, e.type, e.at, e.attrs) for new, e in enumerate(order))
    back = {new: e.index for new, e in enumerate(order)}
    other = Case(case.case_id, tuple(sorted(shuffled, key=lambda e: e.at)), case.facts)
    a = evaluate(policy, case, AS_OF, reading, at_risk=AtRisk())
    b = evaluate(policy, other, AS_OF, reading, at_risk=AtRisk())
    assert _normalised(a, {e.index: e.index for e in case.events}) == _normalised(b, back)


@FAST
@given(case=cases(), policy_id=st.sampled_from(POLICY_IDS), as_of_minutes=st.integers(0, 60 * 24 * 500))
def test_same_input_same_verdict(case, policy_id, as_of_minutes):
    policy = POLICIES[policy_id]
    as_of = START + dt.timedelta(minutes=as_of_minutes)
    first = evaluate(policy, case, as_of, at_risk=AtRisk())
    _COMPILED.clear()
    assert evaluate(policy, case, as_of, at_risk=AtRisk()) == first
    # built without validation (Out.trusted), yet valid, and its JSON is what pydantic's serializer gives
    dumped = first.to_json_dict()
    assert Verdict.model_validate(dumped) == first
    assert TypeAdapter(Verdict).dump_python(first, mode="json") == dumped
    # the policy as plain records (a warm `policykit check`) judges exactly as the model does
    assert evaluate(RECORDS[policy_id], case, as_of, at_risk=AtRisk()) == first


@FAST
@given(day=st.dates(dt.date(2023, 1, 1), dt.date(2027, 12, 31)), n=st.integers(1, 60))
def test_working_day_due_never_on_a_closed_day(day, n):
    trigger = dt.datetime(day.year, day.month, day.day, 10, tzinfo=TZ)
    due = CAL.working_day_due(trigger, n)
    assert CAL.is_working_day(due.date()) and due.date() > day
    assert CAL.working_days_between(day, due.date()) == n
    assert CAL.is_working_day(CAL.calendar_day_due(trigger, n).date())


@FAST
@given(day=st.dates(dt.date(2023, 1, 1), dt.date(2027, 12, 31)), n=st.integers(0, 60))
def test_dues_grow_with_n(day, n):
    trigger = dt.datetime(day.year, day.month, day.day, 10, tzinfo=TZ)
    assert CAL.working_day_due(trigger, n + 1) > CAL.working_day_due(trigger, n)
    assert CAL.calendar_day_due(trigger, n + 1) >= CAL.calendar_day_due(trigger, n)


@FAST
@given(case=cases(), policy_id=st.sampled_from(POLICY_IDS), before_due=st.integers(0, 60 * 24 * 30))
def test_fulfilment_at_or_before_due_is_never_breached(case, policy_id, before_due):
    policy = POLICIES[policy_id]
    rule = next(r for r in policy.rules if r.kind == "deadline")
    trigger = next((e for e in case.events if e.type == rule.trigger.event), None)
    if trigger is None:
        trigger = Event(len(case.events), rule.trigger.event, START + dt.timedelta(days=3))
    period = rule.period
    due = CAL.due(trigger.at, period.amount, period.unit)
    answer_at = max(trigger.at + dt.timedelta(seconds=1), due - dt.timedelta(minutes=before_due))
    # a closure before the answer would make it come too late to count (nothing fulfils after case_closed)
    kept = [e for e in case.events if e.type != rule.fulfilled_by.event and e is not trigger
            and not (e.type == "case_closed" and e.at <= answer_at)]
    kept += [trigger, Event(len(case.events) + 1, rule.fulfilled_by.event, answer_at, {})]
    judged = Case("P-2", tuple(sorted(kept, key=lambda e: e.at)), case.facts)
    verdict = evaluate(policy, judged, AS_OF, "intended", at_risk=AtRisk())
    finding = next(f for f in verdict.findings if f.rule == rule.id)
    assert finding.status != "breached", finding.explanation.en


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                    max_size=4), max_leaves=20)
EVENTISH = st.fixed_dictionaries({"type": st.sampled_from(TYPES + ["bogus"]),
                                  "at": st.sampled_from(["2025-03-04", "1446-09-30H", "x", "2025-03-04T10:00Z"])},
                                 optional={"channel": st.sampled_from(["phone", "pigeon", 3]),
                                           "outcome": st.sampled_from(["approved", "maybe"]), "extra": JSONISH})


@settings(max_examples=150, deadline=None)
@given(data=st.one_of(JSONISH, st.fixed_dictionaries(
    {"case_id": JSONISH, "events": st.one_of(JSONISH, st.lists(EVENTISH, max_size=5))},
    optional={"facts": JSONISH, "subject": JSONISH, "policy": JSONISH})))
def test_case_loader_raises_only_policykit_errors(data):
    from policykit.case import case_from_data
    from policykit.diagnostics import PolicykitError

    try:
        case = case_from_data(data, POLICIES["harif"])
    except PolicykitError as exc:
        assert exc.diagnostics and all(d.code for d in exc.diagnostics)
    else:
        evaluate(POLICIES["harif"], case, AS_OF, at_risk=AtRisk())
