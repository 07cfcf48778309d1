"""LiveSession.todo, the to-do list across held cases judged over columns, against what it replaced: the
required actions of `verdict()` (evaluate) case by case, sorted and filtered as the service's `actions` was."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from policykit.live import LiveSession
from policykit.loader import load_policy

ROOT = Path(__file__).resolve().parents[2]
PLUS3 = dt.timezone(dt.timedelta(hours=3))


def _types() -> list[str]:
    """The event types test_live_fast's streams are made of."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_live_fast_types", Path(__file__).with_name("test_live_fast.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TYPES


TYPES = _types()
# (policy, first instant, reading): mini has a second version from 2026-01-01
POLICIES = [("harif", dt.datetime(2025, 3, 2, 9, tzinfo=PLUS3), None),
            ("saddad", dt.datetime(2025, 3, 2, 9, tzinfo=PLUS3), None),
            ("green_energy", dt.datetime(2025, 6, 1, 9, tzinfo=PLUS3), None),
            ("suqya", dt.datetime(2025, 3, 2, 9, tzinfo=PLUS3), "literal"),
            ("khairat_albaha", dt.datetime(2025, 3, 2, 9, tzinfo=PLUS3), "intended"),
            (str(ROOT / "tests" / "fixtures" / "policies" / "mini.yaml"), dt.datetime(2025, 12, 10, tzinfo=PLUS3),
             None)]
_LAST = dt.datetime.max.replace(tzinfo=dt.timezone.utc)


def by_verdicts(session, until: dt.datetime | None = None) -> list[dict]:
    """The to-do list as the service made it before: evaluate() on every held case (policykit.service.live_ops)."""
    found = []
    for case_id in list(session.cases):
        for action in session.verdict(case_id).to_json_dict()["required_actions"]:
            due = dt.datetime.fromisoformat(action["due"]) if action.get("due") else None
            if until is not None and (due is None or due > until):
                continue
            found.append(((not action.get("overdue", False), due or _LAST, case_id, action["rule"]),
                          {"case_id": case_id, **action}))
    found.sort(key=lambda item: item[0])
    return [action for _, action in found]


def generated(rng: random.Random, start: dt.datetime, cases: int) -> list[tuple[str, dict]]:
    """Events of `cases` cases over some 40 days, each case a few steps of a typical path, some out of order."""
    items = []
    for number in range(cases):
        case_id = f"C-{number}"
        at = start + dt.timedelta(minutes=rng.randrange(60 * 24 * 30))
        for _ in range(rng.randrange(1, 7)):
            kind = rng.choice(TYPES[:9] if rng.random() < 0.8 else TYPES)
            event = {"type": kind, "at": at.isoformat()}
            if kind == "request_received" and rng.random() < 0.5:
                event["channel"] = "interview"
                event["agreed_channel"] = rng.choice(["phone", "email"])
            if kind == "decision_notified":
                if rng.random() < 0.7:
                    event["outcome"] = rng.choice(["approved", "rejected"])
                event["channel"] = rng.choice(["phone", "email"])
            items.append((case_id, event))
            at += dt.timedelta(hours=rng.randrange(1, 24 * 6))
    rng.shuffle(items)
    return items


@pytest.mark.parametrize("policy_id,start,reading", POLICIES)
def test_todo_is_the_verdicts_required_actions(policy_id, start, reading):
    """On generated cases at several clocks (events posted in a few posts, then advances past some dues), the
    to-do list is the old one action for action: every field (overdue, at_risk, before, label, clause), the
    order, and each due_before filter (a bound on a due, between dues, before them all)."""
    rng = random.Random(policy_id)
    policy = load_policy(policy_id)
    session = LiveSession(policy, reading=reading)
    items = generated(rng, start, 150)
    seen = {"overdue": 0, "at_risk": 0, "before": 0, "open": 0}
    half = len(items) // 2
    for chunk in (items[:half], items[half:]):
        session.post_many(chunk)
        for step in range(4):
            todo = session.todo()
            assert todo == by_verdicts(session)
            dues = sorted({a["due"] for a in todo if a["due"]})
            bounds = [dt.datetime.fromisoformat(dues[len(dues) // 2])] if dues else []
            bounds += [session.now - dt.timedelta(days=1), session.now + dt.timedelta(days=9, seconds=1)]
            for bound in bounds:
                assert session.todo(bound) == by_verdicts(session, bound)
            seen["overdue"] += sum(a["overdue"] for a in todo)
            seen["at_risk"] += sum(a["at_risk"] for a in todo)
            seen["before"] += sum(a["before"] is not None for a in todo)
            seen["open"] += sum(a["due"] is None for a in todo)
            session.advance(session.now + dt.timedelta(days=rng.choice([1, 2, 5])))
    if reading == "literal":  # no upper bound: nothing is overdue or at risk
        assert not seen.pop("overdue") and not seen.pop("at_risk")
    assert all(seen.values()), seen  # each kind of action was compared


def test_todo_stops_when_told():
    """`stop()` is called as it goes; what it raises ends the list (the service's time limit)."""
    session = LiveSession("harif")
    session.post_many([(f"S-{i}", {"type": "request_completed", "at": "2025-03-02T09:00"}) for i in range(10)])
    calls = []

    def stop():
        calls.append(1)
        raise TimeoutError

    with pytest.raises(TimeoutError):
        session.todo(stop=stop)
    assert calls == [1]
    assert len(session.todo()) == 10 * len(session.todo()) // 10 > 0


def test_todo_after_a_restart_and_a_closure(tmp_path):
    """Cases restored from the store (not judged since) and a case closed (out of memory) give the same list."""
    store = str(tmp_path / "s.sqlite")
    start = dt.datetime(2025, 3, 2, 9, tzinfo=PLUS3)
    session = LiveSession("harif", store=store)
    session.post_many(generated(random.Random(7), start, 60))
    expected = by_verdicts(session)
    session.shutdown()
    session = LiveSession("harif", store=store)
    assert session.todo() == expected == by_verdicts(session)
    session.close("C-3")
    assert session.todo() == by_verdicts(session) == [a for a in expected if a["case_id"] != "C-3"]
    session.shutdown()
