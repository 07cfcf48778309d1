"""Documents aligned word by word (difflib): the template they share and each one's deviations from it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Iterable

import re

from .arabic import fold, stem, words
from .outline import Line, Outline

_HAMZA = re.compile("[أإآؤئء]")
# how alike two headings or two lines must be (ratio of their proclitic-free words) to be the same part
HEADING_MATCH = 0.5
LINE_MATCH = 0.5
# documents this alike (whole text) share the template
FAMILY_MATCH = 0.45


# words compared at most per sequence: a hostile run-on line must not make alignment quadratic in its length
MAX_COMPARED_WORDS = 2000


def similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """How alike two word sequences are, 0..1, comparing words without their proclitics."""
    first = [stem(w) for w in list(a)[:MAX_COMPARED_WORDS]]
    second = [stem(w) for w in list(b)[:MAX_COMPARED_WORDS]]
    return SequenceMatcher(None, first, second, autojunk=False).ratio()


_LETTER_MARK = re.compile(r"^[\u0621-\u064A]$")
_SMALL = {"مع", "في", "علي", "من", "الي", "عن", "ما", "يلي", "وذلك", "طريق"}


def heading_similarity(a: list[str], b: list[str]) -> float:
    """How alike two headings are: as word sequences, or by how many of the shorter one's words (without
    proclitics and plural endings; a lettered marker «أ-» and small words left out) the longer one has."""
    def content(ws):
        return [_light(w) for w in ws if not _LETTER_MARK.match(w) and w not in _SMALL]
    short, long = sorted((content(a), content(b)), key=len)
    shared = sum(1 for w in short if w in long)
    # one shared word («المستفيدين», in nearly every heading) says nothing: two at least
    return max(similarity(a, b), shared / len(short) if shared >= 2 else 0.0)


def _light(folded: str) -> str:
    word = stem(folded)
    for ending in ("ين", "ون", "ات", "ه"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


@dataclass
class Slot:
    """One line of the template: the documents' lines that say it, and the words they agree on."""

    members: dict[str, Line] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)  # as written, from the document that has the consensus form
    folded: list[str] = field(default_factory=list)
    support: list[int] = field(default_factory=list)  # how many documents have each consensus word

    @property
    def shared(self) -> bool:
        """Said by two documents or more."""
        return len(self.members) >= 2


@dataclass
class Part:
    """One section of the template: its heading in each document and its lines."""

    headings: dict[str, Line] = field(default_factory=dict)
    sections: dict[str, object] = field(default_factory=dict)  # each document's Section for it
    kind: str = "section"
    listed: dict[str, Line] = field(default_factory=dict)  # table-of-contents entries naming it
    slots: list[Slot] = field(default_factory=list)
    heading: Slot = field(default_factory=Slot)

    @property
    def shared(self) -> bool:
        """In two documents or more."""
        return len(self.sections) >= 2


@dataclass
class Template:
    """The parts of the shared template, in document order, and the documents it was derived from."""

    names: list[str]
    parts: list[Part] = field(default_factory=list)

    def shared_parts(self) -> list[Part]:
        """Parts headed in at least two of the documents."""
        return [p for p in self.parts if p.shared]


@dataclass(frozen=True)
class Deviation:
    """Where one document's line differs from the template's: its words as written, the template's, the line."""

    line: Line
    kind: str  # replace, extra (words the document adds) or missing (template words it lacks)
    written: tuple[str, ...]
    template: tuple[str, ...]
    support: int  # documents that have the template's words there


def family(outlines: list[Outline]) -> list[Outline]:
    """The documents that share one template: each alike enough to another one."""
    texts = {o.name: [f for line in o.lines for f in line.folded] for o in outlines}
    kept = []
    for outline in outlines:
        others = [similarity(texts[outline.name], texts[o.name]) for o in outlines if o.name != outline.name]
        if others and max(others) >= FAMILY_MATCH:
            kept.append(outline)
    return kept


