"""A source document as an outline: its title block, table of contents, and headed sections of lines."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..coverage import is_layout, line_content
from .arabic import folded_words

# a bullet («-», «✓», «•», a single «*» — not markdown's «**» bold) or a number or letter with «.», «-» or «)»
_LIST_MARKER = re.compile(r"^\s*(?:#+\s*)?(?:(?:[-✓•]|\*(?!\*))\s*)+|^\s*(?:[0-9٠-٩]+|[\u0621-\u064A])\s*[-.)]\s+")
_NUMBERED = re.compile(r"^\s*[-✓*•]?\s*[0-9٠-٩]+\s*[-.)]")
_HEADING_END = re.compile(r"[:：]\s*-?\s*$")
_TOC_TITLE = "جدول المحتويات"
_TOC_ENTRY = re.compile(r"^(?P<a>.*?)[.…\s]*\t(?P<b>.*)$")
_LETTERED = re.compile(r"^\s*[\u0621-\u064A]\s*-\s*\S")
MAX_HEADING_WORDS = 16
# what only a letterhead's contact line holds: an e-mail or web address, or a telephone number in groups
_CONTACT = re.compile(r"[\w.-]+@[\w-]+\.[\w.]+|\bwww\.[\w-]+\.\w+|\b\d{2,4}(?:[ -]\d{3,4}){2}\b")
# a policy document is a few hundred lines; more is not one (and would make alignment slow)
MAX_SOURCE_LINES = 5000
APPROVAL = re.compile(r"(?:اعتماد|اعتمد|إعتماد|معتمدة)\s.*مجلس|مجلس\s+الإدارة.*(?:اعتماد|اعتمد)")


@dataclass(frozen=True)
class Line:
    """One line of the source with text (or a wrapped item over several): its first number, the line as
    written, its content without markers, and its last line number."""

    number: int
    raw: str
    text: str
    end: int = 0

    @property
    def last(self) -> int:
        """The last source line it covers."""
        return self.end or self.number

    @functools.cached_property
    def folded(self) -> list[str]:
        """The content's folded words (read once: alignment asks for them again and again)."""
        return folded_words(self.text)


@dataclass(frozen=True)
class TocEntry:
    """A table-of-contents entry: the heading it names and the page reference as written."""

    line: Line
    title: str
    page: str


@dataclass
class Section:
    """A heading and the lines under it (items or paragraphs); `approval` for the board's approval."""

    heading: Line | None
    lines: list[Line] = field(default_factory=list)
    kind: str = "section"

    @property
    def title(self) -> str:
        """The heading's text, '' for the unheaded opening."""
        return self.heading.text if self.heading else ""


@dataclass
class Outline:
    """The parts of one document, every line kept with its number."""

    name: str
    lines: list[Line]
    title_block: list[Line] = field(default_factory=list)
    toc_title: Line | None = None
    toc: list[TocEntry] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    @property
    def headings(self) -> list[Line]:
        """Every heading, in order."""
        return [s.heading for s in self.sections if s.heading is not None]

    def line(self, number: int) -> Line | None:
        """The line numbered `number`, if it has text."""
        return next((line for line in self.lines if line.number == number), None)


def outline_text(text: str, name: str = "") -> Outline:
    """The outline of a document's text."""
    numbered = _join_wrapped([Line(n, raw, line_content(raw)) for n, raw in enumerate(text.split("\n"), start=1)
                              if not is_layout(raw) and line_content(raw)])
    outline = Outline(name, numbered)
    rest = _take_toc(outline, numbered)
    current: Section | None = None
    for index, line in enumerate(rest):
        if not outline.sections and line.folded[:1] == ["سياسه"]:
            outline.title_block.append(line)  # the title («سياسة …»), even when a list follows it
        elif _is_heading(line, rest[index + 1] if index + 1 < len(rest) else None):
            current = Section(line, kind="approval" if APPROVAL.search(line.text) else "section")
            outline.sections.append(current)
        elif APPROVAL.search(line.text) and not _LIST_MARKER.match(line.raw) and outline.sections and (
                current is None or current.kind != "approval"):
            # an approval sentence with no heading of its own («تم اعتماد …») is the approval section
            current = Section(None, [line], kind="approval")
            outline.sections.append(current)
        elif current is None and not outline.sections and _in_title_block(line, outline):
            outline.title_block.append(line)
        else:
            if current is None:
                current = Section(None)
                outline.sections.append(current)
            current.lines.append(line)
    return outline


