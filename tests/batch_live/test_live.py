"""Live sessions: incremental judgements equal evaluate(), SQLite restart keeps every acknowledged event once."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policykit.engine import evaluate
from policykit.live import LiveSession
from policykit.loader import load_policy

START = dt.datetime(2025, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
HARIF_TYPES = ["request_received", "data_verified", "declaration_signed", "request_completed", "applicant_informed",
               "referred_to_committee", "decision_notified", "complaint_received", "complaint_resolved",
               "case_closed"]
FOUR_TYPES = HARIF_TYPES + ["procedures_unclear", "referred_to_social_researcher", "registration_completed",
                            "service_delivered"]


def _event(kind: str, hours: int, draw_attr) -> dict:
    event = {"type": kind, "at": (START + dt.timedelta(hours=hours)).isoformat()}
    if kind == "request_received":
        event["channel"] = "interview"
        agreed = draw_attr(["phone", "email", None])
        if agreed:
            event["agreed_channel"] = agreed
    if kind == "decision_notified":
        outcome = draw_attr(["approved", "rejected", None])
        if outcome:
            event["outcome"] = outcome
        channel = draw_attr(["phone", "email", None])
        if channel:
            event["channel"] = channel
    return event


@st.composite
def streams(draw, types):
    """A few cases' events in arrival order (not time order), with clock advances in between."""
    steps = []
    for _ in range(draw(st.integers(1, 25))):
        if draw(st.integers(0, 6)) == 0:
            steps.append(("advance", draw(st.integers(0, 24 * 60))))
            continue
        kind = draw(st.sampled_from(types))
        steps.append(("post", f"C{draw(st.integers(0, 3))}",
                      _event(kind, draw(st.integers(0, 24 * 50)), lambda xs: draw(st.sampled_from(xs)))))
    return steps


def _replay(policy, steps, reading=None):
    session = LiveSession(policy, now=START, reading=reading)
    arrivals: dict[str, list[dict]] = {}
    for step in steps:
        if step[0] == "advance":
            target = max(session.now, START + dt.timedelta(hours=step[1]))
            session.advance(target)
        else:
            _, case_id, event = step
            change = session.post(case_id, event)
            if not change.duplicate:
                arrivals.setdefault(case_id, []).append(event)
    return session, arrivals


def _reference(policy, case_id, events, as_of, reading=None):
    from policykit.case import case_from_data

    case = case_from_data({"case_id": case_id, "events": events}, policy)
    return evaluate(policy, case, as_of, reading)


@pytest.mark.parametrize("policy_id,types,reading", [("harif", HARIF_TYPES, None), ("saddad", FOUR_TYPES, None),
                                                     ("suqya", FOUR_TYPES, "literal")])
def test_live_equals_evaluate(policy_id, types, reading):
    policy = load_policy(policy_id)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(streams(types))
    def check(steps):
        session, arrivals = _replay(policy, steps, reading)
        session.advance(session.now + dt.timedelta(days=40))
        for case_id, events in arrivals.items():
            expected = _reference(policy, case_id, events, session.now, reading)
            assert session.judgement(case_id) == {f.rule: f.status for f in expected.findings}
            assert session.verdict(case_id).model_dump() == expected.model_dump()

    check()


def test_reading_from_the_environment_is_the_one_evaluate_uses(monkeypatch):
    monkeypatch.setenv("POLICYKIT_READING", "literal")
    session = LiveSession("saddad", now="2025-01-01")
    change = session.post("S", {"type": "referred_to_committee", "at": "2025-01-02"})
    deadline = next(f for f in change.findings if f["rule"] == "respond_within_two_weeks")
    assert deadline == {"rule": "respond_within_two_weeks", "from": None, "to": "pending", "due": None}
    assert session.verdict("S").reading == "literal"


