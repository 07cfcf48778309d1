"""Run a batch audit: read and check rows, group them by case, judge groups on every core, write verdicts.

Grouping: a log exported grouped by case (each case's rows together, the usual export) is streamed in chunks
cut at case boundaries, judged while it is read, in bounded memory.  The moment a case id reappears after its
group ended, the stream stops and the log is re-read through a hash partition into temp files (bounded memory
too, at the cost of a second read)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa

from ..atomic import check_outputs
from ..case import Vocabulary
from ..config import AtRisk, Settings, load_settings
from ..diagnostics import PolicykitError, Span
from .. import limits
from ..engine import as_instant
from ..loader import load_policy, policy_file
from ..source import open_regular
from ..timeparse import zone
from ..vocabulary import FACTS
from .columns import ATTRIBUTES, LINE, REQUIRED, LogColumns, classify
from .normalize import LogShape, normalise
from .grouping import NotGrouped, grouped_chunks
from .output import OutputSink, check_rejects_name, default_rejects, out_format, write_rejects
from .partition import Partitioner, group, load_grouped, partition_count
from .progress import NoProgress
from .csv_dialect import detect as detect_dialect
from .log_options import LogOptions
from .readers import check_parquet_columns, column_names, log_format as detect_format, parquet_file, read_log
from .summary import Stats, Summary


@dataclass(frozen=True)
class Job:
    """What a worker needs to judge a group of cases (all picklable)."""

    policy: object  # a policy id or path (loaded once per worker), or a loaded Policy
    as_of: str
    # the configuration as read where the run was planned (a worker, an executor of Spark or Dask, reads none:
    # its environment and working directory need not be the caller's): the reading asked for or configured
    # (None: each deadline's default) and the warning window
    reading: str | None
    out_format: str
    attributes: tuple[str, ...]
    facts: tuple[str, ...]
    fast: bool
    at_risk: AtRisk

    @property
    def settings(self) -> Settings:
        """The run's configuration."""
        return Settings(self.reading, self.at_risk)


_POLICIES: dict[str, object] = {}


def _policy(ref):
    if not isinstance(ref, str):
        return ref  # a loaded Policy (judge_table's caller passed one)
    if ref not in _POLICIES:
        _POLICIES[ref] = load_policy(ref)
    return _POLICIES[ref]


def judge_grouped(table: pa.Table, bounds: np.ndarray, job: Job) -> tuple[object, Stats, list[tuple[int, str]]]:
    """Judge the grouped cases of `table`: (JSONL lines in UTF-8 as a list of byte pieces whose concatenation is
    the lines, or tabular Arrow table, stats, rejected rows)."""
    from .reference import cases_of, judge, mark_incomplete, rejected_counts
    from .tabular import rows_table, verdict_row
    from .verdicts_json import verdict_line

    policy = _policy(job.policy)
    as_of = dt.datetime.fromisoformat(job.as_of)
    counts = rejected_counts(table, bounds).tolist()
    stats = Stats(events=table.num_rows - sum(counts),
                  largest_case=int(np.diff(bounds).max()) if len(bounds) > 1 else 0)
    rejects: list[tuple[int, str]] = []
    if job.fast:
        from .columnar import columnar_verdicts

        return columnar_verdicts(policy, table, bounds, job, stats, rejects), stats, rejects
    # the reference path (fast=False, for the tests): evaluate() on each case
    if job.out_format == "jsonl":
        lines = []
        for rejected, (verdict, bad) in zip(counts, judge(policy, cases_of(table, bounds, job.attributes,
                                                                            job.facts), as_of, job.settings)):
            rejected += _rows(bad)
            lines.append(verdict_line(verdict, rejected).encode())
            stats.add_verdict_row(mark_incomplete(verdict_row(verdict), rejected))
            rejects.extend(bad)
        stats.fallback_cases = stats.cases
        return lines, stats, rejects
    rows = []
    for rejected, (verdict, bad) in zip(counts, judge(policy, cases_of(table, bounds, job.attributes, job.facts),
                                                      as_of, job.settings)):
        rejected += _rows(bad)
        row = mark_incomplete(verdict_row(verdict), rejected)
        rows.append(row)
        stats.add_verdict_row(row)
        rejects.extend(bad)
    stats.fallback_cases = stats.cases
    return rows_table(rows, policy.calendar.timezone), stats, rejects


