"""Clause coverage: which element of a policy accounts for each normative line of its source document.

A source line is *normative* unless it is pure layout: blank, or without a single letter (page numbers,
bullets, rules). Every other line (headings and letterhead included) must be accounted for, because a
heading or a letterhead can carry meaning (an approval, a registration number) and a line left out is
exactly what the report exists to catch. A line is accounted for by

- an element citing it: a mapping with `text_ar` and `line` (a clause or a `not_encoded` entry) whose
  line range covers it and whose text contains the line (list markers and markdown removed), or
- a string of the policy that equals the whole line, for headings and names kept without a line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .loader import load_policy, sources_dir
from .model import Policy

_WHITESPACE = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u066E-\u06D3\u06FA-\u06FF]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_MARKER = re.compile(r"^(?:#+\s*)?(?:[-✓*]\s*)*(?:[0-9٠-٩]+\s*[-.]\s*)?(?:✓\s*)?")
_QUOTES = "«»\"“”"


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space, trimmed; nothing else changes."""
    return _WHITESPACE.sub(" ", text).strip()


def line_content(line: str) -> str:
    """A source line without its list marker or markdown emphasis, whitespace-normalised."""
    text = normalise(line).replace("**", "")
    return normalise(_MARKER.sub("", text))


def is_layout(line: str) -> bool:
    """Pure layout: nothing a reader could take as a word."""
    return not _LETTER.search(line)


@dataclass(frozen=True)
class LineCoverage:
    """One normative source line and what accounts for it."""

    line: int
    text: str
    status: str  # "encoded", "not_encoded" or "missing"
    by: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Misplaced:
    """An element whose cited line range does not contain its quoted text."""

    path: str
    line: int
    text_ar: str


@dataclass
class CoverageReport:
    """Every normative line of one source, accounted for or not."""

    policy_id: str
    source_file: str
    lines: list[LineCoverage] = field(default_factory=list)
    misplaced: list[Misplaced] = field(default_factory=list)

    @property
    def missing(self) -> list[LineCoverage]:
        """Normative lines nothing accounts for."""
        return [item for item in self.lines if item.status == "missing"]

    @property
    def percent(self) -> float:
        """Share of normative lines accounted for, 0..100."""
        if not self.lines:
            return 100.0
        return 100.0 * (len(self.lines) - len(self.missing)) / len(self.lines)

    @property
    def complete(self) -> bool:
        """Every normative line accounted for and every citation in place."""
        return not self.missing and not self.misplaced

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return {"policy": self.policy_id, "source_file": self.source_file, "percent": round(self.percent, 1),
                "lines": [vars(item) for item in self.lines], "misplaced": [vars(m) for m in self.misplaced]}


@dataclass(frozen=True)
class _Cited:
    path: str
    first: int
    last: int
    text: str
    not_encoded: bool
    reason: str | None


def source_path(policy: Policy, base: Path | None = None) -> Path:
    """The policy's source document: a bundled copy (`docs/sources/<name>`), else the path as given, read
    from `base` (the policy file's folder) when relative and not found from the working directory."""
    given = Path(policy.document.source_file)
    if given.is_absolute():
        return given
    bundled = sources_dir() / given.name
    if given.parent.as_posix() == "docs/sources" and bundled.is_file():
        return bundled
    if base is not None and not given.is_file() and (Path(base) / given).is_file():
        return Path(base) / given
    return given


def source_lines(policy: Policy, base: Path | None = None) -> list[str]:
    """The source document's lines, numbered from 1 at index 0."""
    return source_path(policy, base).read_text(encoding="utf-8").split("\n")


