"""How a case id, an event's type or attribute, and a fact are read, whichever way they arrive (SPEC §3, §12).

One reading for every path: `check` (a case file), live sessions and the service (a posted event) and `batch` (a
row of a log). Batch applies the same rules to whole columns at once with Arrow (batch/normalize.py):
`utf8_trim_whitespace` trims exactly the characters `str.strip` trims (tests/robustness/test_one_reading.py
holds both to it), and an empty cell is an absent value, as here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# The words a fact may be written with in a text cell or a text value, compared trimmed and case-folded.
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "t", "نعم"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "f", "لا"})


# An id as written, without the spaces around it (`'phone '` and `' H-1'` as exported are `phone`, `H-1`): str.strip
# itself, so that the live path's per-event loops call no Python function for it.
id_text = str.strip


def attribute_text(value: Any) -> str | None:
    """An event attribute's value: its trimmed text, None when it is absent (null, empty or blank, as an empty cell
    of a log is); a value that is not text is returned as it is, for the caller to refuse."""
    if value is None:
        return None
    if isinstance(value, str):
        return id_text(value) or None
    return value


def number_text(value: int | float | Decimal) -> str:
    """A number in a log's cell as text: a whole one as its integer digits (JSON's 42.0, every number of an Excel
    sheet, a Parquet double or decimal are the case 42; 123456789012.0 is 123456789012, never 1.23456789012e+11),
    any other as Python writes it. batch/id_texts.py reads a whole Arrow column so."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    return str(value)


def parse_fact(value: object) -> bool | None:
    """A fact as True/False, None when empty or null (unknown); ValueError when it is not a boolean.

    A boolean, 0 or 1, or one of TRUE_WORDS / FALSE_WORDS in any case with spaces around it."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if not isinstance(value, (str, int, float)):
        raise ValueError("not a boolean (true/false, yes/no, 1/0)")
    text = str(value).strip().lower()
    if text == "":
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError("not a boolean (true/false, yes/no, 1/0)")
