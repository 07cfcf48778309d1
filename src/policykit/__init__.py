"""policykit: an association's written service policy as data, and cases checked against it."""

from __future__ import annotations

from typing import Any

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
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'policykit' has no attribute {name!r}")
    import importlib

    module, attr = _EXPORTS[name]
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value
