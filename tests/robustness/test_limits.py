"""Configurable bounds: defaults, environment overrides, and the error each one gives when exceeded."""

from __future__ import annotations

import pytest

from policykit import limits
from policykit.diagnostics import PolicykitError
from policykit.source import parse

EVENT = '  - {type: request_received, at: "2025-03-02T09:15:00+03:00", channel: interview}\n'


def _case(tmp_path, events: int):
    path = tmp_path / "case.yaml"
    path.write_text("case_id: C-1\npolicy: harif\nevents:\n" + EVENT * events, encoding="utf-8")
    return path


def test_defaults_without_environment(monkeypatch):
    """No variable set: the documented defaults."""
    for var in limits.ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    assert limits.current() == limits.DEFAULTS
    assert limits.DEFAULTS.max_events_per_case == 10_000 and limits.DEFAULTS.max_depth == 64


def test_each_variable_overrides_its_field(monkeypatch):
    """Every POLICYKIT_MAX_* variable reaches its own field; `_` separators are allowed."""
    for field, var in limits.ENV_VARS.items():
        monkeypatch.setenv(var, "1_234")
        assert getattr(limits.current(), field) == 1234
        monkeypatch.delenv(var)


@pytest.mark.parametrize("value", ["0", "-5", "lots", "1.5"])
def test_a_bad_variable_is_an_input_error(pk, monkeypatch, tmp_path, value):
    """A limit that is not a positive integer: invalid-limit naming the variable, exit 2."""
    monkeypatch.setenv("POLICYKIT_MAX_EVENTS", value)
    run = pk.run_cli("check", _case(tmp_path, 1))
    assert run.code == 2
    assert run.err_lines == ["POLICYKIT_MAX_EVENTS: invalid-limit: POLICYKIT_MAX_EVENTS must be a positive integer"]


def test_events_per_case(pk, monkeypatch, tmp_path):
    """One event over the bound is refused, at the bound is judged."""
    monkeypatch.setenv("POLICYKIT_MAX_EVENTS", "3")
    assert pk.run_cli("check", _case(tmp_path, 3), "--as-of", "2025-06-01").code in (0, 1)
    run = pk.run_cli("check", _case(tmp_path, 4))
    assert run.code == 2
    assert pk.located(run.err_lines) == [("too-many-events", 3, 1)]
    assert "case has 4 events; the limit is 3" in run.err


def test_file_size(pk, monkeypatch, tmp_path):
    """A file one byte over POLICYKIT_MAX_FILE_BYTES is refused; at the bound it is read."""
    path = _case(tmp_path, 2)
    size = path.stat().st_size
    monkeypatch.setenv("POLICYKIT_MAX_FILE_BYTES", str(size))
    assert pk.run_cli("check", path, "--as-of", "2025-06-01").code in (0, 1)
    monkeypatch.setenv("POLICYKIT_MAX_FILE_BYTES", str(size - 1))
    run = pk.run_cli("check", path)
    assert run.code == 2 and f"{path}: file-too-large: file is {size} bytes; the limit is {size - 1}" in run.err


def test_depth_nodes_and_aliases_are_configurable():
    """The parser bounds follow the Limits passed (or the environment)."""
    nested = "a: " + "[" * 10 + "]" * 10
    parse(nested, "x", limits.Limits(max_depth=11))
    with pytest.raises(PolicykitError) as info:
        parse(nested, "x", limits.Limits(max_depth=9))
    assert info.value.first.code == "too-deep"
    with pytest.raises(PolicykitError) as info:
        parse("[" + ", ".join(["1"] * 50) + "]", "x", limits.Limits(max_nodes=20))
    assert info.value.first.code == "too-many-nodes"
    aliased = "a: &a [1, 2]\nb: [" + ", ".join(["*a"] * 10) + "]\n"
    assert len(parse(aliased, "x", limits.Limits(max_aliases=10)).data["b"]) == 10
    with pytest.raises(PolicykitError) as info:
        parse(aliased, "x", limits.Limits(max_aliases=5))
    assert info.value.first.code == "too-many-aliases"
    assert info.value.first.span.line == 2  # where the alias is used, not where the anchor is


