"""docs/cli.md's examples are what the commands print today: each `$ policykit …` block is run and compared."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pytest

from policykit.cli import main

ROOT = Path(__file__).parents[1]
DOC = ROOT / "docs" / "cli.md"
ABRIDGED = "…"


def _examples() -> list[tuple[int, str, list[str], int | None]]:
    """(line, command, documented output lines, documented exit code) of every console block that runs policykit."""
    found = []
    for match in re.finditer(r"^```console\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.M | re.S):
        lines = match.group(1).splitlines()
        if not lines or not lines[0].startswith("$ policykit "):
            continue
        exits = [int(line.split()[-1]) for line in lines if line.startswith("# exit ")]
        output = [line for line in lines[1:] if not line.startswith("# exit ")]
        line_no = DOC.read_text(encoding="utf-8")[:match.start()].count("\n") + 2
        found.append((line_no, lines[0][2:], output, exits[0] if exits else None))
    return found


EXAMPLES = _examples()


def test_the_documentation_has_examples_to_check():
    commands = [command.split()[1] for _, command, _, _ in EXAMPLES]
    assert {"list", "show", "schema", "coverage", "check", "compare", "diff", "lint"} <= set(commands)


@pytest.mark.parametrize("line, command, documented, exit_code", EXAMPLES, ids=[f"cli.md:{e[0]}" for e in EXAMPLES])
def test_a_documented_example_prints_what_the_command_prints(line, command, documented, exit_code, tmp_path,
                                                             monkeypatch):
    words = shlex.split(command)[1:]
    tail = None
    if "|" in words:  # only `| tail -N` is used in the page
        at = words.index("|")
        assert words[at + 1:at + 2] == ["tail"], command
        tail, words = int(words[at + 2].lstrip("-")), words[:at]
    redirect = None
    if ">" in words:
        at = words.index(">")
        redirect, words = tmp_path / words[at + 1], words[:at]
    missing = [w for w in words if w.endswith((".csv", ".parquet", ".jsonl")) and not (ROOT / w).exists()]
    if missing and exit_code != 2:
        pytest.skip(f"the example's input {missing[0]} is illustrative, not bundled")
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")
    out, err = io.StringIO(), io.StringIO()
    code = main(words, out, err)
    if exit_code is not None:
        assert code == exit_code, err.getvalue()
    if redirect is not None:
        redirect.write_text(out.getvalue(), encoding="utf-8")
        assert redirect.stat().st_size > 0 and not documented
        return
    actual = [text.rstrip() for text in (out.getvalue() + err.getvalue()).splitlines()]
    if tail is not None:
        actual = actual[-tail:]
    shown = [text.rstrip() for text in documented]
    if ABRIDGED not in shown:
        assert actual == shown, f"docs/cli.md:{line}: {command}"
        return
    # abridged: every line shown must be printed, in the same order
    remaining = iter(actual)
    for text in shown:
        if text == ABRIDGED:
            continue
        assert any(text == candidate for candidate in remaining), f"docs/cli.md:{line}: not printed: {text!r}"
