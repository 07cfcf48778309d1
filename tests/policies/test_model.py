"""Unit tests of the policy model: each model accepts what it should and rejects what it should not."""

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st
from pydantic import TypeAdapter, ValidationError

from policykit import load_policy
from policykit.loader import load_policy_file
from policykit.model import (AllCondition, Approval, Calendar, ChannelRule, Clause, Compensation, Complaints,
                             Condition, Contact, DeadlineRule, EventPattern, FactCondition, Item, Label,
                             NotCondition, NotEncoded, ObligationRule, OrderRule, Period, Policy, Rule,
                             SatisfactionMethod, Step)

ROOT = Path(__file__).resolve().parents[2]
from policykit.policy_text import policy_data

CLAUSE = {"ref": "ت-٦", "text_ar": "نص البند"}
LABEL = {"ar": "عنوان", "en": "Title"}
RULES = TypeAdapter(Rule)
CONDITION = TypeAdapter(Condition)


def codes(exc: ValidationError) -> set[str]:
    return {e["type"] for e in exc.errors()}


def test_label_needs_both_languages():
    assert Label(**LABEL).en == "Title"
    with pytest.raises(ValidationError) as exc:
        Label(ar="عنوان")
    assert "missing" in codes(exc.value)
    with pytest.raises(ValidationError):
        Label(ar="", en="x")


def test_clause_lines_and_unknown_keys():
    clause = Clause(**CLAUSE, line=3, end_line=5)
    assert (clause.line, clause.end_line) == (3, 5)
    with pytest.raises(ValidationError):
        Clause(**CLAUSE, line=0)
    with pytest.raises(ValidationError) as exc:
        Clause(**CLAUSE, page=2)
    assert "extra_forbidden" in codes(exc.value)


def test_models_are_frozen():
    clause = Clause(**CLAUSE)
    with pytest.raises(ValidationError):
        clause.ref = "x"


def test_item_defaults_and_id_pattern():
    item = Item(id="basic_regulations", label=LABEL, clause=CLAUSE)
    assert item.machine_checkable is False and item.reading is None
    with pytest.raises(ValidationError) as exc:
        Item(id="Basic-Regulations", label=LABEL, clause=CLAUSE)
    assert "string_pattern_mismatch" in codes(exc.value)


def test_step_events_and_satisfaction_period():
    step = Step(id="s", label=LABEL, clause=CLAUSE, events=["request_received"])
    assert step.events == ("request_received",)
    assert SatisfactionMethod(id="m", label=LABEL, clause=CLAUSE).period is None
    with pytest.raises(ValidationError):
        Step(id="s", label=LABEL, clause=CLAUSE, events=["Request Received"])


def test_contact_kinds():
    assert Contact(kind="fax", value="013").kind == "fax"
    with pytest.raises(ValidationError) as exc:
        Contact(kind="pager", value="1")
    assert "literal_error" in codes(exc.value)


def test_approval_dates():
    approval = Approval(date_hijri="1442-01-13", date_gregorian="2021-01-26")
    assert approval.date_gregorian == dt.date(2021, 1, 26) and approval.complete
    assert Approval(date_as_written="...../ 6 / 10 / 2022", complete=False).date_gregorian is None
    with pytest.raises(ValidationError):
        Approval(date_hijri="13/1/1442")
    with pytest.raises(ValidationError):
        Approval(date_gregorian="2021-02-30")


def test_calendar():
    assert Calendar().work_week == ("sun", "mon", "tue", "wed", "thu")
    assert Calendar(extra_closures=["2025-03-30"]).extra_closures == (dt.date(2025, 3, 30),)
    with pytest.raises(ValidationError):
        Calendar(work_week=["sunday"])
    with pytest.raises(ValidationError):
        Calendar(holidays="US")


def deadline(**overrides):
    rule = {"id": "d", "kind": "deadline", "label": LABEL, "clause": CLAUSE, "trigger": "request_completed",
            "fulfilled_by": "decision_notified", "period": {"amount": 15, "unit": "working_days"},
            "as_written": "لا تتجاوز", "bound_as_written": "at_most",
            "readings": {"intended": {"bound": "at_most", "note": "n"}, "literal": {"bound": "at_most", "note": "n"}}}
    rule.update(overrides)
    return rule


