"""Arabic wherever it is shown: error lines, Markdown pages, diff (text, HTML), lint summary, board-ready compare;
the Arabic pages checked in Chromium."""

from __future__ import annotations

import importlib.util
import io
import re
from pathlib import Path

import pytest

from policykit.cli import main


def cli(*argv, env=None):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


def test_error_lines_in_arabic_keep_location_and_code(tmp_path):
    code, _, err = cli("check", tmp_path / "missing.yaml", "--lang", "ar")
    assert code == 2 and err == f"{tmp_path / 'missing.yaml'}: file-not-found: الملف غير موجود: no such file\n"
    code, _, err = cli("check", "x.yaml", "--lang=ar", "--format", "bogus")
    assert code == 2 and err.startswith("usage: استخدام غير صحيح لسطر الأوامر: policykit check:")
    code, _, err = cli("check", tmp_path / "missing.yaml")
    assert err == f"{tmp_path / 'missing.yaml'}: file-not-found: no such file\n"  # English by default


def test_every_documented_code_has_its_arabic_meaning():
    import re

    from policykit.diagnostics_ar import MEANING

    root = Path(__file__).resolve().parents[2]
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", (root / "docs" / "errors.md").read_text("utf-8"), re.M))
    assert documented - set(MEANING) == set(), "add an Arabic line to policykit/diagnostics_ar.py"


def test_markdown_in_arabic_is_wrapped_right_to_left():
    example = Path(__file__).resolve().parents[2] / "examples" / "harif" / "late_decision.yaml"
    _, page, _ = cli("check", example, "--format", "markdown", "--lang", "ar", "--as-of", "2025-06-01")
    assert page.startswith('<div dir="rtl" lang="ar">\n\n') and page.endswith("\n\n</div>\n")
    _, page, _ = cli("check", example, "--format", "markdown", "--lang", "en", "--as-of", "2025-06-01")
    assert "<div" not in page
    _, page, _ = cli("compare", "harif", "saddad", "--lang", "ar")
    assert page.startswith('<div dir="rtl" lang="ar">') and "| البند | حارف (`harif`) | السديد (`saddad`) |" in page
    _, page, _ = cli("diff", "saddad", "harif", "--lang", "ar", "--format", "markdown")
    assert page.startswith('<div dir="rtl" lang="ar">') and "# harif مقارنةً بـ saddad" in page


def test_diff_and_lint_in_arabic():
    _, text, _ = cli("diff", "saddad", "harif", "--lang", "ar")
    assert "أي مهلتي الرد أشد:" in text and "القراءة الحرفية: harif — saddad لا تضع حداً أعلى لموعد الرد" in text
    assert "(إضافة)" in text


def test_arabic_diff_markers_need_no_agreement_with_their_item():
    """«الشكاوى (محذوف)», «وسائل التواصل الاجتماعي (مضاف)», «سياسة التعامل مع الشركاء (محذوف)»: a masculine
    participle after feminine and plural items; the verbal noun agrees with none."""
    for fmt in ("text", "markdown", "html"):
        _, page, _ = cli("diff", "harif", "saddad", "--lang", "ar", "--format", fmt)
        assert "حذف" in page and "إضافة" in page, fmt
        assert not any(word in page for word in ("محذوف", "مضاف", "مُعدَّل")), fmt
    _, text, _ = cli("lint", "--lang", "ar")
    assert text.splitlines()[-1].split(" ")[1:2] == ["ملاحظةً:"] and "تحذير" in text.splitlines()[-1]


INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def test_lint_summary_in_arabic_counts_as_arabic_counts():
    """The Arabic lint summary said «90 ملاحظة: 6 خطأ، 78 تحذير»: the noun did not agree with its count (three to
    ten take the plural, eleven to ninety-nine the accusative singular), as the project's counting helper does
    for days everywhere else."""
    from policykit.counting import count

    _, text, _ = cli("lint", "--lang", "ar")
    _, english, _ = cli("lint")
    numbers = [int(n) for n in re.findall(r"\d+", english.splitlines()[-1])]
    total, errors, warnings, info = numbers
    assert text.splitlines()[-1] == (f"{count(total, 'findings', 'ar')}: {count(errors, 'errors', 'ar')}، "
                                     f"{count(warnings, 'warnings', 'ar')}، {str(info).translate(INDIC)} للعلم")
    assert count(6, "errors", "ar") == "٦ أخطاء" and count(78, "warnings", "ar") == "٧٨ تحذيراً"
    assert count(2, "errors", "ar") == "خطآن" and count(1, "findings", "ar") == "ملاحظة واحدة"


def test_board_ready_compare_flags_the_approval_date_mismatch():
    _, page, _ = cli("compare", "green_energy", "harif", "--lang", "en")
    assert "| Item | Green Energy Association (`green_energy`) | Harif (`harif`) |" in page
    assert "2021-01-26 ⚠ does not match the Hijri date given with it (1442-01-13 AH = 2020-09-01)" in page
    assert "| Counted from | Referred to the committee | Request completed |" in page
    assert "| Bound as written | at least (lower bound) | at most (upper bound) |" in page
    _, csv_text, _ = cli("compare", "green_energy", "harif", "--format", "csv")
    assert "⚠" not in csv_text and "calendar_days" in csv_text  # machines keep raw values


# --- in Chromium -------------------------------------------------------------------------------------------------

_spec = importlib.util.spec_from_file_location("chromium_helpers", Path(__file__).with_name("chromium.py"))
chromium = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(chromium)
BROWSER, needs_chromium = chromium.BROWSER, chromium.needs_chromium


@needs_chromium
def test_diff_html_in_arabic_renders_right_to_left(tmp_path):
    chromium.require()
    _, page, _ = cli("diff", "saddad", "harif", "--lang", "ar", "--format", "html")
    probe = BROWSER.rendered(tmp_path, page)
    assert probe["direction"] == "rtl" and probe["lang"] == "ar"
    assert "أي مهلتي الرد أشد" in probe["text"] and "التعويض" in probe["text"]


@needs_chromium
def test_board_compare_html_flags_the_mismatch_in_the_browser(tmp_path):
    chromium.require()
    _, page, _ = cli("compare", "green_energy", "harif", "--lang", "ar", "--format", "html")
    probe = BROWSER.rendered(tmp_path, page)
    assert probe["direction"] == "rtl" and "حارف" in probe["text"] and "لا يوافق التاريخ الهجري" in probe["text"]


def test_arabic_diff_keeps_the_caveat_that_the_deadlines_count_from_different_events():
    """In English the stricter-deadline line warns that harif's 15 working days run from request_completed and
    green_energy's 14 days from referred_to_committee; the Arabic line dropped that caveat (text and HTML)."""
    _, english, _ = cli("diff", "green_energy", "harif")
    assert "note they count from different events (referred_to_committee vs request_completed)" in english
    caveat = "مع ملاحظة أن المهلتين تبدآن من حدثين مختلفين («رفع الطلب إلى اللجنة» و«اكتمال الطلب»)"
    _, text, _ = cli("diff", "green_energy", "harif", "--lang", "ar")
    assert caveat in text
    _, page, _ = cli("diff", "green_energy", "harif", "--lang", "ar", "--format", "html")
    assert "مع ملاحظة أن المهلتين تبدآن من حدثين مختلفين" in page
    _, same, _ = cli("diff", "green_energy", "saddad", "--lang", "ar")
    assert "حدثين مختلفين" not in same
