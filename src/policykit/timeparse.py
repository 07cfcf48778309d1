"""Instants as cases and exports write them (SPEC §3, §12): ISO 8601, bare dates, Umm al-Qura Hijri dates
(`1446-09-29H`, `1446-09-29 هـ`, `29/9/1446هـ`), Arabic-Indic digits anywhere, and a declared format."""

from __future__ import annotations

import datetime as dt
import functools
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .diagnostics import shown

_BARE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HIJRI_MARK = r"\s*(?:H|h|هـ|ه)"
_HIJRI = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _HIJRI_MARK + "$")
# d/m/yyyy هـ, as Saudi offices write Hijri dates (the marker fixes the order: day first)
_HIJRI_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _HIJRI_MARK + "$")
# n/n/yyyy with no marker: day-month order unknown (03/04/2025 is 3 April or 4 March), never guessed
_SLASHED = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?:[ T].*)?$")
# Arabic-Indic (U+0660..) and Eastern Arabic-Indic (U+06F0..) digits read as 0-9; the Arabic comma as a comma
_DIGITS = str.maketrans({**{chr(0x0660 + i): str(i) for i in range(10)},
                         **{chr(0x06F0 + i): str(i) for i in range(10)}, "\u066b": ".", "\u060c": ","})


# what datetime.strptime reads; a form must fix the year and the day, or strptime fills in 1900-01-01 unseen
_DIRECTIVE = re.compile(r"%(.?)")
_STRPTIME = set("aAwdbBmyYHIpMSfzZjUWcxXGuV%")
_YEARS, _DAYS = set("YyGcx"), set("djaAwucx")


def date_format_problem(form: str) -> str | None:
    """Why `form` cannot be a declared date form (strptime directives), or None when it can."""
    used = _DIRECTIVE.findall(form)
    bad = next((d for d in used if d not in _STRPTIME), None)
    if bad is not None:
        return f"'%{bad}' is not a strptime directive" if bad else "it ends with a lone '%'"
    for wanted, what, example in ((_YEARS, "year", "%Y"), (_DAYS, "day", "%d")):
        if not wanted.intersection(used):
            return f"it names no {what} ({example}), which strptime would take from 1900-01-01"
    return None


class TimeFormatError(ValueError):
    """The text is not an instant in any accepted form; the message says why."""


class AmbiguousDate(TimeFormatError):
    """A day-month-year date with no declared form (03/04/2025): never guessed. Its message names the forms every
    reader takes; `batch`, which also takes a declared form, adds DECLARE_HINT."""


# what batch (and the service's batch) add to an ambiguous date's reason: only they take a declared form
DECLARE_HINT = ", or declare the form with --date-format (e.g. '%d/%m/%Y')"


