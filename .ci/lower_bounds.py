"""Print pip constraints pinning every `>=` lower bound of pyproject.toml (core, the `all` extras and `test`).

CI installs them in a second environment and runs the suite there, so the lower bounds stay ones that work:
    python .ci/lower_bounds.py > lower.txt && pip install -c lower.txt ".[all,test]"
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def requirements(project: dict) -> list[str]:
    """The core requirements and those of every extra `all` names, plus `test`."""
    extras = project.get("optional-dependencies", {})
    out = list(project.get("dependencies", []))
    wanted = {"test"}
    for item in extras.get("all", []):
        wanted.update(re.findall(r"[\w-]+", item.partition("[")[2]))
    for name in sorted(wanted):
        out.extend(r for r in extras.get(name, []) if not r.startswith(project["name"]))
    return out


def pins(reqs: list[str]) -> list[str]:
    """`name==X` for each `name>=X`; the first bound wins when a package is listed twice."""
    out: dict[str, str] = {}
    for req in reqs:
        found = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(?:\[[^\]]*\])?\s*>=\s*([^,;\s]+)", req)
        if found:
            out.setdefault(found[1].lower(), f"{found[1]}=={found[2]}")
    return list(out.values())


if __name__ == "__main__":
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    sys.stdout.write("".join(f"{line}\n" for line in pins(requirements(project))))
