"""The public API is typed: `dir(policykit)` lists it, the package ships py.typed, and mypy accepts the README's
Python example against the real signatures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import policykit

ROOT = Path(__file__).resolve().parents[1]


def test_dir_lists_the_public_api():
    names = dir(policykit)
    for name in ("load_policy", "load_case", "evaluate", "Verdict", "PolicykitError", "render_audit_report"):
        assert name in names and callable(getattr(policykit, name))
    assert (ROOT / "src" / "policykit" / "py.typed").is_file()


def test_public_functions_are_annotated():
    import inspect

    for name in ("load_policy", "load_case", "evaluate", "bundled_ids", "render_audit_report"):
        signature = inspect.signature(getattr(policykit, name))
        assert signature.return_annotation is not inspect.Signature.empty, name
        assert all(p.annotation is not inspect.Parameter.empty for p in signature.parameters.values()), name


def test_mypy_accepts_the_readme_example(tmp_path):
    pytest.importorskip("mypy")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(import policykit\n.*?)```", readme, flags=re.S).group(1)
    example = tmp_path / "readme_example.py"
    example.write_text(snippet, encoding="utf-8")
    bad = tmp_path / "bad_example.py"  # the check can fail: a wrong argument type is caught
    bad.write_text(snippet.replace('as_of="2025-06-01"', "as_of=20250601"), encoding="utf-8")
    command = [sys.executable, "-m", "mypy", "--follow-imports=silent", "--ignore-missing-imports",
               "--no-error-summary", f"--cache-dir={tmp_path / 'cache'}"]
    good = subprocess.run([*command, str(example)], capture_output=True, text=True, timeout=600)
    assert good.returncode == 0, good.stdout + good.stderr
    wrong = subprocess.run([*command, str(bad)], capture_output=True, text=True, timeout=600)
    assert wrong.returncode == 1 and "arg-type" in wrong.stdout, wrong.stdout
