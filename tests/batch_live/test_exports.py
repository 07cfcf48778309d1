"""Exports as associations really have them (SPEC §12), in the forms Excel writes: delimiters, encodings, BOM,
.xlsx sheets, Arabic headers mapped, Hijri and Arabic-Indic dates, declared date forms, ambiguous dates refused."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pyarrow.parquet as pq
import pytest

from policykit.cli import main

AS_OF = "2025-04-15"
HEADER = ["case_id", "type", "at", "channel", "outcome"]
ROWS = [["H-1", "request_received", "2025-03-02T09:15", "interview", ""],
        ["H-1", "request_completed", "2025-03-04", "", ""],
        ["H-1", "applicant_informed", "2025-03-05", "", ""],
        ["H-1", "decision_notified", "2025-03-30T11:00", "phone", "approved"],
        ["H-2", "request_received", "2025-03-10", "phone", ""],
        ["H-2", "request_completed", "2025-03-10", "", ""]]
ARABIC_HEADER = ["رقم الطلب", "نوع الإجراء", "التاريخ", "القناة", "النتيجة"]
MAP = "\n".join(f"{a}: {b}" for a, b in zip(HEADER, ARABIC_HEADER)) + "\n"


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


def verdicts(path):
    return {row["case_id"]: (row["status"], [(f["rule"], f["status"]) for f in row["findings"]])
            for row in pq.read_table(path).to_pylist()}


def write_csv(path, rows, encoding="utf-8", delimiter=","):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


@pytest.fixture
def reference(tmp_path):
    log = write_csv(tmp_path / "plain.csv", [HEADER, *ROWS])
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", tmp_path / "ref.parquet")
    assert code == 1, err
    return verdicts(tmp_path / "ref.parquet")


def judged(tmp_path, log, *extra, expect=1):
    out = tmp_path / "out.parquet"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out, *extra)
    assert code == expect, err
    return verdicts(out)


def rejected(tmp_path, rows, *extra):
    """The rejects file's rows (no header) of a batch of the CSV `rows` that exits 2."""
    log = write_csv(tmp_path / "log.csv", rows)
    out = tmp_path / "v.parquet"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out, *extra)
    assert code == 2, err
    return list(csv.reader(open(f"{out}.rejects.csv", encoding="utf-8")))[1:]


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_delimiter_is_sniffed(tmp_path, reference, delimiter):
    log = write_csv(tmp_path / "log.csv", [HEADER, *ROWS], delimiter=delimiter)
    assert judged(tmp_path, log) == reference


@pytest.mark.parametrize("rows", [[["ح-1", "request_received", "2025-03-02", "interview", ""]],
                                  [["H-1", "request_received", "2025-03-02", "interview", "مقبول"]],
                                  [["ح-1", "request_received", "2025-03-02", "interview", ""], []]],
                         ids=["case-id", "last-field", "blank-line-after"])
def test_a_one_row_windows_1256_export_gets_the_encoding_hint(tmp_path, rows):
    """Header + one row: only the row held Arabic, so the file passed for UTF-8 with one damaged row and the row
    was rejected ('row is not valid UTF-8'), without the hint its user needed."""
    log = write_csv(tmp_path / "log.csv", [HEADER, *rows], encoding="cp1256")
    out = tmp_path / "v.jsonl"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out)
    assert code == 2 and err.startswith(f"{log}:2:") and ": not-utf8: " in err, err
    assert "--encoding cp1256" in err and len(err.splitlines()) == 1 and not out.exists()


def test_one_damaged_row_under_an_arabic_utf8_header_is_only_that_row(tmp_path):
    """The header is UTF-8 Arabic: the file is UTF-8, and its one row that is not is rejected with its line."""
    log = tmp_path / "log.csv"
    log.write_bytes(",".join(ARABIC_HEADER).encode("utf-8") + b"\nH-1,request_received,2025-03-02,\xff\xfe,\n")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAP, encoding="utf-8")
    out = tmp_path / "v.jsonl"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--columns", mapping, "--out", out)
    assert code == 2 and "not-utf8" not in err, err
    assert list(csv.reader(open(f"{out}.rejects.csv", encoding="utf-8")))[1][1:] == ["2", "row is not valid UTF-8"]


