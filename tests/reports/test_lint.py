"""Lint rules: each fires where it should and stays quiet where it should not."""

import io
import json
from pathlib import Path

import pytest

from policykit.cli import main
from policykit.lint import RULES, lint_policies, lint_policy
from policykit.loader import load_policy

FIXTURES = Path(__file__).parent / "fixtures"
DEFECTS = FIXTURES / "policy_defects.yaml"
CLEAN = FIXTURES / "policy_clean.yaml"


def codes(findings):
    return {f.code for f in findings}


def test_rule_codes_are_stable_kebab_case_and_unique():
    names = [r.code for r in RULES]
    assert len(names) == len(set(names))
    assert all(name == name.lower() and " " not in name and "_" not in name for name in names)
    assert {"approval-date-mismatch", "approval-date-missing", "ambiguous-deadline-bound", "section-missing",
            "unspecified-period", "unused-definition", "copied-title", "audience-mismatch"} <= set(names)


def test_clean_policy_has_no_findings():
    assert lint_policy(CLEAN, peers=[]) == []


def test_defective_policy_triggers_each_rule_at_its_line():
    found = lint_policy(DEFECTS, peers=[])
    assert {"approval-date-mismatch", "copied-title", "ambiguous-deadline-bound", "unspecified-period",
            "unused-definition", "audience-mismatch"} <= codes(found)
    text = DEFECTS.read_text(encoding="utf-8").splitlines()
    by_code = {f.code: f for f in found}
    assert "date_hijri" in text[by_code["approval-date-mismatch"].line - 1]
    assert "as_written" in text[by_code["ambiguous-deadline-bound"].line - 1]
    unused = sorted(f.line for f in found if f.code == "unused-definition")
    assert [text[n - 1].strip().split(":")[0].strip("- {") for n in unused] == ["id", "id", "id"]
    assert all(f.file.endswith("policy_defects.yaml") for f in found)


def test_section_missing_names_the_peers_that_have_it():
    harif = load_policy("harif")
    found = [f for f in lint_policy(CLEAN, peers=[harif]) if f.code == "section-missing"]
    assert found and all("harif" in f.message for f in found)
    assert any("compensation" in f.message for f in found)


def test_approval_missing_and_incomplete():
    assert "approval-date-missing" in codes(lint_policy("tests/fixtures/policies/mini.yaml", peers=[]))
    assert "approval-date-missing" not in codes(lint_policy(CLEAN, peers=[]))


def test_the_real_defects_of_the_five():
    by_policy = {}
    for finding in lint_policies([]):
        by_policy.setdefault(finding.policy, set()).add(finding.code)
    assert {"approval-date-mismatch", "copied-title"} <= by_policy["green_energy"]
    assert "approval-date-missing" in by_policy["saddad"] and "approval-date-missing" in by_policy["khairat_albaha"]
    for pid in ("green_energy", "saddad", "khairat_albaha", "suqya"):
        assert "ambiguous-deadline-bound" in by_policy[pid]
    assert "ambiguous-deadline-bound" not in by_policy["harif"]
    assert "unspecified-period" in by_policy["harif"]
    for pid in ("green_energy", "saddad", "khairat_albaha", "suqya"):
        assert "section-missing" in by_policy[pid]


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_json_shape_and_exit_codes():
    code, out, _ = run_cli("lint", "--format", "json", str(DEFECTS))
    assert code == 1
    rows = json.loads(out)
    assert rows and all(set(r) == {"policy", "code", "severity", "message", "file", "line"} for r in rows)
    code, out, _ = run_cli("lint", str(CLEAN))
    assert code == 0 and "section-missing" in out  # warnings only, against the bundled peers


def test_cli_exit_zero_without_errors_and_two_on_bad_input(tmp_path):
    code, out, _ = run_cli("lint", "harif")
    assert code == 0 and "unspecified-period" in out
    code, _, err = run_cli("lint", "no_such_policy")
    assert code == 2 and "unknown-policy" in err
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    code, _, err = run_cli("lint", str(broken))
    assert code == 2 and "broken.yaml:" in err and "Traceback" not in err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cli_all_bundled_exits_one_because_of_real_errors(fmt):
    code, out, _ = run_cli("lint", "--format", fmt)
    assert code == 1 and "approval-date-mismatch" in out


def test_bundled_policies_are_named_the_same_wherever_installed_or_run(tmp_path, monkeypatch):
    from policykit.lint.driver import lint_policies

    monkeypatch.chdir(tmp_path)  # outside the checkout, as after a plain `pip install .`
    files = {f.file for f in lint_policies(["harif"])}
    assert files == {"policies/harif.yaml"}
