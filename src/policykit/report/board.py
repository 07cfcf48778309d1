"""The comparison as a board reads it (Markdown and HTML): associations by name as column headers, the
response deadline in words, and an approval date whose Hijri and Gregorian days disagree flagged."""

from __future__ import annotations

from typing import Any

from . import labels

BOUND = {"at_most": {"ar": "حد أقصى (لا تتجاوز)", "en": "at most (upper bound)"},
         "at_least": {"ar": "حد أدنى (لا تقل عن)", "en": "at least (lower bound)"}}
MISMATCH = {"ar": "⚠ لا يوافق التاريخ الهجري المذكور معه ({hijri} هـ = {gregorian} م)",
            "en": "⚠ does not match the Hijri date given with it ({hijri} AH = {gregorian})"}


def column_names(policies, lang: str) -> dict[str, str]:
    """Each policy's association, by its short name in `lang`, else its full name (the id when it has neither)."""
    names = {}
    for policy in policies:
        association = policy.association
        short = getattr(association, "short_name", None)
        names[policy.id] = getattr(short, lang, None) or getattr(association.name, lang, None) or policy.id
    return names


def values_in(matrix):
    """`values_of(item, section)`: a matrix row's values by policy id ({} when the matrix lacks the row)."""
    def values_of(item: str, section: str = "deadline") -> dict:
        found = next((r for r in matrix.rows if r.section == section and r.item == item), None)
        return found.values if found else {}

    return values_of


def in_words(row, pid: str, value: Any, values_of, lang: str) -> Any:
    """A deadline or approval cell as words, a cell the matrix words per language in `lang`; any other unchanged."""
    if value is None or value is True or value is False:
        return value
    worded = getattr(row, "words", {}).get(pid)
    if worded and lang in worded:
        return worded[lang]
    if row.section == "deadline":
        unit = values_of("unit").get(pid)
        if row.item == "amount" and unit:
            return labels.amount(int(value), unit, lang)
        if row.item == "unit":
            return labels.UNIT.get(value, {}).get(lang, value)
        if row.item in ("bound_as_written", "reading_bound"):
            return BOUND.get(value, {}).get(lang, value)
        if row.item == "default_reading":
            return labels.reading(value, lang)
        if row.item in ("trigger", "fulfilled_by"):
            return labels.event(value, None, lang)
        if row.item == "typical_calendar_days":
            return labels.amount(int(value), "calendar_days", lang)
    if row.section == "general" and row.item == "audience":
        from ..policy_labels import WORDS

        return WORDS.get(value, {}).get(lang, value)
    if row.section == "approval" and row.item == "date_gregorian":
        flag = mismatch(values_of("date_hijri", "approval").get(pid), value, lang)
        return f"{value} {flag}" if flag else value
    return value


def mismatch(hijri: str | None, gregorian, lang: str) -> str | None:
    """The flag for a Gregorian approval date that is not the day of the Hijri date given with it, else None."""
    implied = _gregorian_of(hijri)
    if implied and gregorian and implied != str(gregorian):
        return MISMATCH[lang].format(hijri=hijri, gregorian=implied)
    return None


def _gregorian_of(hijri: str | None) -> str | None:
    if not hijri:
        return None
    from ..timeparse import TimeFormatError, hijri_to_gregorian

    try:
        year, month, day = (int(part) for part in str(hijri).split("-"))
        return hijri_to_gregorian(year, month, day).isoformat()
    except (ValueError, TimeFormatError):
        return None