def _join_wrapped(lines: list[Line]) -> list[Line]:
    """A list item that ends without punctuation, followed by a line with no marker, runs on into it (a
    line wrapped by the document's layout)."""
    joined: list[Line] = []
    for line in lines:
        last = joined[-1] if joined else None
        if (last is not None and _LIST_MARKER.match(last.raw) and not _LIST_MARKER.match(line.raw)
                and not line.raw.lstrip().startswith("#") and not re.search(r"[.:：]\s*-?\s*$", last.raw)
                and line.number - last.last <= 2 and not APPROVAL.search(line.text)
                and not _HEADING_END.search(line.raw)
                # what carries on a sentence: a stray word or two, or a clause opened by «و»
                and (len(line.text.split()) <= 2 or line.text.startswith("و"))):
            joined[-1] = Line(last.number, f"{last.raw} {line.raw.strip()}", f"{last.text} {line.text}", line.number)
        else:
            joined.append(line)
    return joined


def is_item(line: Line) -> bool:
    """A list item: the line starts with a bullet or a number."""
    return bool(_LIST_MARKER.match(line.raw))


def outline_of(path: str | Path) -> Outline:
    """The outline of a source file."""
    path = Path(path)
    return outline_text(path.read_text(encoding="utf-8"), path.name.split(".")[0])


def _take_toc(outline: Outline, lines: list[Line]) -> list[Line]:
    """Move the table of contents (its title and the entries after it) out of `lines`."""
    start = next((i for i, line in enumerate(lines) if line.text.strip() == _TOC_TITLE), None)
    if start is None:
        return lines
    outline.title_block.extend(lines[:start])
    outline.toc_title = lines[start]
    end = start + 1
    while end < len(lines) and "\t" in lines[end].raw:
        raw = lines[end].raw.strip()
        match = _TOC_ENTRY.match(raw)
        first, second = (match.group("a"), match.group("b")) if match else (raw, "")
        # the page number stands on either side of the tab (right-to-left documents differ)
        title, page = (first, second) if folded_words(first) and not _is_page(first) else (second, first)
        outline.toc.append(TocEntry(lines[end], title.strip(" .…\t"), page.strip(" .…\t")))
        end += 1
    return lines[end:]


def _is_page(text: str) -> bool:
    return bool(re.fullmatch(r"[\s.…0-9٠-٩]*", text))


def _is_heading(line: Line, following: Line | None) -> bool:
    """A short line, not a list item (or a lettered one, «أ- …»), that ends with a colon, is a markdown
    heading, or introduces a list."""
    raw = line.raw.strip()
    if raw.startswith("#"):
        return True
    if _NUMBERED.match(raw) or (_LIST_MARKER.match(raw) and not _LETTERED.match(raw)):
        return False
    if len(line.text.split()) > MAX_HEADING_WORDS:
        return False
    if _HEADING_END.search(raw):
        return True
    # a single word before a list is the tail of a wrapped line («الخارجي»), not a heading
    return (following is not None and bool(_LIST_MARKER.match(following.raw)) and not raw.endswith(".")
            and len(line.text.split()) > 1)


def _in_title_block(line: Line, outline: Outline) -> bool:
    """Before the first heading, short lines are the letterhead and title, and so is a letterhead's contact
    line however long (a telephone, fax, e-mail or web address: harif's «رقم الهاتف : 013 882 0058 …»)."""
    return len(line.text.split()) <= MAX_HEADING_WORDS or bool(_CONTACT.search(line.text))
