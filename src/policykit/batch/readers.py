"""Read an event log (CSV, JSONL, Parquet, XES or XLSX) as a stream of Arrow record batches with a `line` column."""

from __future__ import annotations

import codecs
import json
import math
import os
import re
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..diagnostics import PolicykitError, Span
from ..strict_json import loads_line
from ..values import number_text
from .columns import CASE_ID, LINE, column_name, keys_of
from .csv_dialect import CsvDialect, detect as detect_dialect
from . import arrow_np
from .csvlines import MAX_LINE_BYTES, NOT_UTF8, TOO_LONG, LineCap, LineNumbers, breaks_in_values, text_breaks

BATCH_ROWS = 262_144
SNIFF_EMPTY = 4096  # bytes read to tell an empty CSV (nothing but a BOM and blank lines) from a headerless one
PYTHON_ROWS = 65_536  # JSONL and XES rows pass through Python objects: smaller batches bound their memory
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet",
           ".pq": "parquet", ".xes": "xes", ".xlsx": "xlsx"}
RejectSink = Callable[[int, str], None]


def log_format(path: str | os.PathLike, explicit: str | None = None) -> str:
    """The format of a log, from `explicit` or the file's extension."""
    if explicit:
        return explicit
    name = str(path).lower()
    for suffix, fmt in FORMATS.items():
        if name.endswith(suffix):
            return fmt
    raise PolicykitError.single("unknown-log-format", "cannot tell the log's format from its name",
                                Span(str(path)), hint="use .csv, .jsonl, .parquet, .xes or .xlsx, or --log-format")


def read_log(path: str | os.PathLike, reject: RejectSink, fmt: str | None = None,
             batch_rows: int = BATCH_ROWS, dialect: CsvDialect | None = None,
             sheet: str | None = None, columns: set[str] | None = None) -> Iterator[pa.RecordBatch]:
    """Record batches of the log's rows; structurally broken rows go to `reject(line, reason)`.

    `dialect` is a CSV file's delimiter and encoding (sniffed when None); `sheet` an XLSX file's sheet;
    `columns`, when given, are the only ones a Parquet log needs to deliver (the others are not read), and the only
    ones a JSONL or XES log delivers with their values (the others come as columns of nulls, which hold no memory:
    a log whose every row has a key of its own would otherwise be a table of rows times keys)."""
    path = Path(path)
    if not path.is_file():
        raise PolicykitError.single("file-not-found", "no such log file", Span(str(path)))
    kind = log_format(path, fmt)
    if kind == "csv":
        return _read_csv(path, reject, batch_rows, dialect or detect_dialect(path))
    if kind == "xlsx":
        from .xlsx import read_xlsx

        return read_xlsx(path, reject, min(batch_rows, PYTHON_ROWS), sheet)
    if kind == "jsonl":
        return _read_jsonl(path, reject, min(batch_rows, PYTHON_ROWS), columns)
    if kind == "parquet":
        return _read_parquet(path, reject, batch_rows, columns)
    from .xes import read_xes

    return read_xes(path, reject, min(batch_rows, PYTHON_ROWS), columns)


def column_names(path: str | os.PathLike, fmt: str | None = None, dialect: CsvDialect | None = None,
                 sheet: str | None = None) -> list[str] | None:
    """The log's column names when the format declares them up front (CSV or XLSX header, Parquet schema)."""
    kind = log_format(path, fmt)
    if kind == "xlsx":
        from .xlsx import header

        return header(Path(path), sheet)
    if kind == "parquet":
        # read without the spaces around them, as a CSV or XLSX header is (pandas keeps an Excel header's 'case_id ')
        return [column_name(name) for name in parquet_file(path).schema_arrow.names]
    if kind == "csv":
        # a header as Excel users type it: 'case_id ' or 'رقم الطلب' with a trailing (no-break) space is that name
        return [column_name(name) for name in _csv_header(Path(path), dialect or detect_dialect(Path(path)))]
    return None


