"""The verdict as terminal text: rich tables coloured by status on a terminal; without colour (files, pipes,
NO_COLOR) the same layout written by report.plain, so that rich is not imported; readable at 80 columns."""

from __future__ import annotations

import io
import os
import sys

from . import labels
from ..neutralise import terminal
from .view import build_view, cleaned

STYLE = {"met": "green", "breached": "bold red", "pending": "yellow", "undetermined": "magenta",
         "not_applicable": "dim", "compliant": "bold green", "non_compliant": "bold red",
         "in_progress": "bold yellow", "eligible": "green", "not_eligible": "dim", "not_covered": "dim"}
DEFAULT_WIDTH = 80
INDENT = 2  # the details under a finding


def use_colour() -> bool:
    """Colour only on a terminal, unless NO_COLOR or FORCE_COLOR says otherwise."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return sys.stdout.isatty()


def _width() -> int:
    """The terminal's width on a terminal; 80 columns for files and pipes (the same text wherever it goes)."""
    if not sys.stdout.isatty():
        return DEFAULT_WIDTH
    from ..terminal import terminal_width

    return max(60, terminal_width(sys.stdout))


def render(verdict, policy, lang: str, *, colour: bool | None = None, width: int | None = None) -> str:
    """The text report; ANSI colour only when `colour` (default: stdout is a terminal)."""
    colour = use_colour() if colour is None else colour
    # every string shown has its control and bidi characters escaped: a case id cannot forge a line or a colour
    view = cleaned(build_view(verdict, policy, lang), terminal)
    parts = _parts(view, lang)
    width = width or _width()
    text = _rich(parts, width, colour) if colour else _plain(parts, width)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


# The report as parts, each written by both writers: ("whole", spans) a line never wrapped; ("line", spans) a
# line wrapped to the width; ("indented", text) wrapped under a finding; ("table", title, headers, rows).  A span
# is (text, style); a table cell is (text, style).

def _parts(view, lang: str) -> list[tuple]:
    w = lambda key: labels.word(key, lang)  # noqa: E731
    # never wrapped: a case id padded to wrap at "Case status: compliant" would forge the status line
    parts: list[tuple] = [("whole", [(f"{w('report_title')} — {view.case_id}", "bold")]),
                          ("line", [(f"{w('policy')}: {view.policy_id} ({w('version')} {view.policy_version}) — "
                                     f"{view.association}", "")]),
                          ("line", [(f"{w('as_of')}: {view.as_of}", "")])]
    if view.reading:
        parts.append(("line", [(f"{w('reading')}: {view.reading}", "")]))
    parts.append(("line", [(f"{w('case_status')}: ", ""), (view.status_label, STYLE.get(view.status, ""))]))
    parts.append(("table", w("findings"), [w("status"), w("rule"), w("due"), w("clause")],
                  [[(finding.status_label, STYLE.get(finding.status, "")), (finding.label, ""),
                    (_due_cell(finding), ""), (finding.clause_ref, "")] for finding in view.findings]))
    _details(parts, view, lang)
    _actions(parts, view, lang)
    compensation = [(f"{w('compensation')}: ", ""),
                    (view.compensation_label, STYLE.get(view.compensation_status, ""))]
    if view.compensation_unknown:
        compensation.append((f" — {w('unknown_facts')}: {labels.join(view.compensation_unknown, lang)}", ""))
    parts.append(("line", compensation))
    # what the answer rests on and what follows it (harif: eligible, then negotiation, ث-٤), as the JSON says
    if view.compensation_explanation:
        parts.append(("indented", f"{w('explanation')}: {view.compensation_explanation}"))
    parts.extend(("indented", f"{w('clause')} {ref}: «{text_ar}»") for ref, text_ar in view.compensation_clauses)
    parts.extend(("line", [(f"{w('notes')}: {note}", "")]) for note in view.notes)
    return parts


def _due_cell(finding) -> str:
    """The due cell: the compact due, plus how late when breached."""
    cell = finding.due_compact
    if finding.late_by:
        cell = f"{cell} (+{finding.late_by})" if cell else f"+{finding.late_by}"
    return cell


def _details(parts: list, view, lang: str) -> None:
    w = lambda key: labels.word(key, lang)  # noqa: E731
    for finding in view.findings:
        if finding.status in ("met", "not_applicable"):
            continue
        parts.append(("line", [(f"• {finding.label} ", "bold"),
                               (f"[{finding.status_label}]", STYLE.get(finding.status, ""))]))
        lines = [f"{w('explanation')}: {finding.explanation}"]
        if finding.fulfilled_at:
            lines.append(f"{finding.fulfilled_word}: {finding.fulfilled_at}")
        if finding.would_decide:
            lines.append(f"{w('would_decide')}: {labels.join(finding.would_decide, lang)}")
        lines.append(f"{w('clause')} {finding.clause_ref}: «{finding.clause_text_ar}»")
        parts.extend(("indented", line) for line in lines)


def _actions(parts: list, view, lang: str) -> None:
    w = lambda key: labels.word(key, lang)  # noqa: E731
    if not view.actions:
        parts.append(("line", [(w("none_required"), "")]))
        return
    parts.append(("line", [(w("required_actions"), "bold")]))
    for action in view.actions:
        line = [(f"  → {action.label}" + (f" — {w('due')}: {action.due}" if action.due else ""), "")]
        if action.overdue or action.at_risk:
            line.append((f" ({w('overdue' if action.overdue else 'at_risk')})", "bold red"))
        if action.before_label:
            line.append((f" ({w('before_step')} {action.before_label})", ""))
        parts.append(("line", line))


def _plain(parts: list[tuple], width: int) -> str:
    """The parts without colour, laid out as rich would (report.plain)."""
    from .plain import Column, table, wrap

    out: list[str] = []
    for part in parts:
        if part[0] == "whole":
            out.append("".join(text for text, _ in part[1]))
        elif part[0] == "line":
            out.extend(wrap("".join(text for text, _ in part[1]), width))
        elif part[0] == "indented":
            out.extend(" " * INDENT + line for line in wrap(part[1], width - INDENT))
        else:
            _, title, headers, rows = part
            columns = [Column(header, wraps) for header, wraps in zip(headers, (False, True, True, False))]
            out.extend(table(title, columns, [[text for text, _ in row] for row in rows], width))
    return "\n".join(out) + "\n"


def _rich(parts: list[tuple], width: int, colour: bool) -> str:
    """The parts printed by rich (coloured when `colour`)."""
    from rich import box
    from rich.console import Console
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    def spans(items) -> Text:
        line = Text()
        for text, style in items:
            line.append(text, style=style)
        return line

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=colour, color_system="standard" if colour else None,
                      no_color=not colour, highlight=False, emoji=False, soft_wrap=False)
    for part in parts:
        if part[0] == "whole":
            console.print(spans(part[1]), soft_wrap=True)
        elif part[0] == "line":
            console.print(spans(part[1]))
        elif part[0] == "indented":
            console.print(Padding(Text(part[1]), (0, 0, 0, INDENT)))
        else:
            _, title, headers, rows = part
            table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False, title=title,
                          title_justify="left")
            table.add_column(headers[0], no_wrap=True)
            table.add_column(headers[1], ratio=3, overflow="fold")
            table.add_column(headers[2], ratio=2, overflow="fold")
            table.add_column(headers[3], no_wrap=True)
            for row in rows:
                # Text, not str: a label from a policy file is not parsed as rich markup
                table.add_row(*(Text(text, style=style) for text, style in row))
            console.print(table)
    return buffer.getvalue()
