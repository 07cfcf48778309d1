"""A grouped Parquet log judged row group by row group inside the workers, so reading runs on every core too.

Each worker reads its row group, judges the cases wholly inside it and hands back, unjudged, the rows of its
first and last case (they may continue across the row-group boundary); the parent stitches those edges.  Ids are
checked for uniqueness across row groups at the end, by their order when they ascend (a log sorted by case, as
exports usually are), else by hashing them: a log that proves not grouped is re-done by partitioning."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .columns import CASE_ID, column_name
from .id_texts import id_texts
from .output import spool
from .partition import hash_ids
from .readers import parquet_batches
from .summary import Stats
from . import arrow_np

# rows judged in one call: large enough that the per-call work of the rule queries is small against the per-row
# work, small enough that a worker's arrays stay a few tens of MB
SUB_CHUNK_ROWS = 262_144
# a run of ids in ascending order at least this long is not hashed: the order proves it unique (shorter runs are
# hashed as well, so that a log grouped but not sorted, with a few sorted by chance, still needs no partitioning)
SORTED_RUN = 64


@dataclass
class RowGroupResult:
    """What a worker returns for one row group."""

    payloads: list = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    rejects: list = field(default_factory=list)
    head: pa.Table | None = None
    tail: pa.Table | None = None
    hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    runs: list = field(default_factory=list)  # (first, last) id of each judged slice whose ids ascend
    unhashed: bool = False  # some slice was proved unique by its order alone, not hashed
    rows: int = 0
    grouped: bool = True


def trimmed_ids(table: pa.Table) -> pa.Array:
    """Case ids as normalisation sees them (trimmed; missing as empty)."""
    return id_texts(table.column(CASE_ID)).fill_null("")


def judge_row_group(path: str, index: int, first_line: int, columns: list[str], job, shape,
                    renames: dict[str, str] | None = None, as_dictionary: tuple[str, ...] = ()) -> RowGroupResult:
    """Judge the cases wholly inside row group `index`, batch by batch; return its edge cases raw.

    `renames` maps the log's headers to policykit's columns (`--column`/`--columns`); `as_dictionary` names the
    columns read as Parquet stores them, dictionary-encoded (see `dictionary_columns`)."""
    import pyarrow.parquet as pq

    from .grouping import NotGrouped, grouped_chunks
    from .runner import _judge_chunk

    result = RowGroupResult()

    def rejected_on_read(line: int, reason: str) -> None:  # a row read all the same (as _Run counts it)
        result.rejects.append((line, reason))
        result.rows += 1

    def batches():
        handle = pq.ParquetFile(path, read_dictionary=list(as_dictionary) or None)
        raw = iter(handle.iter_batches(batch_size=SUB_CHUNK_ROWS, row_groups=[index], columns=columns))
        for batch in parquet_batches(raw, path, first_line, rejected_on_read):
            result.rows += batch.num_rows
            if renames:
                batch = pa.RecordBatch.from_arrays(batch.columns, names=[renames.get(n, n) for n in batch.schema.names])
            yield batch

    def judge(chunk: pa.Table, ids: pa.Array | None = None, codes: np.ndarray | None = None) -> None:
        ids = pc.unique(trimmed_ids(chunk)) if ids is None else ids
        ascending = len(ids) < 2 or pc.all(pc.less(ids.slice(0, len(ids) - 1), ids.slice(1))).as_py()
        if len(ids):
            result.runs.append((ids[0].as_py(), ids[len(ids) - 1].as_py()) if ascending else None)
        if ascending and len(ids) >= SORTED_RUN:
            result.unhashed = True
        else:
            result.hashes = np.concatenate([result.hashes, hash_ids(ids)])
        payload, stats, bad = _judge_chunk(chunk, job, shape, codes)
        if payload is not None:
            result.payloads.append(payload)
        result.stats.merge(stats)
        result.rejects.extend(bad)

    read = batches()
    first = next(read, None)
    second = next(read, None) if first is not None else None
    if first is not None and second is None:  # the row group in one batch (the usual size): one pass over ids
        try:
            _judge_whole(pa.Table.from_batches([first]), result, judge)
        except NotGrouped:
            result.grouped = False
            return result
        return _finish(result, index)
    previous: pa.Table | None = None
    try:
        for chunk in grouped_chunks(iter([b for b in (first, second) if b is not None] + list(read)),
                                    remember=False):  # ids are checked by hash, across groups
            if result.head is None:
                codes = pc.dictionary_encode(trimmed_ids(chunk)).indices.to_numpy()
                boundary = np.flatnonzero(codes[1:] != codes[:-1])
                cut = int(boundary[0]) + 1 if len(boundary) else chunk.num_rows
                result.head = chunk.slice(0, cut)
                chunk = chunk.slice(cut)
                if chunk.num_rows == 0:
                    continue
            if previous is not None:
                judge(previous)
            previous = chunk
    except NotGrouped:
        result.grouped = False
        return result
    # the last chunk grouped_chunks yields is exactly the last case: the tail
    result.tail = previous
    return _finish(result, index)


def dictionary_columns(schema: pa.Schema, names: dict[str, str], shape) -> tuple[str, ...]:
    """The log's text columns that are event attributes (`names`: each header's column), read dictionary-encoded:
    a few distinct values (channels, outcomes) are then decoded, trimmed and checked once each, not per row."""
    attributes = set(shape.columns.attributes)
    return tuple(raw for raw, name in names.items() if name in attributes
                 and (pa.types.is_string(schema.field(raw).type) or pa.types.is_large_string(schema.field(raw).type)))


def _judge_whole(table: pa.Table, result: RowGroupResult, judge) -> None:
    """A row group read whole: its first and last case kept as edges, the cases between judged; NotGrouped
    when a case's rows are not together.  The ids are trimmed and encoded once, for all of it."""
    from .grouping import NotGrouped

    encoded = pc.dictionary_encode(trimmed_ids(table))  # the dictionary in order of first appearance
    codes = encoded.indices.to_numpy()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.zeros(0, np.int64)
    if len(starts) != len(encoded.dictionary):
        raise NotGrouped()
    if len(starts) <= 1:
        result.head = table if table.num_rows else None  # one case: it may go on in the next group
        return
    first, last = int(starts[1]), int(starts[-1])
    result.head, result.tail = table.slice(0, first), table.slice(last)
    if last > first:
        # case k has code k: the middle cases are the dictionary's entries 1 .. cases-2
        judge(table.slice(first, last - first), encoded.dictionary.slice(1, len(starts) - 2), codes[first:last] - 1)


