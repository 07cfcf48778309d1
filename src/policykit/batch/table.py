"""`judge_table`: the verdict rows of the whole cases in an Arrow table of events, for any engine to call per group.

It is the batch's own judging (runner._judge_chunk: normalise, group, the columnar fast path, the reference
path for the rest), so Spark, Dask and `policykit batch` give the same rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Settings
from ..diagnostics import PolicykitError, Span
from ..limits import Limits
from ..model import Policy
from .columns import CASE_ID, LINE, REQUIRED, column_name
from .event_table import UNREADABLE
from .tabular import rows_table

WHERE = "<table>"


def judge_table(table: pa.Table, policy: Policy | str, as_of: dt.datetime | str, reading: str | None = None, *,
                rejects: list[tuple[int, str]] | None = None, settings: Settings | None = None,
                limits: Limits | None = None) -> pa.Table:
    """The verdict rows (the Parquet layout of `batch`) of the cases whose events are all in `table`.

    `table` has the columns of a batch log (case_id, type, at, attributes, facts; others are ignored).  Its
    optional integer `line` column orders the rows as the log's lines do (ties in time, the first value of a
    fact); without it, the table's row order is the order.  A row batch would reject raises PolicykitError,
    unless `rejects` is a list: then each such row is dropped and its (line, reason) appended, as batch does.
    `settings` is the configuration (the reading when `reading` is None, the warning window), read here by
    default; Spark and Dask read it where their judge() is called and pass it to the executors.  `limits` (default:
    `policykit.limits.current()`, read here) bound the events of a case and the cases of the table, as batch
    bounds a log's: a table over either is refused whole (too-many-events, too-many-cases), as batch refuses it."""
    from ..limits import current
    from ..loader import load_policy
    from .runner import _judge_chunk, admit, plan

    from .readers import binary_as_text, check_cell_kinds

    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    if not isinstance(table, pa.Table):
        raise TypeError(f"table must be a pyarrow Table or RecordBatch, not {type(table).__name__}")
    table = trimmed_names(table)
    loaded = policy if isinstance(policy, Policy) else load_policy(policy)
    # the id or path travels to worker processes (each loads it once), a Policy object as it is
    shape, job = plan(loaded, policy if isinstance(policy, str) else loaded, as_of, reading, "parquet",
                      settings=settings)
    columns = table.column_names
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise PolicykitError.single("invalid-log", f"the table has no {', '.join(missing)} column", Span(WHERE),
                                    hint="a batch log needs case_id, type and at columns")
    known = set(shape.columns.known)
    twice = sorted({name for name in columns if (name in known or name == LINE) and columns.count(name) > 1})
    if twice:  # as batch refuses a header naming a column twice: which one holds the data cannot be told
        raise PolicykitError.single("duplicate-column", f"column '{twice[0]}' appears {columns.count(twice[0])} "
                                    "times in the table", Span(WHERE), hint="rename or remove all but one")
    check_cell_kinds(table.schema, known, WHERE)
    names = [name for name in columns if name in known]
    lines = _lines(table) if LINE in columns else pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
    raw = pa.table([lines, *(table.column(name) for name in names)], names=[LINE, *names])
    undecoded: list[tuple[int, str]] = []
    if UNREADABLE in columns:  # lines the reader rejected (read_events): rejected with its reason, as batch does
        reasons = table.column(UNREADABLE).combine_chunks()
        unread = pc.is_valid(reasons)
        undecoded.extend(zip(lines.filter(unread).to_pylist(), reasons.filter(unread).to_pylist()))
        raw, lines = raw.filter(pc.invert(unread)), lines.filter(pc.invert(unread))
    order = lines.to_numpy(zero_copy_only=False)
    if len(order) > 1 and bool((order[1:] < order[:-1]).any()):
        # rows from a shuffle: back in line order, as batch reads them (ties in time keep line order)
        raw = raw.take(pa.array(np.argsort(order, kind="stable")))
    raw = binary_as_text(raw, lambda line, reason: undecoded.append((line, reason)))
    verdicts, stats, bad = _judge_chunk(raw, job, shape)
    admit(stats, 0, Span(WHERE), limits or current())
    bad = sorted([*undecoded, *bad]) if undecoded else bad
    if bad:
        if rejects is None:
            line, reason = min(bad)
            raise PolicykitError.single("invalid-log", f"{len(bad)} row(s) rejected; the first: {reason}",
                                        Span(WHERE, line), hint="pass rejects=[] to drop them as batch does")
        rejects.extend(bad)
    return verdicts if verdicts is not None else rows_table([], loaded.calendar.timezone)


# batch's rejects file as a table: each rejected row's line and the reason
REJECTS = pa.schema([("line", pa.int64()), ("reason", pa.string())])