def _csv_header(path: Path, dialect: CsvDialect) -> list[str]:
    """The CSV header's fields as the file writes them."""
    import csv

    encoding = "utf-8-sig" if dialect.encoding == "utf-8" else dialect.encoding
    with open(path, "rb") as raw:
        first = raw.readline(MAX_LINE_BYTES + 1)
    if len(first) > MAX_LINE_BYTES and not first.endswith(b"\n"):
        # the line reader would empty it as a row, and every row after it was then 'expected 1 columns'
        raise PolicykitError.single("invalid-log", f"the CSV header is longer than {MAX_LINE_BYTES >> 20} MiB "
                                    "(a log's header names a few dozen columns)", Span(str(path), 1))
    # only the header is needed; a bad byte further down is the row reader's to report
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        try:
            names = next(csv.reader(handle, delimiter=dialect.delimiter), [])
        except csv.Error as exc:  # a header field over the csv module's limit (128 KiB): not a header
            raise PolicykitError.single("invalid-log", f"unreadable CSV header: {exc}", Span(str(path), 1)) from None
    if not names and _blank(path):
        raise PolicykitError.single("empty-file", "file is empty: no header row, no rows", Span(str(path), 1, 1))
    if any("\ufffd" in name for name in names):  # Arrow could not even name such columns
        raise PolicykitError.single("invalid-log", f"the CSV header is not valid {dialect.encoding}",
                                    Span(str(path), 1), hint="convert the file to UTF-8, or pass --encoding")
    return names


def _blank(path: str | os.PathLike) -> bool:
    """Whether a file holds nothing but a BOM and blank lines in its first bytes (an empty export)."""
    with open(path, "rb") as handle:
        return not handle.read(SNIFF_EMPTY).lstrip(b"\xef\xbb\xbf \t\r\n")


def _with_lines(batch: pa.RecordBatch, first_line: int, step: int = 1) -> pa.RecordBatch:
    import numpy as np

    lines = pa.array(np.arange(first_line, first_line + step * batch.num_rows, step, dtype=np.int64), pa.int64())
    return _numbered(lines, batch.columns, batch.schema.names)


def _numbered(lines: pa.Array, columns, names) -> pa.RecordBatch:
    """A batch whose first column is the line number; a column of the log named like it is left out (ignored)."""
    kept = [(c, n) for c, n in zip(columns, names) if n != LINE]
    return pa.RecordBatch.from_arrays([lines, *(c for c, _ in kept)], names=[LINE, *(n for _, n in kept)])


def _with_physical_lines(batch: pa.RecordBatch, first_line: int, skipped: list[int]) -> pa.RecordBatch:
    """Number rows from `first_line`, stepping over the physical lines the parser skipped."""
    import numpy as np

    lines = np.arange(first_line, first_line + batch.num_rows, dtype=np.int64)
    for line in sorted(x for x in skipped if x >= first_line):
        lines[lines >= line] += 1
    return pa.RecordBatch.from_arrays([pa.array(lines, pa.int64()), *batch.columns], names=[LINE, *batch.schema.names])


def _as_text(batch: pa.RecordBatch, reject: RejectSink) -> pa.RecordBatch:
    """Byte columns (after the line column) as UTF-8 text; rows holding invalid UTF-8 are rejected and dropped."""
    names = batch.schema.names
    try:
        return pa.RecordBatch.from_arrays([batch.column(0), *(c.cast(pa.string()) for c in batch.columns[1:])],
                                          names=names)
    except pa.ArrowInvalid:
        pass
    bad = set()
    for column in batch.columns[1:]:
        for row, value in enumerate(column.to_pylist()):
            try:
                value is None or value.decode("utf-8")
            except UnicodeDecodeError:
                bad.add(row)
    lines = batch.column(0).to_pylist()
    if not bad:  # the cast failed for another reason: report it rather than loop
        raise PolicykitError.single("invalid-log", "unreadable CSV rows", Span("<log>", int(lines[0]) if lines else 1))
    for row in sorted(bad):
        reject(int(lines[row]), NOT_UTF8)
    good = batch.filter(pa.array([row not in bad for row in range(batch.num_rows)]))
    return _as_text(good, reject)