def test_cases_per_batch(pk, monkeypatch, tmp_path):
    """A batch with more cases than POLICYKIT_MAX_CASES: too-many-cases, exit 2."""
    pytest.importorskip("pyarrow")
    log = tmp_path / "log.csv"
    log.write_text("case_id,type,at,channel\n" + "".join(
        f"C{i},request_received,2025-03-02T09:00:00+03:00,interview\n" for i in range(3)), encoding="utf-8")
    monkeypatch.setenv("POLICYKIT_MAX_CASES", "2")
    run = pk.run_cli("batch", log, "--policy", "harif", "--as-of", "2025-06-01", "--out", tmp_path / "o.jsonl",
                     "--workers", "1")
    assert run.code == 2 and "too-many-cases" in run.err
    # checked before each group's verdicts are written (not after all of them), and a failed run's output is
    # never put in place (atomic outputs): no verdict file at all
    assert not (tmp_path / "o.jsonl").exists()
    monkeypatch.setenv("POLICYKIT_MAX_CASES", "3")
    run = pk.run_cli("batch", log, "--policy", "harif", "--as-of", "2025-06-01", "--out", tmp_path / "o.jsonl",
                     "--workers", "1")
    assert run.code in (0, 1), run.err


def test_batch_file_size(pk, monkeypatch, tmp_path):
    """A batch log larger than POLICYKIT_MAX_BATCH_BYTES is refused before reading."""
    pytest.importorskip("pyarrow")
    log = tmp_path / "log.csv"
    log.write_text("case_id,type,at\nC1,request_received,2025-03-02\n", encoding="utf-8")
    monkeypatch.setenv("POLICYKIT_MAX_BATCH_BYTES", "10")
    run = pk.run_cli("batch", log, "--policy", "harif", "--out", tmp_path / "o.jsonl")
    assert run.code == 2 and pk.located is not None and ": file-too-large: batch input is" in run.err


def test_an_xlsx_log_counts_unzipped(pk, monkeypatch, tmp_path):
    """An .xlsx is a zip: a few kilobytes may unzip to a sheet of gigabytes, all of which the reader holds in
    memory. It was measured by its zipped size: a 1.2 MB workbook of 300 MB of sheet took 0.7 GB and 27 s."""
    pytest.importorskip("python_calamine")
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["case_id", "type", "at"])
    for n in range(3000):
        sheet.append([f"C{n % 7}", "request_received", "2025-03-02"])
    log = tmp_path / "log.xlsx"
    book.save(log)
    import zipfile

    unzipped = sum(m.file_size for m in zipfile.ZipFile(log).infolist())
    assert log.stat().st_size < unzipped // 4
    monkeypatch.setenv("POLICYKIT_MAX_BATCH_BYTES", str(unzipped - 1))
    run = pk.run_cli("batch", log, "--policy", "harif", "--out", tmp_path / "o.jsonl")
    assert run.code == 2 and run.err_lines == [
        f"{log}: file-too-large: the workbook, unzipped, is {unzipped} bytes; the limit is {unzipped - 1}; raise "
        "POLICYKIT_MAX_BATCH_BYTES if the file is genuine"]
    monkeypatch.setenv("POLICYKIT_MAX_BATCH_BYTES", str(unzipped))
    assert pk.run_cli("batch", log, "--policy", "harif", "--out", tmp_path / "o.jsonl").code in (0, 1)


def _workbook(path, sheet_data: str) -> None:
    """A minimal .xlsx (one sheet) whose sheet holds `sheet_data`, written without a spreadsheet library."""
    import zipfile

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'))
        book.writestr("_rels/.rels", f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
                      f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        book.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                      '<sheet name="log" sheetId="1" r:id="rId1"/></sheets></workbook>')
        book.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
                      f'Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        book.writestr("xl/worksheets/sheet1.xml", f'<worksheet xmlns="{main}"><sheetData>{sheet_data}'
                      '</sheetData></worksheet>')


def _text_cell(ref_attrs: str, text: str) -> str:
    return f'<c {ref_attrs} t="inlineStr"><is><t>{text}</t></is></c>'


@pytest.mark.parametrize("far", [
    'r="XFD1048576"',  # the reference first, as every writer puts it
    's="a>b" r="XFD1048576"',  # after an attribute whose quoted value holds '>'
])
def test_an_xlsx_sheet_counts_the_cells_its_reader_lays_out(pk, tmp_path, far):
    """The reader holds every cell of the rectangle a sheet's cells span: a 1.6 kB workbook with one value at A1
    and one at XFD1048576 made it allocate 512 GiB, and the process died of SIGABRT with a Rust backtrace (in the
    service, the whole serve process with it). Now: file-too-large in one line, exit 2, nothing allocated."""
    pytest.importorskip("python_calamine")
    log = tmp_path / "log.xlsx"
    _workbook(log, '<row r="1">' + _text_cell('r="A1"', "case_id") + _text_cell('r="B1"', "type") + "</row>"
              f'<row r="1048576">{_text_cell(far, "x")}</row>')
    assert log.stat().st_size < 4096
    run = pk.run_bounded("batch", log, "--policy", "harif", "--out", tmp_path / "o.jsonl", timeout=60,
                         memory_bytes=2 * 1024 ** 3)
    assert run.code == 2 and run.err.splitlines() == [
        f"{log}: file-too-large: a sheet spanning 17179869184 cells, as the reader holds it, is 549755813888 "
        "bytes; the limit is 4294967296; raise POLICYKIT_MAX_BATCH_BYTES if the file is genuine"]
    assert not (tmp_path / "o.jsonl").exists()


