"""Policy lint: drafting defects of the source documents and gaps of the encodings, each with a stable code."""

from __future__ import annotations

from .driver import LintFinding, has_errors, lint_policies, lint_policy
from .rules import RULES

__all__ = ["LintFinding", "RULES", "has_errors", "lint_policies", "lint_policy"]
