"""The worked example of docs/policy-format.md loads, is faithful to its document, and is fully covered."""

import re
from pathlib import Path

from policykit import coverage as coverage_module
from policykit.coverage import coverage, unverified_quotations
from policykit.loader import load_policy_file
from policykit.source import load_file

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "policy-format.md"


def blocks(kind):
    return re.findall(rf"```{kind}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def test_worked_example(tmp_path, monkeypatch):
    document, policy_text = blocks("text")[0], blocks("yaml")[0]
    (tmp_path / "albir.ar.txt").write_text(document, encoding="utf-8")
    path = tmp_path / "albir.yaml"
    path.write_text(policy_text, encoding="utf-8")
    policy = load_policy_file(path)
    assert policy.id == "albir" and policy.rule("decide_within_10_working_days").period.amount == 10
    assert unverified_quotations(load_file(path).data, document) == []
    monkeypatch.setattr(coverage_module, "sources_dir", lambda: tmp_path)
    report = coverage(policy)
    assert report.complete and len(report.lines) == 4


def test_the_worked_example_starts_with_a_draft_that_finds_the_deadline(tmp_path, monkeypatch):
    """Step 1 of the worked example: `policykit draft` on the four-line document gives what the guide says."""
    from policykit.draft import draft_file

    document = blocks("text")[0]
    assert "policykit draft docs/sources/albir.ar.txt --id albir --out policies/albir.yaml" in blocks("sh")[0]
    (tmp_path / "docs" / "sources").mkdir(parents=True)
    (tmp_path / "policies").mkdir()
    (tmp_path / "docs" / "sources" / "albir.ar.txt").write_text(document, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    draft = load_policy_file(draft_file("docs/sources/albir.ar.txt", "albir", "policies/albir.yaml"))
    deadline = draft.rule("respond_within_10_working_days")
    assert (deadline.period.amount, deadline.period.unit, deadline.bound_as_written) == (10, "working_days", "at_most")
    assert deadline.as_written == "خلال عشرة أيام عمل من اكتمال الطلب" and deadline.trigger.event == "request_completed"
    assert [(c.id, c.clause.ref) for c in draft.channels] == [("interview", "أ-١"), ("channel_2", "أ-٢")]
    assert "needs review" in draft.channels[1].note
    reviewed = load_policy_file(_write_reviewed(tmp_path))
    assert reviewed.rule("decide_within_10_working_days").as_written == deadline.as_written
    report = coverage(draft)
    assert report.complete and len(report.lines) == 4


def _write_reviewed(tmp_path):
    path = tmp_path / "reviewed.yaml"
    path.write_text(blocks("yaml")[0], encoding="utf-8")
    return path