def _finish(result: RowGroupResult, index: int) -> RowGroupResult:
    """A row group's result made ready to send back: edges copied, payloads spooled, memory returned."""
    # the edges as copies: a slice would be pickled back with the whole row group's buffers
    result.head, result.tail = (None if t is None else _copied(t) for t in (result.head, result.tail))
    spooled = spool(result.payloads, prefix=f"policykit-rg{index}-")
    result.payloads = [spooled] if spooled else []
    # no trim here: glibc's own threshold (process_setup.steady_allocation) bounds what a worker keeps, and a
    # trim after each row group faulted its ~23,000 pages in again for the next: a tenth of a 10⁷-event run's
    # CPU, for 5-7 % of its peak memory
    return result


def _copied(table: pa.Table) -> pa.Table:
    """The rows of `table` in buffers of their own."""
    return table.take(arrow_np.indices(np.arange(table.num_rows)))


def run_row_groups(run, sink) -> None:
    """Judge a Parquet log's row groups on the pool; raises NotGrouped when a case spans non-adjacent groups."""
    import pyarrow.parquet as pq

    from .grouping import NotGrouped
    from .runner import _judge_chunk

    handle = pq.ParquetFile(run.log)
    meta = handle.metadata
    known = set(run.shape.columns.known)
    renames = dict(run.options.columns.renames) if run.options.columns else {}  # a mapped header is read too
    names = {raw: renames.get(column_name(raw), column_name(raw)) for raw in handle.schema_arrow.names}
    columns = [raw for raw, name in names.items() if name in known]
    firsts = np.r_[0, np.cumsum([meta.row_group(i).num_rows for i in range(meta.num_row_groups)])] + 1
    run.unknown.update(dict.fromkeys(name for name in names.values() if name not in known))
    run.progress.start("reading + judging (row groups)", meta.num_rows)
    pool = run._pool()
    as_dictionary = dictionary_columns(handle.schema_arrow, names, run.shape)
    submit = lambda i: pool.submit(judge_row_group, str(run.log), i, int(firsts[i]), columns,  # noqa: E731
                                   run.job, run.shape, renames, as_dictionary)
    in_flight = 2 * run.workers  # a worker done early starts the next group while the parent writes
    futures = deque(submit(i) for i in range(min(in_flight, meta.num_row_groups)))
    next_group = len(futures)
    hashes, edge_ids = [], []
    chain: list = []  # in file order, each edge case's id and each judged slice's ascending run (None: not)
    unhashed = False
    carry: pa.Table | None = None
    carry_id: str | None = None

    edges: list[pa.Table] = []

    def judge_edge(rows: pa.Table) -> None:
        # edge cases are few and small: judged together at the end, one call instead of two per row group
        edges.append(rows)

    while futures:
        result = futures.popleft().result()
        if next_group < meta.num_row_groups:
            futures.append(submit(next_group))
            next_group += 1
        if not result.grouped:
            raise NotGrouped()
        run.rows_read += result.rows
        run.progress.advance(result.rows)
        run.admit(result.stats)
        for payload in result.payloads:
            sink.write(payload)
        run.stats.merge(result.stats)
        run.rejects.extend(result.rejects)
        hashes.append(result.hashes)
        unhashed |= result.unhashed
        if result.head is None:
            chain.extend(result.runs)
            continue
        head_id = trimmed_ids(result.head.slice(0, 1))[0].as_py()
        if not chain or chain[-1] != (head_id, head_id):  # else the case goes on from the group before
            chain.append((head_id, head_id))
        chain.extend(result.runs)
        if carry is not None and head_id == carry_id:
            merged = pa.concat_tables([carry, result.head])
        else:
            if carry is not None:
                judge_edge(carry)
                edge_ids.append(carry_id)
            merged = result.head
        if result.tail is None:  # the whole row group was one case: it may go on
            carry, carry_id = merged, head_id
            continue
        judge_edge(merged)
        edge_ids.append(head_id)
        carry = result.tail
        carry_id = trimmed_ids(result.tail.slice(0, 1))[0].as_py()
        chain.append((carry_id, carry_id))
    if carry is not None:
        judge_edge(carry)
        edge_ids.append(carry_id)
    if edges:
        payload, stats, bad = _judge_chunk(pa.concat_tables(edges, promote_options="default"), run.job, run.shape)
        run.admit(stats)
        if payload is not None:
            sink.write(payload)
        run.stats.merge(stats)
        run.rejects.extend(bad)
    if all(link is not None for link in chain) and all(a[1] < b[0] for a, b in zip(chain, chain[1:])):
        return  # every id after the one before: each case's rows are together (the usual export, sorted by id)
    if unhashed:
        raise NotGrouped()  # sorted runs beside unsorted ones (a partly sorted log): proved by partitioning
    every = np.concatenate(hashes + [hash_ids(pa.array(edge_ids, pa.string()))])
    # sort and compare neighbours: np.unique hashes when nearly all values differ, 15x slower here (1.5 s per 10^6)
    every.sort()
    if every.size > 1 and bool((every[1:] == every[:-1]).any()):
        raise NotGrouped()  # a case id seen in two places (or, rarely, a hash collision): partition instead
