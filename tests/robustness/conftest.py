"""Shared helpers for the robustness suite: run the CLI in-process or in a bounded subprocess."""

from __future__ import annotations

import io
import os
import re
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from policykit import cli

ROOT = Path(__file__).resolve().parents[2]
INVALID = ROOT / "tests" / "fixtures" / "invalid"
# file:line:col: code: message — the one-line form every input problem takes
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[a-z0-9-]+): \S")
EXPECT = re.compile(r"^# expect: (?P<code>[a-z0-9-]+) (?P<line>\d+):(?P<col>\d+)$", re.M)


@dataclass
class Run:
    """What a CLI run produced."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        """stderr split into lines."""
        return self.err.splitlines()


def run_cli(*args: str) -> Run:
    """Run policykit in this process."""
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([str(a) for a in args], out, err)
    return Run(code, out.getvalue(), err.getvalue())


def run_bounded(*args: str, timeout: float = 60, memory_bytes: int = 1024 ** 3,
                env: dict[str, str] | None = None, cwd: Path = ROOT) -> Run:
    """Run `python -m policykit` in a subprocess under a wall-clock timeout and an address-space limit."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    proc = subprocess.run([sys.executable, "-m", "policykit", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit, env={**os.environ, **(env or {})}, cwd=cwd)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def expectations(path: Path) -> list[tuple[str, int, int]]:
    """The `# expect: code line:col` headers of a fixture."""
    text = path.read_text(encoding="utf-8")
    return [(m["code"], int(m["line"]), int(m["col"])) for m in EXPECT.finditer(text)]


def located(lines: list[str]) -> list[tuple[str, int, int]]:
    """(code, line, col) of each diagnostic line; fails if a line is not in the one-line form."""
    found = []
    for text in lines:
        match = LINE.match(text)
        assert match, f"not a file:line:col: code: message line: {text!r}"
        found.append((match["code"], int(match["line"]), int(match["col"])))
    return found


@pytest.fixture
def case_file(tmp_path: Path):
    """Write bytes or text to a case file in tmp_path and return its path."""

    def write(content: bytes | str, name: str = "case.yaml") -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write


@pytest.fixture(scope="session")
def pk():
    """The helpers above, for test modules (pytest's importlib mode does not let them import conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(run_cli=run_cli, run_bounded=run_bounded, expectations=expectations, located=located,
                           ROOT=ROOT, INVALID=INVALID, LINE=LINE)
