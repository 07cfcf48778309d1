"""Shared fixtures for the report tests: a harif-like policy and verdicts built by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykit.loader import load_policy
from policykit.verdict import ClauseRef, CompensationResult, Finding, Note, RequiredAction, Text, Verdict

FIXTURES = Path(__file__).parent / "fixtures"
CLAUSE_T6 = "تحدد المدة للرد على الطلب بمدة لا تتجاوز (١٥) يوم عمل من تاريخ اكتمال الطلب."


@pytest.fixture(scope="session")
def harif_like():
    """A policy shaped like harif's, independent of the bundled files."""
    return load_policy(FIXTURES / "policy_harif_like.yaml")


def make_verdict(status_of_deadline: str = "breached", *, with_action: bool = True) -> Verdict:
    """A verdict with one finding of each kind; the deadline finding's status is chosen by the test."""
    deadline = Finding(
        rule="respond_within_15_working_days", kind="deadline", status=status_of_deadline,
        label=Text(ar="الرد على الطلب خلال ١٥ يوم عمل", en="Answer within 15 working days"),
        clause=ClauseRef(ref="ت-٦", text_ar=CLAUSE_T6),
        trigger_at="2025-03-04T10:00:00+03:00", due="2025-03-27T23:59:59+03:00",
        fulfilled_at="2025-04-08T11:00:00+03:00" if status_of_deadline != "pending" else None,
        late_by={"working_days": 3} if status_of_deadline == "breached" else None,
        reading="intended", evidence=[1, 4],
        explanation=Text(ar="أُبلغ القرار بعد انقضاء المهلة", en="The decision came after the window closed"),
    )
    order = Finding(
        rule="inform_before_decision", kind="order", status="met",
        label=Text(ar="إبلاغ المستفيد قبل القرار", en="Applicant informed before the decision"),
        clause=ClauseRef(ref="ت-٥", text_ar="التوضيح للمستفيد بأن الطلب يعرض على اللجنة المختصة للدراسة"),
        trigger_at="2025-03-05T09:00:00+03:00", fulfilled_at="2025-03-05T09:00:00+03:00",
        explanation=Text(ar="تم الإبلاغ قبل القرار", en="Informed before the decision"),
    )
    channel = Finding(
        rule="decision_via_agreed_channel", kind="channel", status="undetermined",
        label=Text(ar="إبلاغ القرار عبر الوسيلة المتفق عليها", en="Decision via the agreed channel"),
        clause=ClauseRef(ref="ت-٥", text_ar="وسيتم موافاته بالجديد على الوسيلة المتفق عليها للتواصل معه."),
        explanation=Text(ar="لم تُسجل قناة الإبلاغ", en="The decision's channel was not recorded"),
        would_decide=["decision_notified.channel"],
    )
    obligation = Finding(
        rule="complaint_settled", kind="obligation", status="not_applicable",
        label=Text(ar="تسوية الشكوى", en="Complaint settled"),
        clause=ClauseRef(ref="ج-١", text_ar="تسهيل عملية تبليغ الشكوى"),
        explanation=Text(ar="لا توجد شكوى", en="No complaint was lodged"),
    )
    actions = []
    if with_action:
        actions.append(RequiredAction(
            event="complaint_resolved", due="2025-04-20T23:59:59+03:00", rule="complaint_settled",
            label=Text(ar="تسوية الشكوى <b>", en="Settle the complaint <b>"),
            clause=ClauseRef(ref="ج-١", text_ar="تسهيل عملية تبليغ الشكوى"), at_risk=True))
    statuses = [deadline.status, order.status, channel.status, obligation.status]
    from policykit.judge.status import case_status
    return Verdict(
        case_id="H-2025-0042", policy="harif_like", policy_version="1", as_of="2025-04-10T00:00:00+03:00",
        reading="intended", status=case_status(statuses), findings=[deadline, order, channel, obligation],
        required_actions=actions,
        compensation=CompensationResult(status="undetermined", unknown_facts=["investigation_minutes_approved"]),
        notes=[Note(code="channel-not-offered", message=Text(ar="قناة غير معتمدة: الفاكس", en="Channel not offered: fax"))],
    )


@pytest.fixture()
def verdict():
    """A non-compliant verdict (the deadline was breached)."""
    return make_verdict()


@pytest.fixture()
def build_verdict():
    """The verdict builder, for tests that choose the deadline's status."""
    return make_verdict


@pytest.fixture()
def clause_t6() -> str:
    """harif's ت-٦, verbatim."""
    return CLAUSE_T6