def derive_template(outlines: list[Outline]) -> Template:
    """The template of `outlines`: sections and lines matched across them, each word the majority's."""
    template = Template([o.name for o in outlines])
    for outline in _medoid_first(outlines):
        _merge(template, outline)
    for part in template.parts:
        _consensus(part.heading)
        for slot in part.slots:
            _consensus(slot)
    return template


_MATCHED: dict[tuple[int, int], tuple[Outline, Template, list]] = {}


def match(outline: Outline, template: Template) -> list[tuple[Part, Line | None, list[tuple[Slot, Line]]]]:
    """Each template part with this document's heading for it (or None) and its lines matched to slots
    (remembered: several lint rules ask for the same document and template)."""
    key = (id(outline), id(template))
    held = _MATCHED.get(key)
    if held is not None and held[0] is outline and held[1] is template:
        return held[2]
    found = _match(outline, template)
    if len(_MATCHED) > 64:
        _MATCHED.clear()
    _MATCHED[key] = (outline, template, found)
    return found


def _match(outline: Outline, template: Template) -> list[tuple[Part, Line | None, list[tuple[Slot, Line]]]]:
    found = []
    used: set[int] = set()
    for part in template.parts:
        section = _section_for(outline, part, used)
        if section is None:
            found.append((part, None, []))
            continue
        used.add(id(section))
        pairs = []
        taken: set[int] = set()
        for line in section.lines:
            slot = _best_slot(part, line, taken)
            if slot is not None:
                taken.add(id(slot))
                pairs.append((slot, line))
        found.append((part, section.heading, pairs))
    return found


def deviations(outline: Outline, template: Template) -> list[Deviation]:
    """Every place where a document's matched lines (and headings) differ from the template's consensus."""
    result = []
    for part, heading, pairs in match(outline, template):
        if heading is not None and part.heading.folded:
            result.extend(_line_deviations(heading, part.heading, outline.name))
        for slot, line in pairs:
            result.extend(_line_deviations(line, slot, outline.name))
    return result


