"""Hostile files through the real command line: bounded time and memory, one line, exit 2, no traceback."""

from __future__ import annotations

import pytest

HARIF_EVENT = '  - {type: request_received, at: "2025-03-02T09:15:00+03:00", channel: interview}\n'


def _billion_laughs() -> bytes:
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 12):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]")
    return ("\n".join(lines) + "\ncase_id: *l11\n").encode()


def _quadratic_blowup() -> bytes:
    """One large anchored list referenced many times (the 'quadratic' variant of the bomb)."""
    big = "[" + ", ".join(["x"] * 5000) + "]"
    return (f"a: &a {big}\nb: [" + ", ".join(["*a"] * 5000) + "]\n").encode()


HOSTILE = [
    ("billion_laughs", _billion_laughs(), "too-many-aliases"),
    ("quadratic_blowup", _quadratic_blowup(), "too-many-nodes"),
    ("deep_nesting_million", b"[" * 1_000_000, "too-deep"),
    ("many_values", ("[" + ", ".join(["1"] * 400_000) + "]").encode(), "too-many-nodes"),
    ("long_line", b"case_id: " + b"x" * 5_000_000 + b"\npolicy: harif\nevents: []\nfacts: 5\n", "wrong-type"),
]


@pytest.mark.parametrize("name,content,code", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_file_is_refused_within_bounds(pk, tmp_path, name, content, code):
    """Under a 1 GiB address-space limit and a timeout: the expected code on one line, exit 2."""
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(content)
    run = pk.run_bounded("check", path, timeout=60, memory_bytes=1024 ** 3)
    assert run.code == 2, run.err[-2000:]
    assert "Traceback" not in run.err
    assert len(run.err.splitlines()) == 1
    assert pk.located(run.err.splitlines())[0][0] == code


def test_oversized_file_is_refused_before_reading(pk, tmp_path):
    """A file past POLICYKIT_MAX_FILE_BYTES is refused by its size alone."""
    path = tmp_path / "big.yaml"
    path.write_bytes(b"case_id: C-1\npolicy: harif\nevents:\n" + HARIF_EVENT.encode() * 2000)
    run = pk.run_bounded("check", path, env={"POLICYKIT_MAX_FILE_BYTES": "10000"})
    assert run.code == 2
    assert run.err.splitlines() == [
        f"{path}: file-too-large: file is {path.stat().st_size} bytes; the limit is 10000; "
        "raise POLICYKIT_MAX_FILE_BYTES if the file is genuine"]


def test_internal_error_is_one_line_exit_70_without_the_message(pk, tmp_path):
    """A bug (simulated by a broken command module) is one line naming the type, never the message or a traceback."""
    plugin = tmp_path / "sitecustomize.py"
    plugin.write_text(
        "import policykit.loader as l\n"
        "def boom(*a, **k):\n    raise KeyError('0501234567')\n"
        "l.load_policy = l.load_policy_records = boom\n", encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text("case_id: C-1\npolicy: harif\nevents: []\n", encoding="utf-8")
    run = pk.run_bounded("check", case, env={"PYTHONPATH": str(tmp_path)})
    assert run.code == 70
    assert len(run.err.splitlines()) == 1
    assert run.err.startswith("policykit: internal error: KeyError")
    assert "0501234567" not in run.err and "Traceback" not in run.err
    debug = pk.run_bounded("check", case, env={"PYTHONPATH": str(tmp_path), "POLICYKIT_DEBUG": "1"})
    assert debug.code == 70 and "Traceback" in debug.err
