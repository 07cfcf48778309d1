"""Work week, public holidays (holidays.SaudiArabia), extra closures and due-date arithmetic (SPEC §4)."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path as FsPath

from .cachedir import cache_dir, read_entry, write_entry
from .timeparse import end_of_day, start_of_day, zone

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True)
class WorkCalendar:
    """One policy's working calendar; closed days are computed once per year and cached."""

    timezone: str = "Asia/Riyadh"
    work_week: tuple[str, ...] = ("sun", "mon", "tue", "wed", "thu")
    public_holidays: str = "SA"
    extra_closures: tuple[dt.date, ...] = ()
    _years: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    @property
    def tz(self) -> dt.tzinfo:
        """The calendar's time zone."""
        return zone(self.timezone)

    def local_date(self, instant: dt.datetime) -> dt.date:
        """The local calendar date of an aware instant."""
        return instant.astimezone(self.tz).date()

    def holidays_in(self, year: int) -> frozenset[dt.date]:
        """Every public holiday `holidays.SaudiArabia` lists for `year` (observed days included)."""
        if self.public_holidays != "SA":
            return frozenset()
        return _saudi_holidays(year)

    def is_working_day(self, day: dt.date) -> bool:
        """Whether `day` is in the work week and neither a public holiday nor an extra closure."""
        return day.toordinal() in self._working_set(day.year)

    def working_days_after(self, day: dt.date, n: int) -> dt.date:
        """The Nth working day after `day` (the day itself never counts); n=0 gives `day`."""
        if n <= 0:
            return day
        ordinal = day.toordinal()
        year = day.year
        skipped = 0
        while True:
            days = self._working_ordinals(year)
            start = bisect.bisect_right(days, ordinal)
            available = len(days) - start
            if skipped + available >= n:
                return dt.date.fromordinal(days[start + n - skipped - 1])
            skipped += available
            year += 1
            if year > day.year + 50:  # a calendar with no working day at all
                raise ValueError("no working days in this calendar")

    def next_working_day_on_or_after(self, day: dt.date) -> dt.date:
        """`day` if it is a working day, else the first working day after it."""
        return day if self.is_working_day(day) else self.working_days_after(day, 1)

    def working_days_between(self, after: dt.date, through: dt.date) -> int:
        """How many working days d satisfy after < d <= through."""
        if through <= after:
            return 0
        count = 0
        for year in range(after.year, through.year + 1):
            days = self._working_ordinals(year)
            lo = bisect.bisect_right(days, after.toordinal())
            hi = bisect.bisect_right(days, through.toordinal())
            count += hi - lo
        return count

    def working_day_due(self, trigger: dt.datetime, n: int) -> dt.datetime:
        """End (23:59:59 local) of the Nth working day after the trigger's local date."""
        return end_of_day(self.working_days_after(self.local_date(trigger), n), self.tz)

    def calendar_day_due(self, trigger: dt.datetime, n: int) -> dt.datetime:
        """End of the day N days after the trigger's local date, rolled forward past closed days."""
        day = self.local_date(trigger) + dt.timedelta(days=n)
        return end_of_day(self.next_working_day_on_or_after(day), self.tz)

    def due(self, trigger: dt.datetime, n: int, unit: str) -> dt.datetime:
        """The due instant of a period of `n` `unit` (calendar_days or working_days) after `trigger`."""
        if unit == "working_days":
            return self.working_day_due(trigger, n)
        return self.calendar_day_due(trigger, n)

    def not_before(self, trigger: dt.datetime, n: int, unit: str) -> dt.datetime:
        """Start (00:00 local) of the day N calendar days, or of the Nth working day, after the trigger's date."""
        start = self.local_date(trigger)
        if unit == "working_days":
            return start_of_day(self.working_days_after(start, n), self.tz)
        return start_of_day(start + dt.timedelta(days=n), self.tz)

    def late_by(self, due: dt.datetime, instant: dt.datetime, unit: str) -> int:
        """How many days after `due` `instant` is, in `unit`; at least 1 once it is past the due."""
        if instant <= due:
            return 0
        due_day, day = self.local_date(due), self.local_date(instant)
        if unit == "working_days":
            # the extra working days the period would have needed for `instant` to meet it
            return max(1, self.working_days_between(due_day, self.next_working_day_on_or_after(day)))
        return max(1, (day - due_day).days)

    def working_days_left(self, instant: dt.datetime, due: dt.datetime) -> int:
        """Working days from `instant`'s local date through the due's local date, both included."""
        day = self.local_date(instant)
        return self.working_days_between(day - dt.timedelta(days=1), self.local_date(due))

    def _working_set(self, year: int) -> frozenset[int]:
        cached = self._years.get(year)
        if cached is None:
            cached = self._build_year(year)
        return cached[1]

    def _working_ordinals(self, year: int) -> tuple[int, ...]:
        cached = self._years.get(year)
        if cached is None:
            cached = self._build_year(year)
        return cached[0]

    def _build_year(self, year: int) -> tuple[tuple[int, ...], frozenset[int]]:
        weekdays = {_WEEKDAYS[name] for name in self.work_week}
        closed = self.holidays_in(year) | {d for d in self.extra_closures if d.year == year}
        day = dt.date(year, 1, 1)
        ordinals = []
        while day.year == year:
            if day.weekday() in weekdays and day not in closed:
                ordinals.append(day.toordinal())
            day += dt.timedelta(days=1)
        built = (tuple(ordinals), frozenset(ordinals))
        self._years[year] = built
        return built


