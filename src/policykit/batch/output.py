"""Where verdicts go, written as results arrive: JSONL (the `check` JSON), Parquet (nested) or CSV (flat)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pyarrow as pa

from ..diagnostics import PolicykitError

OUT_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".csv": "csv"}


def out_format(out: str | None) -> str:
    """The output format named by the output file's extension (JSONL to stdout without one)."""
    if out is None:
        return "jsonl"
    for suffix, fmt in OUT_FORMATS.items():
        if str(out).lower().endswith(suffix):
            return fmt
    raise PolicykitError.single("usage", f"--out must end in .jsonl, .parquet or .csv: {out}")


class Spooled(str):
    """A temp file holding judged payloads (JSONL text or an Arrow stream), written by a worker."""


def spool(payloads: list, prefix: str = "policykit-part-") -> "Spooled | None":
    """Write a worker's payloads to one temp file, so they need not be pickled back to the parent."""
    if not payloads:
        return None
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=".part")
    if isinstance(payloads[0], str):
        with open(handle, "w", encoding="utf-8") as sink:
            sink.writelines(payloads)
    else:
        with open(handle, "wb") as sink, pa.ipc.new_stream(sink, payloads[0].schema) as writer:
            for table in payloads:
                writer.write_table(table)
    return Spooled(name)


class OutputSink:
    """Writes each judged group's payload in order; can start over (when the log proves not grouped)."""

    def __init__(self, fmt: str, out: str | None, stdout, policy) -> None:
        self.fmt, self.out, self.stdout, self.policy = fmt, out, stdout, policy
        self.rule_ids = [r.id for r in policy.rules]
        self.written = False
        self._open()

    def _open(self) -> None:
        self.handle = self.writer = None
        self.header = True
        if self.fmt == "jsonl":
            # to stdout through a temp file, so that a log found ungrouped half-way can start over
            self.handle = open(self.out, "w", encoding="utf-8") if self.out else tempfile.TemporaryFile(
                "w+", encoding="utf-8")
        elif self.fmt == "parquet":
            import pyarrow.parquet as pq

            from .tabular import schema

            # statistics only on the top-level columns people filter on: the nested ones cost a third of the write
            self.writer = pq.ParquetWriter(self.out, schema(self.policy.calendar.timezone), compression="snappy",
                                           write_statistics=["case_id", "status", "as_of", "compensation"])
        else:
            self.handle = open(self.out, "wb")

    def write(self, payload) -> None:
        """Append one group's verdicts (or a spooled file of them, which is then removed)."""
        if isinstance(payload, Spooled):
            try:
                if self.fmt == "jsonl":
                    with open(payload, encoding="utf-8") as source:
                        shutil.copyfileobj(source, self.handle)
                else:
                    with pa.memory_map(payload) as source:
                        for batch in pa.ipc.open_stream(source):
                            self.write(pa.Table.from_batches([batch]))
            finally:
                os.unlink(payload)
            return
        self.written = True
        if self.fmt == "jsonl":
            self.handle.write(payload)
        elif self.fmt == "parquet":
            self.writer.write_table(payload)
        else:
            import pyarrow.csv as pcsv

            from .tabular import flatten

            pcsv.write_csv(flatten(payload, self.rule_ids), self.handle,
                           pcsv.WriteOptions(include_header=self.header))
            self.header = False

    def restart(self) -> None:
        """Drop what was written and start again."""
        self._finish(copy=False)
        self._open()

    def close(self) -> None:
        """Finish the file (and copy JSONL to stdout when there is no output file)."""
        self._finish(copy=True)

    def _finish(self, copy: bool) -> None:
        if copy and self.fmt == "jsonl" and not self.out and self.handle is not None:
            self.handle.seek(0)
            shutil.copyfileobj(self.handle, self.stdout)
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def default_rejects(log: Path, out: str | None) -> Path:
    """Beside the output file, else beside the log."""
    base = Path(out) if out else log
    return base.with_name(base.name + ".rejects.csv")


def write_rejects(path: Path, log: Path, rows: list[tuple[int, str]]) -> None:
    """Rejected rows as CSV: file, line, reason."""
    import csv

    from ..neutralise import csv_cell

    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "line", "reason"])
        for line, reason in sorted(rows):
            writer.writerow([csv_cell(str(log)), line, csv_cell(reason)])
