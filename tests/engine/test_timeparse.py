"""Instants as cases write them: offsets honoured, local times, bare dates, Hijri."""

import datetime as dt

import pytest

from policykit.timeparse import TimeFormatError, hijri_to_gregorian, iso, parse_instant, zone

RIYADH = zone("Asia/Riyadh")


def test_offset_is_honoured_and_rendered_locally():
    instant = parse_instant("2025-03-02T22:30:00Z", RIYADH)
    assert iso(instant, RIYADH) == "2025-03-03T01:30:00+03:00"


def test_time_without_offset_is_local():
    assert iso(parse_instant("2025-03-30T11:00", RIYADH), RIYADH) == "2025-03-30T11:00:00+03:00"


def test_bare_date_is_start_of_local_day():
    assert parse_instant("2025-03-04", RIYADH) == dt.datetime(2025, 3, 4, tzinfo=RIYADH)
    assert parse_instant("2025-03-04", zone("UTC")).utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("text", ["1446-09-29H", "1446-09-29 هـ", "1446-9-29h", "1446-09-29هـ"])
def test_hijri_spellings(text):
    assert parse_instant(text, RIYADH) == dt.datetime(2025, 3, 29, tzinfo=RIYADH)


def test_hijri_day_thirty_of_a_29_day_month_fails():
    with pytest.raises(TimeFormatError, match="1446-09-30"):
        parse_instant("1446-09-30H", RIYADH)
    assert hijri_to_gregorian(1446, 10, 1) == dt.date(2025, 3, 30)


@pytest.mark.parametrize("text", ["2025-02-30", "03/04/2025", "yesterday", "", "1600-01-01H", "2025-03-04T25:00"])
def test_rejected_forms(text):
    with pytest.raises(TimeFormatError):
        parse_instant(text, RIYADH)


def test_non_string_is_rejected():
    with pytest.raises(TimeFormatError, match="string"):
        parse_instant(20250304, RIYADH)
