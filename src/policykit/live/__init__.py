"""Live sessions: events fed as they happen, judged by rules compiled into a durable-rules ruleset."""

from __future__ import annotations

from .changes import Change, ChangeList, PostedChanges
from .session import LiveSession

__all__ = ["Change", "ChangeList", "LiveSession", "PostedChanges"]
