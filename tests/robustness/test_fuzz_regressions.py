"""Replay every input the fuzzers found (fuzz/regressions/): each now yields a Verdict or a PolicykitError."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from policykit.case import load_case
from policykit.diagnostics import PolicykitError
from policykit.engine import evaluate
from policykit.loader import load_policy_file
from policykit.verdict import Verdict

ROOT = Path(__file__).resolve().parents[2]
INPUTS = sorted((ROOT / "fuzz" / "regressions").iterdir()) + sorted((ROOT / "fuzz" / "seeds").iterdir())
AS_OF = dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=3)))


LOG_KINDS = {2: "csv", 4: "jsonl", 6: "xes"}  # as in fuzz/fuzz_loaders.py


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_fuzz_input_replays_cleanly(path, tmp_path):
    """Same protocol as fuzz/fuzz_loaders.py: first byte odd = case file; modulo 8: 0 policy, 2/4/6 a log."""
    raw = path.read_bytes()
    kind = None if raw[0] % 2 else LOG_KINDS.get(raw[0] % 8)
    target = tmp_path / (f"input.{kind}" if kind else "input.yaml")
    target.write_bytes(raw[1:])
    try:
        if kind:
            pytest.importorskip("pyarrow")
            from policykit.batch.runner import run_batch

            summary = run_batch(target, "harif", AS_OF, out=str(tmp_path / "out.jsonl"), workers=1)
            assert all(line.isprintable() for line in summary.render().splitlines())
        elif raw[0] % 2:
            case = load_case(target)
            assert isinstance(evaluate(case.policy, case, AS_OF), Verdict)
        else:
            load_policy_file(target)
    except PolicykitError as exc:
        assert exc.diagnostics and all("\n" not in d.render() for d in exc.diagnostics)


def test_there_are_regressions_to_replay():
    """The directory is not silently empty."""
    assert len(list((ROOT / "fuzz" / "regressions").iterdir())) >= 5