def test_a_header_only_windows_1256_export_gets_the_encoding_hint(tmp_path):
    log = write_csv(tmp_path / "log.csv", [ARABIC_HEADER], encoding="cp1256")
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", tmp_path / "v.jsonl")
    assert code == 2 and err.startswith(f"{log}:1:1: not-utf8: ") and "--encoding cp1256" in err, err


def test_utf8_with_bom_as_excel_saves_csv_utf8(tmp_path, reference):
    log = write_csv(tmp_path / "log.csv", [HEADER, *ROWS], encoding="utf-8-sig", delimiter=";")
    assert log.read_bytes().startswith(b"\xef\xbb\xbf")
    assert judged(tmp_path, log) == reference


def test_windows_1256_needs_encoding_and_says_so(tmp_path, reference):
    log = write_csv(tmp_path / "log.csv", [ARABIC_HEADER, *ROWS], encoding="cp1256")
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAP, encoding="utf-8")
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--columns", mapping)
    assert code == 2
    assert err.startswith(f"{log}:1:1: not-utf8: the file is not UTF-8 text")
    assert "save it from Excel as 'CSV UTF-8" in err and "--encoding cp1256" in err
    assert judged(tmp_path, log, "--columns", mapping, "--encoding", "cp1256") == reference


def test_utf16_unicode_text_is_read_from_its_bom(tmp_path, reference):
    log = write_csv(tmp_path / "log.csv", [HEADER, *ROWS], encoding="utf-16", delimiter="\t")
    assert judged(tmp_path, log) == reference


def _utf16_bytes(rows, codec, bom=b""):
    text = io.StringIO(newline="")
    csv.writer(text, delimiter="\t", lineterminator="\r\n").writerows(rows)
    return bom + text.getvalue().encode(codec)


def test_utf16_of_a_declared_byte_order_reads_past_its_bom(tmp_path, reference):
    """--encoding utf-16-le on Excel's 'Unicode Text' (which starts with a BOM) read the BOM into the first header
    name: 'the log has no case_id column'."""
    log = tmp_path / "log.csv"
    log.write_bytes(_utf16_bytes([ARABIC_HEADER, *ROWS], "utf-16-le", bom=b"\xff\xfe"))
    flags = [f"--column={a}={b}" for a, b in zip(HEADER, ARABIC_HEADER)]
    assert judged(tmp_path, log, "--encoding", "utf-16-le", *flags) == reference
    log.write_bytes(_utf16_bytes([HEADER, *ROWS], "utf-16-be", bom=b"\xfe\xff"))
    assert judged(tmp_path, log, "--encoding", "utf-16-be") == reference


def test_utf16_without_its_bom_is_refused_with_the_byte_order_to_name(tmp_path, reference):
    """--encoding utf-16 on a file with no byte-order mark was an internal error (exit 70); with no --encoding
    the NUL-laden bytes passed for UTF-8 and the log 'had no case_id column'."""
    log = tmp_path / "log.csv"
    log.write_bytes(_utf16_bytes([ARABIC_HEADER, *ROWS], "utf-16-le"))
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--encoding", "utf-16")
    assert code == 2 and err == (f"{log}:1:1: usage: --encoding utf-16: the file does not start with a byte-order "
                                 "mark, so the byte order is not known; name it: --encoding utf-16-le (Windows) or "
                                 "utf-16-be\n")
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF)
    assert code == 2 and err.startswith(f"{log}:1:") and ": not-utf8: " in err and "--encoding utf-16-le" in err
    flags = [f"--column={a}={b}" for a, b in zip(HEADER, ARABIC_HEADER)]
    assert judged(tmp_path, log, "--encoding", "utf-16-le", *flags) == reference


def test_unknown_encoding_is_a_usage_error(tmp_path):
    log = write_csv(tmp_path / "log.csv", [HEADER, *ROWS])
    code, _, err = cli("batch", log, "--policy", "harif", "--encoding", "klingon")
    assert code == 2 and "usage: --encoding: unknown text encoding 'klingon'" in err


