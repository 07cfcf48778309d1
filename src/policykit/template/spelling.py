"""Which words a document misspells: the words of the corpus and, when installed, an Arabic dictionary."""

from __future__ import annotations

import functools
from collections import Counter
from typing import Iterable

from .arabic import fold, is_arabic, stem, without_pronoun, words

_LETTERS = "ءابتثجحخدذرزسشصضطظعغفقكلمنهوي"
# a word seen this often in the documents is taken as spelled as meant
KNOWN_IN_CORPUS = 2


@functools.lru_cache(maxsize=1)
def dictionary() -> dict[str, tuple[int, str]]:
    """Folded word → (frequency, commonest spelling) from pyspellchecker's Arabic list; {} when not installed."""
    try:
        from spellchecker import SpellChecker
    except ImportError:  # the `spelling` extra is not installed: the corpus alone decides
        return {}
    found: dict[str, tuple[int, str]] = {}
    for word, count in SpellChecker(language="ar", distance=1).word_frequency.dictionary.items():
        key = fold(word)
        if key and (key not in found or count > found[key][0]):
            found[key] = (count, word)
    return found


class Lexicon:
    """The words of a corpus (with how they are spelled) plus the dictionary."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.counts: Counter = Counter()
        self.spelled: dict[str, Counter] = {}
        for text in texts:
            for word in words(text):
                key = fold(word)
                self.counts[key] += 1
                self.spelled.setdefault(key, Counter())[word] += 1
        self.dictionary = dictionary()

    def known(self, folded: str) -> bool:
        """Seen often enough in the corpus, or in the dictionary."""
        return self.counts[folded] >= KNOWN_IN_CORPUS or folded in self.dictionary

    def in_dictionary(self, folded: str) -> bool:
        """In the dictionary (False when none is installed)."""
        return folded in self.dictionary

    def unknown(self, word: str) -> bool:
        """An Arabic word that is not known, nor without its proclitics, pronoun or tanween alef."""
        key = fold(word)
        if not is_arabic(word) or len(key) < 3 or any(ch.isdigit() for ch in key):
            return False
        bare = stem(key)
        forms = {key, bare, without_pronoun(key), without_pronoun(bare), key.rstrip("ا"), bare.rstrip("ا")}
        forms |= {key[len(p):] for p in ("و", "ب", "ل", "ف") if key.startswith(p)}
        return not any(len(f) >= 3 and self.known(f) for f in forms)

    def suggest(self, word: str, dictionary: bool = True) -> str | None:
        """The likely intended spelling of an unknown word, from a slip of the pen: a letter doubled, one
        letter written over by its neighbour, or the dots of a letter misplaced (ب for ي). `dictionary`
        False: only the documents' own words are candidates (for names and places, which no list holds)."""
        key = fold(word)
        known = self.known if dictionary else (lambda c: self.counts[c] >= KNOWN_IN_CORPUS)
        for head in _heads(key):
            body = key[len(head):]
            candidates = [c for c in _slips(body) if len(c) >= 3 and known(c)]
            if candidates:
                best = max(candidates, key=lambda c: (self.counts[c], self.dictionary.get(c, (0, ""))[0]))
                return _rewrite(word, head, self.written(best))
        return None

    def written(self, folded: str) -> str:
        """How a known folded word is spelled: the corpus's commonest spelling, else the dictionary's."""
        if folded in self.spelled and self.counts[folded] >= KNOWN_IN_CORPUS:
            return self.spelled[folded].most_common(1)[0][0]
        return self.dictionary.get(folded, (0, folded))[1]


def _heads(key: str) -> list[str]:
    """The proclitics to keep in front of a suggestion: none, or the conjunction/preposition it starts with."""
    return [""] + [p for p in ("و", "ب", "ل", "ف") if key.startswith(p) and len(key) > 3]


# letters that differ only in their dots (one skeleton, rasm): a slip between them keeps the word's shape
_SAME_SHAPE = ("بتثني", "جحخ", "دذ", "رز", "سش", "صض", "طظ", "عغ", "فق")


def _slips(word: str) -> set[str]:
    """The words a slip of the pen would have turned into `word`: a doubled letter undone («لوقتته»), a
    letter its neighbour wrote over restored («اللجابة»), a letter's dots moved («وابقاع»)."""
    found = set()
    for i in range(len(word) - 1):
        if word[i] == word[i + 1]:
            found.add(word[:i] + word[i + 1:])
            found |= {word[:i] + c + word[i + 1:] for c in _LETTERS if c != word[i]}
            found |= {word[:i + 1] + c + word[i + 2:] for c in _LETTERS if c != word[i]}
    for i, letter in enumerate(word):
        for shape in _SAME_SHAPE:
            if letter in shape:
                found |= {word[:i] + c + word[i + 1:] for c in shape if c != letter}
    return found


def _rewrite(word: str, head: str, body: str) -> str:
    """The suggestion written with the word's own leading proclitic, as the document wrote it."""
    return (word[: len(head)] if head else "") + body