def parquet_file(path: str | os.PathLike):
    """The Parquet file at `path`; `invalid-log` when it is not one (truncated, corrupt, another format)."""
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise PolicykitError.single("invalid-log", f"not a readable Parquet file: {_first_line(exc)}",
                                    Span(str(path))) from None


def check_parquet_columns(path: str | os.PathLike, read: set[str]) -> None:
    """`invalid-log` when a column the batch reads holds lists, structs or maps (a cell must be one value)."""
    check_cell_kinds(parquet_file(path).schema_arrow, read, str(path))


def check_cell_kinds(schema: pa.Schema, read: set[str], where: str) -> None:
    """`invalid-log` (at `where`) when a column of `schema` the batch reads holds lists, structs or maps."""
    for field in schema:
        kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
        if column_name(field.name) in read and pa.types.is_nested(kind):
            what = "structs" if pa.types.is_struct(kind) else "maps" if pa.types.is_map(kind) else "lists"
            raise PolicykitError.single(
                "invalid-log", f"column '{field.name}' holds {what}: a log's cells are text, numbers, booleans "
                               "or timestamps", Span(where))


def binary_as_text(table: pa.Table, reject: RejectSink) -> pa.Table:
    """A table numbered by its first column with its binary columns decoded as UTF-8 (rows that are not, rejected
    and dropped), as the Parquet reader decodes them; the table itself when it has none."""
    if not any(pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t)
               for t in table.schema.types[1:]):
        return table
    decoded = [_binary_as_text(batch, reject) for batch in table.to_batches()]
    return pa.Table.from_batches(decoded) if decoded else table


def parquet_batches(batches: Iterator[pa.RecordBatch], path: str | os.PathLike, first_line: int,
                    reject: RejectSink) -> Iterator[pa.RecordBatch]:
    """Parquet record batches numbered from `first_line`, binary columns as text; a corrupt page is `invalid-log`."""
    line = first_line
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as exc:
            raise PolicykitError.single("invalid-log", f"unreadable Parquet data from row {line}: "
                                                       f"{_first_line(exc)}", Span(str(path))) from None
        numbered = _with_lines(_without_views(batch), line)
        if any(name != column_name(name) for name in numbered.schema.names):  # 'case_id ' is case_id (column_names)
            numbered = pa.RecordBatch.from_arrays(numbered.columns, names=[column_name(n) for n in numbered.schema.names])
        line += batch.num_rows
        yield _binary_as_text(_without_long_values(numbered, reject), reject)


def _without_views(batch: pa.RecordBatch) -> pa.RecordBatch:
    """String and binary view columns (a Parquet file written from them reads back so) as plain ones: Arrow's
    kernels the batch uses have no view forms (`take` was an internal error), nor did the length check look at
    them."""
    def plain(t: pa.DataType) -> pa.DataType | None:
        if hasattr(pa.types, "is_string_view") and pa.types.is_string_view(t):
            return pa.string()
        if hasattr(pa.types, "is_binary_view") and pa.types.is_binary_view(t):
            return pa.binary()
        return None

    if not any(plain(t) for t in batch.schema.types):
        return batch
    columns = []
    for column in batch.columns:
        kind = plain(column.type)
        if kind is not None:
            try:
                column = column.cast(kind)
            except pa.ArrowInvalid:  # over 2 GiB of text in one batch: the 64-bit offsets
                column = column.cast(pa.large_string() if kind == pa.string() else pa.large_binary())
        columns.append(column)
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


VALUE_TOO_LONG = f"a value longer than {MAX_LINE_BYTES >> 20} MiB (no event has a field this long)"


def _without_long_values(batch: pa.RecordBatch, reject: RejectSink) -> pa.RecordBatch:
    """The batch without its rows holding a text or binary value longer than a CSV line may be, each rejected
    (a 37 kB Parquet file of 250 values of 4 MiB, read as `at`, took 6 GB and a minute to judge)."""
    long = None
    for column in batch.columns[1:]:
        over = _long_rows(column)
        if over is not None:
            long = over if long is None else long | over
    if long is None:
        return batch
    for number in batch.column(0).to_numpy()[long].tolist():
        reject(int(number), VALUE_TOO_LONG)
    return batch.filter(arrow_np.array(~long, pa.bool_()))


