"""Read an Excel `.xlsx` event log (first sheet, or `--sheet`) through python-calamine, as text record batches."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa

from ..diagnostics import PolicykitError, Span, did_you_mean
from ..values import number_text
from .columns import LINE, column_name
from .csvlines import MAX_LINE_BYTES

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
    hostile .xlsx can unzip to gigabytes of sheet, all read into memory), then each sheet as the reader lays it
    out (every cell of the rectangle its cells span: one value at A1 and one at XFD1048576 are 17 billion)."""
    import zipfile

    from .. import limits

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a zip: the reader names the damage
    with archive:
        members = archive.infolist()
        unzipped = sum(member.file_size for member in members)
        limits.check_batch_bytes(unzipped, Span(str(path)), what="the workbook, unzipped,")
        # every part, whatever its name: the workbook's relationships may name a sheet `sheet1.dat`
        for member in members:
            try:
                _check_string_count(archive, member, path)
                cells = spanned_cells(archive, member)
            except _TooLong:
                raise PolicykitError.single("invalid-log", f"an .xlsx part holds an element longer than "
                                            f"{MAX_LINE_BYTES >> 20} MiB (a cell holds at most 32,767 characters)",
                                            Span(str(path))) from None
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error) as exc:
                # a part that cannot be read whole cannot be measured: one the reader never opens (a damaged
                # extra part) would otherwise have the sheets after it go unmeasured
                raise PolicykitError.single("invalid-log", f"not a readable .xlsx workbook ({type(exc).__name__} "
                                            "in one of its parts)", Span(str(path))) from None
            limits.check_batch_bytes(cells * CELL_BYTES, Span(str(path)),
                                     what=f"a sheet spanning {cells} cells, as the reader holds it,")


def _check_string_count(archive, member, path: Path) -> None:
    """Refuse a shared-strings part whose `uniqueCount` is more strings than its bytes can hold: the reader sets
    that much memory aside before it reads one (a 1 kB workbook claiming 4 billion asked for 96 GB and aborted)."""
    from xml.parsers import expat

    found: dict = {}

    def start(tag: str, attrs: dict) -> None:
        if tag.rsplit(":", 1)[-1] == "sst":
            found.update(attrs)
        raise StopIteration  # the root element is all that is needed

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        with archive.open(member) as part:
            while True:
                data = part.read(1 << 16)
                parser.Parse(data, not data)
                if not data:
                    break
    except StopIteration:
        pass
    except (expat.ExpatError, ValueError, LookupError):
        return  # not XML the reader reads either: it names the damage
    claimed = max((int(v) for k, v in found.items() if k.rsplit(":", 1)[-1] == "uniqueCount"
                   and v.strip().isdigit() and len(v.strip()) < 20), default=0)
    if claimed > member.file_size // 5 + 1:  # `<si/>`: the shortest string there is
        raise PolicykitError.single("invalid-log", f"the workbook's shared strings claim {claimed} strings, more "
                                    f"than their {member.file_size} bytes can hold", Span(str(path)))


