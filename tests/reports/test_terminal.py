"""Arabic on a terminal: shaped and in visual order only when the terminal needs it; files keep logical order."""

from __future__ import annotations

import io
import re

import pytest

from policykit.terminal import needs_bidi, terminal_text

TEXT = "الحالات حسب الوضع: غير ملتزمة 1"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_files_and_pipes_keep_logical_order():
    assert terminal_text(TEXT, io.StringIO(), {}) == TEXT


def test_a_terminal_gets_shaped_text_in_visual_order():
    pytest.importorskip("arabic_reshaper")
    pytest.importorskip("bidi")
    shown = terminal_text(TEXT, Tty(), {})
    assert shown != TEXT
    assert any(0xFE70 <= ord(ch) <= 0xFEFF for ch in shown)  # presentation forms
    assert shown.startswith("1 ")  # the line's end is drawn first, on the left


@pytest.mark.parametrize("logical, shown", [
    ("كُتبت الأحكام في /tmp/run/verdicts.parquet", "/tmp/run/verdicts.parquet "),
    ("صفوف مرفوضة: 8 (انظر ./out/v.xlsx.rejects.csv)", "(./out/v.xlsx.rejects.csv "),
    ("كُتب تقرير التدقيق في audit_2025/ar.html.", ".audit_2025/ar.html "),
])
def test_a_path_among_arabic_words_is_drawn_whole_on_a_terminal(logical, shown):
    """On a terminal that needs the text ordered, '/tmp/run/verdicts.parquet' in the Arabic summary was drawn
    'tmp/run/verdicts.parquet/' and './out/…' as '…/.': the slash and the dot took the Arabic direction."""
    pytest.importorskip("arabic_reshaper")
    pytest.importorskip("bidi")
    line = terminal_text(logical, Tty(), {})
    assert line.startswith(shown), line
    assert "\u200e" not in line and not {"\u200e", "\u2066", "\u2069"} & set(line)
    assert terminal_text("(154 حدث/ث)", Tty(), {}).startswith("(") and "\u200e" not in line


def test_terminals_that_do_bidi_themselves_and_the_override():
    assert not needs_bidi(Tty(), {"KONSOLE_VERSION": "230800"})
    assert not needs_bidi(Tty(), {"VTE_VERSION": "7600"}) and needs_bidi(Tty(), {"VTE_VERSION": "5200"})
    assert not needs_bidi(Tty(), {"TERM_PROGRAM": "Apple_Terminal"}) and needs_bidi(Tty(), {"TERM": "xterm"})
    assert not needs_bidi(Tty(), {"POLICYKIT_BIDI": "off"})
    assert needs_bidi(io.StringIO(), {"POLICYKIT_BIDI": "on"})


def test_long_lines_are_wrapped_to_the_terminal_width(monkeypatch):
    pytest.importorskip("arabic_reshaper")
    import policykit.terminal as terminal

    monkeypatch.setattr(terminal, "terminal_width", lambda stream: 20)
    shown = terminal_text(TEXT * 3, Tty(), {})
    assert all(len(line) <= 20 for line in shown.split("\n")) and shown.count("\n") >= 3


def test_control_and_override_characters_never_reach_the_terminal():
    assert terminal_text("a\x1b]0;title\x07b \u202eevil", io.StringIO(), {}) == "a\\u001b]0;title\\u0007b \\u202eevil"


def test_batch_summary_in_arabic(tmp_path):
    pytest.importorskip("pyarrow")
    from policykit.cli import main

    log = tmp_path / "log.csv"
    log.write_text("case_id,type,at\nH1,request_received,2025-03-02\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["batch", str(log), "--policy", "harif", "--as-of", "2025-04-01", "--lang", "ar",
                 "--out", str(tmp_path / "v.parquet")], out, err) == 0
    assert "الحالات حسب الوضع: قيد المعالجة ١" in err.getvalue() and "كُتبت الأحكام في" in err.getvalue()


def test_the_arabic_batch_summary_writes_its_numbers_in_one_set_of_digits(tmp_path):
    """The Arabic summary counted cases and rows in Western digits beside a lateness in Arabic-Indic ones
    («قيد المعالجة 3، غير ملتزمة 1» then «وسيط التأخير: ٣ أيام عمل»): every number of it is now Arabic-Indic,
    the paths it names aside; the English summary keeps Western digits."""
    pytest.importorskip("pyarrow")
    from policykit.cli import main

    log = tmp_path / "log.csv"
    log.write_text("case_id,type,at,channel,agreed_channel,outcome,note,رقم\n"
                   "H1,request_received,2025-03-02T09:15,interview,phone,,,\n"
                   "H1,request_completed,2025-03-04,,,,,\n"
                   "H1,decision_notified,2025-04-01T11:00:00.5,email,,approved,,\n"
                   "H2,request_received,2025-03-02,interview,,,,\n"
                   "H2,request_completed,03/04/2025,,,,,\n", encoding="utf-8")
    out = tmp_path / "v.jsonl"
    err = io.StringIO()
    assert main(["batch", str(log), "--policy", "harif", "--as-of", "2025-04-30", "--lang", "ar", "--out", str(out)],
                io.StringIO(), err) == 1
    text = err.getvalue().replace(str(tmp_path), "")
    assert "وسيط التأخير: ٣ أيام عمل" in text and "غير محسومة ١" in text and "(العمود ٨)" in text, text
    assert re.findall(r"[0-9]", text.replace("v.jsonl", "")) == [], text
    err = io.StringIO()
    main(["batch", str(log), "--policy", "harif", "--as-of", "2025-04-30", "--out", str(out)], io.StringIO(), err)
    assert "5 rows read, 2 cases" in err.getvalue() and "(column 8)" in err.getvalue()


