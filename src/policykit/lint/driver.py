"""Runs every lint rule over policies and locates what they find in the policy file and its source."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..coverage import source_path
from ..loader import bundled_ids, load_policy, policies_dir, resolve
from ..model import Policy
from ..source import Document, load_file
from ..template.align import Template
from ..template.corpus import bundled_outlines, bundled_template, lexicon, read_outline, template_of
from ..template.outline import Outline
from ..template.spelling import Lexicon


@dataclass(frozen=True)
class LintFinding:
    """One lint result: `{policy, code, severity, message, file, line, source_line, text, suggestion}`."""

    policy: str
    code: str
    severity: str
    message: str
    file: str
    line: int | None
    source_line: int | None = None
    text: str | None = None
    suggestion: str | None = None

    def to_json(self) -> dict:
        """The JSON object of `lint --format json`."""
        return asdict(self)

    def render(self) -> str:
        """`file:line: severity: code: message`, then the source line, its text and the suggested correction."""
        from ..neutralise import terminal

        where = f"{self.file}:{self.line}" if self.line else self.file
        extra = []
        if self.source_line is not None:
            extra.append(f"source line {self.source_line}")
        if self.text:
            extra.append(f"«{self.text}»")
        if self.suggestion:
            extra.append(f"suggested: «{self.suggestion}»")
        return terminal(f"{where}: {self.severity}: {self.code}: {self.message}"
                        + (f" [{'; '.join(extra)}]" if extra else ""))


@dataclass(frozen=True)
class LintContext:
    """What a rule may look at: the policy, its file's data and positions, the peer policies, the outline of
    its source document, the template of the peers' documents and the words they use."""

    policy: Policy
    document: Document
    peers: tuple[Policy, ...]
    source: Outline | None = None
    template: Template | None = None
    lexicon: Lexicon | None = None
    family: tuple[str, ...] = ()
    source_path: Path | None = None


def lint_policy(ref: str | os.PathLike, peers: list[Policy] | None = None) -> list[LintFinding]:
    """Every lint finding of one policy (bundled id or path), sorted by line."""
    from .rules import RULES

    path = resolve(ref)
    policy = load_policy(path)
    document = load_file(path)
    if peers is None:
        peers = [load_policy(pid) for pid in bundled_ids()]
    context = _context(policy, document, [p for p in peers if p.id != policy.id], Path(path).resolve().parent)
    shown = display_path(path)
    found = []
    for lint_rule in RULES:
        for problem in lint_rule.check(context):
            where = problem.path or (_citing(document.data, problem.source_line)
                                     or _quoting(document.data, context.source, problem.source_line) or ("id",)
                                     if problem.source_line else ())
            span = document.span(where) if where else None
            found.append(LintFinding(policy.id, lint_rule.code, lint_rule.severity, problem.message, shown,
                                     span.line if span else 1, problem.source_line, problem.text,
                                     problem.suggestion))
    return sorted(found, key=lambda f: (f.line or 0, f.source_line or 0, f.code))


def _context(policy: Policy, document: Document, peers: list[Policy], base: Path) -> LintContext:
    """The context of one policy: its source's outline and the template of its peers' documents (and its
    own, when it is one of them)."""
    path = source_path(policy, base)
    source = read_outline(path, policy.id)
    known = bundled_outlines()
    outlines = [known[p.id] for p in peers if p.id in known]
    if source is None:
        return LintContext(policy, document, tuple(peers), source_path=path)
    names = tuple(o.name for o in outlines)
    own = policy.id in known and known[policy.id].lines == source.lines
    template = (bundled_template(tuple(sorted((*names, policy.id)))) if own
                else template_of(outlines + [source]) if outlines else None)
    family = tuple(template.names) if template else ()
    return LintContext(policy, document, tuple(peers), source, template, lexicon(outlines + [source]), family,
                       path)


def _citing(data: Any, line: int, path: tuple = ()) -> tuple:
    """The data path of the element that cites source line `line` (a mapping with `text_ar` and `line`)."""
    if isinstance(data, dict):
        first, last = data.get("line"), data.get("end_line") or data.get("line")
        if isinstance(first, int) and "text_ar" in data and first <= line <= last:
            return path
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return ()
    for key, value in items:
        found = _citing(value, line, (*path, key))
        if found:
            return found
    return ()


def _quoting(data: Any, source: Outline | None, line: int) -> tuple:
    """The data path of a string that is the whole of source line `line` (a heading kept as `section_ar`)."""
    text = source.line(line).text if source is not None and source.line(line) else None
    if not text:
        return ()

    def walk(value: Any, path: tuple) -> tuple:
        if isinstance(value, str):
            return path if " ".join(value.split()) == text else ()
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, child in items:
            found = walk(child, (*path, key))
            if found:
                return found
        return ()

    return walk(data, ())


def lint_policies(refs: list[str]) -> list[LintFinding]:
    """Lint several policies (default: every bundled one), each against the bundled others."""
    refs = refs or bundled_ids()
    peers = [load_policy(pid) for pid in bundled_ids()]
    return [finding for ref in refs for finding in lint_policy(ref, peers)]


def has_errors(findings: list[LintFinding]) -> bool:
    """Whether any finding is an error (lint exits 1)."""
    return any(f.severity == "error" for f in findings)


def display_path(path: Path) -> str:
    """The file as people know it: `policies/<id>.yaml` for a bundled one (wherever it is installed),
    else relative to the working directory when inside it."""
    resolved = Path(path).resolve()
    if resolved.parent == policies_dir().resolve():
        return f"policies/{resolved.name}"
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(resolved)
