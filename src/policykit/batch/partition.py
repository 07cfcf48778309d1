"""Group a log's rows by case in bounded memory: hash-partition into temp Arrow files, then sort each one."""

from __future__ import annotations

import secrets
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


# Two polynomial hashes modulo primes below 2**31, so that a residue times a power fits in 64 bits.
_PRIMES = (2_147_483_647, 2_147_483_629)
_SLICE_ROWS = 32_768  # ids hashed per numpy pass: bounds the per-byte temporaries


def hash_ids(ids: pa.Array, key: int = 0) -> np.ndarray:
    """A stable 64-bit hash of each whole string, vectorised; `key` picks the polynomial bases.

    Every byte counts (hashing only an id's end let anyone choose ids that all land in one partition); with a
    secret `key` the bases are unknown, so colliding ids cannot be chosen in advance either.
    """
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    ids = ids.cast(pa.large_string()) if not pa.types.is_large_string(ids.type) else ids
    ids = ids.fill_null("")
    out = np.empty(len(ids), dtype=np.uint64)
    for first in range(0, len(ids), _SLICE_ROWS):
        out[first:first + _SLICE_ROWS] = _hash_slice(ids.slice(first, _SLICE_ROWS), key)
    return out


def _hash_slice(ids: pa.Array, key: int) -> np.ndarray:
    _, offsets_buf, data_buf = ids.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[ids.offset: ids.offset + len(ids) + 1]
    lengths = np.diff(offsets)
    h = lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    total = int(offsets[-1] - offsets[0]) if len(ids) else 0
    if total:
        data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0]:offsets[-1]].astype(np.uint64) + np.uint64(1)
        starts = offsets[:-1] - offsets[0]
        position = np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)  # each byte's index in its id
        nonempty = lengths > 0
        for shift, prime in zip((32, 0), _PRIMES):
            base = 257 + (key * 0x2545F4914F6CDD1D + prime) % (prime - 514)
            terms = data * _powers(base, prime, int(lengths.max()))[position] % np.uint64(prime)
            sums = np.zeros(len(ids), dtype=np.uint64)
            sums[nonempty] = np.add.reduceat(terms, starts[nonempty]) % np.uint64(prime)
            h ^= sums << np.uint64(shift)
    # splitmix64's finaliser: every input bit moves every output bit, so `% partitions` is uniform
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def _powers(base: int, prime: int, count: int) -> np.ndarray:
    """base**0 … base**(count-1) modulo `prime`, by doubling (a few numpy passes, however long the id)."""
    out = np.ones(max(count, 1), dtype=np.uint64)
    filled, power = 1, base % prime  # power = base**filled
    while filled < count:
        take = min(filled, count - filled)
        out[filled:filled + take] = out[:take] * np.uint64(power) % np.uint64(prime)
        power = power * power % prime
        filled += take
    return out


class Partitioner:
    """Writes normalised batches into `count` Arrow IPC files by hash of case id."""

    def __init__(self, count: int, schema: pa.Schema, directory: str | None = None) -> None:
        self.count = count
        self.schema = schema
        self.dir = tempfile.TemporaryDirectory(prefix="policykit-batch-", dir=directory)
        self.paths = [Path(self.dir.name) / f"part-{i:04d}.arrow" for i in range(count)]
        self.writers = [pa.ipc.new_stream(str(p), schema) for p in self.paths]
        self.rows = [0] * count
        self.key = secrets.randbits(62)  # per run: nobody can choose ids that crowd one partition

    def add(self, batch: pa.RecordBatch) -> None:
        """Route each row of `batch` to its partition."""
        if batch.num_rows == 0:
            return
        batch = pa.RecordBatch.from_arrays([c.cast(f.type) for c, f in zip(batch.columns, self.schema)],
                                           schema=self.schema)
        if self.count == 1:
            self.writers[0].write_batch(batch)
            self.rows[0] += batch.num_rows
            return
        part = (hash_ids(batch.column(CASE_ID), self.key) % np.uint64(self.count)).astype(np.int64)
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


def group(table: pa.Table, codes: np.ndarray | None = None) -> tuple[pa.Table, np.ndarray]:
    """`table` sorted by (case in order of first appearance, at, line) and the start offset of each case;
    `codes`: each row's case number in order of first appearance, when the caller knows them."""
    from .reference import case_bounds

    if codes is None:
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
