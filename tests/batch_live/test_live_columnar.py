"""The columnar live session (live.columnar, live.book, live.vector) where the generated scripts of
test_live_fast do not reach: long cases, small blocks, rollback of a failed post, stores of the earlier layout,
content ids, and the due arithmetic in every zone."""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykit.diagnostics import PolicykitError
from policykit.live import LiveSession
from policykit.live.intake import content_id, micros, shown_attrs
from policykit.live.store import SqliteStore
from policykit.live.vector import NO_DUE, Dues
from policykit.loader import load_policy
from policykit.judge.compiled import compile_policy


def _sibling(name: str):
    """A module of this folder (tests import in importlib mode, so siblings are loaded by path)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(f"_live_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_fast = _sibling("test_live_fast")  # its generated scripts and its runner
POLICIES, _run, scripts, ReferenceSession = _fast.POLICIES, _fast._run, _fast.scripts, _fast.ReferenceSession
PLUS3 = dt.timezone(dt.timedelta(hours=3))
START = POLICIES[0][1]
HARIF_TYPES = ["request_received", "request_completed", "data_verified", "declaration_signed", "applicant_informed",
               "referred_to_committee", "decision_notified", "complaint_received", "complaint_resolved", "case_closed"]


def _columnar_reports_what_the_reference_reports(examples: int) -> None:
    """Generated scripts on harif: the columnar session's reports equal the reference judge's."""
    policy = load_policy("harif")

    @settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(scripts(START))
    def check(steps):
        assert _run(policy, START, None, steps, True) == _run(policy, START, None, steps, False)

    check()


def _long_case_steps(seed: int, events: int) -> list[tuple]:
    """One case with many events (past the matrices' 64 columns), out of order, repeats and advances between."""
    rng = random.Random(seed)
    steps, posted, batch = [], [], []
    for number in range(events):
        at = START + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 40))
        event = {"type": rng.choice(HARIF_TYPES), "at": at.isoformat()}
        if event["type"] == "decision_notified":
            event["outcome"] = rng.choice(["approved", "rejected"])
            event["channel"] = rng.choice(["phone", "email"])
        if event["type"] == "request_received":
            event["agreed_channel"] = rng.choice(["phone", "email"])
        item = ("L1" if number % 5 else "L2", event, None)
        batch.append(rng.choice(posted) if posted and rng.random() < 0.1 else item)
        posted.append(item)
        if len(batch) == rng.randint(1, 40):
            steps.append(("post", batch))
            batch = []
            if rng.random() < 0.2:
                steps.append(("advance", rng.randint(0, 24 * 40)))
    steps.append(("post", batch))
    return steps


@pytest.mark.parametrize("seed", range(4))
def test_cases_longer_than_the_matrices_are_judged_like_the_reference(seed):
    policy = load_policy("harif")
    steps = _long_case_steps(seed, 300)
    columnar = _run(policy, START, None, steps, True)
    assert columnar == _run(policy, START, None, steps, False)
    assert sum(1 for step in steps if step[0] == "post" for _ in step[1]) == 300
    session = LiveSession(policy, now=START)
    for step in steps:
        if step[0] == "post":
            session.post_many(step[1])
    assert session.book.overflow and max(session.book.counts) > 64  # the overflow arrays were used


def test_blocks_cut_into_small_chunks_give_the_same_reports(monkeypatch):
    import policykit.live.book as book

    monkeypatch.setattr(book, "_CELLS", 7)  # a block of a few rows at a time, and single rows for long ones
    _columnar_reports_what_the_reference_reports(25)
    policy, steps = load_policy("harif"), _long_case_steps(7, 120)
    assert _run(policy, START, None, steps, True) == _run(policy, START, None, steps, False)


