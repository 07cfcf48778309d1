"""Verdicts an officer opens: `.xlsx` (cases and findings sheets) and `--excel` CSV, written as results arrive.

openpyxl writes the workbook: its write-only mode streams rows to disk in bounded memory, it writes real date
cells and right-to-left sheets, and it is the library the tests read the workbook back with (one dependency
for both; xlsxwriter writes faster but reads nothing).  Each writes to the path it is given: the output sink's
`atomic.AtomicFile`, renamed into place only when the run is complete, so a killed run never leaves a truncated file."""

from __future__ import annotations

import csv
import datetime as dt

import pyarrow as pa

from ..diagnostics import PolicykitError
from .arrow_rows import to_pylist
from ..neutralise import csv_cell
from ..report.officer import OfficerTables
from ..report.officer_labels import export_word

XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet; more findings continue on a second findings sheet
DATE_FORMAT = "yyyy-mm-dd hh:mm"
FRACTION_FORMAT = "yyyy-mm-dd hh:mm:ss.000"  # an instant with a fraction of a second shows it (SPEC §4)
MIN_WIDTH, MAX_WIDTH = 10, 60  # column widths in characters (Excel's default, 8.43, cuts every label off)


def _cell(value):
    return csv_cell(value) if isinstance(value, str) else value


class XlsxVerdicts:
    """A workbook: one row per case on the first sheet, one row per finding on the second."""

    def __init__(self, out: str, policy, lang: str) -> None:
        try:
            from openpyxl import Workbook
        except ImportError:
            raise PolicykitError.single("missing-dependency", "writing .xlsx verdicts needs openpyxl",
                                        hint="pip install 'policykit[excel]'") from None
        self.out, self.tables, self.lang = out, OfficerTables(policy, lang), lang
        self.book = Workbook(write_only=True)
        self.rows: dict[str, list[int]] = {}  # [rows (header included), columns] of each sheet, for its filter
        self.cases = self._sheet(export_word("cases_sheet", lang), self.tables.case_header(),
                                 self.tables.case_widths())
        self.findings = self._sheet(export_word("findings_sheet", lang), self.tables.finding_header(),
                                    self.tables.finding_widths())
        self.finding_count, self.findings_sheets = 1, 1

    def _sheet(self, title: str, header: list[str], widths: list[int]):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter

        sheet = self.book.create_sheet(title[:31])
        if self.lang == "ar":
            sheet.sheet_view.rightToLeft = True
        sheet.freeze_panes = "B2"
        # widths and the header's style go before the first row: a write-only sheet writes them first
        for index, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(MIN_WIDTH, min(MAX_WIDTH, width))
        # printed from Excel: A4 landscape, all columns on one page's width, the header row atop every page
        sheet.print_title_rows = "1:1"
        sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", "9"  # 9: A4
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
        cells = []
        for name in header:  # rule labels head columns: policy text, neutralised too
            cell = WriteOnlyCell(sheet, value=_cell(name))
            cell.font, cell.alignment = bold, wrap
            cells.append(cell)
        sheet.append(cells)
        self.rows[sheet.title] = [1, len(header)]
        return sheet

    def _append(self, sheet, values: list) -> None:
        sheet.append(self._row(sheet, values))
        self.rows[sheet.title][0] += 1

    def _row(self, sheet, values: list) -> list:
        from openpyxl.cell import WriteOnlyCell

        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=_cell(value))
            if isinstance(value, dt.datetime):
                cell.number_format = FRACTION_FORMAT if value.microsecond else DATE_FORMAT
            cells.append(cell)
        return cells

    def write_table(self, table: pa.Table) -> None:
        """Append the cases of one judged group."""
        for row in to_pylist(table):
            self._append(self.cases, self.tables.case_row(row))
            for finding in self.tables.finding_rows(row):
                if self.finding_count >= XLSX_MAX_ROWS:
                    self.findings_sheets += 1
                    self.findings = self._sheet(f"{export_word('findings_sheet', self.lang)} "
                                                f"{self.findings_sheets}", self.tables.finding_header(),
                                                self.tables.finding_widths())
                    self.finding_count = 1
                self._append(self.findings, finding)
                self.finding_count += 1

    def close(self) -> None:
        """Save the workbook, each sheet filtered over its rows; a failed save (a full disk) closes its file first.

        openpyxl's own `save` leaves its zip archive open then, and the archive's finaliser, failing in turn,
        printed a traceback on stderr after the one-line error."""
        from zipfile import ZIP_DEFLATED, ZipFile

        from openpyxl.utils import get_column_letter
        from openpyxl.writer.excel import ExcelWriter

        for sheet in self.book.worksheets:
            rows, columns = self.rows[sheet.title]
            sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{rows}"
        archive = ZipFile(self.out, "w", ZIP_DEFLATED, allowZip64=True)
        try:
            ExcelWriter(self.book, archive).save()  # what Workbook.save does, the archive ours to close
        except BaseException:
            try:
                archive.close()
            except (OSError, ValueError):
                archive.fp = None  # nothing more can reach the file: its finaliser has nothing left to do
            raise

    def discard(self) -> None:
        """Drop the workbook unsaved (the run failed: its file is discarded anyway), and the temporary file of
        each sheet now: openpyxl streams a write-only sheet's rows to one, kept until the process exits, whose
        writer, left open after a failed write (a full disk), printed a traceback when it was collected."""
        for sheet in self.book.worksheets:
            writer = getattr(sheet, "_writer", None)
            if writer is None:
                continue
            for stream in (getattr(sheet, "_rows", None), writer.xf):  # the sheet's row stream, then its file's
                try:
                    if stream is not None:
                        stream.close()
                except Exception:  # noqa: BLE001 - the write that failed fails again as it is closed: dropped
                    pass
            try:
                writer.cleanup()
            except (OSError, ValueError):
                pass


class ExcelCsvVerdicts:
    """CSV as Excel opens it: a UTF-8 BOM, labelled columns, dates Excel reads as dates, one row per case."""

    def __init__(self, out: str, policy, lang: str) -> None:
        self.out, self.tables = out, OfficerTables(policy, lang)
        self.handle = open(out, "w", encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.handle)
        self.writer.writerow([_cell(h) for h in self.tables.case_header()])

    def write_table(self, table: pa.Table) -> None:
        """Append the cases of one judged group."""
        for row in to_pylist(table):
            self.writer.writerow([_text(v) for v in self.tables.case_row(row)])

    def close(self) -> None:
        """Finish the file."""
        self.handle.close()


def _text(value) -> object:
    if isinstance(value, dt.datetime):
        # the form Excel reads as a date in every locale; a fraction of a second is kept when there is one
        return value.strftime("%Y-%m-%d %H:%M:%S.%f" if value.microsecond else "%Y-%m-%d %H:%M:%S")
    return _cell(value)