def _line_deviations(line: Line, slot: Slot, name: str) -> list[Deviation]:
    written = words(line.text)
    folded = [fold(w) for w in written]
    out = []
    matcher = SequenceMatcher(None, folded, slot.folded, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        support = min(slot.support[j1:j2] or [0]) - (1 if name in slot.members else 0)
        kind = {"delete": "extra", "insert": "missing"}.get(tag, tag)
        out.append(Deviation(line, kind, tuple(written[i1:i2]), tuple(slot.words[j1:j2]), support))
    return out


def _medoid_first(outlines: list[Outline]) -> list[Outline]:
    """The document most like the others first, the others in their given order."""
    if len(outlines) < 3:
        return list(outlines)
    texts = {o.name: [f for line in o.lines for f in line.folded] for o in outlines}
    score = {o.name: sum(similarity(texts[o.name], texts[p.name]) for p in outlines if p is not o) for o in outlines}
    first = max(outlines, key=lambda o: score[o.name])
    return [first] + [o for o in outlines if o is not first]


def _merge(template: Template, outline: Outline) -> None:
    """Add one document's sections and lines to the template, matching what is already there."""
    position = 0
    used: set[int] = set()
    for section in outline.sections:
        if section.heading is None and section.kind != "approval":
            continue
        part, position = _placed(template.parts, _part_for(template, section, used), position,
                                 lambda: Part(kind=section.kind))
        used.add(id(part))
        part.sections[outline.name] = section
        if section.heading is not None:
            part.headings[outline.name] = section.heading
            part.heading.members[outline.name] = section.heading
        slot_position = 0
        taken: set[int] = set()
        for line in section.lines:
            slot, slot_position = _placed(part.slots, _best_slot(part, line, taken), slot_position, Slot)
            taken.add(id(slot))
            slot.members[outline.name] = line
    for entry in outline.toc:
        part = _best_part(template, Line(entry.line.number, entry.line.raw, entry.title), set())
        if part is not None:
            part.listed[outline.name] = entry.line


def _placed(items: list, found, position: int, make):
    """`found`, or a new item `make()` inserted at `position` (in document order); and the position after it."""
    if found is None:
        found = make()
        items.insert(position, found)
    else:
        position = items.index(found)
    return found, position + 1


def _part_for(template: Template, section, used: set[int]) -> Part | None:
    """The part a section belongs to: by its heading, else (a renamed or missing heading) by its lines."""
    if section.kind == "approval":
        return next((p for p in template.parts if p.kind == "approval" and id(p) not in used), None)
    part = _best_part(template, section.heading, used)
    if part is not None or not section.lines:
        return part
    scored = [(sum(1 for line in section.lines if _best_slot(p, line, set()) is not None) / len(section.lines), p)
              for p in template.parts if id(p) not in used and p.slots]
    best = max(scored, default=None, key=lambda t: t[0])
    return best[1] if best and best[0] >= 0.5 else None


def _best_part(template: Template, heading: Line, used: set[int]) -> Part | None:
    scored = [(max(heading_similarity(heading.folded, h.folded) for h in part.headings.values()), i, part)
              for i, part in enumerate(template.parts) if id(part) not in used and part.headings]
    best = max(scored, default=None, key=lambda t: (t[0], -t[1]))
    return best[2] if best and best[0] >= HEADING_MATCH else None


def _section_for(outline: Outline, part: Part, used: set[int]):
    """This document's section for a part: the same kind and heading, else the one whose lines are its."""
    free = [s for s in outline.sections if id(s) not in used]
    if part.kind == "approval":
        return next((s for s in free if s.kind == "approval"), None)
    if part.headings:
        scored = [(max(heading_similarity(s.heading.folded, h.folded) for h in part.headings.values()), s)
                  for s in free if s.heading is not None]
        best = max(scored, default=None, key=lambda t: t[0])
        if best and best[0] >= HEADING_MATCH:
            return best[1]
    scored = [(sum(1 for line in s.lines if _best_slot(part, line, set()) is not None) / len(s.lines), s)
              for s in free if s.lines and s.kind != "approval"]
    best = max(scored, default=None, key=lambda t: t[0])
    return best[1] if best and best[0] >= 0.5 and part.slots else None


def best_slot(part: Part, line: Line, taken: set[int]) -> Slot | None:
    """The part's slot (not in `taken`) most like `line`, None when none is alike enough."""
    return _best_slot(part, line, taken)


def _best_slot(part: Part, line: Line, taken: set[int]) -> Slot | None:
    scored = [(max(similarity(line.folded, m.folded) for m in slot.members.values()), i, slot)
              for i, slot in enumerate(part.slots) if id(slot) not in taken and slot.members]
    best = max(scored, default=None, key=lambda t: (t[0], -t[1]))
    return best[2] if best and best[0] >= LINE_MATCH else None


def _consensus(slot: Slot) -> None:
    """The slot's words: those of its most typical member, each replaced by the majority's where they differ."""
    if not slot.members:
        return
    written = {name: words(line.text) for name, line in slot.members.items()}
    folded = {name: [fold(w) for w in ws] for name, ws in written.items()}
    names = list(written)
    base = max(names, key=lambda n: sum(similarity(folded[n], folded[m]) for m in names if m != n))
    votes: list[Counter] = [Counter({f: 1}) for f in folded[base]]
    spelled: list[Counter] = [Counter({w: 1}) for w in written[base]]
    for name in names:
        if name == base:
            continue
        matcher = SequenceMatcher(None, folded[base], folded[name], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
                for offset in range(i2 - i1):
                    other = folded[name][j1 + offset]
                    votes[i1 + offset][other] += 1
                    spelled[i1 + offset][written[name][j1 + offset]] += 1
    slot.folded, slot.words, slot.support = [], [], []
    for counter, spelling in zip(votes, spelled):
        (winner, count), = counter.most_common(1)
        slot.folded.append(winner)
        slot.words.append(_spelling(winner, spelling))
        slot.support.append(count)


def _spelling(folded: str, spellings: Counter) -> str:
    """The written form of a consensus word: the commonest spelling of it, hamza written where one has it."""
    forms = [(count, _HAMZA.search(w) is not None, w) for w, count in spellings.items() if fold(w) == folded]
    return max(forms)[2]