CELL_BYTES = 32  # what the reader (calamine) holds per cell of a sheet's rectangle, empty cells included
# a row or a cell element (any namespace prefix), its attributes read with quoted values that may hold '>'
# no part of a match can hold '<' (XML allows none in an attribute value): each attempt ends at the next one, so
# unclosed quotes cannot make the scan quadratic
_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>")
_REF = re.compile(rb"(?:^|\s)r\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_CELL_REF = re.compile(rb"^([A-Za-z]+)([0-9]+)$")
# the quick pass: cells unprefixed, each beginning with its reference (patterns with a literal start: fast)
_ANY_CELL = re.compile(rb"<c[\s/>]")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_FIRST_REF = re.compile(rb"<c r=\"([A-Za-z]{1,6})([0-9]{1,9})\"")


def spanned_cells(archive, member) -> int:
    """How many cells the rectangle spanned by a sheet's cells holds, as the reader places them (a bound from
    above). Every writer gives each cell its `r` first: one quick pass then reads the references alone; a sheet
    with a cell that does not (no `r`, or not first) is walked element by element, as the reader places it."""
    with archive.open(member) as part:
        quick = _quick_span(part)
    if quick is not None:
        return quick
    with archive.open(member) as part:
        return _walked_span(part)


def _chunks(part, chunk: int = 1 << 22) -> Iterator[tuple[bytes, int]]:
    """The XML as (text, end) pieces, each cut before its last `<` so that no element is split (the rest is carried
    over); no more than a chunk and one element held."""
    rest = b""
    while True:
        data = part.read(chunk)
        text = rest + data
        end = len(text) if not data else max(text.rfind(b"<"), 0)
        yield text, end
        if not data:
            return
        rest = text[end:]
        if len(rest) > MAX_LINE_BYTES:
            # carried over and over, one element (or text) this long made the scan quadratic; Excel writes none
            # (a cell holds at most 32,767 characters)
            raise _TooLong()


class _TooLong(ValueError):
    """An element or text of a part longer than a CSV line may be."""


def _span(rows: tuple[int, int] | None, cols: tuple[int, int] | None) -> int:
    return 0 if rows is None or cols is None else (rows[1] - rows[0] + 1) * (cols[1] - cols[0] + 1)


def _quick_span(part) -> int | None:
    """The span from the cells' references when every cell element begins with one (None: one does not)."""
    rows = cols = None
    for text, end in _chunks(part):
        refs = _FIRST_REF.findall(text, 0, end)
        if len(refs) != len(_ANY_CELL.findall(text, 0, end)) or _PREFIXED_CELL.search(text, 0, end):
            return None
        if not refs:
            continue
        numbers = [int(number) for _, number in refs]
        columns = [_column(letters) for letters in set(letters for letters, _ in refs)]
        low, high = min(numbers) - 1, max(numbers) - 1
        rows = (min(rows[0], low), max(rows[1], high)) if rows else (low, high)
        cols = (min(cols[0], min(columns)), max(cols[1], max(columns))) if cols else (min(columns), max(columns))
    return _span(rows, cols)


def _walked_span(part) -> int:
    """The span with each cell placed as the reader places it: a cell without `r` follows the one before it in its
    row, a row without `r` the one before it; an empty cell (`<c …/>`) takes its place but holds none."""
    rows = cols = None  # (min, max) of the valued cells' 0-based row and column
    row = col = -1
    for text, end in _chunks(part):
        for found in _ELEMENT.finditer(text, 0, end):
            attrs = found.group(2)
            ref = _REF.search(attrs)
            value = None if ref is None else (ref.group(1) if ref.group(1) is not None else ref.group(2))
            if found.group(1) == b"row":
                row = int(value) - 1 if value is not None and value.isdigit() and len(value) < 10 else row + 1
                col = -1
                continue
            cell = _CELL_REF.match(value) if value is not None else None
            if cell is not None and len(cell.group(1)) < 7 and len(cell.group(2)) < 10:
                col = _column(cell.group(1))
                row = max(row, int(cell.group(2)) - 1)
            else:
                col += 1
            if attrs.rstrip().endswith(b"/"):
                continue
            rows = (min(rows[0], row), max(rows[1], row)) if rows else (row, row)
            cols = (min(cols[0], col), max(cols[1], col)) if cols else (col, col)
    return _span(rows, cols)


def _column(letters: bytes) -> int:
    """The 0-based column of a cell reference's letters (`A` 0, `XFD` 16383)."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number - 1


def _sheet(path: Path, sheet: str | None):
    book = _workbook(path)
    names = list(book.sheet_names)
    if not names:
        raise PolicykitError.single("invalid-log", "the workbook has no sheet", Span(str(path)))
    if sheet is not None and sheet not in names:
        hint = did_you_mean(sheet, names) or "its sheets: " + ", ".join(names[:20])
        raise PolicykitError.single("usage", f"--sheet: the workbook has no sheet named '{sheet}'",
                                    Span(str(path)), hint=hint)
    try:
        data = book.get_sheet_by_index(0) if sheet is None else book.get_sheet_by_name(sheet)
    except Exception as exc:  # noqa: BLE001 - a sheet the reader cannot read (a shared string that is not there)
        raise PolicykitError.single("invalid-log", f"not a readable .xlsx workbook ({type(exc).__name__})",
                                    Span(str(path))) from None
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
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, (dt.datetime, dt.date)) and value.timetuple()[:3] == (1900, 2, 28):
        # Excel's calendar counts a 29 February 1900 that never was (serial 60), and the reader gives it as 28
        # February (serial 59's day): the day is not known, so it reads as the impossible day Excel shows, refused
        return "1900-02-29" + value.isoformat()[10:]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def _rows_of(data, path: Path) -> Iterator[list]:
    """The sheet's rows as the reader gives them; a fault it finds only then (a shared string that is not there)
    is invalid-log, as one found when it opens the workbook is."""
    rows = iter(data.iter_rows())
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - calamine raises its own errors for a damaged sheet
            raise PolicykitError.single("invalid-log", f"not a readable .xlsx workbook ({type(exc).__name__})",
                                        Span(str(path))) from None
        yield row


def _header_and_rows(data, path: Path) -> tuple[int, list[str], Iterator[tuple[int, list]]]:
    """(the header's Excel row number, its names, the (row number, cells) after it) of a sheet.

    The header is the first row holding a value: rows above a table are skipped (an export may leave a row or two
    blank), and the numbers stay Excel's own (the reader's rows start at row 1, or at the table's first row)."""
    rows = _rows_of(data, path)
    skipped = 0
    for row in rows:
        names = [column_name(cell_text(v) or "") for v in row]  # 'case_id ' as typed is case_id
        if any(names):
            break
        skipped += 1
    else:
        names = []
    first = max(skipped, int(data.start[0]) if data.start else 0) + 1
    return first, names, enumerate(rows, start=first + 1)


def header(path: Path, sheet: str | None = None) -> list[str]:
    """The sheet's header row (its first row holding a value): its column names."""
    return _header_and_rows(_sheet(path, sheet), path)[1]


def read_xlsx(path: Path, reject: RejectSink, batch_rows: int, sheet: str | None = None
              ) -> Iterator[pa.RecordBatch]:
    """Record batches of text columns with each row's Excel row number as `line`; blank rows are skipped."""
    data = _sheet(path, sheet)
    first_row, names, rows = _header_and_rows(data, path)
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