def test_a_failed_post_leaves_cases_clock_and_closed_cases_as_they_were(tmp_path):
    session = LiveSession("harif", store=tmp_path / "live.sqlite", now="2025-03-01")
    session.post_many([("A", {"type": "request_completed", "at": "2025-03-02T09:00", "id": "a1"}),
                       ("B", {"type": "request_completed", "at": "2025-03-03T09:00"})])
    session.close("B")
    session.shutdown()
    session = LiveSession("harif", store=tmp_path / "live.sqlite", now="2025-03-01")
    before = (set(session.cases), session.now, session.judgement("A"), set(session._closed))
    assert before[0] == {"A"} and before[1] == dt.datetime(2025, 3, 2, 6, tzinfo=dt.timezone.utc)
    bad = [("A", {"type": "applicant_informed", "at": "2025-03-04T09:00"}),  # taken, then undone
           ("B", {"type": "applicant_informed", "at": "2025-03-05T09:00"}),  # reopens B (its clock: the 3rd)
           ("C", {"type": "applicant_informed", "at": "2025-03-05T09:00"}),  # a new case
           ("A", {"type": "applicant_informed", "at": "2025-03-04T09:00", "channel": "pigeon"})]
    with pytest.raises(PolicykitError):
        session.post_many(bad)
    assert (set(session.cases), session.now, session.judgement("A"), set(session._closed)) == before
    assert len(session.cases["A"].events) == 1
    changes = session.post_many(bad[:3])
    assert [c.duplicate for c in changes] == [False, False, False]
    assert [len(session.cases[c].events) for c in ("A", "B", "C")] == [2, 2, 1]
    session.shutdown()
    store = SqliteStore(tmp_path / "live.sqlite")
    assert [(c, kind) for c, _, kind, _, _ in store.load()] == [
        ("A", "request_completed"), ("B", "request_completed"), ("A", "applicant_informed"),
        ("B", "applicant_informed"), ("C", "applicant_informed")]
    assert store.load_closed() == set()
    store.close()


def test_events_without_ids_are_known_by_their_content_id():
    session = LiveSession("harif", now="2025-03-01")
    event = {"type": "decision_notified", "at": "2025-03-03T09:00:00+03:00", "outcome": "approved", "channel": "phone"}
    first = session.post("A", event)
    expected = content_id("decision_notified", micros(dt.datetime(2025, 3, 3, 9, tzinfo=PLUS3)),
                          shown_attrs({"outcome": "approved", "channel": "phone"}))
    assert first.event_id == expected and first.to_dict()["event_id"] == expected
    # the same instant written otherwise, the attributes in another order: the same content
    again = session.post("A", {"type": "decision_notified", "at": "2025-03-03T06:00:00+00:00", "channel": "phone",
                               "outcome": "approved"})
    assert again.duplicate and again.event_id == expected
    assert session.post("A", dict(event, id=expected)).duplicate  # its content id, given as its id
    assert not session.post("A", dict(event, id="x1")).duplicate  # another id: another event
    assert session.post("A", dict(event, id="x1")).event_id == "x1"
    assert session.post("A", dict(event, id=12345)).event_id == "12345"  # ids are texts
    other = "0" * 24  # looks like a content id, but is not this event's
    assert not session.post("A", dict(event, id=other)).duplicate
    assert len(session.cases["A"].events) == 4


def test_content_keys_that_do_not_fit_one_int_are_kept_whole(monkeypatch):
    import policykit.live.columnar as columnar

    monkeypatch.setattr(columnar, "CODE_MASK", 0)  # every shape code is then too large to pack
    _columnar_reports_what_the_reference_reports(20)