def _long_rows(column: pa.Array) -> np.ndarray | None:
    """Where a text or binary column holds a value over MAX_LINE_BYTES, or None when no row does; a dictionary
    column is measured on its distinct values, a plain one by its offsets (no pass over the rows when its
    whole data is shorter than the limit)."""
    if pa.types.is_dictionary(column.type):
        over = _long_rows(column.dictionary)
        if over is None:
            return None
        codes = column.indices.cast(pa.int64()).fill_null(-1).to_numpy(zero_copy_only=False)
        return np.r_[over, False][codes]  # code -1 (null): never over
    kind = column.type
    large = pa.types.is_large_string(kind) or pa.types.is_large_binary(kind)
    if not (large or pa.types.is_string(kind) or pa.types.is_binary(kind)) or len(column) == 0:
        return None
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int64 if large else np.int32)
    offsets = offsets[column.offset:column.offset + len(column) + 1]
    if offsets[-1] - offsets[0] <= MAX_LINE_BYTES:
        return None
    over = np.diff(offsets) > MAX_LINE_BYTES
    if column.null_count:  # a null's slot need not be empty
        over &= column.is_valid().to_numpy(zero_copy_only=False)
    return over if over.any() else None


def _csv_problem(exc: BaseException) -> str:
    """Arrow's reason without the row text it quotes (which may hold personal data)."""
    return re.sub(r"(got \d+)\s*:.*$", r"\1", _first_line(exc))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


def _binary_as_text(batch: pa.RecordBatch, reject: RejectSink) -> pa.RecordBatch:
    """Binary columns (after the line column) decoded as UTF-8; rows where one is not UTF-8 are rejected.  A
    dictionary of binary values is decoded first (a Parquet file may store one: it was an internal error)."""
    def is_binary(t: pa.DataType) -> bool:
        return pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t)

    binary = [i for i, t in enumerate(batch.schema.types) if i and (
        is_binary(t) or pa.types.is_dictionary(t) and is_binary(t.value_type))]
    if not binary:
        return batch
    if any(pa.types.is_dictionary(batch.schema.types[i]) for i in binary):
        batch = pa.RecordBatch.from_arrays(
            [c.dictionary_decode() if i in binary and pa.types.is_dictionary(c.type) else c
             for i, c in enumerate(batch.columns)], names=batch.schema.names)
    decoded = _as_text(batch.select([0, *binary]), reject)
    if decoded.num_rows < batch.num_rows:
        batch = batch.filter(pc.is_in(batch.column(0), decoded.column(0)))
    columns = list(batch.columns)
    for index, column in zip(binary, decoded.columns[1:]):
        columns[index] = column
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _read_parquet(path: Path, reject: RejectSink, batch_rows: int,
                  columns: set[str] | None) -> Iterator[pa.RecordBatch]:
    handle = parquet_file(path)
    names = [n for n in handle.schema_arrow.names if (columns is None or column_name(n) in columns) and column_name(n) != LINE]
    yield from parquet_batches(iter(handle.iter_batches(batch_size=batch_rows, columns=names)), path, 1, reject)


