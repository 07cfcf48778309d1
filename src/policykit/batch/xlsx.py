"""Read an Excel `.xlsx` event log (first sheet, or `--sheet`) through python-calamine, as text record batches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa

from ..diagnostics import PolicykitError, Span, did_you_mean
from .columns import LINE

RejectSink = Callable[[int, str], None]


def _workbook(path: Path):
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        raise PolicykitError.single("missing-dependency", "reading .xlsx logs needs python-calamine",
                                    hint="pip install 'policykit[excel]'") from None
    _check_unzipped(path)
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001 - calamine raises its own and zip errors for a damaged file
        raise PolicykitError.single("invalid-log", f"not a readable .xlsx workbook ({type(exc).__name__})",
                                    Span(str(path))) from None


def _check_unzipped(path: Path) -> None:
    """The batch bytes limit applied to what the reader holds: the workbook unzipped (a few kilobytes of a
    hostile .xlsx can unzip to gigabytes of sheet, all read into memory)."""
    import zipfile

    from .. import limits

    try:
        with zipfile.ZipFile(path) as archive:
            unzipped = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: the reader names the damage
    limits.check_batch_bytes(unzipped, Span(str(path)), what="the workbook, unzipped,")


def _sheet(path: Path, sheet: str | None):
    book = _workbook(path)
    names = list(book.sheet_names)
    if not names:
        raise PolicykitError.single("invalid-log", "the workbook has no sheet", Span(str(path)))
    if sheet is not None and sheet not in names:
        hint = did_you_mean(sheet, names) or "its sheets: " + ", ".join(names[:20])
        raise PolicykitError.single("usage", f"--sheet: the workbook has no sheet named '{sheet}'",
                                    Span(str(path)), hint=hint)
    data = book.get_sheet_by_index(0) if sheet is None else book.get_sheet_by_name(sheet)
    if data.start is None:  # not a cell: say so, and which sheets there are, rather than 'no case_id column'
        others = [n for n in names if n != data.name]
        where = "the first sheet" if sheet is None else "the sheet"
        raise PolicykitError.single("invalid-log", f"{where} '{data.name}' is empty", Span(str(path)),
                                    hint=("name the log's sheet with --sheet; the others: " + ", ".join(others[:20]))
                                    if others else None)
    return data


def cell_text(value: object) -> str | None:
    """A cell as the text a CSV export would hold: dates as ISO 8601 (local time), whole numbers without `.0`."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)) and value.timetuple()[:3] == (1900, 2, 28):
        # Excel's calendar counts a 29 February 1900 that never was (serial 60), and the reader gives it as 28
        # February (serial 59's day): the day is not known, so it reads as the impossible day Excel shows, refused
        return "1900-02-29" + value.isoformat()[10:]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def _header_and_rows(data) -> tuple[int, list[str], Iterator[tuple[int, list]]]:
    """(the header's Excel row number, its names, the (row number, cells) after it) of a sheet.

    The header is the first row holding a value: rows above a table are skipped (an export may leave a row or two
    blank), and the numbers stay Excel's own (the reader's rows start at row 1, or at the table's first row)."""
    rows = iter(data.iter_rows())
    skipped = 0
    for row in rows:
        names = [(cell_text(v) or "").strip() for v in row]  # 'case_id ' as typed is case_id
        if any(names):
            break
        skipped += 1
    else:
        names = []
    first = max(skipped, int(data.start[0]) if data.start else 0) + 1
    return first, names, enumerate(rows, start=first + 1)


def header(path: Path, sheet: str | None = None) -> list[str]:
    """The sheet's header row (its first row holding a value): its column names."""
    return _header_and_rows(_sheet(path, sheet))[1]


def read_xlsx(path: Path, reject: RejectSink, batch_rows: int, sheet: str | None = None
              ) -> Iterator[pa.RecordBatch]:
    """Record batches of text columns with each row's Excel row number as `line`; blank rows are skipped."""
    data = _sheet(path, sheet)
    first_row, names, rows = _header_and_rows(data)
    if not any(names):
        raise PolicykitError.single("invalid-log", "the sheet has no header row", Span(str(path), first_row))
    columns: list[list[str | None]] = [[] for _ in names]
    lines: list[int] = []
    merged = _MergedCells(data, first_row)
    for number, row in rows:
        cells = merged.fill(number, [cell_text(v) for v in row])
        if not any(c is not None for c in cells):
            continue  # an empty row holds nothing to lose
        if len(cells) > len(names) and any(c is not None for c in cells[len(names):]):
            reject(number, f"expected {len(names)} columns, found {len(cells)}")
            continue
        for column, value in zip(columns, cells + [None] * (len(names) - len(cells))):
            column.append(value)
        lines.append(number)
        if len(lines) >= batch_rows:
            yield _batch(lines, names, columns)
            columns, lines = [[] for _ in names], []
    if lines:
        yield _batch(lines, names, columns)


class _MergedCells:
    """The value of a merged range shown in each of its cells, as Excel shows it (the file holds it in the top-left
    cell only): a case id merged over its event rows belongs to each of them, not to the first alone."""

    def __init__(self, data, header_row: int) -> None:
        column0 = int(data.start[1]) if data.start else 0  # the reader's rows start at the table's first column
        # (first and last Excel row, first and last column of the reader's rows) of each range below the header
        self.waiting = sorted((r0 + 1, r1 + 1, c0 - column0, c1 - column0)
                              for (r0, c0), (r1, c1) in (data.merged_cell_ranges or []) if r0 + 1 > header_row)
        self.active: list[tuple[int, int, int, object]] = []  # (last row, first column, last column, value)

    def fill(self, number: int, cells: list) -> list:
        """`cells` of Excel row `number` with the value of each merged range over it (bounded work per row: a
        range is held once, however many cells it spans)."""
        while self.waiting and self.waiting[0][0] <= number:
            top, last, first_column, last_column = self.waiting.pop(0)
            if top == number and 0 <= first_column < len(cells) and cells[first_column] is not None:
                self.active.append((last, first_column, last_column, cells[first_column]))
        if self.active:
            self.active = [a for a in self.active if a[0] >= number]
            for _, first_column, last_column, value in self.active:
                for c in range(max(first_column, 0), min(last_column + 1, len(cells))):
                    if cells[c] is None:
                        cells[c] = value
        return cells


def _batch(lines: list[int], names: list[str], columns: list[list[str | None]]) -> pa.RecordBatch:
    arrays = [pa.array(lines, pa.int64()), *(pa.array(c, pa.string()) for c in columns)]
    return pa.RecordBatch.from_arrays(arrays, names=[LINE, *names])