def trimmed_names(table: pa.Table) -> pa.Table:
    """`table` with its columns named as batch reads a log's (' case_id ' is case_id)."""
    names = [column_name(name) for name in table.column_names]
    return table if names == table.column_names else table.rename_columns(names)


def rejects_table(table: pa.Table, policy: Policy | str, as_of: dt.datetime | str, reading: str | None = None, *,
                  settings: Settings | None = None, limits: Limits | None = None) -> pa.Table:
    """The rows of `table` that judge_table (and batch) reject, as batch's rejects file lists them: (line,
    reason) in line order; rows without a case id, which belong to no verdict row, included."""
    found: list[tuple[int, str]] = []
    judge_table(table, policy, as_of, reading, rejects=found, settings=settings, limits=limits)
    found.sort()
    return pa.table([pa.array([line for line, _ in found], pa.int64()),
                     pa.array([reason for _, reason in found], pa.string())], schema=REJECTS)


def _lines(table: pa.Table) -> pa.Array:
    """The table's `line` column as int64, every row numbered; else invalid-log (a null or a fraction has no
    place in the log's order)."""
    column = table.column(LINE)
    try:
        lines = column.cast(pa.int64()).combine_chunks()  # a safe cast: 1.5, 2**64-1 or 'x' raise
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        lines = None
    if lines is None or lines.null_count:
        raise PolicykitError.single("invalid-log", "the line column must number every row with a whole number",
                                    Span(WHERE), hint="line is the rows' order in the log; leave it out to use the "
                                                      "table's own order")
    return lines


def check_columns(names: list[str], policy: Policy, as_of: dt.datetime | str, reading: str | None,
                  schema: pa.Schema | None = None) -> None:
    """What judge_table would refuse before any row is read, for an engine's driver to refuse at once: `as_of`,
    `reading`, a missing or repeated column (`names`: the engine's column names) and, given the columns' Arrow
    `schema`, a column of lists, structs or maps."""
    empty = schema.empty_table() if schema is not None else pa.Table.from_arrays(
        [pa.array([], pa.string()) for _ in names], names=list(names))
    judge_table(empty, policy, as_of, reading)


BUCKET = "_policykit_bucket"


def group_count(name: str, value: int | None) -> None:
    """ValueError unless an engine's count of groups (`buckets`, `npartitions`) is None (the default) or a
    positive integer: 0 was taken for the default and -1 failed the job on an executor."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise ValueError(f"{name} must be a positive integer, not {value!r}")


def plain_schema(tz: str) -> pa.Schema:
    """The verdict schema as Spark holds it: labels as plain text, instants in microseconds (UTC; the same
    instants as batch writes in the policy's zone `tz`), lists with Parquet's item name."""
    from .tabular import schema

    def plain(kind: pa.DataType) -> pa.DataType:
        if pa.types.is_dictionary(kind):
            return kind.value_type
        if pa.types.is_timestamp(kind):
            return pa.timestamp("us", tz="UTC")
        if pa.types.is_list(kind):
            return pa.list_(pa.field("element", plain(kind.value_type)))
        if pa.types.is_struct(kind):
            return pa.struct([pa.field(f.name, plain(f.type)) for f in kind])
        return kind

    return pa.schema([pa.field(f.name, plain(f.type)) for f in schema(tz)])


def with_bucket(table: pa.Table, buckets: int) -> pa.Table:
    """`table` with a bucket number per row from its case id as normalisation trims it: a case's rows share
    one bucket, so an engine that groups by bucket hands judge_table whole cases, many at a time."""
    from .parallel_parquet import trimmed_ids
    from .partition import hash_ids

    bucket = (hash_ids(trimmed_ids(table)) % np.uint64(buckets)).astype(np.int32)
    return table.append_column(BUCKET, pa.array(bucket))


def case_keys(table: pa.Table | pa.RecordBatch) -> pa.Table:
    """The case ids of `table`'s rows as batch counts its cases (trimmed, rows without one left out), for an engine
    to count a log's cases against the cases-per-batch limit."""
    from .parallel_parquet import trimmed_ids

    if isinstance(table, pa.RecordBatch):
        table = pa.Table.from_batches([table])
    ids = trimmed_ids(table)
    return pa.table({CASE_ID: ids.filter(pc.not_equal(ids, ""))})


def check_case_count(rows: int, distinct, bounds: Limits, where: str) -> None:
    """too-many-cases, as batch refuses a log, when the log of `rows` rows has more cases than `bounds` allow;
    `distinct()` counts them, called only when the rows alone could be too many cases (a case has a row)."""
    from .. import limits

    if rows > bounds.max_cases_per_batch:
        limits.check_cases(distinct(), Span(where), bounds)


def plain_labels(table: pa.Table) -> pa.Table:
    """`table` with dictionary-encoded columns decoded (pandas cannot shuffle Arrow dictionaries)."""
    return pa.table([column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column
                     for column in table.columns], names=table.column_names)
