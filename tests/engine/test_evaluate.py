"""evaluate(): each rule kind, readings, case_closed, undetermined, versions, required actions, notes."""

import datetime as dt

import pytest

from policykit.config import AtRisk
from policykit.engine import evaluate
from policykit.judge.compiled import compile_policy

AS_OF = "2025-06-30T00:00:00+03:00"


def finding(verdict, rule):
    return next(f for f in verdict.findings if f.rule == rule)


def test_deadline_met_breached_pending(mini, make_case):
    base = [("request_received", "2025-03-02T09:00", {"channel": "interview"}), ("request_completed", "2025-03-04")]
    pending = evaluate(mini, make_case(mini, base), "2025-03-20")
    assert finding(pending, "respond_within_15_working_days").status == "pending"
    assert pending.status == "in_progress"
    assert pending.required_actions[0].due == "2025-03-25T23:59:59+03:00"
    late = evaluate(mini, make_case(mini, base), "2025-03-26T00:00:00+03:00")
    assert finding(late, "respond_within_15_working_days").status == "breached"
    assert finding(late, "respond_within_15_working_days").late_by == {"working_days": 1}
    # SPEC §9: the answer is still owed, now overdue, listed first; before the fix the to-do list was empty
    overdue = late.required_actions[0]
    assert (overdue.event, overdue.overdue, overdue.at_risk, overdue.due) == (
        "decision_notified", True, False, "2025-03-25T23:59:59+03:00")
    assert not any(a.overdue for a in late.required_actions[1:])
    met = make_case(mini, base + [("decision_notified", "2025-03-25T23:59:59+03:00", {"outcome": "approved"})])
    assert finding(evaluate(mini, met, AS_OF), "respond_within_15_working_days").status == "met"


def test_extra_closure_of_the_policy_counts(mini, make_case):
    case = make_case(mini, [("request_completed", "2025-05-14")])  # 15 May is closed in the fixture
    due = finding(evaluate(mini, case, "2025-05-15"), "respond_within_15_working_days").due
    # without the closure: 15 May (1), 18-22 (6), 25-29 (11), 1-4 Jun (15). With it 18 May is day 1:
    # 18-22 (5), 25-29 (10), 1-4 Jun (14), 5-10 Jun Arafah and Eid al-Adha, 11 Jun (15)
    assert due == "2025-06-11T23:59:59+03:00"
    # from 13 May: 14 (1), 15 closed, 18-22 (6), 25-29 (11), 1-4 Jun (15); it would be 3 Jun without the closure
    earlier = make_case(mini, [("request_completed", "2025-05-13")])
    assert finding(evaluate(mini, earlier, "2025-05-15"), "respond_within_15_working_days").due == \
        "2025-06-04T23:59:59+03:00"


def test_events_after_as_of_are_ignored_with_a_note(mini, make_case):
    case = make_case(mini, [("request_completed", "2025-03-04"), ("decision_notified", "2025-03-10")])
    verdict = evaluate(mini, case, "2025-03-05")
    assert finding(verdict, "respond_within_15_working_days").status == "pending"
    assert [n.code for n in verdict.notes] == ["events-after-as-of"]


def test_trigger_counts_from_first_occurrence(mini, make_case):
    case = make_case(mini, [("request_completed", "2025-03-04"), ("request_completed", "2025-03-20"),
                            ("decision_notified", "2025-03-30")])
    f = finding(evaluate(mini, case, AS_OF), "respond_within_15_working_days")
    assert f.trigger_at == "2025-03-04T00:00:00+03:00" and f.status == "breached"


def test_decision_before_trigger_does_not_fulfil(mini, make_case):
    case = make_case(mini, [("decision_notified", "2025-03-03"), ("request_completed", "2025-03-04")])
    assert finding(evaluate(mini, case, "2025-03-05"), "respond_within_15_working_days").status == "pending"


def test_order_rule(mini, make_case):
    missing_first = make_case(mini, [("referred_to_committee", "2025-03-04")])
    assert finding(evaluate(mini, missing_first, AS_OF), "verify_before_committee").status == "breached"
    nothing = make_case(mini, [("data_verified", "2025-03-04")])
    assert finding(evaluate(mini, nothing, AS_OF), "verify_before_committee").status == "not_applicable"


