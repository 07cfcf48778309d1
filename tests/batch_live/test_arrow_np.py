"""Arrow arrays built over numpy buffers equal what `pa.array` builds, nulls and bit-packed booleans included."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from policykit.batch.arrow_np import array, indices

TYPES = [pa.int64(), pa.int32(), pa.int8(), pa.uint64(), pa.timestamp("us", tz="Asia/Riyadh"), pa.bool_()]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(TYPES), st.lists(st.tuples(st.integers(-100, 100), st.booleans()), max_size=70),
       st.booleans())
def test_an_array_over_buffers_equals_pa_array(type_, cells, masked):
    dtype = bool if pa.types.is_boolean(type_) else type_.to_pandas_dtype() if not pa.types.is_timestamp(type_) \
        else np.int64
    values = np.array([abs(v) if pa.types.is_unsigned_integer(type_) else v for v, _ in cells], dtype=dtype)
    mask = np.array([m for _, m in cells], dtype=bool) if masked else None
    built = array(values, type_, mask)
    built.validate(full=True)
    assert built.equals(pa.array(values, type_, mask=mask))
    assert built.null_count == (int(mask.sum()) if masked else 0)


def test_a_slice_of_a_larger_array_is_copied_whole():
    values = np.arange(20, dtype=np.int64)[3:17:2]  # not contiguous
    assert array(values, pa.int64()).to_pylist() == values.tolist()
    assert indices(np.array([2, 0, 1])).to_pylist() == [2, 0, 1]