def _rows(rejects: list[tuple[int, str]]) -> int:
    """How many rows `rejects` names (a row rejected for two of its facts is one rejected row)."""
    return len({line for line, _ in rejects})


def _judge_chunk(raw: pa.Table, job: Job, shape: LogShape, codes: np.ndarray | None = None):
    """Normalise, group and judge raw rows of whole cases (with a `line` column): (payload, stats, rejects).
    Every batch path (streamed chunks, row groups, their edges) and `judge_table` go through here; `codes`, when
    the caller has them, number each row's case (trimmed id) in order of first appearance."""
    if raw.num_rows == 0:
        return None, Stats(), []
    batch, bad = normalise(raw.combine_chunks().to_batches()[0], shape)
    if codes is not None and batch.num_rows != len(codes):
        codes = None  # rows without a case id were dropped
    payload, stats, more = judge_grouped(*group(pa.Table.from_batches([batch]), codes), job)
    return payload, stats, bad + more


def admit(stats: Stats, cases_before: int, where: Span, bounds: limits.Limits) -> None:
    """Check a judged group against the limits before its verdicts are written: no case over the events-per-case
    limit, the batch's cases (the `cases_before` judged so far and the group's) within the cases-per-batch limit.
    `policykit batch`, `judge_table` and the engines built on it refuse a log so, with the same errors."""
    limits.check_events(stats.largest_case, where, bounds)
    limits.check_cases(cases_before + stats.cases, where, bounds)


def _judge_partition(path: Path, job: Job):
    """Judge one partition file in slices of whole cases (bounded memory); payloads spooled to a temp file."""
    from .output import spool
    from .parallel_parquet import SUB_CHUNK_ROWS
    from .process_setup import give_back_memory

    table, bounds = load_grouped(path)
    payloads, stats, rejects = [], Stats(), []
    first = 0
    while first < len(bounds) - 1:
        last = int(np.searchsorted(bounds, bounds[first] + SUB_CHUNK_ROWS, side="right")) - 1
        last = max(last, first + 1)
        lo, hi = int(bounds[first]), int(bounds[last])
        payload, part_stats, bad = judge_grouped(table.slice(lo, hi - lo), bounds[first:last + 1] - lo, job)
        payloads.append(payload)
        stats.merge(part_stats)
        rejects.extend(bad)
        first = last
    del table
    spooled = spool(payloads)
    give_back_memory()
    return spooled, stats, rejects


def _warm(policy, job: Job) -> None:
    """What each worker would do first, done once before they fork (they inherit it): the policy loaded, its
    versions compiled, the judging modules imported."""
    _POLICIES[job.policy] = policy
    if job.fast:
        from ..judge.compiled import compile_policy
        from . import columnar  # noqa: F401  (imported for the workers)

        for version in policy.versions:
            compile_policy(version, job.reading)


def plan(policy, policy_ref, as_of: dt.datetime | str, reading: str | None, fmt: str,
         fast: bool = True, date_format: str | None = None,
         settings: Settings | None = None) -> tuple[LogShape, Job]:
    """The normalised log's shape and the workers' job for a policy (`policy_ref`: what workers load, or the
    Policy itself); a bad `as_of` is an invalid-date error.  `settings` (default: read here, `load_settings`)
    give the reading when `reading` is None, and the warning window."""
    from ..judge.compiled import check_reading

    settings = settings if settings is not None else load_settings()
    reading = reading if reading is not None else settings.reading
    check_reading(reading)  # here, before any row: an engine's driver refuses it before any job
    vocab = Vocabulary.of(policy)
    try:
        instant = as_instant(as_of, zone(vocab.timezone))
    except ValueError as exc:  # TimeFormatError: the --as-of text is not an instant
        raise PolicykitError.single("invalid-date", str(exc), Span("--as-of")) from None
    shape = LogShape(log_columns(policy), vocab, date_format)
    job = Job(policy_ref, instant.isoformat(), reading, fmt, shape.columns.attributes, shape.columns.facts, fast,
              settings.at_risk)
    return shape, job


