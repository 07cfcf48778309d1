"""The five bundled policies load and hold what their documents say, with the rule ids others rely on."""

import datetime as dt
from pathlib import Path

import pytest

from policykit import load_policy
from policykit.loader import bundled_ids
from policykit.model import (AllCondition, AnyCondition, ChannelRule, DeadlineRule, FactCondition,
                             ObligationRule, OrderRule)

FIVE = ["green_energy", "saddad", "khairat_albaha", "harif", "suqya"]
FOUR = ["green_energy", "saddad", "khairat_albaha", "suqya"]
FOUR_RULES = ["respond_within_two_weeks", "verify_before_committee", "declaration_before_committee",
              "social_researcher_before_committee", "inform_before_decision", "registration_after_completion",
              "registration_before_service", "service_after_approval"]
HARIF_RULES = ["respond_within_15_working_days", "verify_before_committee", "declaration_before_committee",
               "inform_before_decision", "decision_via_agreed_channel"]


def test_the_five_are_bundled():
    assert bundled_ids() == FIVE


@pytest.mark.parametrize("pid", FIVE)
def test_loads_with_its_own_source(pid):
    policy = load_policy(pid)
    assert policy.id == pid
    assert policy.document.source_file == f"docs/sources/{pid}.ar.txt"
    assert policy.calendar.timezone == "Asia/Riyadh"
    assert policy.calendar.work_week == ("sun", "mon", "tue", "wed", "thu")
    assert policy.calendar.note and "docs/semantics.md" in policy.calendar.note  # where the calendar comes from


@pytest.mark.parametrize("pid", FOUR)
def test_four_carry_the_eight_rules(pid):
    policy = load_policy(pid)
    assert [r.id for r in policy.rules] == FOUR_RULES
    deadline = policy.rule("respond_within_two_weeks")
    assert isinstance(deadline, DeadlineRule)
    assert (deadline.trigger.event, deadline.fulfilled_by.event) == ("referred_to_committee", "decision_notified")
    assert (deadline.period.amount, deadline.period.unit) == (14, "calendar_days")
    assert deadline.as_written == "خلال مدة لا تقل عن أسبوعين"
    assert deadline.as_written in deadline.clause.text_ar
    assert deadline.bound_as_written == "at_least"
    assert deadline.readings["intended"].bound == "at_most"
    assert deadline.readings["literal"].bound == "at_least"
    assert deadline.default_reading == "intended"
    social = policy.rule("social_researcher_before_committee")
    assert isinstance(social, ObligationRule)
    assert (social.when.event, social.require.event, social.before.event) == (
        "procedures_unclear", "referred_to_social_researcher", "referred_to_committee")
    service = policy.rule("service_after_approval")
    assert service.when.event == "decision_notified" and service.when.where == {"outcome": "approved"}
    assert service.require.event == "service_delivered"
    # issue 13: registration is checked in order (after completion, before the service), never owed by a
    # completed request alone, so a rejected request owes none
    for rule_id, first, then in (("registration_after_completion", "request_completed", "registration_completed"),
                                 ("registration_before_service", "registration_completed", "service_delivered")):
        rule = policy.rule(rule_id)
        assert isinstance(rule, OrderRule) and (rule.first.event, rule.then.event) == (first, then)
        assert rule.clause.ref == "التعامل-٦"
    for rule_id, first, then in (("verify_before_committee", "data_verified", "referred_to_committee"),
                                 ("declaration_before_committee", "declaration_signed", "referred_to_committee"),
                                 ("inform_before_decision", "applicant_informed", "decision_notified")):
        rule = policy.rule(rule_id)
        assert isinstance(rule, OrderRule) and (rule.first.event, rule.then.event) == (first, then)


@pytest.mark.parametrize("pid", FOUR)
def test_four_have_seven_steps_and_five_practices(pid):
    policy = load_policy(pid)
    assert len(policy.steps) == 7
    assert [s.clause.ref for s in policy.steps] == [f"التعامل-{d}" for d in "١٢٣٤٥٦٧"]
    assert len(policy.service_practices) == 5
    assert not policy.steps[0].machine_checkable
    assert policy.compensation is None and policy.complaints is None