def test_post_reports_changes_and_advance_reports_passed_deadlines():
    session = LiveSession("harif", now="2025-03-01")
    first = session.post("H1", {"type": "request_completed", "at": "2025-03-02T09:00"})
    assert first.findings[0] == {"rule": "respond_within_15_working_days", "from": None, "to": "pending",
                                 "due": "2025-03-23T23:59:59+03:00"}
    assert first.new_actions[0]["event"] == "decision_notified"
    # SPEC §9: the order rules' earlier steps are owed from the case's first event on, before the later step
    informed = next(a for a in first.new_actions if a["rule"] == "inform_before_decision")
    assert (informed["event"], informed["due"], informed["before"]) == ("applicant_informed", None,
                                                                        "decision_notified")
    assert session.advance("2025-03-23T23:59:59+03:00") == []
    passed = session.advance("2025-03-24T00:00:00+03:00")
    assert [(c.case_id, c.findings[0]["to"]) for c in passed] == [("H1", "breached")]
    # the decision is still owed, now overdue (SPEC §9), and the verdict lists it first, the same
    action = session.verdict("H1").required_actions[0]
    assert (action.event, action.overdue, action.due) == ("decision_notified", True, "2025-03-23T23:59:59+03:00")
    assert passed[0].new_actions == [action.model_dump()]
    again = session.post("H1", {"type": "request_completed", "at": "2025-03-02T09:00"})
    assert again.duplicate and not again.findings


@pytest.mark.parametrize("policy_id", ["harif", "saddad"])
def test_new_actions_are_the_verdicts_required_actions_at_that_moment(policy_id):
    """A Change's new actions carried event, rule and due only (no `before`, no label, clause, overdue or at_risk)
    while the verdict's required actions carry them all: each is now the action the case's verdict lists for its
    rule at that moment, field for field, from a post (one event, or many in one post_many) and from advance()."""
    session, twin = LiveSession(policy_id, now="2025-03-01"), LiveSession(policy_id, now="2025-03-01")
    trigger = "request_completed" if policy_id == "harif" else "referred_to_committee"

    def said_as_listed(change):
        listed = {a["rule"]: a for a in session.verdict(change.case_id).to_json_dict()["required_actions"]}
        assert [listed[a["rule"]] for a in change.new_actions] == change.new_actions

    late = [("R1", {"type": trigger, "at": "2025-02-23T10:00" if policy_id == "harif" else "2025-03-01T10:00"}),
            # (R1: late in its window, at risk, when posted)
            ("R2", {"type": "request_received", "at": "2025-03-13T12:00"}),
            ("R2", {"type": trigger, "at": "2025-03-13T12:00"})]
    for item in [("N1", {"type": "request_received", "at": "2025-03-02T09:00"}),
                 ("N1", {"type": trigger, "at": "2025-03-02T10:00"}),
                 ("N2", {"type": trigger, "at": "2025-03-02T11:00"}), "advance"] + late:
        if item == "advance":
            session.advance("2025-03-13T12:00")
            twin.advance("2025-03-13T12:00")
            continue
        change = session.post(*item)
        twin.post(*item)
        assert change.new_actions
        said_as_listed(change)
        assert any(a["before"] for a in change.new_actions) or item[1]["type"] == trigger
        if item[0] == "R1":
            assert any(a["at_risk"] for a in change.new_actions)
    # many events in one post: each as things stood after it, as posted one by one
    session = twin
    changes = session.post_many([(case_id.replace("R", "M"), event) for case_id, event in late])
    one_by_one = [twin.post(case_id.replace("R", "Q"), event) for case_id, event in late]
    assert [c.new_actions for c in changes] == [c.new_actions for c in one_by_one]
    assert changes[1].new_actions and changes[2].new_actions
    passed = session.advance("2025-05-01")
    assert passed and all(change.new_actions for change in passed)
    for change in passed:
        listed = {a["rule"]: a for a in session.verdict(change.case_id).to_json_dict()["required_actions"]}
        assert all(a["overdue"] for a in change.new_actions)
        assert [listed[a["rule"]] for a in change.new_actions] == change.new_actions


def test_new_actions_read_after_their_case_closed_are_those_of_when_it_was_posted():
    """A post's new actions are found when first read; a case closed before that (a long one: its events past the
    session's matrices leave memory with it) still has them as they were at its post."""
    session = LiveSession("harif", now="2025-03-01")
    history = [("L", {"type": "complaint_received", "at": f"2025-03-01T{10 + i // 60:02d}:{i % 60:02d}"})
               for i in range(70)]
    session.post_many(history)
    posted = session.post_many([("L", {"type": "request_completed", "at": "2025-03-02T09:00"}),
                                ("K", {"type": "request_completed", "at": "2025-03-02T09:00"})])
    expected = [a for a in session.verdict("L").to_json_dict()["required_actions"]
                if a["rule"] == "respond_within_15_working_days"]
    session.close("L")
    said = [a for a in posted[0].new_actions if a["rule"] == "respond_within_15_working_days"]
    assert said == expected and expected
    listed = {a["rule"]: a for a in session.verdict("K").to_json_dict()["required_actions"]}
    assert posted[1].new_actions and [listed[a["rule"]] for a in posted[1].new_actions] == posted[1].new_actions