@functools.lru_cache(maxsize=256)
def _saudi_holidays(year: int) -> frozenset[dt.date]:
    cached = _read_cache(year)
    if cached is not None:
        return cached
    days = saudi_holidays_from_library(year)
    _write_cache(year, days)
    return days


def saudi_holidays_from_library(year: int) -> frozenset[dt.date]:
    """Every date holidays.SaudiArabia lists for `year`, observed days included (no cache)."""
    import holidays  # imported on first use: importing every country's module costs ~0.25 s

    return frozenset(holidays.SaudiArabia(years=year).keys())


def _cache_file(year: int) -> FsPath | None:
    """Where the library's answer for `year` is kept, keyed by the holidays version; None when disabled."""
    root = cache_dir()
    if root is None:
        return None
    lib_version = _holidays_version()
    return root / f"holidays-SA-{lib_version}-{year}.json" if lib_version else None


@functools.lru_cache(maxsize=1)
def _holidays_version() -> str | None:
    """The installed holidays version, read off its dist-info folder: importlib.metadata costs ~30 ms to import."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("holidays")
        if spec is not None and spec.origin:
            found = sorted(FsPath(spec.origin).parent.parent.glob("holidays-*.dist-info"))
            if len(found) == 1:
                return found[0].name[len("holidays-"):-len(".dist-info")]
        from importlib.metadata import version

        return version("holidays")
    except Exception:  # noqa: BLE001 - no metadata: no cache, the library is still used
        return None


def _read_cache(year: int) -> frozenset[dt.date] | None:
    """The kept answer for `year`, only from a file nobody but the user could have written (cachedir)."""
    path = _cache_file(year)
    data = read_entry(path, limit=64 * 1024) if path is not None else None
    if data is None:
        return None
    try:
        return frozenset(dt.date.fromisoformat(d) for d in json.loads(data))
    except (ValueError, TypeError):
        return None


def _write_cache(year: int, days: frozenset[dt.date]) -> None:
    path = _cache_file(year)
    if path is not None:
        write_entry(path, json.dumps(sorted(d.isoformat() for d in days)).encode("utf-8"))


@functools.lru_cache(maxsize=64)
def _calendar(timezone: str, work_week: tuple[str, ...], public_holidays: str,
              extra_closures: tuple[dt.date, ...]) -> WorkCalendar:
    return WorkCalendar(timezone, work_week, public_holidays, extra_closures)


def calendar_for(policy_calendar) -> WorkCalendar:
    """The shared, cached WorkCalendar of a policy's `calendar` section (model.Calendar)."""
    return _calendar(policy_calendar.timezone, tuple(policy_calendar.work_week), policy_calendar.holidays,
                     tuple(sorted(policy_calendar.extra_closures)))


DEFAULT = WorkCalendar()
