"""The bundled documents as a corpus: their outlines, the template of those that share one, their words."""

from __future__ import annotations

import functools
from pathlib import Path

from .align import Template, derive_template, family
from .outline import MAX_SOURCE_LINES, Outline, outline_text
from .spelling import Lexicon


@functools.lru_cache(maxsize=1)
def bundled_outlines() -> dict[str, Outline]:
    """The outline of each bundled policy's source, by policy id."""
    from ..coverage import source_path
    from ..loader import bundled_ids, load_policy

    found = {}
    for pid in bundled_ids():
        path = source_path(load_policy(pid))
        if path.is_file():
            found[pid] = outline_text(path.read_text(encoding="utf-8"), pid)
    return found


_TEMPLATES: dict[tuple, Template | None] = {}


def template_of(outlines: list[Outline]) -> Template | None:
    """The template of the documents among `outlines` that share one (None when fewer than two do);
    remembered by the documents' names and lines (linting several drafts derives it once)."""
    key = tuple((o.name, tuple(line.raw for line in o.lines)) for o in outlines)
    if key not in _TEMPLATES:
        members = family(outlines)
        if len(_TEMPLATES) > 16:
            _TEMPLATES.clear()
        _TEMPLATES[key] = derive_template(members) if len(members) >= 2 else None
    return _TEMPLATES[key]


@functools.lru_cache(maxsize=8)
def _cached_template(names: tuple[str, ...]) -> Template | None:
    outlines = bundled_outlines()
    return template_of([outlines[n] for n in names if n in outlines])


def bundled_template(names: tuple[str, ...] | None = None) -> Template | None:
    """The template of the bundled documents (or of those named), derived once per process."""
    return _cached_template(tuple(names) if names is not None else tuple(bundled_outlines()))


def lexicon(outlines: list[Outline]) -> Lexicon:
    """The words of these documents (plus the dictionary, when installed)."""
    return Lexicon(line.raw for outline in outlines for line in outline.lines)


def read_outline(path: str | Path, name: str) -> Outline | None:
    """The outline of a source file under the policy id `name`, None when it cannot be read."""
    try:
        text = Path(path).read_text(encoding="utf-8") if Path(path).is_file() else None
    except (OSError, UnicodeDecodeError):
        return None
    if text is None or text.count("\n") > MAX_SOURCE_LINES:
        return None  # not a policy document: lint's text rules are left out for it
    return outline_text(text, name)