def test_two_sessions_of_one_policy_do_not_collide_and_many_cases_fit():
    one, two = LiveSession("saddad", now="2025-01-01"), LiveSession("saddad", now="2025-01-01")
    assert one.classifier.name != two.classifier.name
    # far more cases than durable-rules' ~1,024 sessions per ruleset
    for i in range(3000):
        one.post(f"S{i}", {"type": "referred_to_committee", "at": "2025-01-05T10:00"})
    two.post("T", {"type": "referred_to_committee", "at": "2025-01-05T10:00"})
    assert one.open_cases == 3000 and two.open_cases == 1
    statuses = {f.rule: f.status for f in one.verdict("S2999").findings}
    assert statuses["respond_within_two_weeks"] == "pending"
    assert statuses["verify_before_committee"] == "breached"


def test_sqlite_store_restarts_with_every_acknowledged_event_once(tmp_path):
    path = tmp_path / "live.sqlite"
    session = LiveSession("harif", store=path, now="2025-03-01")
    events = [("H1", {"type": "request_completed", "at": "2025-03-02T09:00", "id": "e1"}),
              ("H1", {"type": "applicant_informed", "at": "2025-03-03T09:00", "id": "e2"}),
              ("H2", {"type": "request_completed", "at": "2025-03-04T09:00", "id": "e3"})]
    session.post_many(events)
    before = {c: session.verdict(c).model_dump() for c in ("H1", "H2")}
    session.shutdown()
    reopened = LiveSession("harif", store=path, now="2025-03-01")
    assert reopened.post("H1", {"type": "request_completed", "at": "2025-03-02T09:00", "id": "e1"}).duplicate
    assert [len(reopened.cases[c].events) for c in ("H1", "H2")] == [2, 1]
    assert {c: reopened.verdict(c).model_dump() for c in ("H1", "H2")} == before
    reopened.shutdown()
    with pytest.raises(Exception) as info:
        LiveSession("saddad", store=path)
    assert "store-policy-mismatch" in str(info.value)
    LiveSession("harif", store=path).shutdown()  # the refused opening left the store free


def test_a_restarted_session_reports_the_deadlines_that_pass_after_it_starts(tmp_path):
    for now in (None, "2025-03-10"):  # the clock of a restart: the last event's instant, or the one given
        path = tmp_path / f"live-{now}.sqlite"  # one store each: the advance below is stored with it
        session = LiveSession("harif", store=path, now="2025-03-01")
        session.post("H1", {"type": "request_completed", "at": "2025-03-02T09:00"})
        session.shutdown()
        reopened = LiveSession("harif", store=path, now=now)
        passed = reopened.advance("2025-03-24T00:00:00+03:00")
        assert [(c.case_id, c.findings[0]["from"], c.findings[0]["to"]) for c in passed] == [
            ("H1", "pending", "breached")]
        reopened.shutdown()


def test_closed_cases_leave_memory_but_not_the_store(tmp_path):
    path = tmp_path / "live.sqlite"
    session = LiveSession("harif", store=path, now="2025-03-01")
    session.post("H1", {"type": "request_completed", "at": "2025-03-02T09:00"})
    final = session.close("H1")
    assert final.status == "in_progress" and session.open_cases == 0
    session.shutdown()
    assert LiveSession("harif", store=path).open_cases == 0


def test_a_bad_event_is_a_policykit_error_and_nothing_of_its_batch_is_taken(tmp_path):
    from policykit.diagnostics import PolicykitError

    session = LiveSession("harif", store=tmp_path / "live.sqlite", now="2025-03-01")
    with pytest.raises(PolicykitError) as info:
        session.post_many([("H1", {"type": "request_completed", "at": "2025-03-02"}),
                           ("H2", {"type": "request_recieved", "at": "2025-03-02"})])
    assert info.value.first.code == "unknown-event"
    with pytest.raises(PolicykitError) as info:
        session.post("H3", {"type": "request_received", "at": "2025-03-02", "channel": "0501234567"})
    assert info.value.first.code == "unknown-channel"
    assert session.open_cases == 0
    session.shutdown()
    assert LiveSession("harif", store=tmp_path / "live.sqlite").open_cases == 0