@functools.lru_cache(maxsize=32)
def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` (cached)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimeFormatError(f"unknown time zone '{name}'") from None


# Instants outside these years are typing errors; refusing them also keeps date arithmetic from overflowing.
MIN_YEAR, MAX_YEAR = 1900, 2200


def ascii_digits(text: str) -> str:
    """`text` with Arabic-Indic digits written as ASCII digits."""
    return text.translate(_DIGITS)


def parse_instant(text: str, tz: dt.tzinfo, date_format: str | None = None) -> dt.datetime:
    """An aware datetime from `text`; times without offset and bare dates are local to `tz`.

    `date_format` (strptime directives, e.g. `%d/%m/%Y %H:%M`) is tried first when given; with `%p` the Arabic
    markers ص / م are read as AM / PM."""
    instant = _declared(text, tz, date_format) if date_format else None
    if instant is None:
        try:
            instant = _parse_instant(text, tz)
        except AmbiguousDate:
            if not date_format:
                raise
            # the form was declared and this value does not fit it: the other forms cannot order day and month
            # either, and telling the user to declare a form would be wrong
            raise TimeFormatError(_unfit(text, date_format)) from None
    return in_years(instant)


# Arabic Excel writes %p as ص (صباحاً, before noon) and م (مساءً, after noon). A marker counts standing alone or
# right after the minutes or seconds, so «2025م» (the mark of a Gregorian year) is never read as one. The same
# pattern serves Python's re and Arrow's RE2 (no look-around), so both paths read one value the same way.
MERIDIEM_AM = r"(^|\s|:\d\d)(صباحاً|صباحًا|صباحا|ص)(\s|$)"
MERIDIEM_PM = r"(^|\s|:\d\d)(مساءً|مساء|م)(\s|$)"
_AM, _PM = re.compile(MERIDIEM_AM), re.compile(MERIDIEM_PM)


# the marker is written after a space, and the form's %p is too: «09:15م» fits `%I:%M%p` and `%I:%M %p` alike
AM_LATIN, PM_LATIN = r"\1 AM\3", r"\1 PM\3"


def latin_meridiem(text: str) -> str | None:
    """`text` with its Arabic AM/PM marker written AM/PM; None when it has more than one marker (ambiguous)."""
    text, am = _AM.subn(AM_LATIN, text)
    text, pm = _PM.subn(PM_LATIN, text)
    return None if am + pm > 1 else text


def meridiem_form(date_format: str) -> str:
    """`date_format` with a space before its %p, as latin_meridiem writes the marker."""
    return re.sub(r"\s*%p", " %p", date_format)


def _unfit(text: str, date_format: str) -> str:
    """Why `text`, ambiguous in every undeclared form, was not read by the declared form either."""
    value = ascii_digits(str(text).strip())
    reason = f"ambiguous date: it does not fit the declared --date-format '{date_format}'"
    if "%p" in date_format:
        markers = len(_AM.findall(value)) + len(_PM.findall(value))
        reason += ("; it has more than one AM/PM marker" if markers > 1 else
                   "; a 12-hour time needs its AM/PM marker (AM/PM, or ص/م as Arabic Excel writes them)"
                   if not markers and not re.search(r"(?i)\b[ap]m\b", value) else "")
    return reason + " (day and month are never guessed)"


def in_years(instant: dt.datetime) -> dt.datetime:
    """`instant` itself when its year is MIN_YEAR..MAX_YEAR; else TimeFormatError (a typing error, or date
    arithmetic that would overflow)."""
    if not MIN_YEAR <= instant.year <= MAX_YEAR:
        hint = "; a Hijri date needs its marker (e.g. 1446-09-29H or 29/9/1446هـ)" if 1300 <= instant.year < 1600 else ""
        raise TimeFormatError(f"year {instant.year} is out of range ({MIN_YEAR}-{MAX_YEAR}){hint}")
    return instant


def _parse_instant(text: str, tz: dt.tzinfo) -> dt.datetime:
    if not isinstance(text, str):
        raise TimeFormatError(f"expected a date or date-time string, got {type(text).__name__}")
    value = ascii_digits(text.strip())
    hijri = _HIJRI.match(value)
    if hijri:
        return _start_of_day(hijri_to_gregorian(*(int(g) for g in hijri.groups())), tz)
    hijri = _HIJRI_DMY.match(value)
    if hijri:
        day, month, year = (int(g) for g in hijri.groups())
        return _start_of_day(hijri_to_gregorian(year, month, day), tz)
    if _SLASHED.match(value):
        raise AmbiguousDate(
            "ambiguous date: the order of day and month is not known (never guessed); write it as ISO 8601 "
            "(2025-03-04) or as a Hijri date with its marker (4/9/1446هـ)")
    if _BARE_DATE.match(value):
        try:
            return _start_of_day(dt.date.fromisoformat(value), tz)
        except ValueError as exc:
            raise TimeFormatError(f"invalid date '{value}': {exc}") from None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        if _BARE_DATE.match(value[:10]) and "out of range" in str(exc):  # 2025-02-30T10:00: a day that is not
            raise TimeFormatError(f"invalid date {shown(value)}: {exc}") from None
        raise TimeFormatError(
            f"{shown(value)} is not ISO 8601 (e.g. 2025-03-02T09:15:00+03:00, 2025-03-02) "
            "nor a Hijri date (e.g. 1446-09-29H)") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=tz)
    return parsed


def _declared(text: str, tz: dt.tzinfo, date_format: str) -> dt.datetime | None:
    """`text` read with the declared strptime format, or None when it does not fit (other forms are tried)."""
    if not isinstance(text, str):
        return None
    value = ascii_digits(text.strip())
    if "%p" in date_format:
        value, date_format = latin_meridiem(value), meridiem_form(date_format)
        if value is None:
            return None
    try:
        parsed = dt.datetime.strptime(value, date_format)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def hijri_to_gregorian(year: int, month: int, day: int) -> dt.date:
    """The Gregorian date of an Umm al-Qura Hijri date; impossible dates (e.g. day 30 of a 29-day month) fail."""
    from hijridate import Hijri  # imported here: only Hijri input pays for it

    try:
        return dt.date(*Hijri(year, month, day).to_gregorian().datetuple())
    except (ValueError, OverflowError) as exc:
        raise TimeFormatError(f"invalid Umm al-Qura date {year:04d}-{month:02d}-{day:02d}: {exc}") from None


def _start_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz)


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """23:59:59 local on `day` — the instant a day-counted period ends (SPEC §4)."""
    return dt.datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=tz)


def start_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """00:00:00 local on `day`."""
    return _start_of_day(day, tz)


def iso(instant: dt.datetime, tz: dt.tzinfo) -> str:
    """ISO 8601 in `tz` with its offset (e.g. 2025-03-24T23:59:59+03:00); fractions of a second are kept when
    there are any (2025-03-24T23:59:59.500000+03:00), so a printed instant never contradicts its status (SPEC §4)."""
    return instant.astimezone(tz).isoformat()


def clock(instant: dt.datetime) -> str:
    """The time of day for prose: `HH:MM`, or `HH:MM:SS.ffffff` when the instant has a fraction of a second (an
    event within a due's last second would otherwise print like the due beside `breached`)."""
    if instant.microsecond:
        return instant.strftime("%H:%M:%S.%f")
    return instant.strftime("%H:%M")
