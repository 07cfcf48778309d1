"""Runs every lint rule over policies and locates what they find in the policy file."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ..loader import bundled_ids, load_policy, policies_dir, resolve
from ..model import Policy
from ..source import Document, load_file


@dataclass(frozen=True)
class LintFinding:
    """One lint result: `{policy, code, severity, message, file, line}`."""

    policy: str
    code: str
    severity: str
    message: str
    file: str
    line: int | None

    def to_json(self) -> dict:
        """The JSON object of `lint --format json`."""
        return asdict(self)

    def render(self) -> str:
        """`file:line: severity: code: message`."""
        from ..neutralise import terminal

        where = f"{self.file}:{self.line}" if self.line else self.file
        return terminal(f"{where}: {self.severity}: {self.code}: {self.message}")


@dataclass(frozen=True)
class LintContext:
    """What a rule may look at: the policy, its source file's data and positions, and the peer policies."""

    policy: Policy
    document: Document
    peers: tuple[Policy, ...]


def lint_policy(ref: str | os.PathLike, peers: list[Policy] | None = None) -> list[LintFinding]:
    """Every lint finding of one policy (bundled id or path), sorted by line."""
    from .rules import RULES

    path = resolve(ref)
    policy = load_policy(path)
    document = load_file(path)
    if peers is None:
        peers = [load_policy(pid) for pid in bundled_ids()]
    context = LintContext(policy, document, tuple(p for p in peers if p.id != policy.id))
    shown = display_path(path)
    found = []
    for lint_rule in RULES:
        for problem in lint_rule.check(context):
            span = document.span(problem.path) if problem.path else None
            found.append(LintFinding(policy.id, lint_rule.code, lint_rule.severity, problem.message, shown,
                                     span.line if span else 1))
    return sorted(found, key=lambda f: (f.line or 0, f.code))


def lint_policies(refs: list[str]) -> list[LintFinding]:
    """Lint several policies (default: every bundled one), each against the bundled others."""
    refs = refs or bundled_ids()
    peers = [load_policy(pid) for pid in bundled_ids()]
    return [finding for ref in refs for finding in lint_policy(ref, peers)]


def has_errors(findings: list[LintFinding]) -> bool:
    """Whether any finding is an error (lint exits 1)."""
    return any(f.severity == "error" for f in findings)


def display_path(path: Path) -> str:
    """The file as people know it: `policies/<id>.yaml` for a bundled one (wherever it is installed),
    else relative to the working directory when inside it."""
    resolved = Path(path).resolve()
    if resolved.parent == policies_dir().resolve():
        return f"policies/{resolved.name}"
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)
