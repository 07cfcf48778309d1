"""Data-driven scenarios: each tests/scenarios/<policy>/*.yaml is a case, an as_of, a reading and the expected verdict."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import TypeAdapter

from policykit.case import case_from_document
from policykit.config import AtRisk
from policykit.diagnostics import PolicykitError
from policykit.engine import evaluate
from policykit.records import record_of
from policykit.source import Document, load_file
from policykit.verdict import Verdict

HERE = Path(__file__).parent
FILES = sorted(HERE.glob("*/*.yaml"))
SCENARIO_KEYS = {"description", "as_of", "reading", "case", "expect"}
EXPECT_KEYS = {"status", "policy_version", "reading", "findings", "required_actions", "compensation", "notes", "error"}
FINDING_KEYS = {"status", "due", "trigger_at", "fulfilled_at", "late_by", "reading", "not_before", "would_decide",
                "evidence"}
ACTION_KEYS = {"event", "due", "rule", "at_risk", "overdue", "before"}
COMPENSATION_KEYS = {"status", "unknown_facts"}
ERROR_KEYS = {"code", "line", "col"}


def _strict(mapping: dict, allowed: set[str], where: str) -> dict:
    unknown = set(mapping) - allowed
    assert not unknown, f"{where}: unknown scenario key(s) {sorted(unknown)}; allowed: {sorted(allowed)}"
    return mapping


def _case_document(doc: Document) -> Document:
    """The `case:` subtree as its own document, keeping the scenario file's line numbers."""
    spans = {path[1:]: span for path, span in doc.spans.items() if path[:1] == ("case",)}
    return Document(doc.data["case"], doc.file, spans)


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.stem}" for p in FILES])
def test_scenario(path: Path) -> None:
    doc = load_file(path)
    scenario = _strict(doc.data, SCENARIO_KEYS, path.name)
    expect = _strict(scenario["expect"], EXPECT_KEYS, f"{path.name}: expect")
    policy_ref = scenario["case"].get("policy", path.parent.name)
    if "error" in expect:
        error = _strict(expect["error"], ERROR_KEYS, f"{path.name}: expect.error")
        with pytest.raises(PolicykitError) as caught:
            case_from_document(_case_document(doc), policy_ref)
        first = caught.value.first
        assert first.code == error["code"], caught.value.render()
        assert first.span is not None and first.span.file == str(path)
        assert first.span.line == error["line"], caught.value.render()
        if "col" in error:
            assert first.span.col == error["col"], caught.value.render()
        return
    case = case_from_document(_case_document(doc), policy_ref)
    verdict = evaluate(case.policy, case, scenario["as_of"], scenario.get("reading"), at_risk=AtRisk())
    findings = {f.rule: f for f in verdict.findings}
    _assert_valid(verdict)
    # what a warm `policykit check` judges with: the policy as plain records gives the very same verdict
    as_records = evaluate(record_of(case.policy), case, scenario["as_of"], scenario.get("reading"), at_risk=AtRisk())
    assert as_records == verdict
    assert verdict.policy == path.parent.name
    if "status" in expect:
        assert verdict.status == expect["status"], _summary(verdict)
    if "policy_version" in expect:
        assert verdict.policy_version == str(expect["policy_version"])
    if "reading" in expect:
        assert verdict.reading == expect["reading"]
    for rule_id, wanted in (expect.get("findings") or {}).items():
        assert rule_id in findings, f"no finding for rule {rule_id}; have {sorted(findings)}"
        wanted = {"status": wanted} if isinstance(wanted, str) else _strict(wanted, FINDING_KEYS, rule_id)
        actual = findings[rule_id].model_dump(mode="json")
        for key, value in wanted.items():
            assert actual[key] == value, f"{rule_id}.{key}: expected {value!r}, got {actual[key]!r}\n{_summary(verdict)}"
    if "required_actions" in expect:
        actions = [a.model_dump(mode="json") for a in verdict.required_actions]
        assert len(actions) == len(expect["required_actions"]), actions
        for got, wanted in zip(actions, expect["required_actions"]):
            for key, value in _strict(wanted, ACTION_KEYS, "required_actions").items():
                assert got[key] == value, f"action {key}: expected {value!r}, got {got[key]!r}"
    if "compensation" in expect:
        wanted = _strict(expect["compensation"], COMPENSATION_KEYS, "compensation")
        got = verdict.compensation.model_dump(mode="json")
        for key, value in wanted.items():
            assert got[key] == value, f"compensation.{key}: expected {value!r}, got {got[key]!r}"
    if "notes" in expect:
        assert [n.code for n in verdict.notes] == expect["notes"]


def _assert_valid(verdict: Verdict) -> None:
    """The engine builds verdicts without validation (Out.trusted): every one must still pass pydantic's."""
    dumped = verdict.to_json_dict()
    assert Verdict.model_validate(dumped) == verdict
    assert TypeAdapter(Verdict).dump_python(verdict, mode="json") == dumped  # pydantic's serializer agrees


def _summary(verdict) -> str:
    return "\n".join(f"  {f.rule}: {f.status} due={f.due} late={f.late_by} {f.explanation.en}"
                     for f in verdict.findings)


def test_every_bundled_policy_has_twelve_scenarios() -> None:
    from policykit.loader import BUNDLED_IDS

    for pid in BUNDLED_IDS:
        assert len(list((HERE / pid).glob("*.yaml"))) >= 12, pid


def test_unknown_scenario_keys_fail_loudly() -> None:
    with pytest.raises(AssertionError, match="unknown scenario key"):
        _strict({"as_of": "2025-01-01", "expects": {}}, SCENARIO_KEYS, "typo.yaml")
    with pytest.raises(AssertionError, match="unknown scenario key"):
        _strict({"status": "met", "deu": "x"}, FINDING_KEYS, "rule")
