"""The dependency ranges stay honest: every requirement has a lower bound, CI installs exactly those bounds
(.ci/lower_bounds.py, run by .ci/run) and runs the suite on them, and nothing is capped from above."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("lower_bounds", ROOT / ".ci" / "lower_bounds.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_installed_requirement_has_a_lower_bound_that_ci_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    script = _script()
    reqs = script.requirements(project)
    pinned = {line.split("==")[0].lower() for line in script.pins(reqs)}
    names = {re.match(r"[A-Za-z0-9_.-]+", r)[0].lower() for r in reqs}
    assert names == pinned and {"pydantic", "pyyaml", "pyarrow", "pytest"} <= names
    assert all(">=" in r for r in reqs), [r for r in reqs if ">=" not in r]


def test_no_upper_pins():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert not re.search(r'"[A-Za-z0-9_.-]+[^"]*(<|==|~=)', text.split("[project.scripts]")[0])


def test_ci_runs_the_suite_on_the_lower_bounds():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".ci/lower_bounds.py" in ci and '-c "$lower.txt" ".[all,test]"' in ci and '. "$lower/bin/activate"\npython -m pytest' in ci