def _with_shared_strings(path, sst: str, cell_index: str) -> None:
    """A workbook whose first sheet's B1 is shared string `cell_index` of a shared-strings part `sst`."""
    import zipfile

    _workbook(path, '<row r="1">' + _text_cell('r="A1"', "case_id") + f'<c r="B1" t="s"><v>{cell_index}</v></c></row>')
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    parts["xl/sharedStrings.xml"] = sst.encode()
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)


SST = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" {}><si><t>type</t></si></sst>'


@pytest.mark.parametrize("claim", ['uniqueCount="4000000000"', "uniqueCount = '4000000000'"])
def test_an_xlsx_claiming_more_shared_strings_than_it_holds_is_one_error(pk, tmp_path, claim):
    """The reader sets aside the memory a workbook's shared strings claim before it reads one: a 1 kB workbook
    claiming 4 billion asked for 96 GB and the process died of SIGABRT (the service's with it). Now one line."""
    pytest.importorskip("python_calamine")
    log = tmp_path / "log.xlsx"
    _with_shared_strings(log, "<!-- a comment first -->" + SST.format(claim), "0")
    run = pk.run_bounded("batch", log, "--policy", "harif", "--out", tmp_path / "o.jsonl", timeout=60,
                         memory_bytes=2 * 1024 ** 3)
    size = len(("<!-- a comment first -->" + SST.format(claim)).encode())
    assert run.code == 2 and run.err.splitlines() == [
        f"{log}: invalid-log: the workbook's shared strings claim 4000000000 strings, more than their {size} bytes "
        "can hold"]


def test_an_xlsx_cell_naming_a_shared_string_that_is_not_there_is_one_error(pk, tmp_path):
    """A cell pointing past the shared strings made the reader raise its own error: 'internal error … a bug in
    policykit', exit 70. Now invalid-log."""
    pytest.importorskip("python_calamine")
    log = tmp_path / "log.xlsx"
    _with_shared_strings(log, SST.format('count="1" uniqueCount="1"'), "4000000000")
    run = pk.run_cli("batch", log, "--policy", "harif", "--out", tmp_path / "o.jsonl")
    assert run.code == 2 and run.err_lines == [f"{log}: invalid-log: not a readable .xlsx workbook (CalamineError)"]


@pytest.mark.parametrize("disguise", ["a damaged part first", "the sheet named .dat"])
def test_an_xlsx_sheet_is_measured_whatever_comes_before_it_or_its_name(pk, tmp_path, disguise):
    """The measure of each sheet must not be skipped: a damaged part the reader never opens (a bad CRC), put before
    the sheet, ended the measuring and the sheet went unmeasured (SIGABRT again); a sheet the workbook's
    relationships name `sheet1.dat` was not looked at, only `.xml` parts were. Now every part is read, and one
    that cannot be read whole is invalid-log."""
    pytest.importorskip("python_calamine")
    import struct
    import zipfile

    log = tmp_path / "log.xlsx"
    _workbook(log, '<row r="1">' + _text_cell('r="A1"', "case_id") + "</row>"
              '<row r="1048576">' + _text_cell('r="XFD1048576"', "x") + "</row>")
    with zipfile.ZipFile(log) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    if disguise == "the sheet named .dat":
        parts["xl/worksheets/sheet1.dat"] = parts.pop("xl/worksheets/sheet1.xml")
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b"sheet1.xml", b"sheet1.dat")
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"sheet1.xml", b"sheet1.dat")
    with zipfile.ZipFile(log, "w") as book:
        if disguise == "a damaged part first":
            book.writestr("xl/aaa.xml", b"<x>never read by the reader</x>")
        for name, data in parts.items():
            book.writestr(name, data)
    if disguise == "a damaged part first":
        data = bytearray(log.read_bytes())
        info = zipfile.ZipFile(log).getinfo("xl/aaa.xml")
        struct.pack_into("<I", data, info.header_offset + 14, 0xDEADBEEF)  # its CRC, in both headers
        central = data.find(b"PK\x01\x02")
        struct.pack_into("<I", data, central + 16, 0xDEADBEEF)
        log.write_bytes(bytes(data))
        expected = f"{log}: invalid-log: not a readable .xlsx workbook (BadZipFile in one of its parts)"
    else:
        expected = (f"{log}: file-too-large: a sheet spanning 17179869184 cells, as the reader holds it, is "
                    "549755813888 bytes; the limit is 4294967296; raise POLICYKIT_MAX_BATCH_BYTES if the file is "
                    "genuine")
    run = pk.run_bounded("batch", log, "--policy", "harif", "--out", tmp_path / "o.jsonl", timeout=60,
                         memory_bytes=2 * 1024 ** 3)
    assert run.code == 2 and run.err.splitlines() == [expected]


