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


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_fuzz_input_replays_cleanly(path, tmp_path):
    """Same protocol as fuzz/fuzz_loaders.py: first byte even = policy file, odd = case file."""
    raw = path.read_bytes()
    target = tmp_path / "input.yaml"
    target.write_bytes(raw[1:])
    try:
        if raw[0] % 2:
            case = load_case(target)
            assert isinstance(evaluate(case.policy, case, AS_OF), Verdict)
        else:
            load_policy_file(target)
    except PolicykitError as exc:
        assert exc.diagnostics and all("\n" not in d.render() for d in exc.diagnostics)


def test_there_are_regressions_to_replay():
    """The directory is not silently empty."""
    assert len(list((ROOT / "fuzz" / "regressions").iterdir())) >= 5