def test_deadline_rule():
    rule = RULES.validate_python(deadline())
    assert isinstance(rule, DeadlineRule)
    assert rule.trigger == EventPattern(event="request_completed") and rule.default_reading == "intended"
    with pytest.raises(ValidationError):
        RULES.validate_python(deadline(period={"amount": 2, "unit": "weeks"}))
    with pytest.raises(ValidationError):
        RULES.validate_python(deadline(period={"amount": -1, "unit": "calendar_days"}))
    with pytest.raises(ValidationError):
        RULES.validate_python(deadline(bound_as_written="about"))
    with pytest.raises(ValidationError):
        RULES.validate_python(deadline(readings={"generous": {"bound": "at_most", "note": "n"}}))


def test_order_obligation_channel_rules():
    base = {"id": "r", "label": LABEL, "clause": CLAUSE}
    order = RULES.validate_python({**base, "kind": "order", "first": "data_verified", "then": "referred_to_committee"})
    assert isinstance(order, OrderRule)
    obligation = RULES.validate_python({**base, "kind": "obligation",
                                        "when": {"event": "decision_notified", "where": {"outcome": "approved"}},
                                        "require": "service_delivered"})
    assert isinstance(obligation, ObligationRule) and obligation.when.where == {"outcome": "approved"}
    assert obligation.before is None and obligation.each is False
    every = RULES.validate_python({**base, "kind": "obligation", "when": "complaint_received",
                                   "require": "complaint_resolved", "each": True})
    assert every.each is True
    with pytest.raises(ValidationError, match="'before' cannot be combined with 'each'"):  # docs/semantics.md §6
        RULES.validate_python({**base, "kind": "obligation", "when": "complaint_received",
                               "require": "complaint_resolved", "each": True, "before": "case_closed"})
    channel = RULES.validate_python({**base, "kind": "channel", "event": "decision_notified",
                                     "must_equal_event": "request_received", "must_equal_attribute": "agreed_channel"})
    assert isinstance(channel, ChannelRule) and channel.attribute == "channel"
    with pytest.raises(ValidationError) as exc:
        RULES.validate_python({**base, "kind": "sequence", "first": "a", "then": "b"})
    assert "union_tag_invalid" in codes(exc.value)
    with pytest.raises(ValidationError):
        RULES.validate_python({**base, "kind": "order", "first": "data_verified"})


def test_condition_tree():
    tree = CONDITION.validate_python({"all": [{"fact": "a"}, {"any": [{"fact": "b"}, {"not": {"fact": "c"}}]}]})
    assert isinstance(tree, AllCondition)
    assert isinstance(tree.all[1].any[1], NotCondition) and tree.all[1].any[1].not_ == FactCondition(fact="c")
    with pytest.raises(ValidationError):
        CONDITION.validate_python({"all": []})
    with pytest.raises(ValidationError):
        CONDITION.validate_python({"either": [{"fact": "a"}]})


def test_compensation_and_complaints():
    comp = Compensation(section_ar="ث", condition={"fact": "association_caused_harm"},
                        conditions=[{"id": "c", "label": LABEL, "clause": CLAUSE}])
    assert comp.procedure == ()
    with pytest.raises(ValidationError):
        Compensation(section_ar="ث", condition={"fact": "x"})
    complaints = Complaints(section_ar="ج", channels=["website", "fax"], unspecified=["deadline"])
    assert complaints.handler is None
    with pytest.raises(ValidationError):
        Complaints(section_ar="ج", channels=["Web Site"])


def test_not_encoded_needs_a_reason():
    assert NotEncoded(ref="p", text_ar="الصفحة ١ من ٤", reason="page number", line=7).line == 7
    with pytest.raises(ValidationError):
        NotEncoded(ref="p", text_ar="الصفحة")


