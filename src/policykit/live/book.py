"""The open cases of a columnar live session: every case's events as one row of two matrices (shape codes and
instants, in arrival order), with the judged status and due of each rule as two more."""

from __future__ import annotations

import numpy as np

from ..judge.status import NOT_JUDGED as NONE
from .vector import LATEST, NO_DUE, Block

WIDTH_KEPT = 64  # events per case held in the matrices; a case's later ones go to its own overflow arrays
_CELLS = 1 << 21  # cells per judged block: bounds the memory of a post_many of any size


class Overflow:
    """A row's events past the matrices' width: two arrays grown by doubling, so that a long case costs a copy
    of its events (in C) per judgement, not a list of them."""

    __slots__ = ("shapes", "ats", "size")

    def __init__(self) -> None:
        self.shapes, self.ats, self.size = np.zeros(64, dtype=np.int32), np.zeros(64, dtype=np.int64), 0

    def append(self, shape: int, at: int) -> None:
        if self.size == len(self.shapes):
            self.shapes = np.concatenate([self.shapes, np.zeros_like(self.shapes)])
            self.ats = np.concatenate([self.ats, np.zeros_like(self.ats)])
        self.shapes[self.size], self.ats[self.size] = shape, at
        self.size += 1


class CaseBook:
    """Rows of cases: index by case id, counts, acknowledged ids, staleness, events and judgements."""

    def __init__(self, rules: int) -> None:
        self.rules = rules
        self.index: dict[str, int] = {}
        self.case_of: list[str] = []
        self.ids: list[dict[str, None] | None] = []  # per row, acknowledged ids in arrival order
        self.facts: dict[str, dict[str, bool | None]] = {}
        capacity, width = 1024, 8
        self.shapes = np.zeros((capacity, width), dtype=np.int32)
        self.ats = np.zeros((capacity, width), dtype=np.int64)
        self.status = np.zeros((capacity, rules), dtype=np.int8)
        self.due = np.full((capacity, rules), NO_DUE, dtype=np.int64)
        self.stale = np.zeros(capacity, dtype=bool)
        self.counts = np.zeros(capacity, dtype=np.int64)  # events held per row
        self.overflow: dict[int, Overflow] = {}  # row: its events past WIDTH_KEPT

    def __len__(self) -> int:
        return len(self.index)

    def open(self, case_id: str) -> int:
        """A new row for a case (stale: nothing judged on it yet)."""
        row = len(self.case_of)
        if row == len(self.stale):
            self._grow_rows(2 * row)
        self.index[case_id] = row
        self.case_of.append(case_id)
        self.counts[row] = 0
        self.ids.append({})
        self.stale[row] = True  # status and due: judged as a whole row before first read (rows are never reused)
        return row

    def open_many(self, case_ids: list[str]) -> None:
        """New rows for cases not held (distinct ids), in order: as open() on each."""
        first, end = len(self.case_of), len(self.case_of) + len(case_ids)
        if end > len(self.stale):
            self._grow_rows(max(2 * len(self.stale), end))
        self.index.update(zip(case_ids, range(first, end)))
        self.case_of.extend(case_ids)
        self.ids.extend([{} for _ in case_ids])
        self.counts[first:end] = 0
        self.stale[first:end] = True

    def forget(self, first_row: int) -> None:
        """Rows from `first_row` on were never opened (a post_many that failed part way, or whose store write
        failed): their cases, the facts and overflow a reopened case brought back, and their event counts."""
        for row, case_id in enumerate(self.case_of[first_row:], first_row):
            if self.index.get(case_id, -1) >= first_row:
                del self.index[case_id]
                self.facts.pop(case_id, None)
            self.overflow.pop(row, None)
        self.counts[first_row:len(self.case_of)] = 0
        del self.case_of[first_row:], self.ids[first_row:]

    def drop(self, case_id: str) -> None:
        """A case leaves memory (its row is never used again)."""
        row = self.index.pop(case_id)
        self.ids[row] = None
        self.overflow.pop(row, None)
        self.facts.pop(case_id, None)

    def _grow_rows(self, capacity: int) -> None:
        def grown(array: np.ndarray, fill) -> np.ndarray:
            bigger = np.empty((capacity,) + array.shape[1:], dtype=array.dtype)  # each cell written once
            bigger[:len(array)] = array
            bigger[len(array):] = fill
            return bigger
        self.shapes, self.ats = grown(self.shapes, 0), grown(self.ats, 0)
        self.status, self.due = grown(self.status, NONE), grown(self.due, NO_DUE)
        self.stale = grown(self.stale, False)
        self.counts = grown(self.counts, 0)

    def append(self, rows: np.ndarray, shapes: np.ndarray, ats: np.ndarray) -> tuple[np.ndarray, ...]:
        """New events (rows in arrival order) placed after what their rows hold: (each one's arrival index in
        its row, the events grouped by row in arrival order, where each group starts in that order)."""
        by_row = np.argsort(rows, kind="stable")
        grouped = rows[by_row]
        starts = np.ones(len(rows), dtype=bool)
        starts[1:] = grouped[1:] != grouped[:-1]
        begin = np.flatnonzero(starts)
        rank = np.arange(len(rows)) - np.repeat(begin, np.diff(np.r_[begin, len(rows)]))
        arrivals = np.empty(len(rows), dtype=np.int64)
        arrivals[by_row] = self.counts[grouped] + rank
        np.add.at(self.counts, rows, 1)
        self.write(rows, arrivals, shapes, ats)
        return arrivals, by_row, starts

    def write(self, rows: np.ndarray, arrivals: np.ndarray, shapes: np.ndarray, ats: np.ndarray) -> None:
        """Place events at their arrival index in their case's row (or overflow)."""
        if not len(rows):
            return
        needed = int(arrivals.max()) + 1
        width = self.shapes.shape[1]
        if needed > width and width < WIDTH_KEPT:
            width = min(WIDTH_KEPT, max(2 * width, needed))
            for name in ("shapes", "ats"):
                old = getattr(self, name)
                new = np.zeros((old.shape[0], width), dtype=old.dtype)
                new[:, :old.shape[1]] = old
                setattr(self, name, new)
        inside = arrivals < width
        self.shapes[rows[inside], arrivals[inside]] = shapes[inside]
        self.ats[rows[inside], arrivals[inside]] = ats[inside]
        if not inside.all():
            for row, arrival, shape, at in zip(rows[~inside].tolist(), arrivals[~inside].tolist(),
                                               shapes[~inside].tolist(), ats[~inside].tolist()):
                kept = self.overflow.get(row)
                if kept is None:
                    kept = self.overflow[row] = Overflow()
                assert arrival == width + kept.size  # arrivals of a row come in order
                kept.append(shape, at)

    def arrays_of(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """A row's (shape codes, instants) in arrival order, as arrays."""
        count = int(self.counts[row])
        width = self.shapes.shape[1]
        shapes, ats = self.shapes[row, :min(count, width)], self.ats[row, :min(count, width)]
        kept = self.overflow.get(row)
        if kept is not None:
            shapes = np.concatenate([shapes, kept.shapes[:kept.size]])
            ats = np.concatenate([ats, kept.ats[:kept.size]])
        return shapes, ats

    def events_of(self, row: int) -> tuple[list[int], list[int]]:
        """A row's (shape codes, instants) in arrival order."""
        shapes, ats = self.arrays_of(row)
        return shapes.tolist(), ats.tolist()

    def blocks(self, rows: np.ndarray, limits: np.ndarray, now: np.ndarray):
        """(positions in `rows`, Block) covering every row: its first `limits` arrivals at or before its `now`,
        in time order (ties in arrival order), in chunks of bounded size."""
        width = self.shapes.shape[1]
        wide = limits > width
        narrow = np.nonzero(~wide)[0]
        if len(narrow):
            span = max(1, int(limits[narrow].max()))
            step = max(1, _CELLS // span)
            for begin in range(0, len(narrow), step):
                chosen = narrow[begin:begin + step]
                picked = rows[chosen]
                yield chosen, self._block(self.shapes[picked, :span], self.ats[picked, :span], limits[chosen],
                                          now[chosen])
        for position in np.nonzero(wide)[0].tolist():
            shapes, ats = self.arrays_of(int(rows[position]))
            limit = int(limits[position])
            yield np.array([position]), self._block(shapes[None, :limit], ats[None, :limit],
                                                    limits[position:position + 1], now[position:position + 1])

    @staticmethod
    def _block(shapes: np.ndarray, ats: np.ndarray, limits: np.ndarray, now: np.ndarray) -> Block:
        visible = (np.arange(shapes.shape[1]) < limits[:, None]) & (ats <= now[:, None])
        shapes = np.where(visible, shapes, 0)
        ats = np.where(visible, ats, LATEST)
        if shapes.shape[1] > 1 and not (ats[:, 1:] >= ats[:, :-1]).all():
            order = np.argsort(ats, axis=1, kind="stable")  # time order, ties (and padding) in arrival order
            shapes = np.take_along_axis(shapes, order, axis=1)
            ats = np.take_along_axis(ats, order, axis=1)
        return Block(shapes, ats, now)
