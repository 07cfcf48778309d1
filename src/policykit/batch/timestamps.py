"""The `at` column as UTC microseconds: vectorised for plain ISO 8601, the case parser for everything else."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..timeparse import MAX_YEAR, MIN_YEAR, TimeFormatError, parse_instant, zone

# Forms Arrow parses exactly as datetime.fromisoformat does; anything else (Hijri, odd forms) goes row by row.
_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"
_LOCAL = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_FIRST_US = (dt.datetime(MIN_YEAR, 1, 2, tzinfo=dt.timezone.utc) - _EPOCH) // dt.timedelta(microseconds=1)
_AFTER_LAST_US = (dt.datetime(MAX_YEAR, 12, 31, tzinfo=dt.timezone.utc) - _EPOCH) // dt.timedelta(microseconds=1)


def to_utc_micros(column: pa.Array, timezone: str, date_format: str | None = None
                  ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str]]]:
    """(micros since epoch, valid mask, [(row, reason)]) for a string or timestamp column.

    `date_format` (a declared strptime form, SPEC §12) is tried on the rows that are not plain ISO 8601."""
    n = len(column)
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_timestamp(column.type):
        return _from_timestamps(column, timezone)
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = column.cast(pa.string())
    micros = np.zeros(n, dtype=np.int64)
    valid = np.zeros(n, dtype=bool)
    problems: list[tuple[int, str]] = []
    stripped = pc.utf8_trim_whitespace(column)
    with_offset = pc.fill_null(pc.match_substring_regex(stripped, _WITH_OFFSET), False).to_numpy(zero_copy_only=False)
    local = pc.fill_null(pc.match_substring_regex(stripped, _LOCAL), False).to_numpy(zero_copy_only=False)
    _fill(micros, valid, stripped, with_offset, lambda a: pc.cast(a, pa.timestamp("us", tz="UTC")))
    _fill(micros, valid, stripped, local,
          lambda a: pc.assume_timezone(pc.cast(a, pa.timestamp("us")), timezone, ambiguous="earliest",
                                       nonexistent="earliest"))
    if date_format and "%z" not in date_format.lower():
        before = valid.copy()
        _fill(micros, valid, stripped, ~valid,
              lambda a: pc.assume_timezone(pc.strptime(a, format=date_format, unit="us", error_is_null=True),
                                           timezone, ambiguous="earliest", nonexistent="earliest"))
        # a year out of range (a Hijri year read by %Y) goes to the row parser, which explains it
        declared = valid & ~before
        valid[declared & ((micros < _FIRST_US) | (micros >= _AFTER_LAST_US))] = False
    rest = np.nonzero(~valid)[0]
    if len(rest):
        tz = zone(timezone)
        texts = column.take(pa.array(rest)).to_pylist()
        for row, text in zip(rest.tolist(), texts):
            if text is None or not str(text).strip():
                problems.append((row, "missing 'at'"))
                continue
            try:
                instant = parse_instant(text, tz, date_format)
            except TimeFormatError as exc:
                problems.append((row, str(exc)))
                continue
            micros[row] = (instant - _EPOCH) // dt.timedelta(microseconds=1)
            valid[row] = True
    return micros, valid, problems


def _fill(micros: np.ndarray, valid: np.ndarray, column: pa.Array, mask: np.ndarray, convert) -> None:
    rows = np.nonzero(mask)[0]
    if not len(rows):
        return
    try:
        parsed = convert(column.filter(pa.array(mask)))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return  # an impossible date such as 2025-02-30: left for the row-by-row parser to explain
    values = parsed.cast(pa.int64())
    ok = ~np.asarray(values.is_null().to_numpy(zero_copy_only=False))
    micros[rows[ok]] = values.to_numpy(zero_copy_only=False)[ok]
    valid[rows[ok]] = True


def _from_timestamps(column: pa.Array, timezone: str) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str]]]:
    if column.type.tz is None:
        column = pc.assume_timezone(column, timezone, ambiguous="earliest", nonexistent="earliest")
    values = column.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64())
    valid = ~values.is_null().to_numpy(zero_copy_only=False)
    micros = values.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    problems = [(int(row), "missing 'at'") for row in np.nonzero(~valid)[0]]
    return micros, valid, problems
