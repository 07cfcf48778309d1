"""Configurable bounds on input size, shared by every loader (policy, case, batch, live)."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from .diagnostics import PolicykitError, Span

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile or runaway input from exhausting time or memory."""

    max_file_bytes: int = 10 * MiB
    max_nodes: int = 250_000
    max_depth: int = 64
    max_aliases: int = 1_000
    max_events_per_case: int = 10_000
    max_cases_per_batch: int = 5_000_000
    max_batch_bytes: int = 4 * 1024 * MiB
    max_event_lead_seconds: int = 86_400  # how far a live event may lie after the session's clock

    @property
    def max_bytes(self) -> int:
        """Alias kept for source.py's original field name."""
        return self.max_file_bytes


# field name -> environment variable that overrides it
ENV_VARS = {
    "max_file_bytes": "POLICYKIT_MAX_FILE_BYTES",
    "max_nodes": "POLICYKIT_MAX_NODES",
    "max_depth": "POLICYKIT_MAX_DEPTH",
    "max_aliases": "POLICYKIT_MAX_ALIASES",
    "max_events_per_case": "POLICYKIT_MAX_EVENTS",
    "max_cases_per_batch": "POLICYKIT_MAX_CASES",
    "max_batch_bytes": "POLICYKIT_MAX_BATCH_BYTES",
    "max_event_lead_seconds": "POLICYKIT_MAX_EVENT_LEAD_SECONDS",
}

DEFAULTS = Limits()


def current() -> Limits:
    """The defaults, overridden by any POLICYKIT_MAX_* environment variable that is set."""
    values = {}
    for item in fields(Limits):
        var = ENV_VARS[item.name]
        raw = os.environ.get(var)
        if raw is None or not raw.strip():
            continue
        try:
            value = int(raw.strip().replace("_", ""))
        except ValueError:
            value = -1
        if value < 1:
            raise PolicykitError.single("invalid-limit", f"{var} must be a positive integer", Span(var))
        values[item.name] = value
    return Limits(**values) if values else DEFAULTS


def check_events(count: int, span: Span | None = None, limits: Limits | None = None) -> None:
    """Refuse a case with more events than the limit."""
    bound = (limits or current()).max_events_per_case
    if count > bound:
        raise PolicykitError.single("too-many-events", f"case has {count} events; the limit is {bound}", span,
                                    hint=f"raise {ENV_VARS['max_events_per_case']} if the case is genuine")


def check_cases(count: int, span: Span | None = None, limits: Limits | None = None) -> None:
    """Refuse a batch with more cases than the limit."""
    bound = (limits or current()).max_cases_per_batch
    if count > bound:
        raise PolicykitError.single("too-many-cases", f"batch has more than {bound} cases", span,
                                    hint=f"raise {ENV_VARS['max_cases_per_batch']} or split the log")


def check_batch_bytes(size: int, span: Span | None = None, limits: Limits | None = None,
                      what: str = "batch input") -> None:
    """Refuse a batch input file larger than the limit (`what` names it: an .xlsx log counts unzipped)."""
    bound = (limits or current()).max_batch_bytes
    if size > bound:
        raise PolicykitError.single("file-too-large", f"{what} is {size} bytes; the limit is {bound}", span,
                                    hint=f"raise {ENV_VARS['max_batch_bytes']} if the file is genuine")
