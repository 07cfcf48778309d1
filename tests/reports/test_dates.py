"""Gregorian + Hijri display and closed days."""

import datetime as dt

from hijridate import Hijri

from policykit.model import Calendar
from policykit.report.dates import both_dates, compact_instant, format_instant, hijri_date, is_closed


def test_hijri_date_matches_umm_al_qura_in_both_languages():
    eid = Hijri(1446, 10, 1).to_gregorian()
    day = dt.date(eid.year, eid.month, eid.day)
    assert hijri_date(day, "en") == "1 Shawwal 1446 AH"
    assert hijri_date(day, "ar") == "1 شوال 1446هـ"


def test_both_dates_names_weekday_gregorian_and_hijri():
    text = both_dates(dt.date(2025, 3, 24), "en")
    assert text.startswith("Mon 24 Mar 2025")
    assert "Ramadan 1446 AH" in text
    assert "مارس" in both_dates(dt.date(2025, 3, 24), "ar")


def test_format_instant_keeps_the_local_clock_of_the_offset():
    assert format_instant("2025-03-24T23:59:59+03:00", "en").endswith("23:59")
    assert format_instant(None, "en") == ""
    assert compact_instant("2025-03-24T23:59:59+03:00").startswith("2025-03-24 23:59 / 1446-09-")


def test_hijri_outside_the_supported_range_falls_back_to_gregorian_only():
    assert hijri_date(dt.date(1800, 1, 1), "en") == ""
    assert both_dates(dt.date(1800, 1, 1), "en") == "Wed 1 Jan 1800"


def test_closed_days_follow_the_policy_calendar():
    saudi = Calendar()
    assert is_closed(dt.date(2025, 3, 28), saudi)  # Friday
    assert is_closed(dt.date(2025, 3, 31), saudi)  # Eid al-Fitr, a Monday
    assert not is_closed(dt.date(2025, 3, 23), saudi)  # an ordinary Sunday
    no_holidays = Calendar(holidays="none", extra_closures=(dt.date(2025, 3, 23),))
    assert not is_closed(dt.date(2025, 3, 31), no_holidays)
    assert is_closed(dt.date(2025, 3, 23), no_holidays)
