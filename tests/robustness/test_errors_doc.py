"""docs/errors.md documents every error code the source can raise, with an example line."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ERRORS_MD = ROOT / "docs" / "errors.md"
CODE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$|^usage$")
RAISERS = {"Diagnostic", "single", "_fail", "PolicykitError", "reject", "_reject", "Reject", "RejectedRow"}


def _codes_in(tree: ast.AST) -> set[str]:
    """First-argument string constants of diagnostic constructors, `code=` keywords, yielded tuples, code tables."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name in RAISERS and node.args and isinstance(node.args[0], ast.Constant):
                found.add(node.args[0].value)
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    found.add(keyword.value.value)
        elif isinstance(node, (ast.Yield, ast.Return)) and isinstance(node.value, ast.Tuple) and node.value.elts:
            first = node.value.elts[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and CODE.match(first.value):
                found.add(first.value)
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_CODES" for t in node.targets):
            found.update(v.value for v in node.value.values if isinstance(v, ast.Constant))
    return {c for c in found if isinstance(c, str) and CODE.match(c)}


def raised_codes() -> dict[str, str]:
    """code -> a file that raises it, over all of src/policykit."""
    codes: dict[str, str] = {}
    for path in sorted((ROOT / "src" / "policykit").rglob("*.py")):
        for code in _codes_in(ast.parse(path.read_text(encoding="utf-8"))):
            codes.setdefault(code, str(path.relative_to(ROOT)))
    return codes


def documented_codes() -> dict[str, str]:
    """code -> its example column, from the tables of docs/errors.md."""
    rows = {}
    for line in ERRORS_MD.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\| `([a-z0-9-]+)` \|([^|]*)\|(.*)\|$", line)
        if match:
            rows.setdefault(match[1], match[3])
    return rows


def test_the_scan_finds_the_known_codes():
    """The scanner itself works (else the next test would pass vacuously)."""
    codes = raised_codes()
    for code in ("syntax-error", "duplicate-key", "unresolved-reference", "unknown-event", "too-many-events"):
        assert code in codes


def test_every_raised_code_is_documented_with_an_example():
    """Each code raised anywhere in src/ has a row in docs/errors.md whose example shows that code."""
    documented = documented_codes()
    missing = {code: where for code, where in raised_codes().items() if code not in documented}
    assert not missing, f"codes raised but not in docs/errors.md: {missing}"
    for code in raised_codes():
        assert f"{code}:" in documented[code], f"the example for {code} does not show the code"


def test_documented_limits_match_the_defaults():
    """The limits table quotes the real defaults and variable names."""
    from policykit.limits import DEFAULTS, ENV_VARS

    text = ERRORS_MD.read_text(encoding="utf-8")
    for field, var in ENV_VARS.items():
        assert f"`{var}`" in text, var
    assert f"{DEFAULTS.max_events_per_case:,}" in text
    assert f"{DEFAULTS.max_nodes:,}" in text and f"| {DEFAULTS.max_depth} |" in text
    assert f"{DEFAULTS.max_aliases:,}" in text and f"{DEFAULTS.max_cases_per_batch:,}" in text
    assert DEFAULTS.max_file_bytes == 10 * 1024 * 1024 and "| 10 MiB |" in text
