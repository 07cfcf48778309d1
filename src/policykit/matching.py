"""What a rule kind's table looks at: event patterns (Matcher) and the evaluation context of one case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from .calendar import WorkCalendar
from .case import Event

if TYPE_CHECKING:
    from .model import EventPattern


@dataclass(frozen=True)
class Matcher:
    """An event type with the attribute values it must carry."""

    event: str
    where: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, pattern: EventPattern) -> "Matcher":
        """The matcher of a model pattern."""
        return cls(pattern.event, tuple(sorted(pattern.where.items())))

    def test(self, event: Event) -> bool | None:
        """True/False, or None when the event lacks an attribute the pattern needs."""
        if event.type != self.event:
            return False
        for name, value in self.where:
            actual = event.get(name)
            if actual is None:
                return None
            if actual != value:
                return False
        return True

    def missing(self, event: Event) -> list[str]:
        """What would decide whether `event` matches: its missing attributes."""
        return [f"{self.event}.{name} (event #{event.index})" for name, _ in self.where if event.get(name) is None]


@dataclass
class Context:
    """What every rule sees: events in order (none after as_of), as_of, the calendar, event labels; the scalar
    backend (policykit.judge.scalar) asks its questions of it."""

    events: Sequence[Event]
    as_of: dt.datetime
    calendar: WorkCalendar
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
