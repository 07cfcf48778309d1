"""Group a log's rows by case in bounded memory: hash-partition into temp Arrow files, then sort each one."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .columns import CASE_ID
from .normalize import AT_US

ROWS_PER_PARTITION = 1_000_000


def partition_count(estimated_rows: int, workers: int) -> int:
    """Enough partitions for each to fit in memory, and at least one per worker for big logs."""
    by_size = -(-estimated_rows // ROWS_PER_PARTITION)
    return max(1, by_size, workers if estimated_rows > 50_000 else 1)


def hash_ids(ids: pa.Array) -> np.ndarray:
    """A cheap, stable hash of each string (its length and last eight bytes), vectorised."""
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    ids = ids.cast(pa.large_string()) if not pa.types.is_large_string(ids.type) else ids
    _, offsets_buf, data_buf = ids.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[ids.offset: ids.offset + len(ids) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(1, np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    h = (ends - starts).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    for k in range(1, 9):
        pos = ends - k
        ok = pos >= starts
        byte = np.where(ok, data[np.clip(pos, 0, max(len(data) - 1, 0))], 0).astype(np.uint64)
        h = (h ^ byte) * np.uint64(0x100000001B3)
    return h ^ (h >> np.uint64(29))


class Partitioner:
    """Writes normalised batches into `count` Arrow IPC files by hash of case id."""

    def __init__(self, count: int, schema: pa.Schema, directory: str | None = None) -> None:
        self.count = count
        self.schema = schema
        self.dir = tempfile.TemporaryDirectory(prefix="policykit-batch-", dir=directory)
        self.paths = [Path(self.dir.name) / f"part-{i:04d}.arrow" for i in range(count)]
        self.writers = [pa.ipc.new_stream(str(p), schema) for p in self.paths]
        self.rows = [0] * count

    def add(self, batch: pa.RecordBatch) -> None:
        """Route each row of `batch` to its partition."""
        if batch.num_rows == 0:
            return
        if self.count == 1:
            self.writers[0].write_batch(batch)
            self.rows[0] += batch.num_rows
            return
        part = (hash_ids(batch.column(CASE_ID)) % np.uint64(self.count)).astype(np.int64)
        order = np.argsort(part, kind="stable")
        counts = np.bincount(part, minlength=self.count)
        sorted_batch = batch.take(pa.array(order))
        start = 0
        for i, n in enumerate(counts.tolist()):
            if n:
                self.writers[i].write_batch(sorted_batch.slice(start, n))
                self.rows[i] += n
            start += n

    def finish(self) -> list[Path]:
        """Close the files; the paths of the non-empty partitions."""
        for writer in self.writers:
            writer.close()
        return [p for p, n in zip(self.paths, self.rows) if n]

    def cleanup(self) -> None:
        """Remove the temp files."""
        self.dir.cleanup()


def load_grouped(path: Path) -> tuple[pa.Table, np.ndarray]:
    """A partition's rows sorted by case (first appearance), then time, then line; and the group bounds."""
    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_stream(source).read_all()
    return group(table)


def group(table: pa.Table) -> tuple[pa.Table, np.ndarray]:
    """`table` sorted by (case in order of first appearance, at, line) and the start offset of each case."""
    from .reference import case_bounds

    codes = pc.dictionary_encode(table.column(CASE_ID).combine_chunks()).indices.to_numpy()
    at = table.column(AT_US).to_numpy()
    if len(codes) > 1:
        step_code, step_at = np.diff(codes), np.diff(at)
        if np.all((step_code > 0) | ((step_code == 0) & (step_at >= 0))):
            return table, case_bounds(codes)  # already grouped and in time order (the usual export)
    # rows are in line order and lexsort is stable, so ties in time keep line order
    order = np.lexsort((at, codes))
    table = table.take(pa.array(order))
    return table, case_bounds(codes[order])
