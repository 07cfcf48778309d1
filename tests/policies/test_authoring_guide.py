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
