"""The console entry point exits without interpreter teardown: its output must still arrive whole, with the code."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from policykit.cli import main

ROOT = Path(__file__).resolve().parents[2]
CASE = str(ROOT / "examples" / "harif" / "late_decision.yaml")


# buffered output, as on most machines, so that anything left unflushed at exit would be lost and seen
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def _in_process(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(argv, out, err), out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv", [
    ["check", CASE, "--as-of", "2025-06-01", "--format", "json"],  # exit 1, JSON on stdout
    ["check", CASE, "--as-of", "2025-03-01", "--format", "markdown", "--lang", "ar"],  # exit 0
    ["show", "harif", "--format", "yaml"],  # a long output, well past any pipe buffer
    ["check", str(ROOT / "no-such-case.yaml")],  # exit 2, one line on stderr
])
def test_the_command_line_gives_what_main_gives(argv):
    code, out, err = _in_process(argv)
    run = subprocess.run([sys.executable, "-m", "policykit", *argv], capture_output=True, text=True,
                         encoding="utf-8", cwd=ROOT, env=ENV)
    assert (run.returncode, run.stdout, run.stderr) == (code, out, err)


def test_a_reader_that_leaves_early_is_not_an_error():
    proc = subprocess.Popen([sys.executable, "-m", "policykit", "show", "harif", "--format", "yaml"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=ENV)
    proc.stdout.read(10)
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert b"Traceback" not in proc.stderr.read()