def test_durable_ruleset_matches_event_patterns_with_attributes():
    from policykit.live.ruleset import DurableClassifier

    classifier = DurableClassifier(load_policy("saddad"))
    approved = classifier.classify("decision_notified", {"outcome": "approved", "channel": "phone"})
    rejected = classifier.classify("decision_notified", {"outcome": "rejected"})
    assert ("service_after_approval", "when") in approved
    assert ("service_after_approval", "when") not in rejected
    assert ("respond_within_two_weeks", "fulfilled_by") in rejected
    # without the attribute the pattern needs, the rule must be re-judged (it may become undetermined)
    assert ("service_after_approval", "when") in classifier.classify("decision_notified", {})
    assert classifier.classify("requirements_explained", {}) == frozenset()


def test_an_event_for_a_closed_case_reopens_it_with_its_history(tmp_path):
    session = LiveSession("harif", store=tmp_path / "live.sqlite", now="2025-03-01")
    session.post("H1", {"type": "request_completed", "at": "2025-03-02T09:00"})
    session.close("H1")
    assert session.post("H1", {"type": "request_completed", "at": "2025-03-02T09:00"}).duplicate
    late = session.post("H1", {"type": "decision_notified", "at": "2025-05-01", "outcome": "approved"})
    assert {"rule": "respond_within_15_working_days", "from": "pending", "to": "breached",
            "due": "2025-03-23T23:59:59+03:00"} in late.findings
    assert len(session.cases["H1"].events) == 2


def test_facts_of_a_closed_case_are_kept_and_the_case_stays_closed(tmp_path):
    """Facts set on a closed case are stored and come back when an event reopens it; the case stays closed.  It
    came back as a new open case with no events (in_progress, its to-do list asking for the first steps again),
    which a restart on the same store, finding it closed, contradicted."""
    path = tmp_path / "live.sqlite"
    session = LiveSession("harif", store=path, now="2025-03-20")
    session.post("H1", {"id": "1", "type": "request_received", "at": "2025-03-02T09:00", "channel": "phone"})
    session.close("H1")
    session.set_facts("H1", {"association_caused_harm": True})
    assert session.open_cases == 0 and "H1" not in session.cases
    session.shutdown()
    again = LiveSession("harif", store=path)
    assert again.open_cases == 0
    again.post("H1", {"id": "2", "type": "request_completed", "at": "2025-03-03T09:00"})  # reopens it
    assert [e.type for e in again.cases["H1"].events] == ["request_received", "request_completed"]
    assert again.cases["H1"].facts == {"association_caused_harm": True}
    again.shutdown()


def test_clock_values_that_are_not_instants_or_go_back_are_input_errors():
    from policykit.diagnostics import PolicykitError

    with pytest.raises(PolicykitError) as info:
        LiveSession("harif", now="soon")
    assert info.value.first.code == "invalid-date"
    session = LiveSession("harif", now="2025-03-05")
    with pytest.raises(PolicykitError) as info:
        session.advance("2025-03-01")
    assert info.value.first.code == "clock-went-back"



def test_a_replay_clock_starts_at_its_first_event_even_before_1970():
    """SPEC §11: without now=, the clock starts at the first event — a 1940 case is not judged at 1970."""
    from policykit.live import LiveSession

    session = LiveSession("harif")
    session.post_many([("OLD", {"type": "request_completed", "at": "1940-01-07T10:00"})])
    assert session.now.year == 1940
    assert session.judgement("OLD")["respond_within_15_working_days"] == "pending"
    passed = session.advance("1940-03-01")  # not "before the session's clock"
    assert [f["to"] for c in passed for f in c.findings if f["rule"] == "respond_within_15_working_days"] == \
        ["breached"]


def test_judgement_follows_a_clock_a_later_post_moved_past_a_due():
    """A post of another case moves a replay's clock past a due: judgement() says what verdict() says, and
    advance() still reports the due passing."""
    from policykit.live import LiveSession

    session = LiveSession("harif")
    session.post("A", {"type": "request_completed", "at": "2025-03-05T10:00"})
    session.post("B", {"type": "request_received", "at": "2025-05-01T10:00"})  # the clock passes A's due
    statuses = {f.rule: f.status for f in session.verdict("A").findings}
    assert session.judgement("A") == {rule: status for rule, status in statuses.items()
                                      if rule in session.judgement("A")}
    assert session.judgement("A")["respond_within_15_working_days"] == "breached"
    reported = session.advance("2025-05-01T10:00")
    assert [(c.case_id, f["rule"], f["to"]) for c in reported for f in c.findings] == \
        [("A", "respond_within_15_working_days", "breached")]
