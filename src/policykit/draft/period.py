"""A response period as the documents write it («خلال مدة لا تتجاوز عشرة أيام عمل من تاريخ اكتمال الطلب»)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..template.arabic import fold

# number words folded (hamza/alef, ta marbuta as ha), masculine and feminine forms
_UNITS = {"واحد": 1, "واحده": 1, "اثنين": 2, "اثنان": 2, "اثنتين": 2, "ثلاثه": 3, "ثلاث": 3, "اربعه": 4,
          "اربع": 4, "خمسه": 5, "خمس": 5, "سته": 6, "ست": 6, "سبعه": 7, "سبع": 7, "ثمانيه": 8, "ثماني": 8,
          "ثمان": 8, "تسعه": 9, "تسع": 9, "عشره": 10, "عشر": 10}
_TENS = {"عشرين": 20, "عشرون": 20, "ثلاثين": 30, "ثلاثون": 30, "اربعين": 40, "اربعون": 40, "خمسين": 50,
         "خمسون": 50, "ستين": 60, "ستون": 60, "تسعين": 90, "تسعون": 90}
_DUALS = {"يومين": (2, "day"), "يومان": (2, "day"), "اسبوعين": (2, "week"), "اسبوعان": (2, "week"),
          "شهرين": (2, "month"), "شهران": (2, "month")}
_UNIT_WORDS = {"يوم": "day", "يوما": "day", "ايام": "day", "اسبوع": "week", "اسبوعا": "week", "اسابيع": "week",
               "شهر": "month", "شهرا": "month", "اشهر": "month", "شهور": "month"}
# a unit alone after the bound is one of it: «لا تتجاوز أسبوعاً (واحداً)», «خلال شهر»
_SINGULAR = {"يوم": "day", "يوما": "day", "اسبوع": "week", "اسبوعا": "week", "شهر": "month", "شهرا": "month"}
_BOUND_WORDS = ("تتجاوز", "خلال", "عن", "مده", "اقصاها")
_ONE = ("واحد", "واحدا", "واحده")
_WORKING = re.compile(r"(?:يوم|ايام|يوما)\s+عمل")
# the words before a count that make the period a minimum (else it is a maximum: «لا تتجاوز», «خلال»)
_AT_LEAST = ("لا تقل عن", "لا يقل عن", "علي الاقل", "اقلها")
_TRIGGERS = (("اكتمال الطلب", "request_completed"), ("استلام الطلب", "request_received"),
             ("تقديم الطلب", "request_received"), ("رفع الطلب", "referred_to_committee"),
             ("احالته للجنه", "referred_to_committee"), ("للجنه", "referred_to_committee"))


@dataclass(frozen=True)
class Period:
    """What a deadline phrase says: amount and unit, the bound as written, the phrase and what it counts from."""

    amount: int
    unit: str  # calendar_days or working_days
    bound: str  # at_most or at_least
    as_written: str
    trigger: str | None
    written_unit: str = "day"  # day, week or month, as the text counts it


def find_period(text: str) -> Period | None:
    """The response period a clause states, None when it states none."""
    originals = text.split()
    folded = [fold(w) for w in originals]
    for index, word in enumerate(folded):
        found = _count_at(folded, index)
        if found is None:
            continue
        amount, unit, last = found
        working = bool(_WORKING.search(" ".join(folded[index:last + 3])))
        start = _phrase_start(folded, index)
        end = last + (2 if working and last + 1 < len(folded) and folded[last + 1] == "عمل" else 1)
        end = _trigger_end(folded, end)
        phrase = " ".join(originals[start:end]).rstrip(".،")
        head = " ".join(folded[max(0, start - 1):index])
        bound = "at_least" if any(k in head for k in _AT_LEAST) else "at_most"
        days = amount * {"day": 1, "week": 7, "month": 30}[unit]
        trigger = next((event for key, event in _TRIGGERS if key in " ".join(folded[last:])), None)
        return Period(days, "working_days" if working and unit == "day" else "calendar_days", bound, phrase, trigger,
                      unit)
    return None


def _count_at(folded: list[str], index: int) -> tuple[int, str, int] | None:
    """(amount, unit, index of the unit word) of a count starting at `index`: «(١٥) يوم», «عشرة أيام»,
    «أسبوعين», «خمسة عشر يوما»."""
    word = folded[index].strip("()")
    if word in _DUALS:
        amount, unit = _DUALS[word]
        return amount, unit, index
    if word in _SINGULAR and index > 0 and folded[index - 1] in _BOUND_WORDS:
        one = index + 1 < len(folded) and folded[index + 1].strip(".،") in _ONE
        return 1, _SINGULAR[word], index + 1 if one else index
    amount = None
    step = index
    if word.isdigit():
        amount = int(word)
    elif word in _UNITS:
        amount = _UNITS[word]
        nxt = folded[index + 1].strip("()") if index + 1 < len(folded) else ""
        if nxt in ("عشر", "عشره"):
            amount, step = amount + 10, index + 1
        elif nxt.startswith("و") and nxt[1:] in _TENS:
            amount, step = amount + _TENS[nxt[1:]], index + 1
    elif word in _TENS:
        amount = _TENS[word]
    if amount is None or step + 1 >= len(folded):
        return None
    unit_word = folded[step + 1].strip("()")
    unit = _UNIT_WORDS.get(unit_word)
    return (amount, unit, step + 1) if unit else None


def _phrase_start(folded: list[str], index: int) -> int:
    """Where the deadline phrase starts: «خلال مدة لا تتجاوز …» or «لا تقل عن …» before the count."""
    start = index
    for back in range(index - 1, max(-1, index - 6), -1):
        if folded[back] in ("خلال", "مده", "لا", "تتجاوز", "تقل", "يقل", "تزيد", "عن", "علي", "في"):
            start = back
        else:
            break
    return start


def _trigger_end(folded: list[str], end: int) -> int:
    """Extend the phrase over «من تاريخ اكتمال الطلب» when it follows."""
    tail = " ".join(folded[end:end + 4])
    if tail.startswith("من تاريخ"):
        return min(len(folded), end + 4)
    if tail.startswith("من ") and any(tail[3:].startswith(key) for key, _ in _TRIGGERS):
        return min(len(folded), end + 3)
    return end
