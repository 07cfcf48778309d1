"""One open case of a live session, its events held as columns (what the live judges scan), not Event objects."""

from __future__ import annotations

import datetime as dt
import json
from typing import Mapping

from ..case import Event


class Columns:
    """A case's events in time order (ties in arrival order) as parallel lists; `order` is each event's arrival
    index, Event.index of the event evaluate() sees."""

    __slots__ = ("types", "ats", "attrs", "order")

    def __init__(self) -> None:
        self.types: list[str] = []
        self.ats: list[dt.datetime] = []
        self.attrs: list[Mapping[str, str]] = []
        self.order: list[int] = []

    def __len__(self) -> int:
        return len(self.types)

    def add(self, event_type: str, at: dt.datetime, attrs: Mapping[str, str]) -> None:
        """Insert an arrival at its place in time (after any event at the same instant)."""
        ats = self.ats
        position = len(ats)
        if position and ats[-1] > at:
            while position and ats[position - 1] > at:
                position -= 1
            self.types.insert(position, event_type)
            ats.insert(position, at)
            self.attrs.insert(position, attrs)
            self.order.insert(position, len(self.order))
            return
        self.types.append(event_type)
        ats.append(at)
        self.attrs.append(attrs)
        self.order.append(position)

    def until(self, now: dt.datetime) -> "Columns":
        """These events, or only those at or before `now` when later ones are held."""
        if not self.ats or self.ats[-1] <= now:
            return self
        kept = Columns()
        for event_type, at, attrs, index in zip(self.types, self.ats, self.attrs, self.order):
            if at <= now:
                kept.types.append(event_type)
                kept.ats.append(at)
                kept.attrs.append(attrs)
                kept.order.append(index)
        return kept

    def events(self) -> list[Event]:
        """The events as Event objects, in time order."""
        return [Event(index, event_type, at, attrs)
                for event_type, at, attrs, index in zip(self.types, self.ats, self.attrs, self.order)]


class CaseState:
    """A case's compact state: its event columns, facts, acknowledged ids and the last judgement of each rule."""

    __slots__ = ("columns", "facts", "event_ids", "judged", "stale")

    def __init__(self) -> None:
        self.columns = Columns()
        self.facts: dict[str, bool | None] = {}
        self.event_ids: dict[str, None] = {}  # acknowledged ids in arrival order
        self.judged: dict[str, tuple[str, dt.datetime | None, str | None]] = {}
        self.stale = True  # its rules have not been judged on what it holds

    @property
    def events(self) -> list[Event]:
        """The case's events in time order (built on demand)."""
        return self.columns.events()


def stored_rows(case_id: str, event_ids: list, events: list[Event]) -> list[tuple]:
    """A case's events as the store keeps them, in arrival order (`event_ids` in that order, `events` any); an
    event posted without an id is stored without one (its content stands for it)."""
    from .intake import content_id, micros, shown_attrs

    rows = []
    for event_id, event in zip(event_ids, sorted(events, key=lambda event: event.index)):
        at_us = micros(event.at)
        if type(event_id) is not str or event_id == content_id(event.type, at_us, shown_attrs(event.attrs)):
            event_id = None
        rows.append((case_id, event_id, event.type, at_us,
                     json.dumps(dict(event.attrs), ensure_ascii=False) if event.attrs else None))
    return rows
