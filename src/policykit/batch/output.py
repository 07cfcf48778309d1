"""Where verdicts go, written as results arrive: JSONL (the `check` JSON), Parquet (nested), CSV (flat), or the
officer's forms (`.xlsx`, `--excel` CSV: labelled, see officer_out)."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa

from ..atomic import AtomicFile
from ..diagnostics import PolicykitError

OUT_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".csv": "csv", ".xlsx": "xlsx"}


def out_format(out: str | None) -> str:
    """The output format named by the output file's extension (JSONL to stdout without one)."""
    if out is None:
        return "jsonl"
    for suffix, fmt in OUT_FORMATS.items():
        if str(out).lower().endswith(suffix):
            return fmt
    raise PolicykitError.single("usage", f"--out must end in .jsonl, .parquet, .csv or .xlsx: {out}")


class Spooled(str):
    """A temp file holding judged payloads (JSONL lines in UTF-8 or an Arrow stream), written by a worker."""


SPOOL_DIR: str | None = None  # a batch run's own folder for spooled payloads, set in its workers (worker_init)


def spool(payloads: list, prefix: str = "policykit-part-") -> "Spooled | None":
    """Write a worker's payloads to one temp file, so they need not be pickled back to the parent."""
    if not payloads:
        return None
    # in the run's folder: a file a failed run never came to read is removed with the folder
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=SPOOL_DIR)
    if isinstance(payloads[0], list):  # JSONL lines
        with open(handle, "wb") as sink:
            for lines in payloads:
                sink.writelines(lines)
    else:
        with open(handle, "wb") as sink, pa.ipc.new_stream(sink, payloads[0].schema) as writer:
            for table in payloads:
                writer.write_table(table)
    return Spooled(name)


class OutputSink:
    """Writes each judged group's payload in order; can start over (when the log proves not grouped)."""

    def __init__(self, fmt: str, out: str | None, stdout, policy, lang: str = "en", excel: bool = False) -> None:
        self.fmt, self.out, self.stdout, self.policy = fmt, out, stdout, policy
        self.lang, self.excel = lang, excel and fmt == "csv"
        self.observer = None  # called with each payload written (the audit report gathers its figures)
        self.rule_ids = [r.id for r in policy.rules]
        self.written = False
        self._open()

    def _open(self) -> None:
        self.handle = self.writer = None
        self.header = True
        # the output file is written under a temporary name and takes its own only when complete (commit)
        self.file = AtomicFile(self.out) if self.out else None
        if self.fmt == "jsonl":
            # to stdout through a temp file, so that a log found ungrouped half-way can start over; the verdicts
            # come as UTF-8 and are copied as they are
            self.handle = self.file.open("wb") if self.file else tempfile.TemporaryFile("w+b")
        elif self.fmt == "xlsx":
            from .officer_out import XlsxVerdicts

            self.writer = XlsxVerdicts(self.file.name, self.policy, self.lang)
        elif self.excel:
            from .officer_out import ExcelCsvVerdicts

            self.writer = ExcelCsvVerdicts(self.file.name, self.policy, self.lang)
        elif self.fmt == "parquet":
            import pyarrow.parquet as pq

            from .tabular import DICTIONARY_LEAVES, schema

            # statistics only on the top-level columns people filter on: the nested ones cost a third of the write;
            # dictionary pages only for labels (instants and counts are mostly distinct: hashing them costs 4x a
            # plain page, and the file is no smaller)
            self.writer = pq.ParquetWriter(self.file.name, schema(self.policy.calendar.timezone),
                                           compression="snappy", use_dictionary=list(DICTIONARY_LEAVES),
                                           write_statistics=["case_id", "status", "as_of", "compensation"])
        else:
            self.handle = self.file.open("wb")

    def write(self, payload) -> None:
        """Append one group's verdicts (or a spooled file of them, which is then removed)."""
        if isinstance(payload, Spooled):
            try:
                if self.fmt == "jsonl":
                    with open(payload, "rb") as source:
                        if self.observer is not None:
                            for line in source:
                                self.observer(line)
                            source.seek(0)
                        _copy(source, self.handle)
                        self._sync_behind()
                else:
                    with pa.memory_map(payload) as source:
                        for batch in pa.ipc.open_stream(source):
                            self.write(pa.Table.from_batches([batch]))
            finally:
                os.unlink(payload)
            return
        self.written = True
        if self.observer is not None:
            self.observer(payload)
        if self.fmt == "jsonl":
            self.handle.writelines(payload)
            self._sync_behind()
        elif self.writer is not None:  # Parquet and the officer's forms
            self.writer.write_table(payload)
        else:
            import pyarrow.csv as pcsv

            from .tabular import flatten

            pcsv.write_csv(flatten(payload, self.rule_ids), self.handle,
                           pcsv.WriteOptions(include_header=self.header))
            self.header = False

    def _sync_behind(self) -> None:
        """Let the disk take the verdicts written so far while more are made (JSONL: a gigabyte per 10^6 events)."""
        if self.file is not None:
            self.file.sync_behind()

    def restart(self) -> None:
        """Drop what was written and start again."""
        self.discard()
        self._open()

    def close(self) -> None:
        """Finish the file (and copy JSONL to stdout when there is no output file): the output is complete."""
        try:
            if self.fmt == "jsonl" and not self.out and self.handle is not None:
                self.handle.seek(0)
                binary = getattr(self.stdout, "buffer", None)
                if binary is not None:
                    self.stdout.flush()
                    shutil.copyfileobj(self.handle, binary)
                    binary.flush()
                else:  # a text stream only (a StringIO)
                    text = io.TextIOWrapper(self.handle, encoding="utf-8")
                    shutil.copyfileobj(text, self.stdout)
                    text.detach()  # the handle is closed with the sink
        except BaseException:
            self.discard()
            raise
        self._end(commit=True)

    def discard(self) -> None:
        """Drop what was written: an existing output file is left as it was."""
        self._end(commit=False)

    def _end(self, commit: bool) -> None:
        """Close the writer and the handle; the output file takes its name only when `commit` and all went well."""
        writer, file, handle = self.writer, self.file, self.handle
        self.writer = self.file = self.handle = None
        complete = commit
        try:
            if writer is not None:
                # a workbook is only saved to be kept: one discarded is dropped unsaved
                writer.close() if commit or not hasattr(writer, "discard") else writer.discard()
        except Exception:
            complete = False
            if commit:
                raise
        finally:
            if file is None and handle is not None:
                handle.close()
            elif file is not None and complete:
                file.commit()  # it closes the handle it opened
            elif file is not None:
                file.discard()


