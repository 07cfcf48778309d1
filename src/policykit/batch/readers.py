"""Read an event log (CSV, JSONL, Parquet, XES or XLSX) as a stream of Arrow record batches with a `line` column."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa

from ..diagnostics import PolicykitError, Span
from .columns import LINE
from .csv_dialect import CsvDialect, detect as detect_dialect

BATCH_ROWS = 262_144
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
             sheet: str | None = None) -> Iterator[pa.RecordBatch]:
    """Record batches of the log's rows; structurally broken rows go to `reject(line, reason)`.

    `dialect` is a CSV file's delimiter and encoding (sniffed when None); `sheet` an XLSX file's sheet."""
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
        return _read_jsonl(path, reject, min(batch_rows, PYTHON_ROWS))
    if kind == "parquet":
        return _read_parquet(path, batch_rows)
    from .xes import read_xes

    return read_xes(path, reject, min(batch_rows, PYTHON_ROWS))


def column_names(path: str | os.PathLike, fmt: str | None = None, dialect: CsvDialect | None = None,
                 sheet: str | None = None) -> list[str] | None:
    """The log's column names when the format declares them up front (CSV or XLSX header, Parquet schema)."""
    kind = log_format(path, fmt)
    if kind == "xlsx":
        from .xlsx import header

        return header(Path(path), sheet)
    if kind == "parquet":
        import pyarrow.parquet as pq

        return list(pq.ParquetFile(path).schema_arrow.names)
    if kind == "csv":
        import csv

        dialect = dialect or detect_dialect(Path(path))
        encoding = "utf-8-sig" if dialect.encoding == "utf-8" else dialect.encoding
        # only the header is needed; a bad byte further down is the row reader's to report
        with open(path, encoding=encoding, errors="replace", newline="") as handle:
            return next(csv.reader(handle, delimiter=dialect.delimiter), [])
    return None


def _with_lines(batch: pa.RecordBatch, first_line: int, step: int = 1) -> pa.RecordBatch:
    import numpy as np

    lines = pa.array(np.arange(first_line, first_line + step * batch.num_rows, step, dtype=np.int64))
    return pa.RecordBatch.from_arrays([lines, *batch.columns], names=[LINE, *batch.schema.names])


def _with_physical_lines(batch: pa.RecordBatch, first_line: int, skipped: list[int]) -> pa.RecordBatch:
    """Number rows from `first_line`, stepping over the physical lines the parser skipped."""
    import numpy as np

    lines = np.arange(first_line, first_line + batch.num_rows, dtype=np.int64)
    for line in sorted(x for x in skipped if x >= first_line):
        lines[lines >= line] += 1
    return pa.RecordBatch.from_arrays([pa.array(lines), *batch.columns], names=[LINE, *batch.schema.names])


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
        reject(int(lines[row]), "row is not valid UTF-8")
    good = batch.filter(pa.array([row not in bad for row in range(batch.num_rows)]))
    return _as_text(good, reject)


def _read_parquet(path: Path, batch_rows: int) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise PolicykitError.single("invalid-log", f"not a readable Parquet file: {exc}", Span(str(path))) from None
    row = 1
    for batch in handle.iter_batches(batch_size=batch_rows):
        yield _with_lines(batch, row)
        row += batch.num_rows


def _read_csv(path: Path, reject: RejectSink, batch_rows: int, dialect: CsvDialect) -> Iterator[pa.RecordBatch]:
    import pyarrow.csv as pcsv

    names = column_names(path, "csv", dialect) or []
    if not names:
        raise PolicykitError.single("invalid-log", "the CSV file has no header row", Span(str(path), 1, 1))

    skipped: list[int] = []  # physical lines the parser dropped, so that later rows keep their true numbers

    def on_invalid(row: pcsv.InvalidRow) -> str:
        if row.number is not None:
            skipped.append(int(row.number))
        reject(int(row.number) if row.number is not None else 0,
               f"expected {row.expected_columns} columns, found {row.actual_columns}")
        return "skip"

    try:
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(block_size=1 << 22, use_threads=False, encoding=dialect.encoding),
            # blank lines are kept (and rejected as such) so that row numbers stay physical line numbers
            parse_options=pcsv.ParseOptions(delimiter=dialect.delimiter, invalid_row_handler=on_invalid,
                                            newlines_in_values=False,
                                            ignore_empty_lines=False),
            # read as bytes: a row with invalid UTF-8 is then one rejected row, not an unreadable log
            convert_options=pcsv.ConvertOptions(column_types={n: pa.binary() for n in names},
                                                strings_can_be_null=True, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as exc:
        raise PolicykitError.single("invalid-log", f"unreadable CSV: {exc}", Span(str(path), 1)) from None
    line = 2
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid as exc:
            raise PolicykitError.single("invalid-log", f"unreadable CSV: {exc}", Span(str(path), line)) from None
        # Row numbers are exact unless a row was skipped; skipped rows are reported with their own number.
        numbered = _with_physical_lines(batch, line, skipped)
        yield _as_text(numbered, reject)
        if batch.num_rows:
            line = int(numbered.column(0)[-1].as_py()) + 1


def _read_jsonl(path: Path, reject: RejectSink, batch_rows: int) -> Iterator[pa.RecordBatch]:
    rows: list[dict] = []
    lines: list[int] = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                reject(number, f"not a JSON object: {str(exc).split(':')[0]}")
                continue
            if not isinstance(row, dict):
                reject(number, "not a JSON object")
                continue
            rows.append(row)
            lines.append(number)
            if len(rows) >= batch_rows:
                yield _rows_to_batch(rows, lines)
                rows, lines = [], []
    if rows:
        yield _rows_to_batch(rows, lines)


def _cell(value: object) -> object:
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _rows_to_batch(rows: list[dict], lines: list[int]) -> pa.RecordBatch:
    """A batch from dict rows: booleans stay booleans, everything else becomes a string."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    arrays = [pa.array(lines, pa.int64())]
    for name in names:
        values = [_cell(row.get(name)) for row in rows]
        kinds = {type(v) for v in values if v is not None}
        if kinds == {bool}:
            arrays.append(pa.array(values, pa.bool_()))
        else:
            arrays.append(pa.array([None if v is None else str(v).lower() if isinstance(v, bool) else v
                                    for v in values], pa.string()))
    return pa.RecordBatch.from_arrays(arrays, names=[LINE, *names])