def test_an_xlsx_element_longer_than_excel_writes_is_one_error(pk, tmp_path):
    """A cell of 5 MiB of text (Excel holds at most 32,767 characters in one): the measuring carried it over from
    chunk to chunk, quadratic in its length, and the reader held it whole. Now invalid-log before either (an
    element is measured when it is carried past the 2 MiB a CSV line may hold)."""
    pytest.importorskip("python_calamine")
    log = tmp_path / "log.xlsx"
    _workbook(log, '<row r="1">' + _text_cell('r="A1"', "x" * (5 << 20)) + "</row>")
    run = pk.run_cli("batch", log, "--policy", "harif", "--out", tmp_path / "o.jsonl")
    assert run.code == 2 and run.err_lines == [
        f"{log}: invalid-log: an .xlsx part holds an element longer than 2 MiB (a cell holds at most 32,767 "
        "characters)"]


def test_measuring_an_xlsx_part_stays_linear_with_unclosed_quotes():
    """Cells whose attribute quotes never close made each attempt of the cell pattern scan to the end of the chunk:
    200,000 of them (0.8 MB) did not finish in minutes. The pattern now stops at the next '<'."""
    import io
    import time

    from policykit.batch.xlsx import _walked_span

    started = time.perf_counter()
    _walked_span(io.BytesIO(b'<c "' * 200_000))
    assert time.perf_counter() - started < 10


def test_an_xlsx_sheet_is_measured_as_the_reader_places_cells_without_references(tmp_path):
    """A cell without `r` follows the one before it in its row, a row without `r` the one before it: the span
    counted is the reader's own (its rectangle, read back)."""
    calamine = pytest.importorskip("python_calamine")
    import zipfile

    from policykit.batch.xlsx import spanned_cells

    for sheet_data in (
            "<row>" + _text_cell("", "a") + _text_cell("", "b") + '</row><row r="5">' + _text_cell("", "c")
            + "</row>",
            '<row r="3">' + _text_cell('r="C3"', "a") + "</row><row>" + _text_cell("", "b") + "</row>",
            '<row r="2">' + _text_cell('r="B2"', "a") + _text_cell('s="1"', "b") + "</row>"):
        log = tmp_path / "log.xlsx"
        _workbook(log, sheet_data)
        sheet = calamine.CalamineWorkbook.from_path(str(log)).get_sheet_by_index(0)
        rows = sheet.to_python()
        with zipfile.ZipFile(log) as book:
            assert spanned_cells(book, "xl/worksheets/sheet1.xml") == len(rows) * len(rows[0])


@pytest.mark.parametrize("grouped", [True, False])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_events_per_case_in_a_batch(pk, monkeypatch, tmp_path, grouped, workers):
    """A batch case with more events than POLICYKIT_MAX_EVENTS: too-many-events naming the log, exit 2, its
    verdict not written; at the bound it is judged.  Grouped logs are streamed, ungrouped ones partitioned."""
    pytest.importorskip("pyarrow")
    rows = [f"C1,applicant_informed,2025-03-0{day}T09:00:00+03:00\n" for day in range(1, 5)]
    rows.insert(1 if not grouped else 4, "C2,applicant_informed,2025-03-02T09:00:00+03:00\n")
    log = tmp_path / "log.csv"
    log.write_text("case_id,type,at\n" + "".join(rows), encoding="utf-8")
    out = tmp_path / "o.jsonl"
    monkeypatch.setenv("POLICYKIT_MAX_EVENTS", "3")
    run = pk.run_cli("batch", log, "--policy", "harif", "--as-of", "2025-06-01", "--out", out, "--workers", workers)
    assert run.code == 2 and run.err_lines[-1] == (f"{log}: too-many-events: case has 4 events; the limit is 3; "
                                                   "raise POLICYKIT_MAX_EVENTS if the case is genuine")
    assert not out.exists()  # refused before its verdict was written, and a failed run's output is never put in place
    monkeypatch.setenv("POLICYKIT_MAX_EVENTS", "4")
    run = pk.run_cli("batch", log, "--policy", "harif", "--as-of", "2025-06-01", "--out", out, "--workers", workers)
    assert run.code in (0, 1), run.err
    assert len(out.read_text().splitlines()) == 2