def _copy(source, target) -> None:
    """The rest of file `source` appended to file `target` (written in order, at its end), in the kernel where
    it can (os.sendfile)."""
    target.flush()
    start = source.tell()
    sendfile = getattr(os, "sendfile", None)
    if sendfile is not None:
        try:
            end = os.fstat(source.fileno()).st_size
            while start < end:
                sent = sendfile(target.fileno(), source.fileno(), start, min(end - start, 1 << 30))
                if not sent:
                    break
                start += sent
        except (OSError, io.UnsupportedOperation):
            pass  # what could not be sent is copied below
        target.seek(0, os.SEEK_END)  # the file object learns where the kernel left it
    source.seek(start)
    shutil.copyfileobj(source, target)


def default_rejects(log: Path, out: str | None) -> Path:
    """Beside the output file, else beside the log."""
    base = Path(out) if out else log
    return base.with_name(base.name + ".rejects.csv")


def check_rejects_name(path: Path) -> None:
    """The rejects file is CSV: a name Excel would open as a workbook is refused before any work."""
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raise PolicykitError.single("usage", f"--rejects: the rejects file is CSV, name it .csv: {path}")


def write_rejects(path: Path, log: Path, rows: list[tuple[int, str]], excel: bool = False) -> None:
    """Rejected rows as CSV: file, line, reason; with a UTF-8 BOM when the run writes for Excel (`excel`), which
    reads a CSV without one in the machine's ANSI code page (an Arabic file name or reason turns to mojibake)."""
    import csv

    from ..neutralise import csv_cell

    with AtomicFile(path) as file:
        writer = csv.writer(file.open("w", newline="", encoding="utf-8-sig" if excel else "utf-8"))
        writer.writerow(["file", "line", "reason"])
        for line, reason in sorted(rows):
            writer.writerow([csv_cell(str(log)), line, csv_cell(reason)])