def log_columns(policy) -> LogColumns:
    """The columns the batch reads for `policy`: every canonical attribute and fact, and the policy's own facts, a
    column of the normalised log each (absent ones null), so rows of JSONL and XES logs need not share keys."""
    policy_facts = tuple(d.id for d in policy.facts)
    return LogColumns(ATTRIBUTES, tuple(dict.fromkeys([*FACTS, *policy_facts])), ())


def run_batch(log: str | os.PathLike, policy_ref: str, as_of: dt.datetime | str, *, reading: str | None = None,
              out: str | None = None, stdout=None, rejects_path: str | None = None, workers: int | None = None,
              log_format: str | None = None, fast: bool = True, progress: NoProgress | None = None,
              options: LogOptions | None = None, lang: str = "en", excel: bool = False,
              report: str | None = None, settings: Settings | None = None) -> Summary:
    """Judge every case of an event log; verdicts go to `out` (or JSONL on `stdout`), bad rows to the rejects file.

    `options` say how to read an export as it arrives: encoding, sheet, column headers, date form.  `settings`:
    the configuration (reading, at-risk window) as a caller read it (a service, at its start); default: read here."""
    started = time.perf_counter()
    from .process_setup import steady_allocation

    steady_allocation()
    progress = progress or NoProgress()
    log = Path(log)
    fmt = out_format(out)
    if not os.path.lexists(log):
        raise PolicykitError.single("file-not-found", "no such log file", Span(str(log)))
    os.close(open_regular(str(log)))  # a FIFO, device or directory is refused by what it is, never waited on
    detect_format(log, log_format)
    rejects_file = Path(rejects_path) if rejects_path else default_rejects(log, out)
    check_rejects_name(rejects_file)
    # refused before any work: an output that would overwrite the log or the policy, or that cannot be written
    check_outputs({"--out": out, "--rejects": rejects_file, "--report": report},
                  inputs=(log, policy_file(policy_ref)))
    policy = load_policy(policy_ref)
    options = options or LogOptions()
    shape, job = plan(policy, str(policy_ref), as_of, reading, fmt, fast, options.date_format, settings)
    _warm(policy, job)
    limits.check_batch_bytes(log.stat().st_size, Span(str(log)))
    if detect_format(log, log_format) == "parquet":
        # what the reader holds: the columns decompressed (a few kilobytes of zstd can hold gigabytes of text)
        metadata = parquet_file(log).metadata
        limits.check_batch_bytes(sum(metadata.row_group(g).total_byte_size for g in range(metadata.num_row_groups)),
                                 Span(str(log)), what="the log, uncompressed,")
    workers = max(1, workers or os.cpu_count() or 1)
    policy_facts = tuple(d.id for d in policy.facts)
    run = _Run(log, log_format, shape, job, workers, progress, policy_facts, options)
    sink = OutputSink(fmt, out, stdout, policy, lang, excel)
    audit = _audit_observer(sink, policy, dt.datetime.fromisoformat(job.as_of)) if report else None
    complete = False
    try:
        try:
            run.stream(sink)
        except NotGrouped:
            sink.restart()
            run.reset()
            run.partitioned(sink)
        complete = True
    finally:
        progress.stop()
        # a run that failed leaves an existing output file as it was, never half a new one
        try:
            if complete:
                sink.close()
            else:
                sink.discard()
        finally:  # the workers stopped even when the output could not be finished (a full disk)
            run.close()
    if run.rejects or (rejects_file.is_file() and rejects_file.stat().st_size):
        # a rejects file an earlier run left would pass for this run's: emptied to its header when none was
        write_rejects(rejects_file, log, run.rejects, excel=fmt == "xlsx" or excel)
    if audit is not None:
        from ..report.audit import write_report

        write_report(report, audit, lang, policy, source=out)
    return Summary(run.stats, run.rows_read, len(run.rejects), str(rejects_file) if run.rejects else None,
                   tuple(run.unknown), time.perf_counter() - started, out, fast, report,
                   tuple(run.names) if run.names is not None else None)


