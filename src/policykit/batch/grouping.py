"""Cutting a log grouped by case into chunks of whole cases, and noticing when it is not grouped."""

from __future__ import annotations

from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .columns import CASE_ID
from .id_texts import id_texts


class NotGrouped(Exception):
    """A case's rows are not contiguous in the log."""


def grouped_chunks(batches: Iterator[pa.RecordBatch], remember: bool = True) -> Iterator[pa.Table]:
    """Tables of whole cases, cut at case boundaries; NotGrouped when a finished case's id comes back.

    With `remember=False` only contiguity inside each chunk is checked: the caller checks ids across chunks."""
    finished: set[str] = set()
    carry: pa.Table | None = None
    for batch in batches:
        if batch.num_rows == 0:
            continue
        table = pa.Table.from_batches([batch])
        if carry is not None:
            table = pa.concat_tables([carry, table], promote_options="default")
        if CASE_ID not in table.column_names:
            raise NotGrouped()
        # cut on the ids as normalisation will see them (trimmed), so no case is split across chunks
        encoded = pc.dictionary_encode(id_texts(table.column(CASE_ID)).fill_null(""))
        codes = encoded.indices.to_numpy()
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        ids = encoded.dictionary.to_pylist() if remember else ()
        if len(starts) != len(encoded.dictionary) or (remember and not finished.isdisjoint(ids)):
            raise NotGrouped()
        last = int(starts[-1])
        if last:
            if remember:
                finished.update(ids[c] for c in codes[starts[:-1]].tolist())
            yield table.slice(0, last)
        carry = table.slice(last)
    if carry is not None and carry.num_rows:
        yield carry
