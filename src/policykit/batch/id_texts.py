"""A log's case-id column as the text every reader gives a case id (policykit.values.number_text, SPEC §12)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..values import number_text
from . import arrow_np

_INT64 = 2.0 ** 63  # a double below it in size converts to int64 exactly


def id_texts(column: pa.Array) -> pa.Array:
    """The ids of `column` as trimmed text (null where missing, or a binary cell that is not UTF-8).

    A number is read as values.number_text reads a JSONL or an Excel one: a whole one as its integer digits, so a
    Parquet double 123456789012.0 (pandas' type for an Excel column of numbers) is the case 123456789012, not
    Arrow's '1.23456789012e+11', and a decimal 42.0 is the case 42."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_floating(column.type) or pa.types.is_decimal(column.type):
        column = _numbers(column)
    elif not pa.types.is_string(column.type):
        try:
            column = column.cast(pa.string())
        except pa.ArrowInvalid:  # binary cells that are not all UTF-8 (batch's judging rejects their rows)
            column = pa.array([_utf8(value) for value in column.to_pylist()], pa.string())
    return pc.utf8_trim_whitespace(column)


def _numbers(column: pa.Array) -> pa.Array:
    """A float or decimal column as number_text writes each value: at once for the whole doubles int64 holds,
    one by one for the rest (fractions, decimals: rare in a case-id column)."""
    if pa.types.is_decimal(column.type):
        return pa.array([None if v is None else number_text(v) for v in column.to_pylist()], pa.string())
    values = column.cast(pa.float64()).fill_null(0.5).to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(values) & (np.floor(values) == values) & (np.abs(values) < _INT64)
    texts = arrow_np.array(np.where(whole, values, 0).astype(np.int64), pa.int64()).cast(pa.string())
    out = texts.to_numpy(zero_copy_only=False).astype(object)
    rest = np.flatnonzero(~whole)
    if len(rest):
        out[rest] = [None if v is None else number_text(v) for v in column.take(pa.array(rest)).to_pylist()]
    return pa.array(out, pa.string())


def _utf8(value: bytes | None) -> str | None:
    """A binary cell as text; None (missing) when it is not UTF-8."""
    try:
        return None if value is None else value.decode("utf-8")
    except UnicodeDecodeError:
        return None
