"""The lint rules that read the source document itself, against the template and the documents' words."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Iterator

from ..template.align import best_slot, deviations, match, similarity
from ..template.arabic import fold, folded_words, stem, without_pronoun, words
from .registry import Problem, rule

# the words for each audience and what a policy for the other audience should say instead
WRONG_TERMS = {
    "beneficiaries": [(re.compile(r"(?<!\w)((?:و?(?:ال|لل|بال))?)مستخدم(ين|ون)?(?!\w)"), r"\1مستفيد\2")],
    "general_assembly_members": [(re.compile(r"(?<!\w)((?:و?(?:ال|لل|بال))?)مساهمين(?!\w)"), r"\1أعضاء")],
}
AUDIENCE_ROOTS = ("مستفيد", "مستخدم", "عضو", "اعضاء", "مساهم", "مراجع", "طالب")
BROKEN_PAGE = "خطأ"


@rule("source-unread", "warning", "The policy's source document could not be read, so the rules that read "
      "its text did not run.")
def source_unread(ctx) -> Iterator[Problem]:
    """`document.source_file` not found (from the working directory or the policy's folder), or not a document."""
    if ctx.source is None:
        yield Problem(f"the source document {ctx.policy.document.source_file} was not found or is not a policy "
                      "document (more than 5000 lines, not UTF-8): misspellings, terms, the table of contents and "
                      "the template's sections were not checked", ("document", "source_file"))


def _is_audience(folded: str) -> bool:
    return any(root in folded for root in AUDIENCE_ROOTS)


def _variant(written: str, template: str) -> bool:
    """Only a proclitic, an attached pronoun or an audience word apart: a difference of style, not a slip."""
    a, b = fold(written), fold(template)
    return (stem(a) == stem(b) or without_pronoun(stem(a)) == without_pronoun(stem(b))
            or _is_audience(a) or _is_audience(b))


@rule("misspelling", "warning",
      "A misspelt word that changes or hides the meaning: unlike the template's word at that place, or "
      "unknown with a slip of the pen that explains it.")
def misspelling(ctx) -> Iterator[Problem]:
    """Words the template spells otherwise (one or two letters apart), and unknown words with a likely slip."""
    if ctx.source is None:
        return
    seen: set[tuple[int, str]] = set()
    if ctx.template is not None and ctx.policy.id in ctx.family:
        for found in deviations(ctx.source, ctx.template):
            if found.kind != "replace" or len(found.written) != 1 or len(found.template) != 1:
                continue
            written, meant = found.written[0], found.template[0]
            if _variant(written, meant) or not _close(written, meant):
                continue
            # a word the document writes so elsewhere too (its heading and its table of contents) is its choice
            if ctx.lexicon.counts[fold(written)] > 1 and not ctx.lexicon.unknown(written) and _own_word(ctx, written):
                continue
            if found.support >= 2 or (found.support >= 1 and ctx.lexicon.unknown(written)):
                seen.add((found.line.number, written))
                yield Problem(f"«{written}» where the template has «{meant}» ({found.support} other document(s))",
                              (), found.line.number, written, meant)
    letterhead = {line.number for line in ctx.source.title_block}
    for line in ctx.source.lines:
        for written in words(line.text):
            if (line.number, written) in seen or not ctx.lexicon.unknown(written):
                continue
            # the letterhead names the association and its town: only the documents' own words correct it
            meant = ctx.lexicon.suggest(written, dictionary=line.number not in letterhead)
            if meant:
                seen.add((line.number, written))
                yield Problem(f"«{written}» is not a word; a slip for «{meant}»", (), line.number, written, meant)


def _own_word(ctx, written: str) -> bool:
    """The document itself writes the word more than once."""
    key = fold(written)
    return sum(1 for line in ctx.source.lines for w in words(line.text) if fold(w) == key) > 1


def _close(written: str, meant: str) -> bool:
    """One or two letters apart."""
    a, b = fold(written), fold(meant)
    return abs(len(a) - len(b)) <= 2 and SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.7


@rule("broken-word", "warning", "A word split by a stray space («طال ب»).")
def broken_word(ctx) -> Iterator[Problem]:
    """Two written words that make the template's one word, or a lone letter that completes its neighbour."""
    if ctx.source is None:
        return
    seen = set()
    if ctx.template is not None and ctx.policy.id in ctx.family:
        for found in deviations(ctx.source, ctx.template):
            if (found.kind == "replace" and len(found.written) >= 2 and len(found.template) == 1
                    and "".join(fold(w) for w in found.written) == fold(found.template[0])):
                text = " ".join(found.written)
                seen.add((found.line.number, text))
                yield Problem(f"«{text}» is one word split by a space", (), found.line.number, text, found.template[0])
    for line in ctx.source.lines:
        written = words(line.text)
        for first, second in zip(written, written[1:]):
            text = f"{first} {second}"
            if (line.number, text) in seen or not (len(fold(second)) == 1 and second != "و"):
                continue
            joined = fold(first + second)
            if ctx.lexicon.known(joined) and not ctx.lexicon.known(fold(first)):
                yield Problem(f"«{text}» is one word split by a space", (), line.number, text, first + second)


@rule("wrong-term", "warning", "A term for another party than the policy's audience (المستخدم for المستفيد, "
      "«المساهمين» for the members).")
def wrong_term(ctx) -> Iterator[Problem]:
    """Each source line (not the table of contents) that names the wrong party, with the line rewritten."""
    if ctx.source is None:
        return
    toc = {e.line.number for e in ctx.source.toc}
    for line in ctx.source.lines:
        if line.number in toc:
            continue
        for pattern, replacement in WRONG_TERMS.get(ctx.policy.audience, ()):
            hits = [m.group(0) for m in pattern.finditer(line.text)]
            if hits:
                fixed = [pattern.sub(replacement, h) for h in hits]
                yield Problem(f"{', '.join(f'«{h}»' for h in dict.fromkeys(hits))} in a policy for "
                              f"{ctx.policy.audience.replace('_', ' ')}", (), line.number, "، ".join(
                                  dict.fromkeys(hits)), "، ".join(dict.fromkeys(fixed)))


@rule("toc-mismatch", "warning",
      "The table of contents does not match the headings: an entry with no heading or another wording, a "
      "broken page reference, a heading it leaves out.")
def toc_mismatch(ctx) -> Iterator[Problem]:
    """Every table-of-contents entry against the headings, and every heading against the entries."""
    source = ctx.source
    if source is None or not source.toc:
        return
    headings = source.headings
    listed = set()
    for entry in source.toc:
        if BROKEN_PAGE in entry.page:
            yield Problem(f"the entry «{entry.title}» has a broken page reference «{entry.page}»", (),
                          entry.line.number, entry.page, "the page number of the heading (update the field)")
        best = max(headings, default=None, key=lambda h: similarity(folded_words(entry.title), h.folded))
        if best is None or similarity(folded_words(entry.title), best.folded) < 0.5:
            yield Problem(f"the entry «{entry.title}» names no heading of the document", (), entry.line.number,
                          entry.title, f"add the heading «{entry.title}» or remove the entry")
            continue
        listed.add(best.number)
        if folded_words(entry.title) != best.folded:
            yield Problem(f"the entry «{entry.title}» differs from its heading «{best.text}» (line {best.number})",
                          (), entry.line.number, entry.title, best.text.rstrip(" :-"))
    for heading in headings:
        if heading.number not in listed:
            yield Problem(f"the heading «{heading.text}» is not in the table of contents", (), heading.number,
                          heading.text, "add it to the table of contents")


def template_sections_missing(ctx) -> Iterator[Problem]:
    """The template's sections (present in two of its documents or more) this document lacks."""
    if ctx.source is None or ctx.template is None:
        return
    for part, heading, pairs in match(ctx.source, ctx.template):
        holders = [n for n in part.sections if n != ctx.policy.id]
        if heading is not None or pairs or len(holders) < 2:
            continue
        if part.kind == "approval":
            continue  # approval-date-missing reports a policy with no approval
        # the heading as a document for the same audience writes it (the members' wording is not a
        # beneficiaries policy's), else the template's
        alike = [p.id for p in ctx.peers if p.audience == ctx.policy.audience and p.id in part.headings]
        title = (part.headings[alike[0]].text.rstrip(" :-") if alike
                 else " ".join(part.heading.words) if part.heading.words else "اعتماد مجلس الإدارة")
        nested = [line for line in ctx.source.lines if best_slot(part, line, set()) is not None]
        where = (f"; its items stand elsewhere (line {nested[0].number} on)" if len(nested) * 2 >= len(part.slots)
                 and nested else "")
        yield Problem(f"no section «{title}» of the template (present in {', '.join(holders)}){where}", ("id",),
                      nested[0].number if where else None, None, f"{title}:")
