"""The policy calendar (policykit.calendar) as a numpy business-day calendar, for whole columns of instants."""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..calendar import WorkCalendar
from ..timeparse import MIN_YEAR
from .zone_np import ZoneColumns, zone_columns

DAY = 86_400
SECOND = 1_000_000
_NUMPY_WEEK = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


_BUILT: dict[tuple[int, int, int], "NumpyCalendar"] = {}


class NumpyCalendar:
    """Due-date arithmetic of WorkCalendar over arrays of UTC microseconds, in the zone as the tz database has it."""

    def __init__(self, calendar: WorkCalendar, first_year: int, last_year: int) -> None:
        self.zone: ZoneColumns = zone_columns(calendar.timezone)
        closed = set()
        for year in range(first_year, last_year + 1):
            closed |= calendar.holidays_in(year)
        closed |= set(calendar.extra_closures)
        mask = [name in calendar.work_week for name in _NUMPY_WEEK]
        self.cal = np.busdaycalendar(weekmask=mask, holidays=sorted(closed))
        self.calendar = calendar

    @classmethod
    def for_range(cls, calendar: WorkCalendar, first_us: int, last_us: int) -> "NumpyCalendar":
        """A calendar covering the data's years with room for dues long after them."""
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
        first = (epoch + dt.timedelta(microseconds=int(first_us))).year - 1
        last = (epoch + dt.timedelta(microseconds=int(last_us))).year + 12
        key = (id(calendar), max(first, MIN_YEAR), last)
        known = _BUILT.get(key)
        if known is None or known.calendar is not calendar:  # each partition of a run covers the same years
            if len(_BUILT) > 64:
                _BUILT.clear()
            known = _BUILT[key] = cls(calendar, key[1], last)
        return known

    def local_day(self, micros: np.ndarray) -> np.ndarray:
        """Local calendar dates (datetime64[D]) of instants."""
        return self.zone.local_day(micros)

    def end_of(self, day: np.ndarray) -> np.ndarray:
        """23:59:59 local of each date, as UTC microseconds."""
        return self.zone.at_local(day, (DAY - 1) * SECOND)

    def start_of(self, day: np.ndarray) -> np.ndarray:
        """00:00 local of each date, as UTC microseconds."""
        return self.zone.at_local(day, 0)

    def working_days_after(self, day: np.ndarray, n: int) -> np.ndarray:
        """The Nth working day after each date (the date itself never counts)."""
        if n <= 0:
            return day
        return np.busday_offset(day, n, roll="backward", busdaycal=self.cal)

    def next_working_on_or_after(self, day: np.ndarray) -> np.ndarray:
        """Each date if working, else the next working day."""
        return np.busday_offset(day, 0, roll="forward", busdaycal=self.cal)

    def due(self, trigger: np.ndarray, n: int, unit: str) -> np.ndarray:
        """Due instants (µs) of a period after each trigger, SPEC §4."""
        day = self.local_day(trigger)
        if unit == "working_days":
            return self.end_of(self.working_days_after(day, n))
        return self.end_of(self.next_working_on_or_after(day + np.timedelta64(n, "D")))

    def not_before(self, trigger: np.ndarray, n: int, unit: str) -> np.ndarray:
        """Start of the day N days (or the Nth working day) after each trigger's date."""
        day = self.local_day(trigger)
        if unit == "working_days":
            return self.start_of(self.working_days_after(day, n))
        return self.start_of(day + np.timedelta64(n, "D"))

    def late_by(self, due: np.ndarray, instant: np.ndarray, unit: str) -> np.ndarray:
        """Days (in `unit`) by which each instant is after its due; at least 1 (callers pass late ones only)."""
        due_day, day = self.local_day(due), self.local_day(instant)
        if unit == "working_days":
            target = self.next_working_on_or_after(day)
            count = np.busday_count(due_day + np.timedelta64(1, "D"), target + np.timedelta64(1, "D"),
                                    busdaycal=self.cal)
            return np.maximum(1, count)
        return np.maximum(1, (day - due_day).astype(np.int64))

    def working_days_left(self, instant: np.ndarray, due: np.ndarray) -> np.ndarray:
        """Working days from each instant's date through its due's date, both included."""
        day, due_day = self.local_day(instant), self.local_day(due)
        return np.maximum(0, np.busday_count(day, due_day + np.timedelta64(1, "D"), busdaycal=self.cal))