@pytest.mark.parametrize("codec", ["rot13", "base64", "zlib", "hex"])
def test_a_codec_that_is_no_text_encoding_is_a_usage_error(tmp_path, codec):
    """Python names these codecs too, but they turn bytes into bytes or text into text: reading with one was an
    internal error."""
    log = write_csv(tmp_path / "log.csv", [HEADER, *ROWS])
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--encoding", codec)
    assert code == 2 and f"usage: --encoding: '{codec}' is not a text encoding" in err, err


def test_column_flags_map_arabic_headers(tmp_path, reference):
    log = write_csv(tmp_path / "log.csv", [ARABIC_HEADER, *ROWS], encoding="utf-8-sig", delimiter=";")
    flags = [f"--column={a}={b}" for a, b in zip(HEADER, ARABIC_HEADER)]
    assert judged(tmp_path, log, *flags) == reference


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_headers_typed_with_a_trailing_space_are_their_names(tmp_path, reference, kind):
    """'case_id ' or 'رقم الطلب' followed by a no-break space, as headers are typed in Excel, were not their
    names: 'the log has no case_id column', or a --column mapping refused with a 'did you mean' that looked the
    same as what was typed."""
    header = [f"{HEADER[0]} ", *HEADER[1:3], f"{ARABIC_HEADER[3]}\u00a0", HEADER[4]]
    if kind == "csv":
        log = write_csv(tmp_path / "log.csv", [header, *ROWS], encoding="utf-8-sig", delimiter=";")
    else:
        pytest.importorskip("python_calamine")
        log = write_xlsx(tmp_path / "log.xlsx", [header, *ROWS])
    assert judged(tmp_path, log, f"--column=channel={ARABIC_HEADER[3]}") == reference


def test_column_map_mistakes_are_named(tmp_path):
    log = write_csv(tmp_path / "log.csv", [ARABIC_HEADER, *ROWS])
    code, _, err = cli("batch", log, "--policy", "harif", "--column", "case_id=رقم الطل")
    assert code == 2 and "unknown-column: the log has no column 'رقم الطل' to map to 'case_id'; did you mean " \
        "'رقم الطلب'?" in err
    code, _, err = cli("batch", log, "--policy", "harif", "--column", "case-id=رقم الطلب")
    assert code == 2 and "'case-id' is not a column policykit reads; did you mean 'case_id'?" in err
    code, _, err = cli("batch", log, "--policy", "harif", "--column", "case_id")
    assert code == 2 and "--column expects NAME=HEADER" in err
    bad_map = tmp_path / "map.yaml"
    bad_map.write_text("case_id: رقم الطلب\nat: [1, 2]\n", encoding="utf-8")
    code, _, err = cli("batch", log, "--policy", "harif", "--columns", bad_map)
    assert code == 2 and f"{bad_map}:2:" in err and "invalid-column-map" in err


@pytest.mark.parametrize("kind", ["jsonl", "xes"])
def test_a_mapped_key_no_row_of_a_jsonl_or_xes_log_has_is_named(tmp_path, kind):
    """A log without a header: a typo in `--column channel=…` lost the channel column in silence (exit 0)."""
    if kind == "jsonl":
        log = tmp_path / "log.jsonl"
        log.write_text('{"case_id": "H-1", "type": "request_received", "at": "2025-03-02", "القناة": "phone"}\n',
                       encoding="utf-8")
    else:
        log = tmp_path / "log.xes"
        log.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0"><trace>'
                       '<string key="concept:name" value="H-1"/><event>'
                       '<string key="concept:name" value="request_received"/>'
                       '<date key="time:timestamp" value="2025-03-02T09:15:00+03:00"/>'
                       '<string key="القناة" value="phone"/></event></trace></log>\n', encoding="utf-8")
    out = tmp_path / "v.jsonl"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out, "--column", "channel=القناه")
    assert code == 2 and err == (f"{log}: unknown-column: no row of the log has 'القناه' to map to 'channel'; did "
                                 "you mean 'القناة'?\n")
    assert not out.exists()
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out, "--column", "channel=القناة")
    assert code == 0 and "unknown column" not in err, err


def write_xlsx(path, rows, sheet="Sheet1", before=()):
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    first.title = before[0] if before else sheet
    target = book.create_sheet(sheet) if before else first
    if before:
        first.append(["not", "the", "log"])
    for row in rows:
        target.append([None if cell == "" else cell for cell in row])
    book.save(path)
    return path


