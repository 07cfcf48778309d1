"""What a compiled rule looks at: event patterns (Matcher), first-match lookups and the evaluation context."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

from . import findings_text as say
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


@dataclass(frozen=True)
class Hit:
    """The first event matching a pattern in a range, and the undecidable candidates before it."""

    event: Event | None = None
    position: int = -1
    unknown: tuple[str, ...] = ()


@dataclass
class Context:
    """What every rule sees: events in order (none after as_of), as_of, the calendar, event labels."""

    events: Sequence[Event]
    as_of: dt.datetime
    calendar: WorkCalendar
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def find(self, matcher: Matcher, after: int = -1, before: int | None = None) -> Hit:
        """First event matching `matcher` strictly between positions `after` and `before`."""
        stop = len(self.events) if before is None else before
        unknown: list[str] = []
        for position in range(after + 1, stop):
            result = matcher.test(self.events[position])
            if result is True:
                return Hit(self.events[position], position, tuple(unknown))
            if result is None:
                unknown.extend(matcher.missing(self.events[position]))
        return Hit(unknown=tuple(unknown))

    def closed_after(self, position: int) -> Event | None:
        """The first case_closed event after `position`, if any."""
        for event in self.events[position + 1:]:
            if event.type == "case_closed":
                return event
        return None

    def label(self, event: str) -> tuple[str, str]:
        """(ar, en) label of an event id."""
        return say.event_label(event, self.labels)

    def show(self, instant: dt.datetime | None) -> str:
        """An instant for prose."""
        return say.when(instant, self.calendar.tz)
