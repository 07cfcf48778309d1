"""The text report without colour is written by report.plain, without rich: it must be exactly what rich prints."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from policykit.case import load_case
from policykit.engine import evaluate, version_for
from policykit.neutralise import terminal
from policykit.report import plain, text
from policykit.report.view import build_view, cleaned

ROOT = Path(__file__).parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*/*.yaml"))
# Latin, Arabic letters and marks (no width), Arabic-Indic digits, CJK (two cells), punctuation and spaces
ALPHABET = st.sampled_from(list("abcXYZ019 -/:().,«»") + ["  ", "بحث", "الطلب", "\u064e", "\u0651", "٦", "一二",
                                                        "supercalifragilistic", "\u00a0"])
WORDS = st.lists(ALPHABET, max_size=30).map("".join)


def _lines(out: str) -> list[str]:
    return [line.rstrip() for line in out.splitlines()]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_report_is_laid_out_as_rich_lays_it_out(path):
    case = load_case(path, None, records=True)
    for as_of in (dt.datetime(2024, 3, 1, tzinfo=dt.timezone.utc), dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)):
        verdict = evaluate(case.policy, case, as_of)
        policy = version_for(case.policy, case, as_of)
        for lang in ("en", "ar"):
            parts = text._parts(cleaned(build_view(verdict, policy, lang), terminal), lang)
            for width in range(20, 141, 4):
                assert _lines(text._plain(parts, width)) == _lines(text._rich(parts, width, False)), (lang, width)


def _rich_table(title, headers, rows, width) -> list[str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, no_color=True, highlight=False, emoji=False)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False, title=title,
                  title_justify="left")
    for header, wraps in zip(headers, (False, True, True, False)):
        table.add_column(header, no_wrap=not wraps, overflow="fold" if wraps else "ellipsis")
    for row in rows:
        table.add_row(*map(Text, row))
    console.print(table)
    return _lines(buffer.getvalue())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(WORDS, min_size=4, max_size=4), min_size=1, max_size=4), st.integers(30, 120))
def test_a_table_of_any_text_is_laid_out_as_rich_lays_it_out(rows, width):
    headers = ["Status", "Rule", "Due", "Clause"]
    columns = [plain.Column(header, wraps) for header, wraps in zip(headers, (False, True, True, False))]
    assert _lines("\n".join(plain.table("Findings", columns, rows, width))) == \
        _rich_table("Findings", headers, rows, width)


@settings(max_examples=300, deadline=None)
@given(WORDS, st.integers(5, 100))
def test_wrapping_any_text_is_what_rich_prints(line, width):
    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, highlight=False, emoji=False).print(Text(line))
    assert [piece.rstrip() for piece in plain.wrap(line, width)] == _lines(buffer.getvalue())