def _read_csv(path: Path, reject: RejectSink, batch_rows: int, dialect: CsvDialect) -> Iterator[pa.RecordBatch]:
    import numpy as np
    import pyarrow.csv as pcsv

    header = _csv_header(path, dialect)  # Arrow names columns as the file writes them (types are set by them)
    names = [column_name(name) for name in header]
    if not names:
        raise PolicykitError.single("invalid-log", "the CSV file has no header row", Span(str(path), 1, 1))

    skipped: list[int] = []  # row numbers the parser dropped, so that later rows keep their own numbers
    pending: list[tuple[int, int, str]] = []  # (row number, breaks inside it, reason) of dropped rows

    def on_invalid(row: pcsv.InvalidRow) -> str:
        number = int(row.number) if row.number is not None else 0
        skipped.append(number)
        pending.append((number, text_breaks(row.text),
                        f"expected {row.expected_columns} columns, found {row.actual_columns}"))
        return "skip"

    # an over-long line is emptied on the way in (and rejected below), so it cannot fail the whole read; a file in
    # another encoding is recoded to UTF-8 first, so that LineCap and Arrow read one encoding
    raw = open(path, "rb")
    if codecs.lookup(dialect.encoding).name != "utf-8":
        raw = codecs.EncodedFile(raw, "utf-8", dialect.encoding, errors="replace")
    source = LineCap(raw)
    try:
        reader = pcsv.open_csv(
            source,
            read_options=pcsv.ReadOptions(block_size=1 << 22, use_threads=False),
            # blank lines are kept (and rejected as such) so that row numbers stay physical line numbers
            parse_options=pcsv.ParseOptions(delimiter=dialect.delimiter, invalid_row_handler=on_invalid,
                                            newlines_in_values=False,
                                            ignore_empty_lines=False),
            # read as bytes: a row with invalid UTF-8 is then one rejected row, not an unreadable log
            convert_options=pcsv.ConvertOptions(column_types={n: pa.binary() for n in header},
                                                strings_can_be_null=True, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as exc:
        source.raw.close()
        raise PolicykitError.single("invalid-log", f"unreadable CSV: {_csv_problem(exc)}", Span(str(path), 1)) from None
    numbers = LineNumbers()  # Arrow counts rows; a quoted value holding a line break makes a row two lines

    def report_skipped(rows: np.ndarray, breaks: np.ndarray) -> np.ndarray:
        lines, skipped_lines = numbers.number(rows, breaks, [(r, b) for r, b, _ in pending])
        for row, _, reason in pending:
            if skipped_lines[row] not in source.emptied:  # an emptied line is rejected with its own reason
                reject(skipped_lines[row], reason)
        pending.clear()
        return lines

    row = 2
    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                report_skipped(np.zeros(0, np.int64), np.zeros(0, np.int64))
                for line, reason in source.emptied.items():
                    reject(line, reason)
                return
            except pa.ArrowInvalid as exc:
                raise PolicykitError.single("invalid-log", f"unreadable CSV: {_csv_problem(exc)}",
                                            Span(str(path), row)) from None
            rows = _with_physical_lines(batch, row, skipped).column(0).to_numpy()
            lines = report_skipped(rows, breaks_in_values(batch))
            numbered = _numbered(pa.array(lines), batch.columns, names)
            if source.emptied:  # emptied lines are rejected with their own reason at the end
                numbered = numbered.filter(pc.invert(pc.is_in(numbered.column(0),
                                                              pa.array(list(source.emptied), pa.int64()))))
            yield _as_text(numbered, reject)
            if batch.num_rows:
                row = int(rows[-1]) + 1
    finally:
        source.raw.close()


def _read_jsonl(path: Path, reject: RejectSink, batch_rows: int,
                columns: set[str] | None = None) -> Iterator[pa.RecordBatch]:
    from .. import limits

    max_depth = limits.current().max_depth
    rows: list[dict] = []
    lines: list[int] = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(_capped_lines(handle), start=1):
            if raw is None:
                reject(number, TOO_LONG)
                continue
            if not raw.strip():
                continue
            try:
                row, repeated = loads_line(raw)
            except UnicodeDecodeError:  # a row not UTF-8 is rejected as a CSV log's is, with the same reason
                reject(number, NOT_UTF8)
                continue
            except ValueError as exc:  # malformed JSON, or an integer of more digits than Python reads
                reject(number, f"not a JSON object: {str(exc).split(':')[0]}")
                continue
            except RecursionError:  # nesting deeper than the interpreter's stack
                reject(number, f"a value is nested deeper than {max_depth} levels")
                continue
            if not isinstance(row, dict):
                reject(number, "not a JSON object")
                continue
            twice = sorted({column_name(k) for k in repeated} & columns) if columns is not None else repeated
            if twice:  # json kept the last value and lost the first: which one is meant cannot be told
                raise PolicykitError.single("duplicate-column", f"the row gives the key '{twice[0]}' twice",
                                            Span(str(path), number), hint="remove all but one")
            if _depth_over(row, max_depth):  # a cell is written back as JSON text, which must not recurse
                reject(number, f"a value is nested deeper than {max_depth} levels")
                continue
            case_id = row.get(CASE_ID)
            if case_id is None:  # perhaps under a key with spaces around it (read as case_id: _keys_trimmed)
                case_id = next((v for k, v in row.items() if column_name(k) == CASE_ID), None)
            if isinstance(case_id, (dict, list)):  # its JSON text would pass for an id
                reject(number, "case_id is a list or an object, not an id")
                continue
            if isinstance(case_id, bool):  # as a case file's and a posted event's: true is no case id
                reject(number, "case_id is true or false, not an id")
                continue
            if isinstance(case_id, float) and not math.isfinite(case_id):  # json reads NaN, which JSON has not
                reject(number, "case_id is NaN or Infinity, not an id")
                continue
            rows.append(row)
            lines.append(number)
            if len(rows) >= batch_rows:
                yield _keys_trimmed(rows, lines, columns, path)
                rows, lines = [], []
    if rows:
        yield _keys_trimmed(rows, lines, columns, path)


def _keys_trimmed(rows: list[dict], lines: list[int], columns: set[str] | None, path: Path) -> pa.RecordBatch:
    """The batch of `rows`, their keys read without the spaces around them as a CSV header is (' channel' is the
    channel column). Two keys of a row that name one column the batch reads ('channel', 'channel ') are
    `duplicate-column`, as two such header fields of a CSV log are: which one holds the value cannot be told."""
    names = keys_of(rows)
    if all(name == column_name(name) for name in names):  # the usual log: looked at once per batch, not per row
        return _rows_to_batch(rows, lines, columns, names)
    trimmed_rows = []
    for row, line in zip(rows, lines):
        trimmed = {column_name(key): value for key, value in row.items()}
        if len(trimmed) < len(row):
            twice = Counter(column_name(key) for key in row)
            read = sorted(k for k, n in twice.items() if n > 1 and (columns is None or k in columns))
            if read:
                raise PolicykitError.single("duplicate-column", f"keys of one row name the column '{read[0]}' "
                                            "twice once the spaces around them are read off", Span(str(path), line),
                                            hint="rename or remove all but one")
        trimmed_rows.append(trimmed)
    return _rows_to_batch(trimmed_rows, lines, columns)


def _capped_lines(handle, limit: int = MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """The file's lines, None for one longer than `limit` (skipped unheld, as CSV's are: a 300 MB line took
    2.7 GB to read and parse, a 4 GB one all the memory there is)."""
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        if len(raw) > limit and not raw.endswith(b"\n"):
            while True:  # the rest of the line, read and dropped a mebibyte at a time
                rest = handle.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield raw


def _depth_over(row: dict, limit: int) -> bool:
    """Whether a value of `row` nests lists or objects more than `limit` deep (walked without recursion)."""
    stack = [(value, 1) for value in row.values() if isinstance(value, (dict, list))]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        items = value.values() if isinstance(value, dict) else value
        stack.extend((item, depth + 1) for item in items if isinstance(item, (dict, list)))
    return False


def _cell(value: object) -> object:
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (int, float)):
        return number_text(value)
    return json.dumps(value, ensure_ascii=False)


def _rows_to_batch(rows: list[dict], lines: list[int], columns: set[str] | None = None,
                   names: list[str] | None = None) -> pa.RecordBatch:
    """A batch from dict rows: booleans stay booleans, everything else becomes a string; a key outside `columns`
    (when given) is a column of nulls, named but holding nothing. `names`: the rows' keys, when known."""
    names = keys_of(rows) if names is None else names
    arrays = [pa.array(lines, pa.int64())]
    for name in names:
        if columns is not None and name not in columns:
            arrays.append(pa.nulls(len(rows)))
            continue
        values = [_cell(row.get(name)) for row in rows]
        kinds = {type(v) for v in values if v is not None}
        if kinds == {bool}:
            arrays.append(pa.array(values, pa.bool_()))
        else:
            arrays.append(pa.array([None if v is None else str(v).lower() if isinstance(v, bool) else v
                                    for v in values], pa.string()))
    return pa.RecordBatch.from_arrays(arrays, names=[LINE, *names])

