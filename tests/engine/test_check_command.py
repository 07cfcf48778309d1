"""`policykit check`: exit codes, formats, readings and errors as one located line."""

import io
import json
from pathlib import Path

import pytest

from policykit.cli import main

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures" / "policies"


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(["check", *map(str, argv)], out, err)
    return code, out.getvalue(), err.getvalue()


def test_readme_command_reports_breach():
    code, out, err = run(EXAMPLES / "harif" / "late_decision.yaml", "--format", "json")
    assert code == 1 and err == ""
    data = json.loads(out)
    assert data["status"] == "non_compliant" and data["policy"] == "harif"
    deadline = next(f for f in data["findings"] if f["rule"] == "respond_within_15_working_days")
    assert deadline["due"] == "2025-04-09T23:59:59+03:00" and deadline["late_by"] == {"working_days": 2}
    assert "example applicant" not in out


@pytest.mark.parametrize(("example", "status", "code"), [
    ("harif/compliant.yaml", "compliant", 0),
    ("harif/hijri_dates.yaml", "compliant", 0),
    ("green_energy/late_answer.yaml", "non_compliant", 1),
    ("saddad/national_day_rollover.yaml", "compliant", 0),
    ("suqya/closed_without_service.yaml", "non_compliant", 1),
])
def test_examples(example, status, code):
    got, out, _ = run(EXAMPLES / example, "--format", "json")
    assert (got, json.loads(out)["status"]) == (code, status)


def test_every_policy_has_an_example():
    for pid in ("green_energy", "saddad", "khairat_albaha", "harif", "suqya"):
        assert list((EXAMPLES / pid).glob("*.yaml")), pid


def test_as_of_and_in_progress():
    code, out, _ = run(EXAMPLES / "khairat_albaha" / "awaiting_decision.yaml", "--as-of", "2025-06-20",
                       "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["status"] == "in_progress"
    assert data["required_actions"][0]["due"] == "2025-06-29T23:59:59+03:00"
    late = run(EXAMPLES / "khairat_albaha" / "awaiting_decision.yaml", "--as-of", "2025-06-30")
    assert late[0] == 1


def test_reading_flag_changes_the_answer():
    assert run(EXAMPLES / "green_energy" / "late_answer.yaml", "--reading", "literal")[0] == 0
    assert run(EXAMPLES / "green_energy" / "late_answer.yaml", "--reading", "intended")[0] == 1


def test_reading_from_env(monkeypatch):
    monkeypatch.setenv("POLICYKIT_READING", "literal")
    code, out, _ = run(EXAMPLES / "green_energy" / "late_answer.yaml", "--format", "json")
    assert code == 0 and json.loads(out)["reading"] == "literal"


def test_policy_override(tmp_path):
    code, out, _ = run(EXAMPLES / "harif" / "compliant.yaml", "--policy", FIXTURES / "mini.yaml", "--format", "json")
    assert json.loads(out)["policy"] == "mini" and code == 0


def test_text_format_default():
    code, out, _ = run(EXAMPLES / "harif" / "late_decision.yaml", "--lang", "ar")
    assert code == 1 and out.strip()


@pytest.mark.parametrize("argv", [
    ["--as-of", "2025-13-01"], ["--reading", "loose"], ["--format", "pdf"], ["--policy", "nosuch"],
])
def test_usage_and_input_errors_exit_2(argv):
    code, out, err = run(EXAMPLES / "harif" / "compliant.yaml", *argv)
    assert code == 2 and out == "" and "Traceback" not in err and err.count("\n") == 1


def test_bad_case_file_is_one_located_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text('case_id: X\npolicy: harif\nsubject: {name: Hidden Person}\nevents:\n'
                    '  - {type: request_received, at: "2025-03-02", channel: pigeon}\n', encoding="utf-8")
    code, out, err = run(path)
    assert code == 2 and err.startswith(f"{path}:5:") and "unknown-channel" in err
    assert "Hidden Person" not in err


def test_missing_file_exit_2(tmp_path):
    assert run(tmp_path / "none.yaml")[0] == 2
