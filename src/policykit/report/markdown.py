"""The verdict as Markdown, for pasting into a report or an issue tracker."""

from __future__ import annotations

from ..neutralise import markdown as cell  # text made safe for a table cell or paragraph: one rule for every report
from . import labels
from .view import build_view


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A GitHub-flavoured Markdown table; every cell escaped."""
    out = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return out


def render(verdict, policy, lang: str) -> str:
    """The Markdown report of `verdict` in `lang`."""
    view = build_view(verdict, policy, lang)
    w = lambda key: labels.word(key, lang)  # noqa: E731
    lines = [f"## {cell(w('report_title'))} — {_code(view.case_id)}", ""]
    lines += table([w("summary"), ""], [
        [w("association"), view.association],
        [w("policy"), f"{view.policy_title} ({view.policy_id}, {w('version')} {view.policy_version})"],
        [w("as_of"), view.as_of],
        *([[w("reading"), view.reading]] if view.reading else []),
        [w("case_status"), f"{_mark(view.status)} {view.status_label}"],
    ])
    lines += ["", f"### {w('findings')}", ""]
    lines += table(
        [w("status"), w("rule"), w("due"), w("fulfilled_at"), w("late_by"), w("clause")],
        [[f"{_mark(f.status)} {f.status_label}", f.label, f.due, _fulfilled_cell(f, lang), f.late_by, f.clause_ref]
         for f in view.findings])
    for finding in view.findings:
        if finding.status in ("met", "not_applicable"):
            continue
        ident = "" if lang == "ar" else f" (`{finding.rule}`)"  # Arabic names the rule by its label only
        lines += ["", f"**{cell(finding.label)}** — {cell(finding.status_label)}{ident}", ""]
        lines.append(f"- {cell(w('explanation'))}: {cell(finding.explanation)}")
        if finding.fulfilled_at:  # as the text report and the HTML page say it: for an order rule, what decided it
            lines.append(f"- {cell(finding.fulfilled_word)}: {cell(finding.fulfilled_at)}")
        if finding.reading:
            lines.append(f"- {cell(w('reading'))}: {cell(finding.reading)}")
        if finding.would_decide:
            lines.append(f"- {cell(w('would_decide'))}: {cell(labels.join(finding.would_decide, lang))}")
        lines += ["", f"> {cell(w('clause'))} {cell(finding.clause_ref)}: «{cell(finding.clause_text_ar)}»"]
    lines += ["", f"### {w('required_actions')}", ""]
    if view.actions:
        lines += table([w("event"), w("due"), w("rule"), w("clause")],
                       [[a.label + (f" {a.flags(lang)}" if a.flags(lang) else ""), a.due,
                         a.rule_label if lang == "ar" else a.rule, a.clause_ref]
                        for a in view.actions])
    else:
        lines.append(cell(w("none_required")))
    lines += ["", f"### {w('compensation')}", "", f"{_mark(view.compensation_status)} {cell(view.compensation_label)}"]
    if view.compensation_unknown:
        lines += ["", f"{cell(w('unknown_facts'))}: {cell(labels.join(view.compensation_unknown, lang))}"]
    # what the answer rests on and what follows it (harif: eligible, then negotiation, ث-٤), as the JSON says
    if view.compensation_explanation:
        lines += ["", f"{cell(w('explanation'))}: {cell(view.compensation_explanation)}"]
    for ref, text_ar in view.compensation_clauses:
        lines += ["", f"> {cell(w('clause'))} {cell(ref)}: «{cell(text_ar)}»"]
    if view.notes:
        lines += ["", f"### {w('notes')}", ""] + [f"- {cell(note)}" for note in view.notes]
    return "\n".join(lines) + "\n"


def _fulfilled_cell(finding, lang: str) -> str:
    """The 'fulfilled' column's cell: an order or channel rule's date is the event that decided it, not a
    fulfilment (a breached rule's event broke it), and says so."""
    if not finding.fulfilled_at or finding.fulfilled_word == labels.word("fulfilled_at", lang):
        return finding.fulfilled_at
    return f"{finding.fulfilled_word}: {finding.fulfilled_at}"


def _code(text: str) -> str:
    """An id as a code span when it needs no escaping at all; else escaped text (no raw `<`, never two lines)."""
    safe = cell(text)
    return f"`{text}`" if safe == text and text else safe


def _mark(status: str) -> str:
    """A symbol that survives plain-text rendering of the status."""
    return {"met": "✅", "compliant": "✅", "breached": "❌", "non_compliant": "❌", "pending": "⏳",
            "in_progress": "⏳", "undetermined": "❔", "eligible": "✅", "not_eligible": "➖"}.get(status, "➖")