def test_channel_rule(mini, make_case):
    agreed = ("request_received", "2025-03-02", {"channel": "interview", "agreed_channel": "phone"})
    verdict = evaluate(mini, make_case(mini, [agreed]), AS_OF)
    assert finding(verdict, "decision_via_agreed_channel").status == "not_applicable"
    same = make_case(mini, [agreed, ("decision_notified", "2025-03-05", {"channel": "phone"})])
    assert finding(evaluate(mini, same, AS_OF), "decision_via_agreed_channel").status == "met"
    silent = make_case(mini, [agreed, ("decision_notified", "2025-03-05", {"outcome": "approved"})])
    f = finding(evaluate(mini, silent, AS_OF), "decision_via_agreed_channel")
    assert f.status == "undetermined" and f.would_decide == ["decision_notified.channel (event #1)"]
    none_agreed = make_case(mini, [("request_received", "2025-03-02"),
                                   ("decision_notified", "2025-03-05", {"channel": "email"})])
    assert finding(evaluate(mini, none_agreed, AS_OF), "decision_via_agreed_channel").status == "not_applicable"


def test_obligation_pending_then_breached_at_close(mini_four, make_case):
    events = [("request_completed", "2025-03-04")]
    open_case = evaluate(mini_four, make_case(mini_four, events), AS_OF)
    assert finding(open_case, "registration_after_completion").status == "pending"
    assert [a.event for a in open_case.required_actions] == ["registration_completed"]
    closed = evaluate(mini_four, make_case(mini_four, events + [("case_closed", "2025-03-10")]), AS_OF)
    assert finding(closed, "registration_after_completion").status == "breached"


def test_require_before_the_condition_does_not_fulfil(mini_four, make_case):
    case = make_case(mini_four, [("registration_completed", "2025-03-03"), ("request_completed", "2025-03-04")])
    assert finding(evaluate(mini_four, case, AS_OF), "registration_after_completion").status == "pending"


def test_conditional_obligation(mini_four, make_case):
    def status(outcome):
        attrs = {"outcome": outcome} if outcome else {}
        case = make_case(mini_four, [("decision_notified", "2025-03-04", attrs)])
        return finding(evaluate(mini_four, case, AS_OF), "service_after_approval").status

    assert status("approved") == "pending"
    assert status("rejected") == "not_applicable"
    assert status(None) == "undetermined"


def test_a_rejection_is_not_said_to_be_no_decision(mini_four, make_case):
    """After a rejection the explanation names the approval that did not occur, not the decision that did."""
    case = make_case(mini_four, [("decision_notified", "2025-03-04", {"outcome": "rejected"})])
    found = finding(evaluate(mini_four, case, AS_OF), "service_after_approval")
    assert found.status == "not_applicable"
    assert found.explanation.en == "'Decision notified (outcome: approved)' did not occur, so the rule does not apply."
    assert found.explanation.ar == ("لم يقع «إبلاغ المستفيد بالقبول أو الرفض (نتيجة الطلب: القبول)»، "
                                    "فلا تنطبق القاعدة.")


def test_an_approval_after_an_unknown_outcome_still_decides(mini_four, make_case):
    # whatever the first decision's outcome, the approval after it makes the service owed: the unknown outcome
    # decides nothing unless a service falls between the two decisions (it was undetermined, with no action)
    def judged(*extra):
        case = make_case(mini_four, [("decision_notified", "2025-03-04"),
                                     ("decision_notified", "2025-03-05", {"outcome": "approved"}), *extra])
        verdict = evaluate(mini_four, case, AS_OF)
        return finding(verdict, "service_after_approval"), verdict

    owed, verdict = judged()
    assert (owed.status, owed.trigger_at) == ("pending", "2025-03-05T00:00:00+03:00")
    assert [a.event for a in verdict.required_actions if a.rule == "service_after_approval"] == ["service_delivered"]
    assert judged(("service_delivered", "2025-03-06"))[0].status == "met"
    assert judged(("case_closed", "2025-03-06"))[0].status == "breached"
    between = judged(("service_delivered", "2025-03-04T12:00"))[0]  # met only if the first was the approval
    assert between.status == "undetermined" and between.would_decide == ["decision_notified.outcome (event #0)"]


