"""LiveSession (post_many in batches, each kind's decision table over columns) reports exactly what the reference
session of the tests (post() one event at a time, the scalar backend on a Context) reports: same Change lists, same
advance() results, same judgements, verdicts and store rows — policies with several versions included."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykit.diagnostics import PolicykitError
from policykit.live import LiveSession
from policykit.live.intake import content_id, micros, shown_attrs
from policykit.live.store import SqliteStore
from policykit.loader import load_policy


def _sibling(name: str):
    """A module of this folder (tests import in importlib mode, so siblings are loaded by path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_live_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ReferenceSession = _sibling("reference_session").ReferenceSession

ROOT = Path(__file__).resolve().parents[2]
PLUS3 = dt.timezone(dt.timedelta(hours=3))
TYPES = ["request_received", "data_verified", "declaration_signed", "request_completed", "applicant_informed",
         "referred_to_committee", "decision_notified", "complaint_received", "complaint_resolved", "case_closed",
         "procedures_unclear", "referred_to_social_researcher", "registration_completed", "service_delivered",
         "requirements_explained"]
FACTS = [None, {"association_caused_harm": True}, {"association_caused_harm": False, "final_ruling_issued": None}]
# (policy, first instant of the streams, reading): mini has a second version from 2026-01-01
POLICIES = [("harif", dt.datetime(2025, 3, 2, 9, tzinfo=PLUS3), None),
            ("saddad", dt.datetime(2025, 3, 2, 9, tzinfo=PLUS3), None),
            ("suqya", dt.datetime(2025, 3, 2, 9, tzinfo=PLUS3), "literal"),
            (str(ROOT / "tests" / "fixtures" / "policies" / "mini.yaml"), dt.datetime(2025, 12, 10, tzinfo=PLUS3),
             None)]


def _event(draw, start: dt.datetime) -> dict:
    kind = draw(st.sampled_from(TYPES))
    at = start + dt.timedelta(minutes=draw(st.integers(0, 60 * 24 * 60)))
    event = {"type": kind, "at": at.isoformat() if draw(st.booleans()) else at.strftime("%Y-%m-%dT%H:%M")}
    maybe = lambda values: draw(st.sampled_from(values))  # noqa: E731
    if kind == "request_received":
        if maybe([True, False]):
            event["channel"] = "interview"
        if agreed := maybe(["phone", "email", None]):
            event["agreed_channel"] = agreed
    if kind == "decision_notified":
        if outcome := maybe(["approved", "rejected", None]):
            event["outcome"] = outcome
        if channel := maybe(["phone", "email", None]):
            event["channel"] = channel
    if draw(st.integers(0, 3)) == 0:
        event["id"] = f"e{draw(st.integers(0, 6))}"  # explicit ids, repeated: duplicates of a case
    return event


@st.composite
def scripts(draw, start: dt.datetime):
    """Batches of (case, event, facts) posts, duplicates and out-of-order events included, with advances."""
    steps, posted = [], []
    for _ in range(draw(st.integers(1, 8))):
        roll = draw(st.integers(0, 9))
        if roll < 2:
            steps.append(("advance", draw(st.integers(0, 24 * 70))))
            continue
        if roll == 2:
            steps.append(("close", f"C{draw(st.integers(0, 4))}"))  # a later post reopens it
            continue
        if roll == 3:
            steps.append(("restart",))  # sessions with a store reopen it; others ignore this
            continue
        batch = []
        for _ in range(draw(st.integers(1, 12))):
            if posted and draw(st.integers(0, 5)) == 0:
                batch.append(draw(st.sampled_from(posted)))  # the same event again
                continue
            item = (f"C{draw(st.integers(0, 4))}", _event(draw, start), draw(st.sampled_from(FACTS)))
            batch.append(item)
            posted.append(item)
        steps.append(("post", batch))
    return steps


def _run(policy, start, reading, steps, fast: bool, store=None):
    kind = LiveSession if fast else ReferenceSession
    session = kind(policy, store=store, now=start, reading=reading)
    out = []
    for step in steps:
        if step[0] == "restart":
            if store is not None:
                now = session.now
                session.shutdown()
                session = kind(policy, store=store, now=start, reading=reading)
                out.append(session.now == now)
        elif step[0] == "close":
            out.append(session.close(step[1]).model_dump() if step[1] in session.cases else None)
        elif step[0] == "advance":
            target = max(session.now, start + dt.timedelta(hours=step[1]))
            out.append([c.to_dict() for c in session.advance(target)])
        elif fast:
            out.append([c.to_dict() for c in session.post_many(step[1])])
        else:
            out.append([session.post(*item).to_dict() for item in step[1]])
    out.append([c.to_dict() for c in session.advance(session.now + dt.timedelta(days=60))])
    out.append({case_id: session.judgement(case_id) for case_id in sorted(session.cases)})
    out.append({case_id: session.verdict(case_id).model_dump() for case_id in sorted(session.cases)})
    session.shutdown()
    return out


@pytest.mark.parametrize("policy_id,start,reading", POLICIES)
def test_batches_report_what_one_by_one_reference_posts_report(policy_id, start, reading):
    policy = load_policy(policy_id)

    @settings(max_examples=int(os.environ.get("PK_EXAMPLES", 60)), deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(scripts(start))
    def check(steps):
        assert _run(policy, start, reading, steps, True) == _run(policy, start, reading, steps, False)

    check()


def test_one_session_class_for_every_policy():
    mini = str(ROOT / "tests" / "fixtures" / "policies" / "mini.yaml")  # two versions
    assert type(LiveSession("harif", now="2025-01-01")) is type(LiveSession(mini, now="2025-01-01")) is LiveSession
    with pytest.raises(TypeError):
        LiveSession("harif", judges="fast")  # one way of judging: the parameter is gone


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(steps=scripts(POLICIES[0][1]))
def test_session_and_reference_stores_hold_the_same_rows_and_restart_alike(tmp_path_factory, steps):
    policy, start = load_policy("harif"), POLICIES[0][1]
    folder = tmp_path_factory.mktemp("stores")
    reference = _run(policy, start, None, steps, False, folder / "reference.sqlite")
    assert _run(policy, start, None, steps, True, folder / "session.sqlite") == reference
    rows = []
    for name in ("session", "reference"):
        store = SqliteStore(folder / f"{name}.sqlite")
        events = list(store.load())
        store.close()  # held by one connection at a time
        with sqlite3.connect(folder / f"{name}.sqlite") as db:
            rows.append((events, db.execute("SELECT * FROM facts ORDER BY case_id, fact").fetchall(),
                         db.execute("SELECT * FROM closed ORDER BY case_id").fetchall()))
    assert rows[0] == rows[1]


def test_a_batch_with_one_bad_event_takes_nothing_even_after_the_fast_path_warmed_up(tmp_path):
    session = LiveSession("harif", store=tmp_path / "live.sqlite", now="2025-03-01")
    session.post_many([("H1", {"type": "request_completed", "at": "2025-03-02T09:00"})])
    good = {"type": "decision_notified", "at": "2025-03-03T09:00", "channel": "phone"}
    for bad, code in [({"type": "decision_notified", "at": "2025-03-03T09:00", "channel": "pigeon"}, "unknown-channel"),
                      ({"type": "decision_notified", "at": "2025-02-30T09:00"}, "invalid-date"),
                      ({"type": "decision_notified", "at": "3025-03-03"}, "invalid-date"),
                      ({"type": "decision_notified", "at": "2025-03-03", "channel": ["phone"]}, None)]:
        with pytest.raises(PolicykitError) as info:
            session.post_many([("H1", good), ("H2", good), ("H1", bad)])
        assert code is None or info.value.first.code == code, info.value.first.code
        assert set(session.cases) == {"H1"} and len(session.cases["H1"].events) == 1
    assert not session.post("H1", good).duplicate  # the good event was never taken, so it is new now
    session.shutdown()
    store = SqliteStore(tmp_path / "live.sqlite")
    assert [(case_id, kind) for case_id, _, kind, _, _ in store.load()] == [("H1", "request_completed"),
                                                                              ("H1", "decision_notified")]
    store.close()


def test_times_read_like_parse_instant_reads_them():
    session = LiveSession("harif", now="2025-01-01")
    forms = ["2025-03-02", "2025-03-02T09:00", "2025-03-02T09:00:00+03:00", " 2025-03-02T09:00 ", "20250302",
             "1446-09-02H", "2025-03-02T06:00:00Z"]
    from policykit.timeparse import parse_instant

    for text in forms:
        kind, at, attrs, shape = session.intake.check("X", {"type": "request_completed", "at": text})
        assert at == parse_instant(text, session.tz) and at.utcoffset() == parse_instant(text, session.tz).utcoffset()


def test_content_ids_are_the_blake2b_of_type_instant_and_sorted_attributes():
    import hashlib

    at = dt.datetime(2025, 3, 2, 9, tzinfo=PLUS3)
    attrs = {"outcome": "approved", "channel": "phone"}
    text = f"decision_notified|{micros(at)}|{sorted(attrs.items())!r}"
    assert content_id("decision_notified", micros(at), shown_attrs(attrs)) == \
        hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
    assert micros(dt.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=dt.timezone.utc)) == -500000


def test_the_garbage_collector_is_paused_only_during_the_call():
    import gc

    session = LiveSession("harif", now="2025-01-01")
    assert gc.isenabled()
    session.post_many([("H1", {"type": "request_completed", "at": "2025-03-02"})])
    assert gc.isenabled()
    with pytest.raises(PolicykitError):
        session.post_many([("H1", {"type": "nope", "at": "2025-03-02"})])
    assert gc.isenabled()
    gc.disable()
    try:
        session.post_many([("H2", {"type": "request_completed", "at": "2025-03-02"})])
        assert not gc.isenabled()  # a caller's choice is left as it was
    finally:
        gc.enable()