def test_xlsx_with_real_dates_arabic_headers_and_a_chosen_sheet(tmp_path, reference):
    pytest.importorskip("python_calamine")
    rows = [list(r) for r in ROWS]
    for row in rows:  # what Excel holds: date cells, not text
        text = row[2]
        row[2] = dt.datetime.fromisoformat(text) if "T" in text else dt.date.fromisoformat(text)
    log = write_xlsx(tmp_path / "log.xlsx", [ARABIC_HEADER, *rows], sheet="الطلبات", before=("ملخص",))
    mapping = tmp_path / "map.yaml"
    mapping.write_text(MAP, encoding="utf-8")
    assert judged(tmp_path, log, "--columns", mapping, "--sheet", "الطلبات") == reference
    code, _, err = cli("batch", log, "--policy", "harif", "--columns", mapping, "--sheet", "الطلب")
    assert code == 2 and "no sheet named 'الطلب'; did you mean 'الطلبات'?" in err


def test_xlsx_date_cell_on_excels_29_february_1900_is_refused_not_read_as_the_28th(tmp_path):
    """Excel counts a 29 February 1900 that never was (serial 60); the reader gave it as 28 February 1900, read
    silently as that day. Both serials 59 and 60 read so: the day is not known, the row is refused, its case
    incomplete; 1 March 1900 on is read as it is."""
    pytest.importorskip("python_calamine")
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["case_id", "type", "at", "channel"])
    for number, serial in enumerate((59, 60, 60.5, 61)):
        sheet.append([f"S-{number}", "request_received", serial, "phone"])
        sheet.cell(sheet.max_row, 3).number_format = "dd/mm/yyyy hh:mm"
    book.save(tmp_path / "log.xlsx")
    out = tmp_path / "v.jsonl"
    code, _, err = cli("batch", tmp_path / "log.xlsx", "--policy", "harif", "--as-of", AS_OF, "--out", out)
    assert code == 2, err
    rejects = list(csv.reader(open(f"{out}.rejects.csv", encoding="utf-8")))[1:]
    assert [(r[1], r[2]) for r in rejects] == [
        ("2", "invalid date '1900-02-29': day is out of range for month"),
        ("3", "invalid date '1900-02-29': day is out of range for month"),
        ("4", "invalid date '1900-02-29T12:00:00': day is out of range for month")]
    import json

    incomplete = {row["case_id"]: row.get("incomplete") for row in map(json.loads, out.read_text("utf-8").splitlines())}
    assert incomplete == {"S-0": {"rejected_rows": 1}, "S-1": {"rejected_rows": 1}, "S-2": {"rejected_rows": 1},
                          "S-3": None}


def test_an_empty_first_sheet_is_named_with_the_other_sheets(tmp_path):
    """An export whose first sheet is empty was refused with 'the log has no case_id, type, at column'."""
    pytest.importorskip("python_calamine")
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "فارغ"
    sheet = book.create_sheet("الطلبات")
    for row in [HEADER, *ROWS]:
        sheet.append([None if cell == "" else cell for cell in row])
    log = tmp_path / "log.xlsx"
    book.save(log)
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF)
    assert code == 2 and err == (f"{log}: invalid-log: the first sheet 'فارغ' is empty; name the log's sheet with "
                                 "--sheet; the others: الطلبات\n")
    assert judged(tmp_path, log, "--sheet", "الطلبات")


def test_xlsx_rows_keep_their_excel_row_numbers_in_rejects(tmp_path):
    pytest.importorskip("python_calamine")
    rows = [HEADER, ROWS[0], ["", "", "", "", ""], ["H-1", "Request Received", "2025-03-03", "", ""]]
    log = write_xlsx(tmp_path / "log.xlsx", rows)
    out = tmp_path / "v.parquet"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out)
    assert code == 2, err
    rejects = list(csv.reader(open(f"{out}.rejects.csv", encoding="utf-8")))
    assert rejects[1][1] == "4" and "did you mean 'request_received'?" in rejects[1][2]