@pytest.mark.parametrize(("reading", "decided", "status"), [
    ("intended", "2025-03-12", "met"), ("literal", "2025-03-12", "breached"),
    ("intended", "2025-03-30", "breached"), ("literal", "2025-03-30", "met"),
    ("literal", "2025-03-16T00:00:00+03:00", "met"), ("literal", "2025-03-15T23:59:59+03:00", "breached"),
])
def test_readings(mini_four, make_case, reading, decided, status):
    case = make_case(mini_four, [("referred_to_committee", "2025-03-02T10:00"), ("decision_notified", decided)])
    f = finding(evaluate(mini_four, case, AS_OF, reading), "respond_within_two_weeks")
    assert (f.status, f.reading) == (status, reading)


def test_literal_pending_says_when_the_answer_may_come(mini_four, make_case):
    # under the literal reading an answer before not_before is a breach: the pending finding (and so the officer's
    # to-do) must say so; it used to read "no time limit", as if the decision could be sent at once
    case = make_case(mini_four, [("referred_to_committee", "2025-03-02T10:00")])
    f = finding(evaluate(mini_four, case, "2025-03-05", "literal"), "respond_within_two_weeks")
    assert (f.status, f.due, f.not_before) == ("pending", None, "2025-03-16T00:00:00+03:00")
    assert "not before 2025-03-16 00:00" in f.explanation.en and "no time limit" not in f.explanation.en
    assert "على ألا يتم قبل 2025-03-16 00:00" in f.explanation.ar


def test_closed_after_due_says_lateness_is_to_the_closure(mini, make_case):
    # late_by stops at the closure (3 working days), not at as_of months later: the explanation must say so,
    # or '3 working days late' read in June contradicts a March due; it used to read like an open overdue case
    case = make_case(mini, [("request_completed", "2025-03-05T10:00"), ("case_closed", "2025-04-06T12:00")])
    verdict = evaluate(mini, case, "2025-06-01")
    f = finding(verdict, "respond_within_15_working_days")
    assert (f.status, f.due, f.late_by) == ("breached", "2025-03-26T23:59:59+03:00", {"working_days": 3})
    assert "closed at 2025-04-06 12:00" in f.explanation.en and "late at the closure" in f.explanation.en
    assert "أُغلقت الحالة في 2025-04-06 12:00" in f.explanation.ar and "حتى الإغلاق" in f.explanation.ar
    assert all(a.rule != f.rule for a in verdict.required_actions)  # a closed case owes nothing


def test_reading_from_environment(mini_four, make_case, monkeypatch):
    case = make_case(mini_four, [("referred_to_committee", "2025-03-02T10:00"), ("decision_notified", "2025-03-12")])
    monkeypatch.setenv("POLICYKIT_READING", "literal")
    assert finding(evaluate(mini_four, case, AS_OF), "respond_within_two_weeks").status == "breached"
    assert finding(evaluate(mini_four, case, AS_OF, "intended"), "respond_within_two_weeks").status == "met"


def test_unknown_reading_rejected(mini_four):
    with pytest.raises(ValueError):
        compile_policy(mini_four, "loose")


def test_version_in_force_at_first_event(mini, make_case):
    def judged(first_day, decided):
        case = make_case(mini, [("request_completed", first_day), ("decision_notified", decided)])
        return evaluate(mini, case, "2026-12-31")

    old = judged("2025-12-31", "2026-01-22")
    assert old.policy_version == "1"
    assert finding(old, "respond_within_15_working_days").due == "2026-01-21T23:59:59+03:00"
    new = judged("2026-01-04", "2026-01-22")
    assert new.policy_version == "2"
    assert finding(new, "respond_within_15_working_days").due == "2026-01-18T23:59:59+03:00"
    assert finding(new, "respond_within_15_working_days").status == "breached"


def test_version_follows_first_event_not_trigger(mini, make_case):
    case = make_case(mini, [("request_received", "2025-12-30"), ("request_completed", "2026-01-04")])
    assert evaluate(mini, case, "2026-01-05").policy_version == "1"