def test_harif_rules_and_clauses():
    harif = load_policy("harif")
    assert [r.id for r in harif.rules][:5] == HARIF_RULES
    deadline = harif.rule("respond_within_15_working_days")
    assert (deadline.period.amount, deadline.period.unit) == (15, "working_days")
    assert deadline.clause.ref == "ت-٦"
    assert deadline.as_written == "لا تتجاوز (١٥) يوم عمل من تاريخ اكتمال الطلب"
    assert deadline.bound_as_written == "at_most"
    assert {r.bound for r in deadline.readings.values()} == {"at_most"}
    channel = harif.rule("decision_via_agreed_channel")
    assert isinstance(channel, ChannelRule)
    assert (channel.event.event, channel.attribute, channel.must_equal_event, channel.must_equal_attribute) == (
        "decision_notified", "channel", "request_received", "agreed_channel")
    assert channel.clause.ref == harif.rule("inform_before_decision").clause.ref == "ت-٥"
    assert not any(r.id == "social_researcher_before_committee" for r in harif.rules)
    # issue 13: ت-٢ (the only «يجب») and ت-٣ are checked where a machine can
    for rule_id, ref, first in (("requirements_before_committee", "ت-٢", "requirements_explained"),
                                ("completion_before_committee", "ت-٣", "request_completed")):
        rule = harif.rule(rule_id)
        assert isinstance(rule, OrderRule) and rule.clause.ref == ref
        assert (rule.first.event, rule.then.event) == (first, "referred_to_committee")
    complaints = harif.rule("resolve_complaints")
    assert complaints.require.event == "complaint_resolved" and not complaints.require.where


@pytest.mark.parametrize("pid", FOUR)
def test_equivalent_steps_share_ids_with_harif(pid):
    """Issue 13: the same handling step has the same id in harif and in the four, so compare/diff line them up."""
    harif = {s.id: s.clause.ref for s in load_policy("harif").steps}
    four = {s.id: s.clause.ref for s in load_policy(pid).steps}
    shared = {"receive_courteously": ("ت-١", "التعامل-١"), "verify_submitted_data": ("ت-٣", "التعامل-٢"),
              "sign_data_declaration": ("ت-٤", "التعامل-٤"), "inform_of_committee_and_answer": ("ت-٥", "التعامل-٥")}
    for step_id, (in_harif, in_four) in shared.items():
        assert (harif[step_id], four[step_id]) == (in_harif, in_four)


def test_harif_compensation_tree():
    comp = load_policy("harif").compensation
    assert isinstance(comp.condition, AllCondition)
    first, second = comp.condition.all
    assert isinstance(first, FactCondition) and first.fact == "association_caused_harm"
    assert isinstance(second, AnyCondition)
    assert [c.fact for c in second.any] == ["investigation_minutes_approved", "final_ruling_issued"]
    assert [c.clause.ref for c in comp.conditions] == ["ث-١", "ث-٢", "ث-٣"]
    assert [c.clause.ref for c in comp.procedure] == ["ث-٤"]
    assert "التفاوض" in comp.procedure[0].clause.text_ar


def test_harif_complaints_satisfaction_and_more():
    harif = load_policy("harif")
    assert harif.complaints.channels == ("website", "fax")
    assert harif.complaints.handler.ar == "لجنة المتابعة"
    assert any("deadline" in u for u in harif.complaints.unspecified)
    assert [i.clause.ref for i in harif.relationship] == ["ح-١", "ح-٢", "ح-٣", "ح-٤"]
    assert [i.clause.ref for i in harif.information_duties] == ["خ-١", "خ-٢", "خ-٣"]
    assert len(harif.satisfaction) == 6
    survey = harif.satisfaction[0]
    assert survey.period is None and "بكل دوري" in survey.clause.text_ar and "بكل دوري" in survey.note
    assert harif.responsibilities and harif.document.scope is not None