def test_xlsx_table_below_blank_rows_and_right_of_blank_columns_is_read_at_its_excel_rows(tmp_path, reference):
    """A sheet whose table starts at C3 (two blank rows above, as an export with a title removed leaves it) was
    'the log has no case_id, type, at column': the reader's rows start at row 1, and the blank first row was taken
    for the header."""
    pytest.importorskip("python_calamine")
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for r, row in enumerate([HEADER, *ROWS, ["H-2", "Request Received", "2025-03-11", "", ""]], start=3):
        for c, value in enumerate(row, start=3):
            if value != "":
                sheet.cell(r, c, value)
    log = tmp_path / "log.xlsx"
    book.save(log)
    out = tmp_path / "out.parquet"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out)
    assert code == 1, err
    assert verdicts(out)["H-1"] == reference["H-1"]
    rejects = list(csv.reader(open(f"{out}.rejects.csv", encoding="utf-8")))[1:]
    assert [(r[1], "did you mean 'request_received'?" in r[2]) for r in rejects] == [(str(3 + len(ROWS) + 1), True)]


def test_a_case_id_merged_over_its_event_rows_belongs_to_each_of_them(tmp_path, reference):
    """Officers merge a case's id cell over its event rows; the file holds the id in the top cell only, and every
    other row was rejected as 'missing case_id', its case judged on the first row alone and not marked
    incomplete. Each row now reads the merged value, as Excel shows it."""
    pytest.importorskip("python_calamine")
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append([None if cell == "" or (row[0] == "H-1" and row is not ROWS[0] and i == 0) else cell
                      for i, cell in enumerate(row)])
    h1 = [n for n, row in enumerate(ROWS, start=2) if row[0] == "H-1"]
    sheet.merge_cells(f"A{h1[0]}:A{h1[-1]}")
    log = tmp_path / "log.xlsx"
    book.save(log)
    assert judged(tmp_path, log) == reference
    assert not (tmp_path / "out.parquet.rejects.csv").exists()


def test_a_damaged_xlsx_is_one_line(tmp_path):
    log = tmp_path / "log.xlsx"
    log.write_bytes(b"PK\x03\x04 not really a workbook")
    code, _, err = cli("batch", log, "--policy", "harif")
    assert code == 2 and err.startswith(f"{log}: invalid-log: not a readable .xlsx workbook") and "Traceback" not in err


HIJRI_ROWS = [["H-1", "request_received", "1/9/1446هـ", "interview", ""],    # 2025-03-01
              ["H-1", "request_completed", "٣/٩/١٤٤٦ هـ", "", ""],           # 2025-03-03, Arabic-Indic digits
              ["H-1", "applicant_informed", "1446-09-04H", "", ""],
              ["H-1", "decision_notified", "٢٠٢٥-٠٣-٣٠T11:00", "phone", "approved"]]


def test_hijri_forms_and_arabic_indic_digits_read_as_the_iso_dates(tmp_path):
    hijri = judged(tmp_path, write_csv(tmp_path / "h.csv", [HEADER, *HIJRI_ROWS]))
    iso_rows = [[*r[:2], d, *r[3:]] for r, d in zip(HIJRI_ROWS, ["2025-03-01", "2025-03-03", "2025-03-04",
                                                                  "2025-03-30T11:00"])]
    assert hijri == judged(tmp_path, write_csv(tmp_path / "g.csv", [HEADER, *iso_rows]))


def test_ambiguous_dates_are_refused_with_their_row_then_read_with_a_declared_form(tmp_path, reference):
    # Excel in an Arabic or British locale: every cell dd/mm/yyyy hh:mm
    rows = [[*r[:2], dt.datetime.fromisoformat(r[2]).strftime("%d/%m/%Y %H:%M"), *r[3:]] for r in ROWS]
    log = write_csv(tmp_path / "log.csv", [HEADER, *rows], delimiter=";")
    out = tmp_path / "v.parquet"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out)
    assert code == 2
    rejects = list(csv.reader(open(f"{out}.rejects.csv", encoding="utf-8")))[1:]
    assert [r[1] for r in rejects] == ["2", "3", "4", "5", "6", "7"]
    assert all("ambiguous date" in r[2] and "--date-format" in r[2] for r in rejects)
    assert judged(tmp_path, log, "--date-format", "%d/%m/%Y %H:%M") == reference
    # the same cells read month first are other instants (or impossible ones, refused): the form matters
    assert judged(tmp_path, log, "--date-format", "%m/%d/%Y %H:%M", expect=2) != reference


