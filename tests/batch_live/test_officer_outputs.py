"""Outputs an officer opens: `.xlsx` verdicts, `--excel` CSV, cells that cannot run as formulas; a broken pipe
is an error; the progress bar counts rows with their unit and never claims more than 100 %."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys

import pytest

from policykit.cli import main

AS_OF = "2025-04-15"
LOG = """case_id,type,at,channel,outcome
H-1,request_received,2025-03-02T09:15,interview,
H-1,request_completed,2025-03-04,,
H-1,decision_notified,2025-03-30T11:00,phone,approved
=HYPERLINK("http://x"),request_received,2025-04-01,phone,
=HYPERLINK("http://x"),request_completed,2025-04-10,,
"""


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    return path


def test_xlsx_verdicts_in_arabic(tmp_path, log):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "verdicts.xlsx"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out, "--lang", "ar")
    assert code == 1, err
    book = openpyxl.load_workbook(out)
    cases, findings = book.worksheets
    assert cases.title == "الحالات" and findings.title == "النتائج"
    assert cases.sheet_view.rightToLeft and findings.sheet_view.rightToLeft
    header = [c.value for c in cases[1]]
    assert header[:4] == ["رقم الحالة", "حالة الملف", "السياسة", "حتى تاريخ"] and "مدة الرد على الطلب" in header
    rows = {r[0]: r for r in cases.iter_rows(min_row=2, values_only=True)}
    assert rows["H-1"][1] == "غير ملتزمة"
    assert rows["H-1"][3] == dt.datetime(2025, 4, 15) and cases.cell(2, 4).is_date  # a date cell, local time
    assert rows["H-1"][5] == "٣ أيام عمل"  # lateness with its unit, the noun agreeing with the count
    formula = "'=HYPERLINK(\"http://x\")"
    assert formula in rows and cases.cell(3, 1).data_type == "s"  # text, not a formula
    assert "إبلاغ المستفيد بالقبول أو الرفض" in rows[formula][6]  # its to-do list, as words
    finding_header = [c.value for c in findings[1]]
    assert finding_header == ["رقم الحالة", "القاعدة", "النوع", "الحالة", "بداية المهلة", "الموعد النهائي",
                              "تاريخ الوفاء", "التأخير", "مقدار التأخير", "وحدة التأخير", "رقم البند", "نص البند"]
    late = next(r for r in findings.iter_rows(min_row=2, values_only=True)
                if r[0] == "H-1" and r[1] == "مدة الرد على الطلب")
    assert late[3] == "مخالفة" and isinstance(late[5], dt.datetime) and late[5] == dt.datetime(2025, 3, 25, 23, 59, 59)
    assert late[8] == 3 and late[9] == "يوم عمل" and late[10] == "ت-٦" and "لا تتجاوز (١٥) يوم عمل" in late[11]
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)  # the usual mode, not the temp file's


def test_xlsx_verdicts_in_english(tmp_path, log):
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "verdicts.xlsx"
    cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out, "--lang", "en")
    book = openpyxl.load_workbook(out)
    assert [s.title for s in book.worksheets] == ["Cases", "Findings"]
    assert not book.worksheets[0].sheet_view.rightToLeft
    row = next(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert row[1] == "non-compliant" and row[5] == "3 working days"


def test_excel_csv_has_a_bom_labels_and_dates_excel_reads(tmp_path, log):
    out = tmp_path / "verdicts.csv"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out, "--excel", "--lang", "ar")
    assert code == 1, err
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:2] == ["رقم الحالة", "حالة الملف"]
    assert rows[1][3] == "2025-04-15 00:00:00"
    assert rows[2][0] == "'=HYPERLINK(\"http://x\")"
    plain = tmp_path / "plain.csv"
    cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", plain)
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf") and b"respond_within_15_working_days.status" in \
        plain.read_bytes()  # the machine form is unchanged


def test_cells_are_neutralised():
    from policykit.neutralise import csv_cell
    from policykit.report.cell_text import escape_hidden

    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(text).startswith("'")
    assert csv_cell("ح-1") == "ح-1" and csv_cell("H-1") == "H-1"
    assert csv_cell("abc\u202egnp.exe") == "abc\\u202egnp.exe"
    assert csv_cell("two\nlines") == "two\\nlines" and csv_cell("\tx") == "'\\tx"  # as neutralise.csv_cell
    assert escape_hidden("a\x1b[31mb\nc") == "a\\u001b[31mb\nc"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_rule_label_with_control_characters_heads_its_column_neutralised(tmp_path, log, lang):
    """A policy file is input too: a rule label holding ESC or a vertical tab, which heads that rule's column, was
    an internal error (openpyxl refuses the character; exit 70) and a formula in the header row."""
    openpyxl = pytest.importorskip("openpyxl")
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "policies" / "harif.yaml").read_text("utf-8")
    old = "label: {ar: مدة الرد على الطلب, en: Answer within 15 working days of completion}"
    assert old in text
    policy = tmp_path / "p.yaml"
    policy.write_text(text.replace(old, 'label: {ar: "مدة\\x1b[31m\\u202e", en: "=Answer\\x0b within"}'), "utf-8")
    out = tmp_path / "v.xlsx"
    code, _, err = cli("batch", log, "--policy", policy, "--as-of", AS_OF, "--out", out, "--lang", lang)
    assert code == 1, err
    header = [c.value for c in openpyxl.load_workbook(out).worksheets[0][1]]
    assert ("'=Answer\\x0b within" if lang == "en" else "مدة\\x1b[31m\\u202e") in header


def test_a_failed_run_leaves_no_half_written_workbook(tmp_path):
    pytest.importorskip("openpyxl")
    log = tmp_path / "log.csv"
    log.write_text("case_id,type,at\nH-1,request_received,2025-03-02\n", encoding="utf-8")
    out = tmp_path / "verdicts.xlsx"
    code, _, _ = cli("batch", log, "--policy", "no-such-policy", "--out", out)
    assert code == 2 and not out.exists() and not list(tmp_path.glob(".verdicts.xlsx.*"))


def test_out_must_name_a_known_format(tmp_path, log):
    code, _, err = cli("batch", log, "--policy", "harif", "--out", tmp_path / "v.txt")
    assert code == 2 and ".xlsx" in err


def test_a_broken_pipe_is_an_error_exit(tmp_path, loggen):
    log = tmp_path / "log.csv"
    loggen.write(loggen.generate(400, "harif", seed=3), log)
    reader = subprocess.Popen([sys.executable, "-m", "policykit", "batch", str(log), "--policy", "harif",
                               "--as-of", "2026-01-01", "--workers", "1"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "100"})
    reader.stdout.readline()
    reader.stdout.close()  # as `| head -1` does
    err = reader.stderr.read().decode()
    assert reader.wait(timeout=120) == 141, err
    assert "broken pipe" in err and "Traceback" not in err and "Exception ignored" not in err


def test_a_broken_pipe_is_said_in_the_language_asked_for(tmp_path, loggen):
    """`policykit batch … --lang ar | head -1` said it in English only."""
    log = tmp_path / "log.csv"
    loggen.write(loggen.generate(400, "harif", seed=3), log)
    reader = subprocess.Popen([sys.executable, "-m", "policykit", "batch", str(log), "--policy", "harif",
                               "--as-of", "2026-01-01", "--workers", "1", "--lang", "ar"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "100"})
    reader.stdout.readline()
    reader.stdout.close()
    err = reader.stderr.read().decode()
    assert reader.wait(timeout=120) == 141, err
    assert "policykit: أُغلق الإخراج قبل أن تكتمل كتابته (broken pipe)" in err and "Traceback" not in err


def test_progress_counts_rows_and_never_overruns(tmp_path, loggen):
    from policykit.batch.progress import RichProgress
    from policykit.batch.runner import run_batch

    log = tmp_path / "log.csv"
    loggen.write(loggen.generate(300, "harif", seed=5), log)
    screen = io.StringIO()
    progress = RichProgress(screen)
    run_batch(log, "harif", AS_OF, out=str(tmp_path / "v.parquet"), workers=1, progress=progress)
    task = progress.progress.tasks[0]
    rows = sum(1 for _ in open(log, encoding="utf-8")) - 1
    assert task.completed == task.total == rows  # the finished bar: the true count, 100 %
    assert task.fields["unit"] == "rows" and task.fields["shown_total"] == f"{rows:,}"
    assert "rows" in screen.getvalue()


def test_progress_gives_up_an_estimate_it_passes():
    from policykit.batch.progress import RichProgress

    progress = RichProgress(io.StringIO())
    progress.start("reading", 10, "rows", exact=False)
    assert progress.progress.tasks[0].fields["shown_total"] == "~10"
    progress.advance(8)
    progress.advance(8)
    task = progress.progress.tasks[0]
    assert task.total is None and task.completed == 16  # no 160 %
    progress.stop()
    assert task.total == 16


def test_excel_needs_a_csv_output(tmp_path, log):
    code, _, err = cli("batch", log, "--policy", "harif", "--excel", "--out", tmp_path / "v.parquet")
    assert code == 2 and "--excel shapes a CSV for Excel: it needs --out FILE.csv" in err


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_xlsx_columns_are_wide_enough_to_read_and_filterable(tmp_path, log, lang):
    """Excel's default width (8.43 characters) cut every label, date and sentence off."""
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "verdicts.xlsx"
    cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out, "--lang", lang)
    cases, findings = openpyxl.load_workbook(out).worksheets
    for sheet, text_columns in ((cases, (5, 7)), (findings, (2, 12))):
        widths = {c: sheet.column_dimensions[openpyxl.utils.get_column_letter(c)].width
                  for c in range(1, sheet.max_column + 1)}
        assert all(w >= 10 for w in widths.values()), (sheet.title, widths)
        assert all(widths[c] >= 36 for c in text_columns), (sheet.title, widths)
        date_column = 4 if sheet is cases else 6
        assert widths[date_column] >= len("2025-03-25 23:59") + 1
        assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}{sheet.max_row}"
        header = sheet[1][1]
        assert header.font.bold and header.alignment.wrap_text


