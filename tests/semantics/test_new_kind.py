"""docs/semantics.md §11: a kind defined in one file (never_kind.py) runs through evaluate, batch and live
alike, in a test-only policy, with no other file changed."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pyarrow as pa
import pytest

from policykit.case import Case, Event
from policykit.engine import evaluate
from policykit.judge.kinds import KINDS, registered
from policykit.loader import load_policy

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
PLUS3 = dt.timezone(dt.timedelta(hours=3))
RULE = """  - id: no_complaint
    kind: never
    label: {ar: لا شكوى, en: No complaint}
    clause: {ref: "ج-١", text_ar: "تلقي الشكاوى."}
    event: complaint_received
"""


def _never():
    spec = importlib.util.spec_from_file_location("_never_kind", HERE / "never_kind.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.NEVER


@pytest.fixture
def policy(tmp_path):
    """mini.yaml with one `never` rule added, loaded while the kind is registered."""
    text = (ROOT / "tests" / "fixtures" / "policies" / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace("rules:\n", "rules:\n" + RULE, 1).replace("id: mini\n", "id: mini_never\n", 1)
    path = tmp_path / "mini_never.yaml"
    path.write_text(text, encoding="utf-8")
    with registered(_never()):
        yield load_policy(str(path))
    assert "never" not in KINDS  # gone again after the block: other tests see the bundled kinds only


CASES = {
    "quiet": [("request_completed", "2025-03-02T09:00")],
    "complained": [("request_completed", "2025-03-02T09:00"), ("complaint_received", "2025-03-04T10:30")],
}
AS_OF = dt.datetime(2025, 4, 1, tzinfo=PLUS3)


def _case(case_id: str) -> Case:
    events = [Event(i, kind, dt.datetime.fromisoformat(at).replace(tzinfo=PLUS3), {})
              for i, (kind, at) in enumerate(CASES[case_id])]
    return Case(case_id=case_id, events=tuple(events), facts={})


def test_the_new_kind_is_judged_alike_by_evaluate_batch_and_live(policy):
    from policykit.batch import judge_table
    from policykit.live import LiveSession

    verdicts = {case_id: evaluate(policy, _case(case_id), AS_OF) for case_id in CASES}
    statuses = {case_id: {f.rule: f.status for f in v.findings}["no_complaint"] for case_id, v in verdicts.items()}
    assert statuses == {"quiet": "met", "complained": "breached"}
    breach = next(f for f in verdicts["complained"].findings if f.rule == "no_complaint")
    assert breach.kind == "never" and breach.evidence == [1] and "happened at 2025-03-04 10:30" in breach.explanation.en
    assert verdicts["complained"].status == "non_compliant"

    rows = [(case_id, kind, dt.datetime.fromisoformat(at).replace(tzinfo=PLUS3), line)
            for line, (case_id, (kind, at)) in enumerate(
                ((c, e) for c in CASES for e in CASES[c]), start=2)]
    table = pa.table({"case_id": [r[0] for r in rows], "type": [r[1] for r in rows],
                      "at": pa.array([r[2] for r in rows], pa.timestamp("us", tz="Asia/Riyadh")),
                      "line": [r[3] for r in rows]})
    judged = {row["case_id"]: row for row in judge_table(table, policy, AS_OF).to_pylist()}
    for case_id, verdict in verdicts.items():
        assert judged[case_id]["status"] == verdict.status
        assert [(f["rule"], f["kind"], f["status"]) for f in judged[case_id]["findings"]] == \
            [(f.rule, f.kind, f.status) for f in verdict.findings]

    session = LiveSession(policy)
    for case_id in CASES:
        session.post_many([(case_id, {"type": kind, "at": at}) for kind, at in CASES[case_id]])
    session.advance(AS_OF)
    for case_id, verdict in verdicts.items():
        assert session.judgement(case_id)["no_complaint"] == statuses[case_id]
        assert session.verdict(case_id).model_dump() == verdict.model_dump()


def test_every_table_of_kinds_reads_the_new_kind(policy):
    from policykit.policy_labels import describe_rule, kind_label
    from policykit.report import labels
    from policykit.report.timeline import _events_of

    rule = policy.rule("no_complaint")
    assert kind_label(rule, "ar") == "حظر" and labels.kind("never", "en") == "never"
    assert describe_rule(rule, "en") == "Complaint received never happens"
    assert _events_of("no_complaint", policy) == (None, "complaint_received")


def test_a_policy_using_an_unregistered_kind_is_refused(tmp_path):
    from policykit.diagnostics import PolicykitError

    text = (ROOT / "tests" / "fixtures" / "policies" / "mini.yaml").read_text(encoding="utf-8")
    path = tmp_path / "mini_never.yaml"
    path.write_text(text.replace("rules:\n", "rules:\n" + RULE, 1).replace("id: mini\n", "id: mini_never\n", 1),
                    encoding="utf-8")
    with pytest.raises(PolicykitError) as caught:
        load_policy(str(path))
    assert caught.value.first.span.line is not None
