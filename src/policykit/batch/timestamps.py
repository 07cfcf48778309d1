"""The `at` column as UTC microseconds: vectorised for plain ISO 8601, the case parser for everything else."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..timeparse import (AM_LATIN, DECLARE_HINT, MAX_YEAR, MERIDIEM_AM, MERIDIEM_PM, MIN_YEAR, PM_LATIN, AmbiguousDate,
                         TimeFormatError, meridiem_form, parse_instant, zone)
from .zone_np import zone_columns
from . import arrow_np

# Forms Arrow parses exactly as datetime.fromisoformat does; anything else (Hijri, odd forms) goes row by row.
_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$"
_LOCAL = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
# The years the case loader accepts, in UTC microseconds: outside them due-date arithmetic would overflow.
_LOW = (dt.datetime(MIN_YEAR, 1, 1, tzinfo=dt.timezone.utc) - _EPOCH) // dt.timedelta(microseconds=1)
_HIGH = (dt.datetime(MAX_YEAR + 1, 1, 1, tzinfo=dt.timezone.utc) - _EPOCH) // dt.timedelta(microseconds=1)
_DAY = 86_400_000_000
OUT_OF_RANGE = f"the time is outside the years {MIN_YEAR}-{MAX_YEAR}"
_PER_UNIT = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": 1}


def to_utc_micros(column: pa.Array, timezone: str, date_format: str | None = None
                  ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str]]]:
    """(micros since epoch, valid mask, [(row, reason)]) for a string or timestamp column.

    `date_format` (a declared strptime form, SPEC §12) is tried on the rows that are not plain ISO 8601."""
    n = len(column)
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_date(column.type):  # a day: the start of that local day, as for a bare date in text
        column = column.cast(pa.timestamp("s"))
    if pa.types.is_timestamp(column.type):
        return _from_timestamps(column, timezone)
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        column = column.cast(pa.string())
    problems: list[tuple[int, str]] = []
    stripped = pc.utf8_trim_whitespace(column)
    micros, valid, plain = _plain(stripped, timezone)
    declared = np.zeros(n, dtype=bool)
    if date_format and "%z" not in date_format.lower():
        before = valid.copy()
        _fill(micros, valid, stripped, ~valid, lambda a: _wall_to_utc(_declared(a, date_format), timezone))
        declared = valid & ~before
    # times within a day of the bounds (an offset is under a day) or beyond go to the row-by-row parser, which
    # judges them by the year of their own offset as in a case file: 2200-12-31T23:00-05:00 is in, 2201 in UTC;
    # so does a declared form's year out of range (a Hijri year read by %Y), which the row parser explains
    valid &= _inside(micros)
    rest = np.nonzero(~(plain | declared) | ~valid)[0]
    if len(rest):
        tz = zone(timezone)
        texts = column.take(pa.array(rest)).to_pylist()
        for row, text in zip(rest.tolist(), texts):
            if text is None or not str(text).strip():
                problems.append((row, "missing 'at'"))
                continue
            try:
                instant = parse_instant(text, tz, date_format)
            except AmbiguousDate as exc:
                problems.append((row, str(exc) + DECLARE_HINT))
                continue
            except TimeFormatError as exc:
                problems.append((row, str(exc)))
                continue
            micros[row] = (instant - _EPOCH) // dt.timedelta(microseconds=1)
            valid[row] = True
    return micros, valid, problems


def _declared(texts: pa.Array, date_format: str) -> pa.Array:
    """Naive timestamps of `texts` read by the declared form (null where it does not fit), Arabic AM/PM markers
    read as timeparse reads them row by row; a text with two markers is left to that parser to refuse."""
    if "%p" in date_format:
        texts = pc.replace_substring_regex(texts, pattern=MERIDIEM_AM, replacement=AM_LATIN)
        texts = pc.replace_substring_regex(texts, pattern=MERIDIEM_PM, replacement=PM_LATIN)
        date_format = meridiem_form(date_format)
    return pc.strptime(texts, format=date_format, unit="us", error_is_null=True)


def plain_micros(column: pa.Array, timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """(UTC µs, read) of a string column's plain ISO 8601 texts, read at once as `datetime.fromisoformat` reads
    them (a wall-clock time in `timezone`); any other text, or a time within a day of the years' bounds, is not
    read (left to `parse_instant`)."""
    micros, valid, _ = _plain(column, timezone)
    return micros, valid & _inside(micros)


def _plain(column: pa.Array, timezone: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(µs, read, plain form) of each text: Arrow parses the plain forms exactly as fromisoformat does."""
    n = len(column)
    micros = np.zeros(n, dtype=np.int64)
    valid = np.zeros(n, dtype=bool)
    with_offset = pc.fill_null(pc.match_substring_regex(column, _WITH_OFFSET), False).to_numpy(zero_copy_only=False)
    local = pc.fill_null(pc.match_substring_regex(column, _LOCAL), False).to_numpy(zero_copy_only=False)
    _fill(micros, valid, column, with_offset, lambda a: pc.cast(a, pa.timestamp("us", tz="UTC")))
    _fill(micros, valid, column, local, lambda a: _wall_to_utc(pc.cast(a, pa.timestamp("us")), timezone))
    return micros, valid, with_offset | local


def _inside(micros: np.ndarray) -> np.ndarray:
    """Instants more than a day inside the years allowed (nearer, their own offset's year decides: row by row)."""
    return (micros >= _LOW + _DAY) & (micros < _HIGH - _DAY)


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
    # the stored integers are range-checked before any conversion (year 58035 in seconds overflows microseconds):
    # a naive timestamp by its wall-clock year, as a case file's local time; a zoned one by its UTC year
    per_unit = _PER_UNIT[column.type.unit]
    raw = column.cast(pa.int64())
    present = raw.is_valid().to_numpy(zero_copy_only=False)
    values = raw.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    if column.type.unit == "ns":
        values = values // 1000  # sub-microsecond digits are below the engine's precision
    valid = present & (values >= _LOW // per_unit) & (values < _HIGH // per_unit)
    problems = [(int(row), "missing 'at'") for row in np.nonzero(~present)[0]]
    problems += [(int(row), OUT_OF_RANGE) for row in np.nonzero(present & ~valid)[0]]
    micros = np.where(valid, values, 0) * per_unit
    if column.type.tz is None:
        micros = zone_columns(timezone).to_utc(micros)
    return micros, valid, problems


def _wall_to_utc(wall: pa.Array, timezone: str) -> pa.Array:
    """UTC µs (int64) of naive wall-clock timestamps, read in the zone as a case file's local time is read: by
    zoneinfo (the tz database, fold 0), not by Arrow's own zone rules, which differ past 2037 and in gaps."""
    values = wall.cast(pa.int64())
    missing = values.is_null().to_numpy(zero_copy_only=False)
    utc = zone_columns(timezone).to_utc(values.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64))
    return arrow_np.array(utc, pa.int64(), mask=missing)
