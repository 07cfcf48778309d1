"""The lint rules that hold a policy's quotations and clause references to its source document."""

from __future__ import annotations

import re
from typing import Any, Iterator

from ..coverage import line_content, normalise, unverified_quotations
from ..counting import arabic_digits
from ..model import DeadlineRule
from .registry import Problem, rule
from .rules import _condition_facts, _shorten

# a ref's key and its number: «ت-٦», «القنوات-٣», «تمهيد-٢»
_NUMBERED_REF = re.compile(r"^(?P<key>[^\W\d_][^-]*)-(?P<number>[0-9٠-٩]+)$")
# the line's own number: «٦. …», «- 1- …», «٢) …»
_OWN_NUMBER = re.compile(r"^\s*(?:[-✓*•]\s*)?(?P<number>[0-9٠-٩]+)\s*[-.)]")
# a lettered heading: «ت- التعامل مع المستفيدين:»
_LETTERED_HEADING = re.compile(r"^\s*(?P<letter>[\u0621-\u064A])\s*-\s*\S")
# the keys whose value is the source's own words, whatever their length
_VERBATIM_KEY = re.compile(r"^(?:as_written|date_as_written|section_ar|statement_ar|\w+_section_ar)$")
# `draft`'s reference for a passage it did not recognise: «سطر-٣٢» is line 32, not an item
_LINE_KEY = "سطر"


