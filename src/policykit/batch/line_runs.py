"""A partition's JSONL lines as made column by column: kept in their Arrow buffers and handed out as runs, and
the case ids as JSON text in Arrow."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..verdict import json_bytes
from . import arrow_np
from .json_template import SAFE


class LineRuns:
    """The lines made column by column, kept in their Arrow buffers: handed out as runs of consecutive cases'
    lines (one zero-copy `pa.Buffer` slice each, which pickles as its bytes), not one bytes object per line."""

    def __init__(self, groups: int) -> None:
        self.made = np.zeros(groups, dtype=bool)
        self._source = np.full(groups, -1, dtype=np.int64)  # the column holding each case's line, and its row
        self._row = np.zeros(groups, dtype=np.int64)
        self._columns: list[tuple[pa.Buffer, np.ndarray]] = []

    def add(self, cases: np.ndarray, column: pa.Array) -> None:
        """The lines of `cases` (ascending), a binary column (null: a line left to the objects)."""
        valid = column.is_valid().to_numpy(zero_copy_only=False)
        mine = cases[valid]
        self.made[mine] = True
        self._source[mine] = len(self._columns)
        self._row[mine] = np.flatnonzero(valid)
        _, offsets, data = column.buffers()
        ends = np.frombuffer(offsets, dtype=np.int32, count=len(column) + 1, offset=column.offset * 4)
        self._columns.append((data if data is not None else pa.py_buffer(b""), ends))

    def pieces(self, lines: list) -> list:
        """Every case's line in case order: a run of cases whose lines lie one after another in one column as one
        buffer, any other case's from `lines`."""
        source, row = self._source, self._row
        n = len(source)
        if not n:
            return []
        # a run goes on while the next case's line is the next row of the same column
        breaks = np.flatnonzero((source[1:] != source[:-1]) | (row[1:] != row[:-1] + 1) | (source[1:] < 0)) + 1
        out = []
        for first, end in zip(np.r_[0, breaks].tolist(), np.r_[breaks, n].tolist()):
            column = int(source[first])
            if column < 0:
                out.extend(lines[first:end])
            else:
                data, ends = self._columns[column]
                start = int(ends[row[first]])
                out.append(data.slice(start, int(ends[row[end - 1] + 1]) - start))
        return out


def quoted_ids(ids: pa.ChunkedArray, listed: list) -> pa.Array:
    """Each case id as JSON text (UTF-8): quoted as it is when it is printable ASCII needing no escape, else by
    `json_bytes`."""
    ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
    if not pa.types.is_string(ids.type):
        return pa.array([json_bytes(value) for value in listed], pa.binary())
    plain = pc.fill_null(pc.match_substring_regex(ids, _PLAIN_ID), False).to_numpy(zero_copy_only=False)
    quoted = pc.binary_join_element_wise('"', ids, '"', "").cast(pa.binary())
    if plain.all():
        return quoted
    other = np.flatnonzero(~plain)
    return pc.if_else(arrow_np.array(plain, pa.bool_()), quoted,
                      pa.array(_spread(other, [json_bytes(listed[g]) for g in other.tolist()], len(plain)),
                               pa.binary()))


def _spread(where: np.ndarray, values: list, n: int) -> list:
    """`values` at the places `where` of a list of `n` (None elsewhere)."""
    out: list = [None] * n
    for i, value in zip(where.tolist(), values):
        out[i] = value
    return out


_PLAIN_ID = "^" + SAFE.pattern.decode() + "$"
