"""Numbers in YAML as a person reads them: YAML 1.1 (PyYAML) reads a plain `0042` as octal 34 and `1:30` as 90."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from policykit.cli import main

AS_OF = "2025-04-30"


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("written", ["0042", "1:30", "00"])
def test_a_yaml_case_id_is_read_as_written(tmp_path: Path, written: str) -> None:
    """YAML 1.1 read `case_id: 0042` as the octal number 34 and `1:30` as 90 (base 60): the case was judged and
    reported as '34'. It is the text written, as the same id in a log's cell is."""
    case = tmp_path / "case.yaml"
    case.write_text(f"case_id: {written}\npolicy: harif\nevents:\n"
                    "  - {type: request_received, at: 2025-03-02, channel: interview}\n", encoding="utf-8")
    code, out, err = _run("check", str(case), "--as-of", AS_OF, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["case_id"] == written
    log, verdicts = tmp_path / "log.csv", tmp_path / "v.jsonl"
    log.write_text(f"case_id,type,at,channel\n{written},request_received,2025-03-02,interview\n", encoding="utf-8")
    assert _run("batch", str(log), "--policy", "harif", "--as-of", AS_OF, "--out", str(verdicts))[0] == 0
    assert json.loads(verdicts.read_text(encoding="utf-8"))["case_id"] == written


def test_a_policy_number_with_leading_zeros_is_decimal(tmp_path: Path) -> None:
    """`amount: 015` in a policy file is fifteen days, not octal thirteen."""
    from policykit.source import parse

    assert parse("period: {amount: 015, unit: working_days}\nother: 1:30\nhex: 0x1F\n").data == {
        "period": {"amount": 15, "unit": "working_days"}, "other": "1:30", "hex": 31}