def _twelve_hour(text: str, am: str, pm: str) -> str:
    """A ROWS date as Arabic Excel writes `%d/%m/%Y %I:%M %p`, with `am`/`pm` as its markers."""
    at = dt.datetime.fromisoformat(text)
    return f"{at:%d/%m/%Y %I:%M} {am if at.hour < 12 else pm}"


@pytest.mark.parametrize("am, pm", [("ص", "م"), ("صباحاً", "مساءً"), ("AM", "PM")])
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "evaluate"])
def test_arabic_am_pm_markers_are_read_by_a_declared_form_with_p(tmp_path, reference, am, pm, fast):
    """Arabic Excel writes %p as ص / م: every such row was refused as an ambiguous date."""
    rows = [[*r[:2], _twelve_hour(r[2], am, pm), *r[3:]] for r in ROWS]
    rows[3][2] = "٣٠/٠٣/٢٠٢٥ ١١:٠٠" + (f"{pm}" if pm == "م" else f" {am}")  # no space, Arabic-Indic digits
    log = write_csv(tmp_path / "log.csv", [HEADER, *rows])
    extra = [] if fast else ["--no-fast-path"]
    assert judged(tmp_path, log, "--date-format", "%d/%m/%Y %I:%M %p", *extra) == reference


def test_a_twelve_hour_time_without_its_marker_or_with_two_is_refused_with_its_row(tmp_path):
    rows = [HEADER, ["H-1", "request_received", "02/03/2025 09:15", "phone", ""],
            ["H-1", "request_completed", "04/03/2025 09:15 م ص", "", ""],
            ["H-1", "applicant_informed", "05/03/2025 09:15 م", "", ""]]
    rejects = rejected(tmp_path, rows, "--date-format", "%d/%m/%Y %I:%M %p")
    assert [r[1] for r in rejects] == ["2", "3"]
    assert "needs its AM/PM marker" in rejects[0][2] and "more than one AM/PM marker" in rejects[1][2]
    # a form was declared: the reason does not tell the user to declare one
    assert all("does not fit the declared --date-format" in r[2] and "declare the form" not in r[2]
               for r in rejects)


def test_declared_date_form_reads_arabic_indic_digits_too(tmp_path, reference):
    rows = [[*r[:2], dt.date.fromisoformat(r[2][:10]).strftime("%d/%m/%Y"), *r[3:]] for r in ROWS]
    rows[0][2] = "٠٢/٠٣/٢٠٢٥"
    log = write_csv(tmp_path / "log.csv", [HEADER, *rows])
    got = judged(tmp_path, log, "--date-format", "%d/%m/%Y")
    assert set(got) == set(reference)


@pytest.mark.parametrize("form, problem", [
    ("%d/%m/%Y %H:%i", "'%i' is not a strptime directive"),
    ("%d/%m/%Y %", "it ends with a lone '%'"),
    ("dd/mm/yyyy", "it names no year (%Y)"),
    ("%H:%M", "it names no year (%Y)"),
    ("%m/%Y", "it names no day (%d)")])
def test_a_date_form_strptime_cannot_read_or_that_leaves_the_day_out_is_a_usage_error(tmp_path, form, problem):
    """A mistyped form was accepted: every row it should have read was then refused as ambiguous, told to
    'declare the form with --date-format'; a form with no day read a time alone as that time on 1900-01-01."""
    rows = [HEADER, ["H-1", "request_received", "09:15", "phone", ""], *ROWS]
    log = write_csv(tmp_path / "log.csv", rows)
    out = tmp_path / "v.parquet"
    code, _, err = cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out, "--date-format", form)
    assert code == 2 and err.startswith(f"usage: --date-format: {problem}") and len(err.splitlines()) == 1, err
    assert not out.exists()


def test_a_hijri_year_read_by_a_gregorian_form_is_explained(tmp_path):
    reason = rejected(tmp_path, [HEADER, ["H-1", "request_received", "03/09/1446", "phone", ""]],
                      "--date-format", "%d/%m/%Y")[0][2]
    assert "year 1446 is out of range" in reason and "Hijri date needs its marker" in reason


