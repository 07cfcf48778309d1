"""Posted `at` texts read as UTC microseconds a whole post at once: numpy over the plain ISO 8601 forms, which
datetime.fromisoformat reads alike; every other text is left to the caller (marked not read)."""

from __future__ import annotations

from operator import itemgetter

import numpy as np

from ..timeparse import MAX_YEAR, MIN_YEAR

_DAY_S = 86_400
# text length: (where the seconds are, None: none; whether a .ffffff fraction follows; where the offset starts,
# None: a wall-clock time in the session's zone; whether the offset is Z).  The date and HH:MM always lead.
_FORMS = {
    10: None,  # YYYY-MM-DD: midnight, local
    16: (None, False, None, False),  # YYYY-MM-DDTHH:MM
    19: (17, False, None, False),  # YYYY-MM-DDTHH:MM:SS
    20: (17, False, 19, True),  # ...SSZ
    25: (17, False, 19, False),  # ...SS+HH:MM
    26: (17, True, None, False),  # ...SS.ffffff
    27: (17, True, 26, True),  # ...SS.ffffffZ
    32: (17, True, 26, False),  # ...SS.ffffff+HH:MM
}
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def iso_micros(texts: list, zone) -> tuple[np.ndarray, np.ndarray]:
    """(UTC µs, read) per text: read is false where the text is not one of the plain forms (or not a text, or not
    a real date, or outside the years allowed by its own year); a wall-clock time is read in `zone`
    (batch.zone_np.ZoneColumns) as datetime(..., tzinfo=zone) reads it."""
    n = len(texts)
    micros = np.zeros(n, dtype=np.int64)
    read = np.zeros(n, dtype=bool)
    try:
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    except TypeError:  # a value that is not a text: left to the caller, the texts read all the same
        lengths = np.array([len(text) if type(text) is str else 0 for text in texts], dtype=np.int64)
    for length, form in _FORMS.items():
        where = np.flatnonzero(lengths == length)
        if not len(where):
            continue
        if len(where) == n:
            chosen = texts  # one form throughout, as most posts are
        else:
            chosen = itemgetter(*where.tolist())(texts) if len(where) > 1 else (texts[int(where[0])],)
        try:
            raw = "".join(chosen).encode("ascii")
        except (TypeError, UnicodeEncodeError):  # not all texts, or other digits: those left, the rest read
            plain = np.fromiter((type(text) is str and text.isascii() for text in chosen), dtype=bool,
                                count=len(where))
            where = where[plain]
            if not len(where):
                continue
            raw = "".join([text for text, ok in zip(chosen, plain.tolist()) if ok]).encode("ascii")
        cells = np.frombuffer(raw, dtype=np.uint8).reshape(len(where), length)
        values, ok = _read(cells, form)
        micros[where], read[where] = values, ok
    local = read & _is_local(lengths)
    if local.any():
        micros[local] = zone.to_utc(micros[local])
    return micros, read


def _is_local(lengths: np.ndarray) -> np.ndarray:
    """Texts of the forms without an offset."""
    return np.isin(lengths, [length for length, form in _FORMS.items() if form is None or form[2] is None])


def _read(cells: np.ndarray, form: tuple | None) -> tuple[np.ndarray, np.ndarray]:
    """(µs: UTC, or wall clock for forms without an offset; whether each row is such a text, real and in range)."""
    layout = _layout(cells.shape[1], form)
    ok = ((cells[:, layout.digits] - 48) < 10).all(axis=1)  # uint8: a byte below "0" wraps past 9
    ok &= (cells[:, layout.marks] == layout.mark_bytes).all(axis=1)
    digits = cells.astype(np.int32) - 48
    year, month, day, hour, minute, second, micro, hours, minutes = (_number(digits, field) for field in layout.fields)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok &= (year >= MIN_YEAR) & (year <= MAX_YEAR) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= month_days)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59) & (hours <= 23) & (minutes <= 59)
    seconds = hour * 3600 + minute * 60 + second  # int32 within a day, and the offset's below
    if layout.sign is not None:
        sign = cells[:, layout.sign]
        ok &= (sign == ord("+")) | (sign == ord("-"))
        seconds -= np.where(sign == ord("-"), -1, 1) * (hours * 3600 + minutes * 60)
    seconds = _days_from_civil(year, month, day).astype(np.int64) * _DAY_S + seconds
    return np.where(ok, seconds * 1_000_000 + micro, 0), ok


class _Layout:
    """Where a form's digits, fixed marks and offset sign are, and where each field's digits are (year, month,
    day, hour, minute, second, microsecond, offset hours, offset minutes)."""

    def __init__(self, length: int, form: tuple | None) -> None:
        fields = {0: (0, 4), 1: (5, 2), 2: (8, 2)}
        marks = {4: "-", 7: "-"}
        self.sign = None
        if form is not None:
            seconds_at, fraction, offset_at, zulu = form
            fields.update({3: (11, 2), 4: (14, 2)})
            marks.update({10: "T", 13: ":"})
            if seconds_at is not None:
                fields[5] = (seconds_at, 2)
                marks[seconds_at - 1] = ":"
            if fraction:
                fields[6] = (20, 6)
                marks[19] = "."
            if offset_at is not None and zulu:
                marks[offset_at] = "Z"
            elif offset_at is not None:
                fields.update({7: (offset_at + 1, 2), 8: (offset_at + 4, 2)})
                marks[offset_at + 3] = ":"
                self.sign = offset_at
        self.fields = [fields.get(column) for column in range(9)]  # (first digit, digits); None: zero
        self.digits = np.array([start + place for start, width in fields.values() for place in range(width)])
        self.marks = np.array(sorted(marks))
        self.mark_bytes = np.array([ord(marks[position]) for position in sorted(marks)], dtype=np.uint8)


_LAYOUTS: dict[int, _Layout] = {}


def _number(digits: np.ndarray, field: tuple[int, int] | None) -> np.ndarray | int:
    """A field's value per row (int32), from its digits' columns; 0 for a field the form has not."""
    if field is None:
        return 0
    start, width = field
    value = digits[:, start]
    for column in range(start + 1, start + width):
        value = value * 10 + digits[:, column]
    return value


def _layout(length: int, form: tuple | None) -> _Layout:
    layout = _LAYOUTS.get(length)
    if layout is None:
        layout = _LAYOUTS[length] = _Layout(length, form)
    return layout


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's days_from_civil)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468