def test_harif_item_five_is_website_and_email_from_one_clause():
    channels = {c.id: c for c in load_policy("harif").channels}
    assert channels["website"].clause == channels["email"].clause
    assert channels["website"].clause.text_ar == "الموقع - البريد الإلكتروني."
    assert set(channels) == {"interview", "letters", "phone", "fax", "website", "email", "volunteering_service"}


def test_harif_association_contacts():
    association = load_policy("harif").association
    assert association.registration.number == "1306"
    kinds = {c.kind: c.value for c in association.contacts}
    assert kinds == {"phone": "013 882 0058", "fax": "013 882 0258", "email": "info@harif.org.sa",
                     "website": "www.harif.org.sa"}
    assert association.name.en == "Harif for Productive Families in the Eastern Province"


def test_approvals_as_written():
    green = load_policy("green_energy").approval
    assert green.date_hijri == "1442-01-13" and green.date_gregorian == dt.date(2021, 1, 26)
    assert green.date_as_written == "١٣ / ١ / ١٤٤٢ هـ . الموافق ٢٦ / ١ / ٢٠٢١ م"
    assert green.date_as_written in green.clause.text_ar
    assert (green.meeting, green.session) == ("(الثاني)", "(الأولى)")
    saddad = load_policy("saddad").approval
    assert saddad.complete is False and saddad.date_gregorian is None
    assert saddad.date_as_written == "...../ 6 / 10 / 2022"
    khairat = load_policy("khairat_albaha").approval
    assert khairat.year_gregorian == 2023 and khairat.complete is False
    assert load_policy("harif").approval is None
    assert load_policy("suqya").approval is None


def test_khairat_albaha_addresses_members():
    policy = load_policy("khairat_albaha")
    assert policy.audience == "general_assembly_members"
    assert {p.audience for p in map(load_policy, FIVE) if p.id != "khairat_albaha"} == {"beneficiaries"}


def test_suqya_twelve_services():
    services = load_policy("suqya").services
    assert len(services) == 12
    assert services[0].clause.text_ar == "سقيا الحاج والمعتمر."
    assert len({s.id for s in services}) == 12


def test_source_typos_kept():
    saddad = load_policy("saddad")
    assert "طال ب" in saddad.rule("declaration_before_committee").clause.text_ar
    harif = load_policy("harif")
    assert "اللجابة" in harif.steps[0].clause.text_ar
    assert "وابقاع" in harif.compensation.conditions[0].clause.text_ar


@pytest.mark.parametrize("pid", FIVE)
def test_steps_map_to_known_events(pid):
    from policykit.vocabulary import EVENTS
    for step in load_policy(pid).steps:
        assert step.events and set(step.events) <= set(EVENTS)


def _labelled_clauses(policy):
    """(English label, Arabic clause) of every item with both."""
    for group in (policy.document.detailed_goals, policy.service_practices, policy.steps, policy.tools, policy.rules):
        for item in group:
            yield item.label.en, item.clause.text_ar


@pytest.mark.parametrize("pid, arabic, wrong", [
    ("khairat_albaha", r"(?:عضو|اعضاء|أعضاء|للأعضاء|لأعضاء)", r"\b(?:users?|beneficiar(?:y|ies))\b"),
    ("suqya", r"مستفيد", r"\busers?\b"),
])
def test_english_labels_render_their_own_arabic(pid, arabic, wrong):
    """Issue 13: where a clause speaks of members (or beneficiaries), its English does not say user/beneficiary."""
    import re

    bad = [(en, ar) for en, ar in _labelled_clauses(load_policy(pid))
           if re.search(arabic, ar) and not re.search(r"مستخدم", ar) and re.search(wrong, en, re.I)
           and not (pid == "khairat_albaha" and re.search(r"مستفيد", ar))]
    assert not bad, bad


def test_bundled_policies_speak_to_their_readers():
    """`policykit show` prints every note: none cites the project's internal contract, only docs a reader has."""
    for path in (Path(__file__).resolve().parents[2] / "policies").glob("*.yaml"):
        assert "SPEC" not in path.read_text(encoding="utf-8"), path.name
