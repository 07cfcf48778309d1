"""The top-level API and the README's promises."""

import re
import subprocess
import sys
from pathlib import Path

import policykit

ROOT = Path(__file__).parents[1]


def test_top_level_names_are_the_functions_even_after_their_modules_load():
    import policykit.engine  # noqa: F401  (a submodule must not shadow the function)

    assert callable(policykit.evaluate)
    case = policykit.load_case(ROOT / "examples" / "harif" / "late_decision.yaml")
    verdict = policykit.evaluate(policykit.load_policy("harif"), case, as_of="2025-06-01")
    assert isinstance(verdict, policykit.Verdict)
    assert verdict.status == "non_compliant"


def test_every_exported_name_resolves():
    for name in policykit.__all__:
        assert getattr(policykit, name) is not None


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"^    (\S.*)$", readme.split("## ")[0], flags=re.M)
    assert len(commands) == 2, "README opens with exactly two commands"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    expression = re.search(r"sed -n '([^']+)' README.md", ci).group(1)
    extracted = subprocess.run(["sed", "-n", expression, "README.md"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.splitlines()
    assert extracted[:1] == [commands[1]] and "pytest" in commands[1]


def test_readme_main_command_runs_on_its_example():
    example = re.search(r"policykit check (\S+) --as-of (\S+)", (ROOT / "README.md").read_text(encoding="utf-8"))
    assert example and (ROOT / example.group(1)).is_file()
    run = subprocess.run([sys.executable, "-m", "policykit", "check", example.group(1), "--as-of", example.group(2)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr  # the example is a breached case
    assert "ت-٦" in run.stdout and not run.stderr
