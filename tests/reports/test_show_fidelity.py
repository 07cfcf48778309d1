"""`show` in Arabic keeps what the English says about a deadline's reading: the bound as written and both readings."""

import io

import pytest

from policykit.cli import main


def show(pid, lang):
    out = io.StringIO()
    assert main(["show", pid, "--lang", lang], out, io.StringIO()) == 0
    return " ".join(out.getvalue().split())


@pytest.mark.parametrize("pid", ["green_energy", "saddad", "khairat_albaha", "suqya"])
def test_the_arabic_show_says_the_two_weeks_are_a_reading_of_a_minimum(pid):
    text = show(pid, "ar")
    assert "النص: «خلال مدة لا تقل عن أسبوعين» (الحد كما ورد: حد أدنى (لا تقل عن))" in text
    assert "القراءة المقصودة: حد أقصى (لا تتجاوز)؛ القراءة الحرفية: حد أدنى (لا تقل عن)؛ الافتراضية: القراءة المقصودة" in text
    assert "bound as written: at_least" in show(pid, "en")


def test_harif_s_deadline_reads_the_same_both_ways_in_arabic_too():
    text = show("harif", "ar")
    assert "(الحد كما ورد: حد أقصى (لا تتجاوز))" in text
    assert "القراءة الحرفية: حد أقصى (لا تتجاوز)" in text


@pytest.mark.parametrize("lang,flag", [("en", "⚠ does not match the Hijri date given with it (1442-01-13 AH = 2020-09-01)"),
                                       ("ar", "⚠ لا يوافق التاريخ الهجري المذكور معه (1442-01-13 هـ = 2020-09-01 م)")])
def test_show_flags_green_energy_s_approval_dates_that_disagree(lang, flag):
    # the English note said so; the Arabic show has no notes, so the dates stood there unflagged
    assert f"2021-01-26 {flag}" in show("green_energy", lang)
    assert "⚠" not in show("saddad", lang)
