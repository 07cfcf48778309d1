"""A JSONL log file as one Arrow table of fixed text columns, read as `policykit batch` reads it, for an engine
(policykit.dask.read_events) whose partitions must share one schema though the log's lines carry different keys."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.compute as pc

from .columns import LINE

# the reason an unreadable line was rejected by the reader (not JSON, too long, nested too deep): judge_table
# rejects that row with it, as batch lists the line in its rejects file
UNREADABLE = "_policykit_unreadable"


def event_schema(columns: tuple[str, ...]) -> pa.Schema:
    """The table's schema: the line, every column the batch reads as text, the reader's reason."""
    return pa.schema([(LINE, pa.int64()), *((name, pa.string()) for name in columns), (UNREADABLE, pa.string())])


def jsonl_table(path: str | os.PathLike, columns: tuple[str, ...], first_line: int = 1) -> pa.Table:
    """The rows of the JSONL file `path` in event_schema(columns), lines numbered from `first_line`: keys as batch
    reads them (trimmed; others ignored), values as text; a line batch's reader rejects is a row of its line and
    reason alone."""
    from .readers import read_log

    schema = event_schema(columns)
    unread: list[tuple[int, str]] = []
    tables = []
    for batch in read_log(path, lambda line, reason: unread.append((line, reason)), "jsonl", columns=set(columns)):
        present = set(batch.schema.names)
        arrays = [batch.column(LINE)]
        for name in columns:
            # every line's keys differ: text throughout, as batch reads a JSONL log
            arrays.append(batch.column(name).cast(pa.string()) if name in present else pa.nulls(batch.num_rows,
                                                                                                 pa.string()))
        arrays.append(pa.nulls(batch.num_rows, pa.string()))
        tables.append(pa.Table.from_arrays(arrays, schema=schema))
    if unread:
        lines, reasons = zip(*unread)
        tables.append(pa.Table.from_arrays([pa.array(lines, pa.int64()),
                                            *(pa.nulls(len(unread), pa.string()) for _ in columns),
                                            pa.array(reasons, pa.string())], schema=schema))
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    if first_line != 1:
        table = table.set_column(0, LINE, pc.add(table.column(LINE), first_line - 1))
    return table


def line_count(path: str | os.PathLike) -> int:
    """How many lines batch's JSONL reader numbers in `path` (for the next file's lines to follow on)."""
    from .readers import _capped_lines

    with open(path, "rb") as handle:
        return sum(1 for _ in _capped_lines(handle))
