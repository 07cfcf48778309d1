"""A policy diff rendered as text, Markdown or JSON."""

from __future__ import annotations

import json

from ..compare import SECTIONS
from ..diff import PolicyDiff
from ..neutralise import terminal
from .markdown import cell
from .matrix import display

FORMATS = ("text", "markdown", "json")
SIGN = {"added": "+", "removed": "-", "changed": "~"}


def render_diff(result: PolicyDiff, fmt: str = "text", lang: str = "en") -> str:
    """The diff in `fmt` (text, markdown, json)."""
    if fmt == "json":
        return json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"
    markdown = fmt == "markdown"
    clean = cell if markdown else terminal
    lines = [f"# {clean(result.b)} relative to {clean(result.a)}" if markdown
             else f"{clean(result.b)} relative to {clean(result.a)}"]
    if not result.changes:
        lines.append("no differences")
    for section, changes in result.by_section().items():
        title = SECTIONS.get(section, {}).get(lang, section)
        lines += ["", f"## {title}" if markdown else f"{title}:"]
        for change in changes:
            label = clean(change.label[lang])
            if change.change == "changed":
                a, b = display(change.a, markdown=markdown) or "∅", display(change.b, markdown=markdown) or "∅"
                detail = f"{label}: {a} → {b}"
            else:
                detail = f"{label} ({change.change})"
            lines.append(f"- {SIGN[change.change]} {detail}" if markdown else f"  {SIGN[change.change]} {detail}")
    lines += ["", "## Which response deadline is stricter" if markdown else "Which response deadline is stricter:"]
    for verdict in result.deadline:
        winner = {"a": result.a, "b": result.b}.get(verdict.stricter, verdict.stricter)
        text = f"{verdict.reading} reading: {winner} — {verdict.reason}"
        lines.append(f"- {cell(text)}" if markdown else f"  {terminal(text)}")
    return "\n".join(lines) + "\n"
