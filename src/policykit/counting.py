"""Counts with their nouns, in Arabic as a Saudi officer writes them and in English: one helper for all.

Arabic: ١ → the noun and «واحد» after it (يوم عمل واحد); ٢ → the dual (يوما عمل، يومان); ٣–١٠ → the
plural (٣ أيام عمل); ١١–٩٩ → the singular, accusative when it stands alone (١١ يوم عمل، ١١ يوماً); a
round hundred or more → the singular (١٠٠ يوم). Numbers are written in Arabic-Indic digits.
"""

from __future__ import annotations

from dataclasses import dataclass

_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@dataclass(frozen=True)
class Noun:
    """The forms a count needs: Arabic singular, «one», dual, plural, accusative singular; English."""

    one: str            # يوم عمل واحد
    two: str            # يوما عمل
    plural: str         # أيام عمل (3–10)
    many: str           # يوم عمل / يوماً (11–99)
    hundreds: str       # يوم عمل / يوم (100, 200 …)
    en_one: str
    en_many: str


NOUNS: dict[str, Noun] = {
    "working_days": Noun("يوم عمل واحد", "يوما عمل", "أيام عمل", "يوم عمل", "يوم عمل",
                         "working day", "working days"),
    "calendar_days": Noun("يوم واحد", "يومان", "أيام", "يوماً", "يوم", "calendar day", "calendar days"),
    "days": Noun("يوم واحد", "يومان", "أيام", "يوماً", "يوم", "day", "days"),
}


# things counted in summaries (lint's findings, errors, warnings): not units of time, so not in NOUNS
THINGS: dict[str, Noun] = {
    "findings": Noun("ملاحظة واحدة", "ملاحظتان", "ملاحظات", "ملاحظةً", "ملاحظة", "finding", "findings"),
    "errors": Noun("خطأ واحد", "خطآن", "أخطاء", "خطأً", "خطأ", "error", "errors"),
    "warnings": Noun("تحذير واحد", "تحذيران", "تحذيرات", "تحذيراً", "تحذير", "warning", "warnings"),
}


def arabic_digits(number: int) -> str:
    """A number in Arabic-Indic digits."""
    return str(number).translate(_INDIC)


def number(value: int | float | str, lang: str) -> str:
    """A number as text in `lang`: in Arabic, Arabic-Indic digits and the Arabic decimal separator (٠٫٤٢٧), as
    the counts with nouns beside it are written (one Arabic text, one set of digits); in English as it is."""
    text = str(value)
    return text.translate(_INDIC).replace(".", "\u066b") if lang == "ar" else text


def count(number: int, noun: str, lang: str) -> str:
    """`number` of `noun` (a key of NOUNS: working_days, calendar_days, days; or of THINGS) in `lang`."""
    forms = NOUNS[noun] if noun in NOUNS else THINGS[noun]
    if lang != "ar":
        return f"{number} {forms.en_one if number == 1 else forms.en_many}"
    if number == 1:
        return forms.one
    if number == 2:
        return forms.two
    rest = number % 100
    if number > 100 and rest in (1, 2):
        return f"{arabic_digits(number)} {forms.hundreds}"
    if 3 <= rest <= 10:
        return f"{arabic_digits(number)} {forms.plural}"
    if 11 <= rest <= 99:
        return f"{arabic_digits(number)} {forms.many}"
    return f"{arabic_digits(number)} {forms.hundreds}"