def test_a_table_keeps_its_columns_and_each_arabic_run_reads_right():
    pytest.importorskip("bidi")
    from policykit.terminal import terminal_layout

    table = "| ok | مخالفة |\n| id | met |"
    shown = terminal_layout(table, Tty(), {}).split("\n")
    assert shown[0].startswith("| ok | ") and shown[0].endswith(" |") and "مخالفة" not in shown[0]
    assert shown[1] == "| id | met |"
    assert terminal_layout(table, io.StringIO(), {}) == table


def test_check_in_arabic_on_a_terminal_is_shaped(tmp_path, monkeypatch):
    pytest.importorskip("bidi")
    from pathlib import Path

    from policykit.cli import main

    example = Path(__file__).resolve().parents[2] / "examples" / "harif" / "late_decision.yaml"
    monkeypatch.setenv("POLICYKIT_BIDI", "on")
    monkeypatch.setenv("NO_COLOR", "1")
    out = io.StringIO()
    main(["check", str(example), "--lang", "ar", "--as-of", "2025-06-01"], out, io.StringIO())
    assert "غير ملتزمة" not in out.getvalue() and any(0xFE70 <= ord(ch) <= 0xFEFF for ch in out.getvalue())


def test_batch_summary_in_arabic_names_the_rules_by_their_arabic_labels(tmp_path):
    """The Arabic summary said 'أكثر القواعد مخالفة: respond_within_15_working_days 1': the workbook's columns and
    the report name that rule 'مدة الرد على الطلب'; English keeps the ids."""
    pytest.importorskip("pyarrow")
    from policykit.cli import main

    log = tmp_path / "log.csv"
    log.write_text("case_id,type,at\nH1,request_received,2025-03-02\nH1,request_completed,2025-03-03\n",
                   encoding="utf-8")
    for lang, expected in (("ar", "أكثر القواعد مخالفة: مدة الرد على الطلب ١"),
                           ("en", "most breached: respond_within_15_working_days 1")):
        out, err = io.StringIO(), io.StringIO()
        assert main(["batch", str(log), "--policy", "harif", "--as-of", "2025-06-01", "--lang", lang,
                     "--out", str(tmp_path / "v.parquet")], out, err) == 1
        assert expected + "\n" in err.getvalue(), err.getvalue()


@pytest.mark.parametrize("days, lang, expected", [
    ("2025-04-03", "ar", "وسيط التأخير: ٢٥ يوماً"), ("2025-03-19", "ar", "وسيط التأخير: ١٠ أيام"),
    ("2025-03-10", "en", "median lateness: 1 calendar day"), ("2025-04-03", "en", "median lateness: 25 calendar days"),
])
def test_the_median_lateness_is_counted_as_the_language_counts(tmp_path, days, lang, expected):
    """The summary said «وسيط التأخير: 25 يوم» and 'median lateness: 1 calendar days': the noun did not agree
    with the number, as it does everywhere else (policykit.counting)."""
    pytest.importorskip("pyarrow")
    from policykit.cli import main

    log = tmp_path / "log.csv"
    log.write_text("case_id,type,at,channel,outcome\nS1,request_received,2025-02-20,interview,\n"
                   "S1,applicant_informed,2025-02-21,,\nS1,referred_to_committee,2025-02-23,,\n"
                   f"S1,decision_notified,{days}T10:00,interview,rejected\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    main(["batch", str(log), "--policy", "saddad", "--as-of", "2025-06-01", "--lang", lang,
          "--out", str(tmp_path / "v.parquet")], out, err)
    assert expected + "\n" in err.getvalue(), err.getvalue()


def test_a_median_lateness_between_two_counts_is_written_in_the_summary_s_digits():
    """A median of 2.5 days (an even number of breaches) was an internal error once the summary's numbers were
    written as text (the phrase formatted them as floats)."""
    from collections import Counter

    from policykit.batch.summary import Stats, Summary

    summary = Summary(Stats(cases=2, lateness={"working_days": Counter({2: 1, 3: 1})}))
    assert "median lateness: 2.5 working days" in summary.render("en")
    assert "وسيط التأخير: ٢٫٥ " in summary.render("ar")
