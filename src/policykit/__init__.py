"""policykit: an association's written service policy as data, and cases checked against it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Exports resolve on first use so that `policykit check` imports only what it needs.
_EXPORTS = {
    "load_policy": ("policykit.loader", "load_policy"),
    "bundled_ids": ("policykit.loader", "bundled_ids"),
    "Policy": ("policykit.model", "Policy"),
    "PolicykitError": ("policykit.diagnostics", "PolicykitError"),
    "Diagnostic": ("policykit.diagnostics", "Diagnostic"),
    "Verdict": ("policykit.verdict", "Verdict"),
    "load_case": ("policykit.case", "load_case"),
    "evaluate": ("policykit.engine", "evaluate"),
    "Case": ("policykit.case", "Case"),
    "render_audit_report": ("policykit.report.audit", "render"),
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # type checkers see the real signatures; at run time they resolve lazily (below)
    from .case import Case, load_case
    from .diagnostics import Diagnostic, PolicykitError
    from .engine import evaluate
    from .loader import bundled_ids, load_policy
    from .model import Policy
    from .report.audit import render as render_audit_report
    from .verdict import Verdict


def __dir__() -> list[str]:
    """The public API too, though it is imported only on first use."""
    return sorted({*globals(), *_EXPORTS})


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'policykit' has no attribute {name!r}")
    import importlib

    module, attr = _EXPORTS[name]
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value