def test_an_officer_run_s_rejects_file_opens_in_excel(tmp_path):
    """The rejects file of an `.xlsx` or `--excel` run had no BOM: Excel read it in the ANSI code page, and an
    Arabic log name (طلبات.csv) or the Hijri example in a reason turned to mojibake. `--rejects r.xlsx` wrote CSV
    under a name Excel refuses to open."""
    log = tmp_path / "طلبات.csv"
    log.write_text(LOG + "H-9,request_received,03/04/2025,,\n", encoding="utf-8")
    for out, extra, bom in (("v.xlsx", (), True), ("v.csv", ("--excel",), True), ("v.parquet", (), False)):
        if out.endswith(".xlsx"):
            pytest.importorskip("openpyxl")
        code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", tmp_path / out, *extra)
        assert code == 1, err
        raw = (tmp_path / f"{out}.rejects.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") == bom, out
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows[0] == ["file", "line", "reason"] and rows[1][0] == str(log) and rows[1][1] == "7"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", tmp_path / "w.xlsx",
                       "--rejects", tmp_path / "r.xlsx")
    assert code == 2 and "--rejects: the rejects file is CSV, name it .csv" in err
    assert not (tmp_path / "r.xlsx").exists() and not (tmp_path / "w.xlsx").exists()


def test_xlsx_sheets_print_on_a4_with_their_header_on_every_page(tmp_path, log):
    """Printed from Excel, the findings sheet (twelve columns, the clause text among them) ran portrait across
    several pages of width, its header row on the first page only."""
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "verdicts.xlsx"
    cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out, "--lang", "ar")
    for sheet in openpyxl.load_workbook(out).worksheets:
        assert sheet.print_title_rows == "$1:$1", sheet.title
        setup = sheet.page_setup
        assert (setup.orientation, str(setup.paperSize), setup.fitToWidth, setup.fitToHeight) == \
            ("landscape", "9", 1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
