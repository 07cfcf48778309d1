"""What a live post or advance reports: Change, and the sequences of them a post_many returns."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

from .intake import content_id

if TYPE_CHECKING:
    import numpy as np

# a content key packs an instant (µs) and a shape code below 2**CODE_BITS into one int; instants of the years
# allowed lie within ±2**53 µs of 1970, so a key fits an int64 and a whole post's are made by numpy at once (a
# session with more shapes keys the further ones by a tuple)
CODE_BITS = 10
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

    __slots__ = ("case_id", "_event_id", "duplicate", "_findings", "_new_actions", "_shapes", "_posted", "_index")

    def __init__(self, case_id: str, event_id: "str | int | tuple | None" = None, duplicate: bool = False,
                 findings: list[dict] | None = None, new_actions: list[dict] | None = None,
                 shapes: list | None = None, posted: "PostedChanges | None" = None, index: int = 0) -> None:
        self.case_id, self._event_id, self.duplicate = case_id, event_id, duplicate
        self._posted, self._index = posted, index  # where its findings are, until they are read
        self._findings = [] if findings is None and posted is None else findings
        self._new_actions = [] if new_actions is None and posted is None else new_actions
        self._shapes = shapes  # a columnar session's shapes, which an int content key is read with

    @property
    def findings(self) -> list[dict]:
        """Each rule whose judgement moved: {rule, from, to, due}."""
        if self._posted is not None:
            self._read()
        return self._findings

    @findings.setter
    def findings(self, value: list[dict]) -> None:
        self._findings = value

    @property
    def new_actions(self) -> list[dict]:
        """The actions that became required, each as the case's verdict lists it at that moment (event, due,
        overdue, at_risk, before, rule, label, clause)."""
        if self._posted is not None:
            self._read()
        return self._new_actions

    @new_actions.setter
    def new_actions(self, value: list[dict]) -> None:
        self._new_actions = value

    def _read(self) -> None:
        """The findings and actions of a posted event, built from its post_many's columns."""
        findings, actions = self._posted.lists(self._index)
        if self._findings is None:
            self._findings = findings
        if self._new_actions is None:
            self._new_actions = actions
        self._posted = None

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

    __slots__ = ("case_ids", "keys", "duplicates", "shapes", "_changed_at", "_changed", "_first", "_kinds",
                 "_due_at", "_due_texts", "_said", "_actions", "_built", "_taken")

    def __init__(self, case_ids: list[str], keys: list, duplicates: list[int], shapes: list) -> None:
        self.case_ids, self.keys, self.duplicates, self.shapes = case_ids, keys, duplicates, shapes
        self._changed_at: dict[int, int] | None = None
        self._changed: "np.ndarray | list[int]" = []  # positions of the events that changed something, ascending
        self._first = self._kinds = self._due_at = None
        self._due_texts: list[str | None] = []
        self._said: list[tuple] = []
        self._actions = None  # the new actions by finding number (.get), found when first read
        self._built: list[tuple[list[dict], list[dict]]] | None = None
        self._taken: "np.ndarray | None" = None

    def set_findings(self, positions: "np.ndarray", first: "np.ndarray", kinds: "np.ndarray", due_at: "np.ndarray",
                     due_texts: list, said: list[tuple], actions=None) -> None:
        """The findings of the events at `positions` (ascending): event i's are numbers first[i]:first[i+1] (the
        last's run to the end) of `kinds` (an index in `said`: rule id, from, to, event a new action owes or None)
        and `due_at` (an index in `due_texts`); `actions.get(number)`: the new action a finding gives (as the case's
        verdict lists it then; None: none).  Kept as arrays: the lists are made when a reader asks."""
        self._changed, self._first, self._kinds, self._due_at = positions, first, kinds, due_at
        self._due_texts, self._said, self._actions = due_texts, said, actions
        self._changed_at = None

    @property
    def changed_at(self) -> dict[int, int]:
        """Position of each event that changed something: its number among them."""
        if self._changed_at is None:
            positions = self._changed.tolist() if not isinstance(self._changed, list) else self._changed
            self._changed_at = dict(zip(positions, range(len(positions))))
        return self._changed_at

    def lists(self, number: int) -> tuple[list[dict], list[dict]]:
        """(findings, new actions) of the `number`th event that changed something, in rule order.  The first read
        builds every event's at once, the collector paused (built one by one, from a reader's loop, the lists
        would set off the collections that walk everything the process holds)."""
        if self._built is None:
            with collector_paused():
                self._built = self._build()
        return self._built[number]

    def _build(self) -> list[tuple[list[dict], list[dict]]]:
        said, built = self._said, []
        if self._kinds is None:
            return built
        kinds, bounds = self._kinds.tolist(), self._first.tolist() + [len(self._kinds)]
        texts = self._due_texts
        dues = [texts[at] for at in self._due_at.tolist()]
        given = self._actions
        for begin, end in zip(bounds, bounds[1:]):
            findings, actions = [], []
            for number, kind, due in zip(range(begin, end), kinds[begin:end], dues[begin:end]):
                rule_id, before, status, owed = said[kind]
                findings.append({"rule": rule_id, "from": before, "to": status, "due": due})
                if owed is not None and given is not None:
                    action = given.get(number)
                    if action is not None:
                        actions.append(action)
            built.append((findings, actions))
        return built

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
        return self._change(position, position in self.duplicates)

    def _change(self, position: int, duplicate: bool) -> Change:
        number = self.changed_at.get(position)
        return Change(self.case_ids[position], self.keys[position], duplicate, shapes=self.shapes,
                      posted=self if number is not None else None, index=number or 0)

    def changed(self) -> "ChangedOnes":
        """The Changes with findings (or new actions), in order: a read-only sequence, each Change built when
        read, its findings when those are read."""
        return ChangedOnes(self)

    def __iter__(self) -> Iterator[Change]:
        duplicates = set(self.duplicates)
        for position in range(len(self.keys)):
            yield self._change(position, position in duplicates)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"PostedChanges({list(self)!r})"


class ChangedOnes(Sequence):
    """The Changes of a post_many that changed something, in order (PostedChanges.changed): a read-only sequence
    whose Changes are built when read."""

    __slots__ = ("_posted",)

    def __init__(self, posted: PostedChanges) -> None:
        self._posted = posted

    def __len__(self) -> int:
        return len(self._posted._changed)

    def __getitem__(self, number):
        if isinstance(number, slice):
            return [self[i] for i in range(*number.indices(len(self)))]
        positions = self._posted._changed
        if number < 0:
            number += len(positions)
        if not 0 <= number < len(positions):
            raise IndexError("change index out of range")
        return self._change(int(positions[number]), number)

    def _change(self, position: int, number: int) -> Change:
        posted = self._posted  # a change is never a duplicate: a duplicate changes nothing
        return Change(posted.case_ids[position], posted.keys[position], False, shapes=posted.shapes, posted=posted,
                      index=number)

    def __iter__(self) -> Iterator[Change]:
        positions = self._posted._changed
        for number, position in enumerate(positions if isinstance(positions, list) else positions.tolist()):
            yield self._change(position, number)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"ChangedOnes({list(self)!r})"
