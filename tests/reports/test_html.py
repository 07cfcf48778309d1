"""The HTML report: self-contained, escaped, right-to-left in Arabic, clause quoted, timeline present."""

import re

import pytest

from policykit.report import render_verdict


@pytest.mark.parametrize("lang,direction", [("ar", "rtl"), ("en", "ltr")])
def test_document_language_and_direction(harif_like, verdict, lang, direction):
    page = render_verdict(verdict, harif_like, "html", lang)
    assert re.search(rf'<html lang="{lang}" dir="{direction}">', page)
    assert "<svg" in page and "@page" in page and "@media print" in page


def test_self_contained_no_network_references(harif_like, verdict):
    page = render_verdict(verdict, harif_like, "html", "ar")
    urls = re.findall(r'(?:src|href)\s*=\s*"([^"]+)"', page) + re.findall(r"url\(([^)]+)\)", page)
    assert urls == []
    assert "<script" not in page and "<link" not in page


def test_user_text_is_escaped(harif_like, verdict):
    page = render_verdict(verdict, harif_like, "html", "en")
    assert "Settle the complaint &lt;b&gt;" in page
    assert "Settle the complaint <b>" not in page


def test_each_finding_quotes_its_clause_in_arabic(harif_like, verdict, clause_t6):
    page = render_verdict(verdict, harif_like, "html", "en")
    articles = re.findall(r'<article class="finding (\w+)" data-rule="(\w+)">', page)
    assert [rule for _, rule in articles] == [f.rule for f in verdict.findings]
    assert clause_t6 in page
    assert page.count('<blockquote class="clause" lang="ar" dir="rtl">') == len(verdict.findings)


def test_status_badge_follows_the_case_status(harif_like, build_verdict):
    compliant = build_verdict("met", with_action=False)
    assert 'id="case-status" class="badge undetermined"' in render_verdict(compliant, harif_like, "html", "en")
    breached = build_verdict("breached")
    assert 'id="case-status" class="badge non_compliant"' in render_verdict(breached, harif_like, "html", "en")


def test_dates_show_gregorian_and_hijri(harif_like, verdict):
    page = render_verdict(verdict, harif_like, "html", "ar")
    assert "27 مارس 2025م" in page and "رمضان 1446هـ" in page