def test_mistyped_values_get_a_suggestion_not_an_echo(tmp_path):
    rows = [HEADER, ["H-1", "Request Received", "2025-03-02", "", ""],
            ["H-1", "request_completed", "2025-03-03", "Phone", ""],
            ["H-1", "request_received", "2025-03-02", "Ahmad 0555123456", ""]]
    log = write_csv(tmp_path / "log.csv", rows)
    out = tmp_path / "v.parquet"
    cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out)
    reasons = [r[2] for r in list(csv.reader(open(f"{out}.rejects.csv", encoding="utf-8")))[1:]]
    assert reasons[0].endswith("did you mean 'request_received'?") and "Request Received" not in reasons[0]
    assert "unknown channel" in reasons[1] or "has no attribute" in reasons[1]
    assert "0555123456" not in "".join(reasons) and "Ahmad" not in "".join(reasons)


def test_channel_suggestion(tmp_path):
    rows = [HEADER, ["H-1", "request_received", "2025-03-02", "Phone", ""]]
    log = write_csv(tmp_path / "log.csv", rows)
    out = tmp_path / "v.parquet"
    cli("batch", log, "--policy", "harif", "--as-of", AS_OF, "--out", out)
    reason = list(csv.reader(open(f"{out}.rejects.csv", encoding="utf-8")))[1][2]
    assert reason == "unknown channel in column 'channel'; did you mean 'phone'?"


def test_the_readme_path_from_an_excel_export_to_an_audit_report(tmp_path, monkeypatch):
    import re
    import shlex
    from pathlib import Path

    pytest.importorskip("python_calamine")
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### From an Excel export to an audit report.*?```sh\n(.*?)```", readme, flags=re.S).group(1)
    commands = [shlex.split(line) for line in block.replace("\\\n", " ").splitlines() if line.strip()]
    assert len(commands) == 2 and all(c[0] == "policykit" for c in commands)
    monkeypatch.chdir(tmp_path)
    for command in commands:
        args = [str(root / a) if a.startswith("examples/") else a for a in command[1:]]
        code, _, err = cli(*args)
        assert code in (0, 1), err
    page = (tmp_path / "audit.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in page and page.count("<svg") >= 4 and "مدة الرد على الطلب" in page


def test_the_bundled_csv_and_xlsx_exports_agree(tmp_path):
    from pathlib import Path

    pytest.importorskip("python_calamine")
    folder = Path(__file__).resolve().parents[2] / "examples" / "exports"
    columns = ["--columns", folder / "columns.yml"]
    from_xlsx = judged(tmp_path, folder / "harif_export.xlsx", *columns)
    from_csv = judged(tmp_path, folder / "harif_export.csv", *columns, "--date-format", "%d/%m/%Y %H:%M")
    assert from_xlsx == from_csv and len(from_csv) == 6


def test_a_mapped_name_the_log_already_has_is_refused(tmp_path):
    log = write_csv(tmp_path / "log.csv", [["case_id", "رقم الطلب", "type", "at"], ["a", "b", "request_received",
                                                                                   "2025-03-02"]])
    code, _, err = cli("batch", log, "--policy", "harif", "--column", "case_id=رقم الطلب")
    assert code == 2 and "the log already has a column 'case_id'" in err


def test_the_bundled_export_s_cases_have_the_statuses_its_comments_give(tmp_path):
    """make_samples.py calls ح-2025-001 'answered in time, every step in order', yet the export had no
    requirements_explained row and the case came out non-compliant: the README's officer path showed no
    compliant case at all."""
    from pathlib import Path

    pytest.importorskip("python_calamine")
    pq = pytest.importorskip("pyarrow.parquet")
    folder = Path(__file__).resolve().parents[2] / "examples" / "exports"
    out = tmp_path / "v.parquet"
    code, _, err = cli("batch", folder / "harif_export.xlsx", "--policy", "harif", "--columns",
                       folder / "columns.yml", "--as-of", "2025-06-01", "--out", out)
    assert code == 1, err
    statuses = {r["case_id"]: r["status"] for r in pq.read_table(out).to_pylist()}
    assert statuses["ح-2025-001"] == "compliant", statuses
    assert statuses["ح-2025-002"] == statuses["ح-2025-003"] == statuses["ح-2025-005"] == "non_compliant"
    assert statuses["ح-2025-004"] == "in_progress"
