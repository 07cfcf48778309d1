"""The check for over-long values in a Parquet batch (`readers._long_rows`) against its plain definition."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings, strategies as st

from policykit.batch import readers

LIMIT = readers.MAX_LINE_BYTES


def _reference(column: pa.Array) -> np.ndarray:
    """Each row: a value longer than the limit (nulls never)."""
    values = column.dictionary_decode() if pa.types.is_dictionary(column.type) else column
    return pc.fill_null(pc.greater(pc.binary_length(values), LIMIT), False).to_numpy(zero_copy_only=False)


values = st.one_of(st.none(), st.sampled_from(["", "a", "x" * 10]), st.just("y" * (LIMIT + 1)),
                   st.just("z" * LIMIT))
kinds = st.sampled_from([pa.string(), pa.large_string(), pa.binary(), pa.large_binary()])


@settings(max_examples=60, deadline=None)
@given(st.lists(values, max_size=12), kinds, st.booleans(), st.integers(0, 3), st.integers(0, 3))
def test_long_rows_match_their_definition(items, kind, dictionary, start, cut):
    """Plain, dictionary-encoded, sliced and null-holding columns of every text and binary type."""
    column = pa.array([None if v is None else (v.encode() if pa.types.is_binary(kind) or
                                               pa.types.is_large_binary(kind) else v) for v in items], kind)
    if dictionary:
        column = pc.dictionary_encode(column)
    column = column.slice(min(start, len(column)), max(0, len(column) - start - cut))
    found = readers._long_rows(column)
    expected = _reference(column)
    assert (found if found is not None else np.zeros(len(column), dtype=bool)).tolist() == expected.tolist()


def test_a_null_slot_with_bytes_behind_it_is_not_long():
    """A null whose offsets span more than the limit (Arrow allows it) holds no value."""
    data = pa.py_buffer(b"q" * (LIMIT + 5))
    offsets = pa.py_buffer(np.array([0, LIMIT + 5, LIMIT + 5], dtype=np.int32).tobytes())
    validity = pa.py_buffer(np.packbits([0, 1], bitorder="little").tobytes())
    column = pa.Array.from_buffers(pa.string(), 2, [validity, offsets, data], null_count=1)
    assert readers._long_rows(column) is None


def test_non_text_columns_are_not_measured():
    assert readers._long_rows(pa.array([1, 2, 3])) is None
    assert readers._long_rows(pa.array([], pa.string())) is None
