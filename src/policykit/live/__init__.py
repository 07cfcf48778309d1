"""Live sessions: events fed as they happen, judged by rules compiled into a durable-rules ruleset."""

from __future__ import annotations

from .session import Change, LiveSession

__all__ = ["Change", "LiveSession"]
