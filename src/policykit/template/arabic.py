"""Arabic-aware word forms: what two spellings must share to count as the same word when documents are aligned."""

from __future__ import annotations

import functools
import re

_DIACRITICS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED]")
_TATWEEL = "\u0640"
# hamza and alef forms are one letter for alignment, as are ta marbuta/ha and alef maqsura/ya: documents
# typed on different keyboards differ in exactly these, and a reader does not see them as different words
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "ء", "ئ": "ء",
                       "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5", "٦": "6", "٧": "7", "٨": "8",
                       "٩": "9", "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4", "۵": "5", "۶": "6", "۷": "7",
                       "۸": "8", "۹": "9"})
# letters, diacritics, tatweel and digits; not the Arabic comma, semicolon or question mark (U+060C, 061B, 061F)
_LETTERS = r"A-Za-z0-9_\u0621-\u065F\u0660-\u0669\u0670-\u06D3\u06F0-\u06F9"
_WORD = re.compile(rf"[{_LETTERS}]+(?:[-/][{_LETTERS}]+)*")
_NOT_WORD = re.compile(r"[^\w\u0621-\u064A\u0660-\u0669\u06F0-\u06F9]+")
_ARABIC = re.compile(r"[\u0621-\u064A]")
# the proclitics a word may carry (conjunction, preposition, article), longest first
_PREFIXES = ("وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل")


@functools.lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """The alignment form of a word: diacritics, tatweel and punctuation gone, hamza/alef, ta marbuta,
    alef maqsura folded, Arabic-Indic digits as ASCII."""
    word = _DIACRITICS.sub("", word.replace(_TATWEEL, "")).translate(_FOLD)
    return _NOT_WORD.sub("", word).lower()


def words(text: str) -> list[str]:
    """The words of a text as written (punctuation left out), in order."""
    return [w for w in _WORD.findall(text.replace(_TATWEEL, "")) if w.strip("_")]


def is_arabic(word: str) -> bool:
    """Whether a word has an Arabic letter."""
    return bool(_ARABIC.search(word))


@functools.lru_cache(maxsize=65536)
def stem(folded: str) -> str:
    """A folded word without its proclitics, kept at three letters at least."""
    for prefix in _PREFIXES:
        if folded.startswith(prefix) and len(folded) - len(prefix) >= 3:
            return folded[len(prefix):]
    return folded


_PRONOUNS = ("هما", "هم", "هن", "ها", "نا", "كم", "ه", "ك", "ي")


def without_pronoun(folded: str) -> str:
    """A folded word without an attached pronoun («علاقتنا», «علاقتها» → «علاقت»)."""
    for suffix in _PRONOUNS:
        if folded.endswith(suffix) and len(folded) - len(suffix) >= 3:
            return folded[: -len(suffix)]
    return folded


def folded_words(text: str) -> list[str]:
    """`words` folded, empty ones left out."""
    return [f for f in (fold(w) for w in words(text)) if f]
