"""The terminal text and Markdown reports."""

import re

from policykit.report import markdown, text

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_plain_text_has_no_colour_and_fits_80_columns(harif_like, verdict):
    out = text.render(verdict, harif_like, "en", colour=False)
    assert not ANSI.search(out)
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "non-compliant" in out and "breached" in out and "ت-٦" in out


def test_colour_only_when_asked(harif_like, verdict):
    out = text.render(verdict, harif_like, "en", colour=True)
    assert ANSI.search(out)
    assert "\x1b[1;31m" in out or "\x1b[31m" in out  # breached is red


def test_piped_output_defaults_to_no_colour(harif_like, verdict, monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert not ANSI.search(text.render(verdict, harif_like, "en"))  # pytest's stdout is not a terminal


def test_arabic_text_report_uses_arabic_labels(harif_like, verdict):
    out = text.render(verdict, harif_like, "ar", colour=False)
    assert "غير ملتزمة" in out and "مخالفة" in out and "الإجراءات المطلوبة" in out


def test_markdown_tables_are_well_formed(harif_like, verdict):
    out = markdown.render(verdict, harif_like, "en")
    for block in re.findall(r"((?:^\|.*\|\n)+)", out, flags=re.M):
        widths = {len(re.findall(r"(?<!\\)\|", row)) for row in block.splitlines()}
        assert len(widths) == 1, block
    assert "&lt;b&gt;" in out and "<b>" not in out
    assert "> Clause ت-٦:" in out


def test_markdown_escapes_pipes_in_labels(harif_like, build_verdict):
    verdict = build_verdict()
    finding = verdict.findings[0].model_copy(update={"label": verdict.findings[0].label.model_copy(
        update={"en": "a | b"})})
    verdict = verdict.model_copy(update={"findings": [finding, *verdict.findings[1:]]})
    assert "a \\| b" in markdown.render(verdict, harif_like, "en")


def test_pending_finding_yields_action_section(harif_like, build_verdict):
    out = markdown.render(build_verdict("pending"), harif_like, "en")
    assert "### Required actions" in out and "⏳ pending" in out
    assert "Settle the complaint" in out and "(at risk)" in out
    empty = markdown.render(build_verdict("met", with_action=False), harif_like, "en")
    assert "No action required" in empty