def _audit_observer(sink: OutputSink, policy, as_of: dt.datetime):
    """The audit report's figures, gathered from each payload the sink writes; restarted with the sink. The
    policy and the as-of instant are the run's, so a report of no case still says which and when."""
    from ..report.audit import AuditData

    def fresh() -> dict:
        return {"tz": policy.calendar.timezone, "policy": policy.id, "as_of": as_of}

    audit = AuditData(**fresh())

    def observe(payload) -> None:
        if isinstance(payload, list):  # JSONL lines
            audit.add_json_lines(b"".join(payload).decode())
        elif isinstance(payload, bytes):  # a line of a spooled file
            audit.add_json_lines(payload.decode())
        else:
            audit.add_table(payload)

    sink.observer = observe
    restart = sink.restart

    def restart_all() -> None:
        audit.__init__(**fresh())
        restart()

    sink.restart = restart_all
    return audit


class _Run:
    """The state of one batch run: reading, grouping, the worker pool and the counts."""

    def __init__(self, log: Path, log_format: str | None, shape: LogShape, job: Job, workers: int,
                 progress: NoProgress, policy_facts: tuple[str, ...], options: LogOptions | None = None) -> None:
        self.log, self.log_format, self.shape, self.job = log, log_format, shape, job
        self.workers, self.progress, self.policy_facts = workers, progress, policy_facts
        self.options = options or LogOptions()
        kind = detect_format(log, log_format)
        self.dialect = detect_dialect(log, self.options.encoding) if kind == "csv" else None
        self.names = column_names(log, log_format, self.dialect, self.options.sheet)
        if self.options.columns:
            self.options.columns.check_targets(shape.columns.known)
        if self.names is not None and self.options.columns:
            self.options.columns.check(self.names, str(log))
            self.names = self.options.columns.apply(self.names)
        if self.names is not None:
            header_line = 1 if detect_format(log, log_format) == "csv" else None
            missing = [c for c in REQUIRED if c not in self.names]
            if missing:
                raise PolicykitError.single("invalid-log", f"the log has no {', '.join(missing)} column",
                                            Span(str(log), header_line),
                                            hint="a batch log needs case_id, type and at columns; map an export's own "
                                            "headers with --column case_id=HEADER or --columns MAP.yaml")
            # two columns of one name that the batch reads: which one holds the data cannot be told
            read = set(shape.columns.known)
            twice = sorted({n for n in self.names if n in read and self.names.count(n) > 1})
            if twice:
                raise PolicykitError.single("duplicate-column", f"column '{twice[0]}' appears "
                                            f"{self.names.count(twice[0])} times in the header",
                                            Span(str(log), header_line), hint="rename or remove all but one")
            if kind == "parquet" and not self.options.columns:
                check_parquet_columns(log, read)
        self.estimated = _estimate_rows(log, log_format)
        self.limits = limits.current()
        self.pool = None
        self.reset()

    def reset(self) -> None:
        """Forget counts (before re-reading the log)."""
        self.stats = Stats()
        self.rejects: list[tuple[int, str]] = []
        self.unknown: dict[str, None] = {}
        self.rows_read = 0

    def _rejected_on_read(self, line: int, reason: str) -> None:
        """A row the reader rejects (not UTF-8, too long, the wrong number of fields): a row read all the same."""
        self.rejects.append((line, reason))
        self.rows_read += 1
        self.progress.advance(1)

    def _raw_batches(self, label: str) -> Iterator[pa.RecordBatch]:
        """The log's batches with only the known columns, unknown columns recorded on the way."""
        self.progress.start(label, self.estimated, "rows", exact=detect_format(self.log, self.log_format) == "parquet")
        known = set(self.shape.columns.known) | {LINE}
        seen: set[str] = set()  # JSONL and XES keys, for a mapped header that no row has
        for raw in read_log(self.log, self._rejected_on_read, self.log_format,
                            dialect=self.dialect, sheet=self.options.sheet,
                            columns=known | set(self.options.columns.renames) if self.options.columns else known):
            if self.options.columns:
                if self.names is None:
                    seen.update(raw.schema.names[1:])
                raw = pa.RecordBatch.from_arrays(raw.columns, names=self.options.columns.apply(raw.schema.names))
            # the reader's own line column comes first; every other name is the log's
            columns = classify(self.names if self.names is not None else list(raw.schema.names[1:]),
                               self.policy_facts)
            self.unknown.update(dict.fromkeys(columns.unknown))
            keep = [name for name in raw.schema.names if name in known]
            arrays = [raw.column(n) for n in keep]
            if self.names is None:
                # JSONL and XES batches differ in keys and cell types: text throughout, so chunks concatenate
                arrays = [a if n == LINE or pa.types.is_string(a.type) else a.cast(pa.string())
                          for n, a in zip(keep, arrays)]
            raw = pa.RecordBatch.from_arrays(arrays, names=keep)
            self.rows_read += raw.num_rows
            self.progress.advance(raw.num_rows)
            yield raw
        if self.names is None and self.options.columns and self.rows_read:
            self.options.columns.check_seen(seen, str(self.log))

    def _batches(self, label: str) -> Iterator[pa.RecordBatch]:
        """Normalised batches of the log, rejects recorded on the way."""
        for raw in self._raw_batches(label):
            batch, bad = normalise(raw, self.shape)
            self.rejects.extend(bad)
            yield batch

    def stream(self, sink: OutputSink) -> None:
        """Judge a grouped log chunk by chunk while it is read; NotGrouped as soon as it proves not to be."""
        if self.workers > 1 and detect_format(self.log, self.log_format) == "parquet" and _row_groups(self.log) > 1:
            from .parallel_parquet import run_row_groups

            return run_row_groups(self, sink)
        chunks = grouped_chunks(self._raw_batches("reading + judging"))
        self._drain(sink, ((_judge_chunk, chunk) for chunk in chunks), extra=(self.shape,))

    def partitioned(self, sink: OutputSink) -> None:
        """Hash-partition the log into temp files, then judge each partition."""
        count = partition_count(self.estimated, self.workers)
        self.partitioner = Partitioner(count, self.shape.stored_schema())
        for batch in self._batches("partitioning (log not grouped by case)"):
            self.partitioner.add(batch)
        paths = self.partitioner.finish()
        self.progress.start("judging", len(paths), "partitions")
        self._drain(sink, ((_judge_partition, path) for path in paths), advance=True)

    def admit(self, stats: Stats) -> None:
        """Check a judged group against the limits before its verdicts are written (`admit`)."""
        admit(stats, self.stats.cases, Span(str(self.log)), self.limits)

    def _drain(self, sink: OutputSink, tasks, advance: bool = False, extra: tuple = ()) -> None:
        """Run tasks on the pool with a bounded number in flight, writing results in order."""
        def take(result) -> None:
            payload, stats, bad = result
            self.admit(stats)
            if payload is not None:
                sink.write(payload)
            self.stats.merge(stats)
            self.rejects.extend(bad)
            if advance:
                self.progress.advance(1)

        if self.workers == 1:
            for fn, arg in tasks:
                take(fn(arg, self.job, *extra))
            return
        pool = self._pool()
        pending: deque = deque()
        for fn, arg in tasks:
            pending.append(pool.submit(fn, arg, self.job, *extra))
            while len(pending) > 2 * self.workers:
                take(pending.popleft().result())
        while pending:
            take(pending.popleft().result())

    def _pool(self):
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
            from .process_setup import worker_init

            # the workers' spooled payloads in a folder of the run's own: those of groups judged after a
            # failure (or before a restart) are never read, and go with the folder
            self.spool_dir = tempfile.mkdtemp(prefix="policykit-spool-")
            self.pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=worker_init,
                                            initargs=(self.spool_dir,))
        return self.pool

    def close(self) -> None:
        """Stop workers and remove temp files."""
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)  # waits for the running tasks: nothing spools after it
            shutil.rmtree(self.spool_dir, ignore_errors=True)
        partitioner = getattr(self, "partitioner", None)
        if partitioner is not None:
            partitioner.cleanup()


def _row_groups(path: Path) -> int:
    return parquet_file(path).metadata.num_row_groups


def _estimate_rows(path: Path, fmt: str | None) -> int:
    if detect_format(path, fmt) == "parquet":
        return parquet_file(path).metadata.num_rows
    return max(1, path.stat().st_size // 80)
