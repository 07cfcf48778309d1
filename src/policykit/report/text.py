"""The verdict as terminal text: rich tables coloured by status, readable at 80 columns, plain when piped."""

from __future__ import annotations

import io
import os
import sys

from rich import box
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from . import labels
from ..neutralise import terminal
from .view import build_view, cleaned

STYLE = {"met": "green", "breached": "bold red", "pending": "yellow", "undetermined": "magenta",
         "not_applicable": "dim", "compliant": "bold green", "non_compliant": "bold red",
         "in_progress": "bold yellow", "eligible": "green", "not_eligible": "dim", "not_covered": "dim"}
DEFAULT_WIDTH = 80


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
    buffer = io.StringIO()
    console = Console(file=buffer, width=width or _width(), force_terminal=colour,
                      color_system="standard" if colour else None, no_color=not colour,
                      highlight=False, emoji=False, soft_wrap=False)
    # every string shown has its control and bidi characters escaped: a case id cannot forge a line or a colour
    view = cleaned(build_view(verdict, policy, lang), terminal)
    w = lambda key: labels.word(key, lang)  # noqa: E731
    # never wrapped: a case id padded to wrap at "Case status: compliant" would forge the status line
    console.print(Text(f"{w('report_title')} — {view.case_id}", style="bold"), soft_wrap=True)
    console.print(f"{w('policy')}: {view.policy_id} ({w('version')} {view.policy_version}) — {view.association}",
                  markup=False)
    console.print(f"{w('as_of')}: {view.as_of}", markup=False)
    if view.reading:
        console.print(f"{w('reading')}: {view.reading}", markup=False)
    status_line = Text(f"{w('case_status')}: ")
    status_line.append(view.status_label, style=STYLE.get(view.status, ""))
    console.print(status_line)
    console.print(_findings_table(view, lang))
    _print_details(console, view, lang)
    _print_actions(console, view, lang)
    compensation = Text(f"{w('compensation')}: ")
    compensation.append(view.compensation_label, style=STYLE.get(view.compensation_status, ""))
    if view.compensation_unknown:
        compensation.append(f" — {w('unknown_facts')}: {labels.join(view.compensation_unknown, lang)}")
    console.print(compensation)
    for note in view.notes:
        console.print(f"{w('notes')}: {note}", markup=False)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


def _findings_table(view, lang: str) -> Table:
    w = lambda key: labels.word(key, lang)  # noqa: E731
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False, title=w("findings"),
                  title_justify="left")
    table.add_column(w("status"), no_wrap=True)
    table.add_column(w("rule"), ratio=3, overflow="fold")
    table.add_column(w("due"), ratio=2, overflow="fold")
    table.add_column(w("clause"), no_wrap=True)
    for finding in view.findings:
        # Text, not str: a label from a policy file is not parsed as rich markup
        table.add_row(Text(finding.status_label, style=STYLE.get(finding.status, "")), Text(finding.label),
                      Text(_due_cell(finding)), Text(finding.clause_ref))
    return table


def _due_cell(finding) -> str:
    """The due cell: the compact due, plus how late when breached."""
    cell = finding.due_compact
    if finding.late_by:
        cell = f"{cell} (+{finding.late_by})" if cell else f"+{finding.late_by}"
    return cell


def _print_details(console: Console, view, lang: str) -> None:
    w = lambda key: labels.word(key, lang)  # noqa: E731
    for finding in view.findings:
        if finding.status in ("met", "not_applicable"):
            continue
        head = Text(f"• {finding.label} ", style="bold")
        head.append(f"[{finding.status_label}]", style=STYLE.get(finding.status, ""))
        console.print(head)
        lines = [f"{w('explanation')}: {finding.explanation}"]
        if finding.fulfilled_at:
            lines.append(f"{finding.fulfilled_word}: {finding.fulfilled_at}")
        if finding.would_decide:
            lines.append(f"{w('would_decide')}: {labels.join(finding.would_decide, lang)}")
        lines.append(f"{w('clause')} {finding.clause_ref}: «{finding.clause_text_ar}»")
        for line in lines:
            console.print(Padding(Text(line), (0, 0, 0, 2)))


def _print_actions(console: Console, view, lang: str) -> None:
    w = lambda key: labels.word(key, lang)  # noqa: E731
    if not view.actions:
        console.print(w("none_required"))
        return
    console.print(Text(w("required_actions"), style="bold"))
    for action in view.actions:
        line = Text(f"  → {action.label}" + (f" — {w('due')}: {action.due}" if action.due else ""))
        if action.overdue or action.at_risk:
            line.append(f" ({w('overdue' if action.overdue else 'at_risk')})", style="bold red")
        if action.before_label:
            line.append(f" ({w('before_step')} {action.before_label})")
        console.print(line)
