"""Dates for display: Gregorian and Umm al-Qura Hijri side by side, and which days are closed."""

from __future__ import annotations

import datetime as dt
import functools
from hijridate import Gregorian

from ..timeparse import clock

GREGORIAN_MONTHS = {
    "ar": ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر",
           "نوفمبر", "ديسمبر"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
WEEKDAYS = {
    "ar": ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def parse_instant(text: str | None) -> dt.datetime | None:
    """An ISO 8601 instant from a verdict (offset kept), or None."""
    if not text:
        return None
    return dt.datetime.fromisoformat(text)


def hijri_date(day: dt.date, lang: str) -> str:
    """The Umm al-Qura date, e.g. '24 Ramadan 1446 AH' / '24 رمضان 1446هـ'; empty outside its range."""
    try:
        hijri = Gregorian(day.year, day.month, day.day).to_hijri()
    except (OverflowError, ValueError):
        return ""
    if lang == "ar":
        return f"{hijri.day} {hijri.month_name('ar')} {hijri.year}هـ"
    return f"{hijri.day} {hijri.month_name()} {hijri.year} AH"


def gregorian_date(day: dt.date, lang: str) -> str:
    """The Gregorian date with its weekday, e.g. 'Mon 24 Mar 2025' / 'الاثنين 24 مارس 2025م'."""
    weekday = WEEKDAYS[lang][day.weekday()]
    month = GREGORIAN_MONTHS[lang][day.month - 1]
    suffix = "م" if lang == "ar" else ""
    return f"{weekday} {day.day} {month} {day.year}{suffix}"


def both_dates(day: dt.date, lang: str) -> str:
    """Gregorian and Hijri together, as Saudi readers expect."""
    hijri = hijri_date(day, lang)
    gregorian = gregorian_date(day, lang)
    return f"{gregorian} ({hijri})" if hijri else gregorian


def format_instant(text: str | None, lang: str) -> str:
    """A verdict instant as local date and time plus its Hijri date; empty for None."""
    moment = parse_instant(text)
    if moment is None:
        return ""
    return f"{both_dates(moment.date(), lang)} {clock(moment)}"


def short_date(day: dt.date) -> str:
    """ISO date, for narrow places such as an axis."""
    return day.isoformat()


def is_closed(day: dt.date, calendar) -> bool:
    """Whether `day` is closed (weekend, public holiday, extra closure) under the policy's calendar."""
    from ..calendar import calendar_for

    return not calendar_for(calendar).is_working_day(day)


def holiday_name(day: dt.date, calendar) -> str | None:
    """The public holiday's name on `day`, if any."""
    if calendar.holidays != "SA":
        return None
    return _holiday_names(day.year).get(day)


@functools.lru_cache(maxsize=16)
def _holiday_names(year: int) -> dict[dt.date, str]:
    import holidays  # only the HTML timeline needs names; keeps text and markdown start-up light

    return dict(holidays.SaudiArabia(years=year))


def compact_instant(text: str | None) -> str:
    """A narrow form for tables: '2025-03-27 23:59 / 1446-09-27هـ'; empty for None."""
    moment = parse_instant(text)
    if moment is None:
        return ""
    try:
        hijri = Gregorian(moment.year, moment.month, moment.day).to_hijri()
        hijri_text = f" / {hijri.year}-{hijri.month:02d}-{hijri.day:02d}هـ"
    except (OverflowError, ValueError):
        hijri_text = ""
    return f"{moment:%Y-%m-%d %H:%M}{hijri_text}"