def coverage(policy_or_id: Policy | str, base: Path | None = None) -> CoverageReport:
    """The clause-coverage report of a policy (bundled id, path, or loaded Policy; `base`: where a relative
    source file is read from, by default the policy file's folder)."""
    if isinstance(policy_or_id, Policy):
        policy = policy_or_id
    else:
        policy = load_policy(policy_or_id)
        if base is None and Path(str(policy_or_id)).suffix in (".yaml", ".yml", ".json"):
            base = Path(str(policy_or_id)).resolve().parent
    data = policy.model_dump(mode="json", by_alias=True, exclude_none=True)
    lines = source_lines(policy, base)
    cited = list(_cited(data, ""))
    cited_paths = {f"{c.path}.text_ar" for c in cited}
    whole_strings: dict[str, str] = {}
    for path, text in _paths_and_strings(data, ""):
        if path not in cited_paths:  # a cited quotation accounts only for the lines it cites
            whole_strings.setdefault(normalise(text).replace("**", ""), path)
    report = CoverageReport(policy.id, policy.document.source_file)
    report.misplaced = [Misplaced(c.path, c.first, c.text) for c in cited if not _in_place(c, lines)]
    for number, raw in enumerate(lines, start=1):
        if is_layout(raw):
            continue
        content = line_content(raw)
        hit = next((c for c in cited if c.first <= number <= c.last and content in normalise(c.text)), None)
        if hit is not None:
            status = "not_encoded" if hit.not_encoded else "encoded"
            report.lines.append(LineCoverage(number, content, status, hit.path, hit.reason))
        elif content in whole_strings or normalise(raw) in whole_strings:
            by = whole_strings.get(content) or whole_strings[normalise(raw)]
            report.lines.append(LineCoverage(number, content, "encoded", by))
        else:
            report.lines.append(LineCoverage(number, content, "missing"))
    return report


def _in_place(cited: _Cited, lines: list[str]) -> bool:
    span = " ".join(lines[cited.first - 1:cited.last]) if cited.last <= len(lines) else ""
    return normalise(cited.text) in normalise(span)


def _cited(data: Any, path: str) -> Iterator[_Cited]:
    if isinstance(data, dict):
        if isinstance(data.get("text_ar"), str) and isinstance(data.get("line"), int):
            first = data["line"]
            yield _Cited(path or ".", first, data.get("end_line") or first, data["text_ar"],
                         "reason" in data, data.get("reason"))
        for key, value in data.items():
            yield from _cited(value, f"{path}.{key}" if path else key)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _cited(value, f"{path}[{_element_label(value, index)}]")


def _element_label(value: Any, index: int) -> str | int:
    """A list element is named by its id where it has one, else by its index."""
    return value["id"] if isinstance(value, dict) and isinstance(value.get("id"), str) else index


# --- fidelity of quotations ----------------------------------------------------------------------


def arabic_quotations(data: Any, min_words: int = 5) -> Iterator[tuple[str, str]]:
    """(path, quotation) for every run of `min_words` or more Arabic words in any string of `data`."""
    for path, text in _paths_and_strings(data, ""):
        for run in _arabic_runs(text):
            if sum(1 for word in run.split(" ") if _ARABIC_LETTER.search(word)) >= min_words:
                yield path, run


def unverified_quotations(data: Any, source_text: str) -> list[tuple[str, str]]:
    """The Arabic quotations of `data` that do not appear verbatim (whitespace-normalised) in the source."""
    source = normalise(source_text)
    return [(path, quote) for path, quote in arabic_quotations(data) if normalise(quote) not in source]


def _arabic_runs(text: str) -> Iterator[str]:
    """Maximal stretches of a string without Latin letters, trimmed to their first and last Arabic word."""
    run: list[str] = []
    for token in [*normalise(text).split(" "), "|latin|"]:
        if not _LATIN_LETTER.search(token):
            run.append(token)
            continue
        while run and not _ARABIC_LETTER.search(run[0]):
            run.pop(0)
        while run and not _ARABIC_LETTER.search(run[-1]):
            run.pop()
        if run:
            yield " ".join(run).strip(_QUOTES + "().,;:")
        run = []


def _paths_and_strings(data: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _paths_and_strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths_and_strings(value, f"{path}[{_element_label(value, index)}]")
