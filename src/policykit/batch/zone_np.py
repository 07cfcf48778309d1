"""A tz-database zone over arrays of UTC microseconds: the offsets zoneinfo gives (the reference's own answer),
asked once per distinct day and applied to whole columns (SPEC §4: Asia/Riyadh was UTC+03:06:52 before 1947)."""

from __future__ import annotations

import datetime as dt
import functools

import numpy as np

from ..timeparse import MAX_YEAR, MIN_YEAR, zone

DAY_US = 86_400 * 1_000_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_NAIVE_EPOCH = dt.datetime(1970, 1, 1)
_US = dt.timedelta(microseconds=1)
_MIXED = np.iinfo(np.int64).min  # a day whose offset changes within it: its rows are converted one by one
_DENSE_SPAN = 8192  # days: a column spanning fewer is looked up by day index, with no sort
# days outside the years instants may have get offset 0 (such rows are refused by the callers' range checks);
# a due lies up to a period after its trigger (3650 working days, about 15 years): dues of an instant in 2200
# are still converted by the zone's own rules, as the case path converts them (it was 3 hours off past 2201)
_DUE_YEARS = 20
_FIRST_DAY = (dt.date(MIN_YEAR - 1, 1, 1) - dt.date(1970, 1, 1)).days
_LAST_DAY = (dt.date(MAX_YEAR + _DUE_YEARS, 12, 31) - dt.date(1970, 1, 1)).days


class ZoneColumns:
    """UTC ↔ local wall-clock conversion of one zone, vectorised; a day's offset is zoneinfo's, remembered."""

    def __init__(self, timezone: str) -> None:
        self.tz = zone(timezone)
        self._utc_days: dict[int, int] = {}  # UTC day number -> offset (µs) through that day, or _MIXED
        self._local_days: dict[int, int] = {}  # local day number -> offset (µs) through that local day, or _MIXED

    def to_local(self, micros: np.ndarray) -> np.ndarray:
        """Local wall-clock microseconds (since 1970-01-01 00:00 local) of UTC instants."""
        micros = np.asarray(micros, dtype=np.int64)
        offsets = self._offsets(micros // DAY_US, self._utc_days, self._utc_day_offset)
        out = micros + offsets
        mixed = np.flatnonzero(offsets == _MIXED)
        for i in mixed.tolist():  # only rows on a transition day (a few a year at most)
            instant = _EPOCH + int(micros[i]) * _US
            out[i] = int(micros[i]) + instant.astimezone(self.tz).utcoffset() // _US
        return out

    def to_utc(self, local: np.ndarray) -> np.ndarray:
        """UTC microseconds of local wall-clock instants, read as `datetime(..., tzinfo=zone)` reads them (fold 0)."""
        local = np.asarray(local, dtype=np.int64)
        offsets = self._offsets(local // DAY_US, self._local_days, self._local_day_offset)
        out = local - offsets
        mixed = np.flatnonzero(offsets == _MIXED)
        for i in mixed.tolist():
            wall = (_NAIVE_EPOCH + int(local[i]) * _US).replace(tzinfo=self.tz)
            out[i] = (wall - _EPOCH) // _US
        return out

    def local_day(self, micros: np.ndarray) -> np.ndarray:
        """Local calendar dates (datetime64[D]) of UTC instants."""
        return (self.to_local(micros) // DAY_US).astype("datetime64[D]")

    def at_local(self, day: np.ndarray, micros_into_day: int) -> np.ndarray:
        """UTC microseconds of a local time of day (µs after midnight) on each date."""
        return self.to_utc(day.astype("datetime64[D]").astype(np.int64) * DAY_US + micros_into_day)

    @staticmethod
    def _offsets(days: np.ndarray, known: dict[int, int], compute) -> np.ndarray:
        """Per element, the offset of its day (from `known`, filled by `compute` for new days)."""
        if not len(days):
            return np.zeros(0, dtype=np.int64)
        lo, hi = int(days.min()), int(days.max())
        if hi - lo < _DENSE_SPAN:
            table = np.array([known[d] if d in known else known.setdefault(d, compute(d))
                              for d in range(lo, hi + 1)], dtype=np.int64)
            return table[days - lo]
        unique, inverse = np.unique(days, return_inverse=True)
        table = np.array([known[d] if d in known else known.setdefault(d, compute(d)) for d in unique.tolist()],
                         dtype=np.int64)
        return table[inverse]

    def _utc_day_offset(self, day: int) -> int:
        """The offset through UTC day `day`, or _MIXED when it differs at the day's two ends."""
        if not _FIRST_DAY <= day <= _LAST_DAY:
            return 0
        start, end = (_EPOCH + dt.timedelta(days=d) for d in (day, day + 1))
        first = start.astimezone(self.tz).utcoffset() // _US
        return first if end.astimezone(self.tz).utcoffset() // _US == first else _MIXED

    def _local_day_offset(self, day: int) -> int:
        """The offset through local day `day` (its midnight and the next, fold 0), or _MIXED when they differ."""
        if not _FIRST_DAY <= day <= _LAST_DAY:
            return 0
        start, end = ((_NAIVE_EPOCH + dt.timedelta(days=d)).replace(tzinfo=self.tz) for d in (day, day + 1))
        first = start.utcoffset() // _US
        return first if end.utcoffset() // _US == first else _MIXED


@functools.lru_cache(maxsize=32)
def zone_columns(timezone: str) -> ZoneColumns:
    """The shared ZoneColumns of a zone (its per-day answers are kept across partitions and calls)."""
    return ZoneColumns(timezone)
