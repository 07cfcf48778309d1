"""The lint rule registry: each rule is a small generator registered with its stable code and severity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Problem:
    """What a rule yields: a message, the data path (in the policy file) it is about, and where the source
    document says it: its line, the exact text and the suggested correction."""

    message: str
    path: tuple = ()
    source_line: int | None = None
    text: str | None = None
    suggestion: str | None = None


@dataclass(frozen=True)
class LintRule:
    """A registered rule."""

    code: str
    severity: str
    summary: str
    check: Callable[..., Iterator[Problem]]


RULES: list[LintRule] = []


def rule(code: str, severity: str, summary: str):
    """Register the decorated generator as a lint rule with `code` and `severity`."""
    if severity not in SEVERITIES:
        raise ValueError(severity)

    def register(function):
        """Add `function` to RULES and return it unchanged."""
        RULES.append(LintRule(code, severity, summary, function))
        return function

    return register
