"""Working days, holidays from holidays.SaudiArabia, closures and dues (SPEC §4)."""

import datetime as dt

import holidays
import pytest

from policykit.calendar import WorkCalendar, saudi_holidays_from_library
from policykit.timeparse import parse_instant

CAL = WorkCalendar()
TZ = CAL.tz


def at(text):
    return parse_instant(text, TZ)


def test_holidays_are_exactly_the_librarys():
    for year in (2024, 2025, 2026):
        assert CAL.holidays_in(year) == frozenset(holidays.SaudiArabia(years=year))
        assert CAL.holidays_in(year) == saudi_holidays_from_library(year)


def test_observed_holiday_is_closed():
    assert not CAL.is_working_day(dt.date(2025, 2, 23))  # Founding Day observed (a Sunday)
    assert not CAL.is_working_day(dt.date(2025, 6, 10))  # Eid al-Adha observed
    assert CAL.is_working_day(dt.date(2025, 2, 24))


def test_weekend_is_friday_saturday():
    assert not CAL.is_working_day(dt.date(2025, 1, 3))
    assert not CAL.is_working_day(dt.date(2025, 1, 4))
    assert CAL.is_working_day(dt.date(2025, 1, 5))


def test_working_day_due_skips_eid_al_fitr():
    # 16-20, 23-27 Mar (10), 30 Mar - 2 Apr Eid, 3 Apr (11), 6-9 Apr (15)
    assert CAL.working_day_due(at("2025-03-13T10:00"), 15).isoformat() == "2025-04-09T23:59:59+03:00"


def test_trigger_day_never_counts():
    assert CAL.working_day_due(at("2025-01-05T08:00"), 1).date() == dt.date(2025, 1, 6)
    assert CAL.working_day_due(at("2025-01-03T08:00"), 1).date() == dt.date(2025, 1, 5)  # from a Friday


def test_calendar_day_due_rolls_forward_past_closed_days():
    assert CAL.calendar_day_due(at("2025-05-25T09:00"), 14).isoformat() == "2025-06-11T23:59:59+03:00"
    assert CAL.calendar_day_due(at("2024-09-09T09:00"), 14).isoformat() == "2024-09-24T23:59:59+03:00"
    assert CAL.calendar_day_due(at("2025-01-05T09:00"), 14).isoformat() == "2025-01-19T23:59:59+03:00"
    assert CAL.calendar_day_due(at("2025-01-04T09:00"), 14).isoformat() == "2025-01-19T23:59:59+03:00"  # Sat->Sun


def test_working_days_across_year_end():
    assert CAL.working_days_after(dt.date(2024, 12, 25), 5) == dt.date(2025, 1, 1)


def test_extra_closures_close_a_day():
    closed = WorkCalendar(extra_closures=(dt.date(2025, 1, 6),))
    assert not closed.is_working_day(dt.date(2025, 1, 6))
    assert closed.working_days_after(dt.date(2025, 1, 5), 1) == dt.date(2025, 1, 7)


def test_other_time_zone_changes_the_local_date():
    utc = WorkCalendar(timezone="UTC")
    trigger = at("2025-01-05T01:00")  # 22:00 UTC on 4 Jan
    assert utc.local_date(trigger) == dt.date(2025, 1, 4)
    assert CAL.local_date(trigger) == dt.date(2025, 1, 5)


@pytest.mark.parametrize(("due", "instant", "unit", "late"), [
    ("2025-04-09T23:59:59+03:00", "2025-04-10T00:00:00+03:00", "working_days", 1),
    ("2025-04-09T23:59:59+03:00", "2025-04-13T11:00:00+03:00", "working_days", 2),
    ("2025-03-25T23:59:59+03:00", "2025-03-30T11:00:00+03:00", "working_days", 3),  # fulfilled on an Eid day
    ("2025-01-19T23:59:59+03:00", "2025-01-23T10:00:00+03:00", "calendar_days", 4),
    ("2025-01-19T23:59:59+03:00", "2025-01-19T23:59:59+03:00", "calendar_days", 0),
])
def test_late_by(due, instant, unit, late):
    assert CAL.late_by(dt.datetime.fromisoformat(due), dt.datetime.fromisoformat(instant), unit) == late


def test_not_before_is_start_of_day():
    assert CAL.not_before(at("2025-01-05T09:00"), 14, "calendar_days").isoformat() == "2025-01-19T00:00:00+03:00"
    assert CAL.not_before(at("2025-03-13T09:00"), 15, "working_days").isoformat() == "2025-04-09T00:00:00+03:00"


def test_disk_cache_round_trip(tmp_path, monkeypatch):
    from policykit import calendar as module

    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(tmp_path))
    module._write_cache(2031, saudi_holidays_from_library(2031))
    assert module._read_cache(2031) == saudi_holidays_from_library(2031)
    (next(tmp_path.iterdir())).write_text("not json")
    assert module._read_cache(2031) is None
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", "off")
    assert module._cache_file(2031) is None
