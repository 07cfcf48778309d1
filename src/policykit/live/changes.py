"""What a live post or advance reports: Change, and the sequences of them a post_many returns."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

from .intake import content_id

if TYPE_CHECKING:
    import numpy as np

CODE_BITS = 20  # a content key packs an instant (µs) and a shape code below 2**CODE_BITS into one int
CODE_MASK = (1 << CODE_BITS) - 1


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for a block that makes many objects and no cycles: with 10^5 cases
    held, each of its passes walks the session's objects (and the caller's), which cost more than building them."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


class Change:
    """What one post (or advance) changed on one case.

    An event posted without an id is known by its content (type, instant, attributes); its id text
    (live.intake.content_id) is made when `event_id` is first read."""

    __slots__ = ("case_id", "_event_id", "duplicate", "findings", "new_actions", "_shapes")

    def __init__(self, case_id: str, event_id: "str | int | tuple | None" = None, duplicate: bool = False,
                 findings: list[dict] | None = None, new_actions: list[dict] | None = None,
                 shapes: list | None = None) -> None:
        self.case_id, self._event_id, self.duplicate = case_id, event_id, duplicate
        self.findings: list[dict] = [] if findings is None else findings
        self.new_actions: list[dict] = [] if new_actions is None else new_actions
        self._shapes = shapes  # a columnar session's shapes, which an int content key is read with

    @property
    def event_id(self) -> str | None:
        """The event's id: the one posted, else its content id."""
        key = self._event_id
        if type(key) is int:  # (instant << CODE_BITS) | shape code
            shape = self._shapes[key & CODE_MASK]
            key = self._event_id = content_id(shape.kind, key >> CODE_BITS, shape.shown)
        elif type(key) is tuple:  # (type, instant, attributes text)
            key = self._event_id = content_id(*key)
        return key

    @event_id.setter
    def event_id(self, value: str | None) -> None:
        self._event_id = value

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {"case_id": self.case_id, "event_id": self.event_id, "duplicate": self.duplicate,
                "findings": self.findings, "new_actions": self.new_actions}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Change) and self.to_dict() == other.to_dict()

    __hash__ = None  # mutable, like the dataclass it replaces

    def __repr__(self) -> str:
        return (f"Change(case_id={self.case_id!r}, event_id={self.event_id!r}, duplicate={self.duplicate!r}, "
                f"findings={self.findings!r}, new_actions={self.new_actions!r})")


class ChangeList(list):
    """The Changes of a post_many, one per event, in order (the per-case sessions build them all)."""

    def changed(self) -> list[Change]:
        """The Changes with findings (or new actions), in order."""
        return [change for change in self if change.findings or change.new_actions]


class PostedChanges(Sequence):
    """What a post_many changed, one Change per event posted, in order: a read-only sequence whose Changes are
    built when read (a session returns one per event, and most events change nothing)."""

    __slots__ = ("case_ids", "keys", "duplicates", "shapes", "findings", "actions", "_taken")

    def __init__(self, case_ids: list[str], keys: list, duplicates: list[int], shapes: list) -> None:
        self.case_ids, self.keys, self.duplicates, self.shapes = case_ids, keys, duplicates, shapes
        self.findings: dict[int, list[dict]] = {}
        self.actions: dict[int, list[dict]] = {}
        self._taken: "np.ndarray | None" = None

    def taken(self) -> "np.ndarray":
        """Positions of the events taken (not duplicates)."""
        if self._taken is None:
            import numpy as np

            kept = np.ones(len(self.keys), dtype=bool)
            kept[self.duplicates] = False
            self._taken = np.flatnonzero(kept)
        return self._taken

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, position):
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError("change index out of range")
        return Change(self.case_ids[position], self.keys[position], position in self.duplicates,
                      self.findings.get(position, []), self.actions.get(position, []), self.shapes)

    def changed(self) -> list[Change]:
        """The Changes with findings (or new actions), in order: only these are built (the collector paused)."""
        with collector_paused():
            return [Change(self.case_ids[position], self.keys[position], False, found,
                           self.actions.get(position, []), self.shapes) for position, found in self.findings.items()]

    def __iter__(self) -> Iterator[Change]:
        duplicates, findings, actions, shapes = set(self.duplicates), self.findings, self.actions, self.shapes
        for position, (case_id, key) in enumerate(zip(self.case_ids, self.keys)):
            yield Change(case_id, key, position in duplicates, findings.get(position, []),
                         actions.get(position, []), shapes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"PostedChanges({list(self)!r})"