def test_compensation_three_valued(mini, mini_four, make_case):
    def comp(facts):
        return evaluate(mini, make_case(mini, [], facts), AS_OF).compensation

    assert comp({"association_caused_harm": True, "final_ruling_issued": True}).status == "eligible"
    assert comp({"association_caused_harm": False}).status == "not_eligible"
    assert comp({"association_caused_harm": True, "investigation_minutes_approved": False,
                 "final_ruling_issued": False}).status == "not_eligible"
    unknown = comp({"investigation_minutes_approved": True})
    assert unknown.status == "undetermined" and unknown.unknown_facts == ["association_caused_harm"]
    assert comp({"association_caused_harm": None}).unknown_facts == [
        "association_caused_harm", "investigation_minutes_approved", "final_ruling_issued"]
    assert evaluate(mini_four, make_case(mini_four, []), AS_OF).compensation.status == "not_covered"


def test_eligible_compensation_cites_the_negotiation_that_follows(make_case):
    # SPEC §7: harif's conditions, "then negotiation with the beneficiary" (ث-٤); an eligible verdict said so in
    # prose only, citing ث-١..٣ and not the clause of the step it announces
    from policykit.loader import load_policy

    harif = load_policy("harif")
    facts = {"association_caused_harm": True, "investigation_minutes_approved": True}
    eligible = evaluate(harif, make_case(harif, [], facts), AS_OF).compensation
    assert eligible.status == "eligible"
    assert [c.ref for c in eligible.clauses] == ["ث-١", "ث-٢", "ث-٣", "ث-٤"]
    assert eligible.clauses[-1].text_ar == "التفاوض مع المستفيد المتضرر لحل الخلاف والتعويض بما يضمن الحقوق."
    refused = evaluate(harif, make_case(harif, [], {"association_caused_harm": False}), AS_OF).compensation
    assert [c.ref for c in refused.clauses] == ["ث-١", "ث-٢", "ث-٣"]  # no negotiation without eligibility


def test_at_risk_is_configurable(mini, make_case):
    case = make_case(mini, [("request_completed", "2025-03-04")])
    early = evaluate(mini, case, "2025-03-10", at_risk=AtRisk())
    assert early.required_actions[0].at_risk is False
    wide = evaluate(mini, case, "2025-03-10", at_risk=AtRisk(fraction=0.9, working_days=0))
    assert wide.required_actions[0].at_risk is True
    by_days = evaluate(mini, case, "2025-03-10", at_risk=AtRisk(fraction=0.0, working_days=12))
    assert by_days.required_actions[0].at_risk is True


def test_naive_and_date_as_of(mini, make_case):
    case = make_case(mini, [("request_completed", "2025-03-04")])
    assert evaluate(mini, case, dt.datetime(2025, 3, 5, 12)).as_of == "2025-03-05T12:00:00+03:00"
    assert evaluate(mini, case, dt.date(2025, 3, 5)).as_of == "2025-03-05T00:00:00+03:00"


def test_verdict_json_shape(mini, make_case):
    case = make_case(mini, [("request_completed", "2025-03-04"), ("decision_notified", "2025-03-30")])
    data = evaluate(mini, case, "2025-04-01T00:00:00+03:00").to_json_dict()
    assert {"case_id", "policy", "policy_version", "as_of", "status", "findings", "required_actions",
            "compensation"} <= set(data)
    f = data["findings"][0]
    assert {"rule", "kind", "status", "trigger_at", "due", "fulfilled_at", "late_by", "clause", "reading",
            "evidence", "explanation"} <= set(f)
    assert f["clause"]["ref"] == "ت-٦" and f["explanation"]["ar"] and f["explanation"]["en"]
    assert data["compensation"]["status"] == "undetermined"


def test_closed_after_due_measures_lateness_to_the_closure(mini, make_case):
    case = make_case(mini, [("request_completed", "2025-03-04"), ("case_closed", "2025-03-27T10:00")])
    for as_of in ("2025-04-01", "2025-12-01"):
        f = finding(evaluate(mini, case, as_of), "respond_within_15_working_days")
        assert f.status == "breached" and f.late_by == {"working_days": 2}  # 26 and 27 Mar
    before_due = make_case(mini, [("request_completed", "2025-03-04"), ("case_closed", "2025-03-10")])
    f = finding(evaluate(mini, before_due, "2025-12-01"), "respond_within_15_working_days")
    assert f.status == "breached" and f.late_by is None