def _legacy_store(path, rows, closed=()):
    """A store file of the earlier layout: one `events` row per event, a unique index, closed ids only."""
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE events (seq INTEGER PRIMARY KEY, case_id TEXT NOT NULL, event_id TEXT NOT NULL,
                                 type TEXT NOT NULL, at_us INTEGER NOT NULL, attrs TEXT, UNIQUE (case_id, event_id));
            CREATE TABLE facts (case_id TEXT NOT NULL, fact TEXT NOT NULL, value INTEGER, PRIMARY KEY (case_id, fact));
            CREATE TABLE closed (case_id TEXT PRIMARY KEY);
            INSERT INTO meta VALUES ('policy', 'harif');""")
        db.executemany("INSERT INTO events (case_id, event_id, type, at_us, attrs) VALUES (?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO closed VALUES (?)", [(case_id,) for case_id in closed])


def test_stores_of_the_earlier_layout_are_read_and_extended(tmp_path):
    at = micros(dt.datetime(2025, 3, 2, 9, tzinfo=PLUS3))
    attrs = {"agreed_channel": "phone"}
    rows = [("A", content_id("request_received", at, shown_attrs(attrs)), "request_received", at, json.dumps(attrs)),
            ("A", "given-1", "request_completed", at + 3_600_000_000, None),
            ("B", content_id("request_completed", at, "[]"), "request_completed", at, None)]
    _legacy_store(tmp_path / "old.sqlite", rows, closed=["B"])
    session = LiveSession("harif", store=tmp_path / "old.sqlite")
    assert set(session.cases) == {"A"} and len(session.cases["A"].events) == 2
    # re-sent after the upgrade: both are known, with or without their ids
    assert session.post("A", {"type": "request_received", "at": "2025-03-02T09:00", **attrs}).duplicate
    assert session.post("A", {"type": "request_completed", "at": "2025-03-02T10:00", "id": "given-1"}).duplicate
    # a case closed under the earlier layout reopens with its events found in the log
    assert session.post("B", {"type": "request_completed", "at": "2025-03-02T09:00"}).duplicate
    assert not session.post("B", {"type": "applicant_informed", "at": "2025-03-03T09:00"}).duplicate
    session.close("A")
    session.shutdown()
    session = LiveSession("harif", store=tmp_path / "old.sqlite")
    assert set(session.cases) == {"B"} and len(session.cases["B"].events) == 2
    assert session.post("A", {"type": "request_completed", "at": "2025-03-02T10:00", "id": "given-1"}).duplicate
    assert len(session.cases["A"].events) == 2  # reopened from the copy its closing kept
    session.shutdown()


def test_texts_holding_the_separator_are_stored_as_json(tmp_path):
    """A NUL is no longer taken in a posted id (PostgreSQL's text cannot hold one: the same post failed there as a
    store write); a SQLite store an earlier version wrote with one still reads back, each event once."""
    session = LiveSession("harif", store=tmp_path / "live.sqlite", now="2025-03-01")
    odd = "case\x00with a NUL"
    for item in ((odd, {"type": "request_completed", "at": "2025-03-02T09:00"}),
                 ("plain", {"type": "request_completed", "at": "2025-03-02T09:00", "id": "id\x00x"})):
        with pytest.raises(PolicykitError) as refused:
            session.post_many([item])
        assert refused.value.first.code == "wrong-type" and "NUL" in refused.value.first.message
    session.post_many([("plain", {"type": "request_completed", "at": "2025-03-02T09:00"})])
    session.shutdown()
    store = SqliteStore(tmp_path / "live.sqlite")
    store.add_events([(odd, "id\x00x", "request_completed", 1740895200000000, None)])  # as an earlier version did
    store.commit()
    assert [(c, e) for c, e, *_ in store.load()] == [("plain", None), (odd, "id\x00x")]
    store.close()
    reopened = LiveSession("harif", store=tmp_path / "live.sqlite")
    assert reopened.open_cases == 2 and reopened.verdict(odd).case_id == odd


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2199, 12, 1)),
       st.sampled_from(["Asia/Riyadh", "Europe/Paris", "America/Santiago"]), st.integers(0, 40),
       st.sampled_from(["working_days", "calendar_days"]))
def test_dues_per_date_are_the_calendar_s_own(local, timezone, amount, unit):
    import numpy as np

    from policykit.calendar import WorkCalendar

    harif = compile_policy(load_policy("harif"), None).calendar
    # the same closed days read in another zone (zones with summer time, and with offsets that changed)
    calendar = WorkCalendar(timezone, harif.work_week, harif.public_holidays, harif.extra_closures)
    # the instant as a log gives it, read in the zone: a local time in a summer-time gap (America/Santiago,
    # 1975-10-12 00:00) is not a time of that day
    trigger = dt.datetime.fromtimestamp(local.replace(tzinfo=calendar.tz).timestamp(), calendar.tz)
    instants = np.array([micros(trigger)], dtype=np.int64)
    wanted = np.array([True])
    for dues in (Dues(calendar),):
        assert int(dues.due(instants, wanted, amount, unit)[0]) == micros(calendar.due(trigger, amount, unit))
        assert int(dues.not_before(instants, wanted, amount, unit)[0]) == \
            micros(calendar.not_before(trigger, amount, unit))
        assert int(dues.due(instants, ~wanted, amount, unit)[0]) == NO_DUE


@pytest.mark.parametrize("text,valid", [("1900-01-01T00:30:00+03:00", True), ("1899-12-31T23:30:00-03:00", False),
                                         ("2200-12-31T23:00:00-05:00", True), ("2201-01-01T00:30:00+14:00", False),
                                         ("1900-01-01", True), ("2200-12-31", True), ("0001-01-01T00:00:00+00:00", False),
                                         ("9999-12-31T23:59:59-12:00", False)])
def test_instants_at_the_ends_of_the_years_allowed_read_as_the_case_loader_reads_them(text, valid):
    from policykit.timeparse import parse_instant

    for kind in (LiveSession, ReferenceSession):
        session = kind("harif")
        session.post("W", {"type": "request_completed", "at": "2025-01-01"})  # the shape is known: read inline
        event = {"type": "request_completed", "at": text}
        if not valid:
            with pytest.raises(PolicykitError) as info:
                session.post("A", event)
            assert info.value.first.code == "invalid-date"
            assert set(session.cases) == {"W"}
            continue
        session.post("A", event)
        assert session.cases["A"].events[0].at == parse_instant(text, session.tz)


def test_a_post_many_returns_a_read_only_sequence_of_changes_built_when_read():
    from collections.abc import Sequence

    session = LiveSession("harif", now="2025-03-01")
    reference = ReferenceSession("harif", now="2025-03-01")
    items = [("A", {"type": "request_completed", "at": "2025-03-02T09:00"}),
             ("A", {"type": "request_completed", "at": "2025-03-02T09:00"}),  # a duplicate
             # a case opened and closed at once owes nothing (SPEC §9): no finding changes
             ("B", {"type": "case_closed", "at": "2025-03-02T10:00", "id": "b1"})]
    changes = session.post_many(items)
    expected = [reference.post(*item) for item in items]
    assert isinstance(changes, Sequence) and len(changes) == 3
    assert changes == expected and list(changes) == expected and changes[:] == expected
    assert [c.to_dict() for c in changes] == [c.to_dict() for c in expected]
    assert changes[-1].event_id == "b1" and changes[1].duplicate and not changes[0].duplicate
    assert changes[0].findings and changes[0].new_actions and not changes[2].findings
    assert changes[0].findings == changes[0].findings
    with pytest.raises(IndexError):
        changes[3]
    with pytest.raises(IndexError):
        changes[-4]
    assert repr(changes).startswith("PostedChanges([Change(case_id='A'")


@pytest.mark.parametrize("columnar", [True, False])
def test_changed_gives_the_changes_with_findings_in_order(columnar):
    from policykit.live import ChangeList, PostedChanges

    session = (LiveSession if columnar else ReferenceSession)("harif", now="2025-03-01")
    changes = session.post_many([("A", {"type": "request_completed", "at": "2025-03-02T09:00"}),
                                 ("A", {"type": "request_completed", "at": "2025-03-02T09:00"}),
                                 ("B", {"type": "case_closed", "at": "2025-03-02T10:00"}),
                                 ("C", {"type": "request_completed", "at": "2025-03-03T09:00"})])
    assert isinstance(changes, PostedChanges if columnar else ChangeList)
    assert changes.changed() == [c for c in changes if c.findings or c.new_actions]
    assert [c.case_id for c in changes.changed()] == ["A", "C"]


def test_findings_built_when_read_still_say_what_their_post_changed():
    """A posted event's findings are built from its post_many's own columns when first read: reading them after
    later posts and advances gives what the reference session reported at the time."""
    events = [("A", {"type": "request_completed", "at": "2025-03-02T09:00"}),
              ("B", {"type": "request_received", "at": "2025-03-02T09:30", "channel": "website"}),
              ("A", {"type": "decision_notified", "at": "2025-03-20T10:00", "channel": "email"})]
    session, reference = LiveSession("harif", now="2025-03-01"), ReferenceSession("harif", now="2025-03-01")
    first, expected = session.post_many(events[:2]), [c.to_dict() for c in reference.post_many(events[:2])]
    kept = first.changed()
    session.post_many(events[2:])
    session.advance("2025-06-01")
    assert [c.to_dict() for c in first] == expected
    assert [c.to_dict() for c in kept] == [c for c in expected if c["findings"] or c["new_actions"]]
    assert kept[0].findings == first[0].findings == expected[0]["findings"]
