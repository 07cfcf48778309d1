"""The comparison matrix rendered as Markdown, CSV, HTML or JSON."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from markupsafe import Markup

from ..compare import SECTIONS, TYPICAL_METHOD, Matrix
from ..neutralise import csv_cell, json_document, terminal
from .markdown import cell
from .templating import render_template

ARABIC = re.compile(r"[\u0600-\u06FF]")
FORMATS = ("markdown", "csv", "html", "json")
TITLE = {"ar": "مقارنة سياسات تنظيم العلاقة مع المستفيدين", "en": "Comparison of the beneficiary-relationship policies"}
ITEM = {"ar": "البند", "en": "Item"}


def render_matrix(matrix: Matrix, fmt: str = "markdown", lang: str = "en", names: dict[str, str] | None = None) -> str:
    """The matrix in `fmt` (markdown, csv, html, json); labels in `lang`.

    For people (Markdown, HTML) the columns are headed by `names` (policy id -> association name, see
    board.column_names), the deadline reads in words and a mismatched approval date is flagged; CSV and
    JSON keep the ids and raw values."""
    if fmt == "json":
        return json_document(matrix.to_json())
    if fmt == "csv":
        return _csv(matrix)
    if fmt == "html":
        return _html(matrix, lang, names or {})
    from .rtl import markdown_page

    return markdown_page(_markdown(matrix, lang, names or {}), lang)


def display(value: Any, *, markdown: bool = False) -> str:
    """A cell value for people: ✓ / — for membership, '' for nothing."""
    if value is True:
        return "✓"
    if value is False:
        return "—"
    if value is None:
        return ""
    text = str(value)
    return cell(text) if markdown else terminal(text)


def _people_values(matrix: Matrix, row, lang: str) -> list:
    """The row's cells for people: deadline in words, approval mismatch flagged (board.in_words)."""
    from .board import in_words, values_in

    values_of = values_in(matrix)
    return [in_words(row, pid, row.values.get(pid), values_of, lang) for pid in matrix.policies]


def _header(pid: str, names: dict[str, str], markdown: bool) -> str:
    name = names.get(pid)
    if not name or name == pid:
        return f"`{pid}`" if markdown else pid
    return f"{cell(name)} (`{pid}`)" if markdown else name


def _markdown(matrix: Matrix, lang: str, names: dict[str, str]) -> str:
    lines = [f"# {TITLE[lang]}", ""]
    section = None
    for row in matrix.rows:
        if row.section != section:
            section = row.section
            lines += ["", f"## {SECTIONS.get(section, {}).get(lang, section)}", ""]
            lines.append("| " + " | ".join([ITEM[lang], *(_header(p, names, True) for p in matrix.policies)]) + " |")
            lines.append("|" + "---|" * (len(matrix.policies) + 1))
        values = [display(v, markdown=True) for v in _people_values(matrix, row, lang)]
        lines.append("| " + " | ".join([cell(row.label[lang]), *values]) + " |")
    lines += ["", f"*{cell(TYPICAL_METHOD[lang])}*"]
    return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"


def _csv(matrix: Matrix) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["section", "item", "label_en", "label_ar", *matrix.policies])
    for row in matrix.rows:
        values = ["true" if v is True else "false" if v is False else "" if v is None else v
                  for v in (row.values.get(pid) for pid in matrix.policies)]
        writer.writerow([csv_cell(v) for v in (row.section, row.item, row.label["en"], row.label["ar"], *values)])
    return buffer.getvalue()


def _html(matrix: Matrix, lang: str, names: dict[str, str]) -> str:
    from .html import stylesheet

    sections: list[dict] = []
    for row in matrix.rows:
        if not sections or sections[-1]["id"] != row.section:
            sections.append({"id": row.section, "title": SECTIONS.get(row.section, {}).get(lang, row.section),
                             "rows": []})
        sections[-1]["rows"].append({
            "label": row.label[lang], "item": row.item,
            "cells": [{"text": display(value), "kind": _kind(value), "dir": _direction(display(value)),
                       "flagged": isinstance(value, str) and "⚠" in value}
                      for value in _people_values(matrix, row, lang)]})
    return render_template("matrix.html.j2", lang=lang, direction="rtl" if lang == "ar" else "ltr",
                           title=TITLE[lang], item_header=ITEM[lang], policies=matrix.policies,
                           names={pid: names.get(pid, pid) for pid in matrix.policies},
                           sections=sections, method=TYPICAL_METHOD[lang], css=Markup(stylesheet()))


def _direction(text: str) -> str:
    """rtl for text with Arabic letters; ltr otherwise, so dates and ids are not reordered."""
    return "rtl" if ARABIC.search(text) else "ltr"


def _kind(value: Any) -> str:
    return "yes" if value is True else "no" if value is False else "value"