def test_policy_audience_and_unknown_keys():
    harif = policy_data(load_policy("harif"))
    assert Policy.model_validate(harif) == load_policy("harif")
    with pytest.raises(ValidationError):
        Policy.model_validate({**harif, "audience": "donors"})
    with pytest.raises(ValidationError) as exc:
        Policy.model_validate({**harif, "colour": "green"})
    assert "extra_forbidden" in codes(exc.value)


@pytest.mark.parametrize("pid", ["green_energy", "saddad", "khairat_albaha", "harif", "suqya"])
def test_bundled_round_trip_through_yaml(pid, tmp_path):
    policy = load_policy(pid)
    path = tmp_path / f"{pid}.yaml"
    path.write_text(yaml.safe_dump(policy_data(policy), allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert load_policy_file(path) == policy


ids = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20)
patterns = st.one_of(ids, st.builds(lambda e, w: {"event": e, "where": w}, ids,
                                    st.dictionaries(ids, text, max_size=2)))
clauses = st.fixed_dictionaries({"ref": text, "text_ar": text},
                                optional={"section_ar": text, "line": st.integers(1, 500)})
rules = st.one_of(
    st.fixed_dictionaries({"id": ids, "kind": st.just("order"), "label": st.just(LABEL), "clause": clauses,
                           "first": patterns, "then": patterns}),
    st.fixed_dictionaries({"id": ids, "kind": st.just("obligation"), "label": st.just(LABEL), "clause": clauses,
                           "when": patterns, "require": patterns}, optional={"before": patterns, "note": text}),
    st.builds(lambda n, u, b: deadline(period={"amount": n, "unit": u}, bound_as_written=b),
              st.integers(0, 3650), st.sampled_from(["calendar_days", "working_days"]),
              st.sampled_from(["at_most", "at_least"])),
)


@settings(max_examples=60, deadline=None)
@given(rules)
def test_rule_round_trip(raw):
    rule = RULES.validate_python(raw)
    dumped = rule.model_dump(mode="json", by_alias=True)
    again = RULES.validate_python(yaml.safe_load(yaml.safe_dump(dumped, allow_unicode=True)))
    assert again == rule


@pytest.mark.parametrize("zone", ["Mars/Base", "../../etc/passwd", "Asia/Riyad"])
def test_a_time_zone_the_tz_database_lacks_is_an_invalid_value(tmp_path, zone):
    """A policy whose calendar named an unknown zone loaded, and `check` then ended in an internal error (exit 70,
    TimeFormatError) at the case's first date. It is one located invalid-value, exit 2, for every command."""
    import io

    from policykit.cli import main

    source = (ROOT / "policies" / "harif.yaml").read_text(encoding="utf-8")
    assert "  timezone: Asia/Riyadh\n" in source
    policy = tmp_path / "p.yaml"
    policy.write_text(source.replace("  timezone: Asia/Riyadh\n", f"  timezone: {zone}\n"), encoding="utf-8")
    line = source[:source.index("  timezone: Asia/Riyadh")].count("\n") + 1
    for argv in (["check", str(ROOT / "examples" / "harif" / "compliant.yaml"), "--policy", str(policy)],
                 ["show", str(policy)], ["lint", str(policy)]):
        err = io.StringIO()
        assert main(argv, io.StringIO(), err) == 2, err.getvalue()
        assert err.getvalue().startswith(f"{policy}:{line}:3: invalid-value: not a time zone of the tz database"), \
            err.getvalue()


def test_a_calendar_needs_a_working_day(tmp_path):
    """`work_week: []` loaded, and the first working-day due was an internal error (exit 70, 'no working days')."""
    import io

    from policykit.cli import main

    source = (ROOT / "policies" / "harif.yaml").read_text(encoding="utf-8")
    policy = tmp_path / "p.yaml"
    policy.write_text(source.replace("  work_week: [sun, mon, tue, wed, thu]\n", "  work_week: []\n"), encoding="utf-8")
    err = io.StringIO()
    assert main(["check", str(ROOT / "examples" / "harif" / "late_decision.yaml"), "--policy", str(policy)],
                io.StringIO(), err) == 2
    assert ": invalid-value: " in err.getvalue() and "(at calendar.work_week)" in err.getvalue(), err.getvalue()
    with pytest.raises(ValidationError):
        Calendar(work_week=())