def _cited(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    """Every mapping of the raw policy data that quotes the source at a line (`text_ar` and `line`)."""
    if isinstance(data, dict):
        if isinstance(data.get("text_ar"), str) and isinstance(data.get("line"), int):
            yield path, data
        for key, value in data.items():
            yield from _cited(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _cited(value, (*path, index))


def _source_lines(ctx) -> list[str] | None:
    """The source document's raw lines (index 0 is line 1), or None when lint could not read it."""
    if ctx.source is None or ctx.source_path is None:
        return None
    return ctx.source_path.read_text(encoding="utf-8").split("\n")


@rule("quotation-not-in-source", "error",
      "A quotation (a clause's `text_ar`, an `as_written`, a heading, any Arabic string of five words or more) "
      "that the source document does not contain verbatim, or not on the line(s) the clause cites.")
def quotation_not_in_source(ctx) -> Iterator[Problem]:
    """Every cited text must stand on its cited lines and every long Arabic string somewhere in the source,
    character for character (whitespace aside)."""
    lines = _source_lines(ctx)
    if lines is None:
        return
    for path, clause in _cited(ctx.document.data):
        first, last = clause["line"], clause.get("end_line") or clause["line"]
        text = clause["text_ar"]
        if first < 1 or last > len(lines):
            yield Problem(f"the clause cites line {first}" + (f"-{last}" if last != first else "")
                          + f", but the source document has {len(lines)} lines", (*path, "line"))
        elif normalise(text) not in normalise(" ".join(lines[first - 1:last])):
            elsewhere = normalise(text) in normalise(" ".join(lines))
            yield Problem(f"«{_shorten(text)}» is not on the cited line {first}"
                          + (f"-{last}" if last != first else "")
                          + ("; the document has it on another line" if elsewhere
                             else "; the document does not contain it verbatim"),
                          (*path, "text_ar"), first, _shorten(text), _shorten(line_content(lines[first - 1])))
    whole = normalise(" ".join(lines))
    for path, value in _strings(ctx.document.data):
        if path[-1] == "text_ar":
            continue  # checked above, at its cited line
        if _VERBATIM_KEY.search(str(path[-1])) and normalise(value) not in whole:
            yield Problem(f"{path[-1]} «{_shorten(value)}» is recorded as written, but the source document does not "
                          "contain it verbatim", path, None, _shorten(value))
            continue
        for _, quote in unverified_quotations(value, "\n".join(lines)):
            yield Problem(f"«{_shorten(quote)}» is Arabic of five words or more, so a quotation, but the source "
                          "document does not contain it verbatim", path, None, _shorten(quote))


def _strings(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every string of the raw policy data with its data path."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*path, index))


@rule("clause-ref-mismatch", "error",
      "A clause reference the source does not have at the cited line: another item number or section letter "
      "than the line's own, or one reference citing two different places.")
def clause_ref_mismatch(ctx) -> Iterator[Problem]:
    """`ref` agrees with the source's own numbering at the cited line, and each ref names one place."""
    lines = _source_lines(ctx)
    if lines is None:
        return
    places: dict[str, tuple[int, tuple]] = {}
    for path, clause in _cited(ctx.document.data):
        ref, first = clause.get("ref"), clause["line"]
        if not isinstance(ref, str) or not 1 <= first <= len(lines):
            continue
        if "reason" not in clause:  # a not_encoded passage may share a ref with the element it stands beside
            seen = places.setdefault(ref, (first, path))
            if seen[0] != first:
                yield Problem(f"the reference {ref} cites line {first} here but line {seen[0]} elsewhere; "
                              "one reference names one place", (*path, "ref"), first, ref)
        match = _NUMBERED_REF.match(ref)
        if not match or match.group("key") == _LINE_KEY:
            continue
        own = _OWN_NUMBER.match(lines[first - 1])
        number = int(match.group("number"))  # int() and \d read Arabic-Indic digits too
        if own and int(own.group("number")) != number:
            right = f"{match.group('key')}-{arabic_digits(int(own.group('number')))}"
            yield Problem(f"the reference {ref} names item {arabic_digits(number)}, but the cited line {first} "
                          f"is item {arabic_digits(int(own.group('number')))}",
                          (*path, "ref"), first, ref, right)
            continue
        key = match.group("key")
        if len(key) == 1:
            letter = _section_letter(lines, first)
            if letter is not None and letter != key:
                yield Problem(f"the reference {ref} names section «{key}», but the cited line {first} stands "
                              f"under section «{letter}»", (*path, "ref"), first, ref,
                              f"{letter}-{match.group('number')}")


def _section_letter(lines: list[str], line: int) -> str | None:
    """The letter of the nearest lettered heading at or above `line` («ت» of «ت- التعامل…»)."""
    for raw in reversed(lines[:line]):
        heading = _LETTERED_HEADING.match(raw)
        if heading:
            return heading.group("letter")
    return None


@rule("interpretation-unmarked", "warning",
      "An encoding the text does not say literally, left without the `reading` or `note` that marks it as an "
      "interpretation: a compensation condition tree without its reading, a deadline whose default reading "
      "departs from the bound as written, or whose length is not the number written, with nothing said.")
def interpretation_unmarked(ctx) -> Iterator[Problem]:
    """The interpretations policykit can recognise must say so (docs/policy-format.md §1)."""
    compensation = ctx.policy.compensation
    if compensation is not None and not (compensation.reading or "").strip() and len(
            set(_condition_facts(compensation.condition))) > 1:
        yield Problem("the compensation conditions are combined into a condition tree, but no `reading` says how "
                      "the text's list was read as AND / OR", ("compensation",),
                      suggestion="reading: how the listed conditions combine, and why")
    for index, item in enumerate(ctx.policy.rules):
        if not isinstance(item, DeadlineRule) or (item.note or "").strip():
            continue
        chosen = item.readings.get(item.default_reading)
        if chosen is not None and chosen.bound != item.bound_as_written and not chosen.note.strip():
            yield Problem(f"rule {item.id}'s default reading '{item.default_reading}' makes the bound "
                          f"{chosen.bound} where the text writes {item.bound_as_written}, with no note saying why",
                          ("rules", index, "readings"), item.clause.line, item.as_written)
        elif item.period.amount not in {int(number) for number in re.findall(r"\d+", item.as_written)}:
            yield Problem(f"rule {item.id} counts {item.period.amount} {item.period.unit.replace('_', ' ')}, a "
                          f"number «{item.as_written}» does not write; no note says how it was read",
                          ("rules", index, "period"), item.clause.line, item.as_written)
