"""Run a batch audit: read and check rows, partition by case, judge partitions on every core, write outputs."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pyarrow as pa

from ..case import Vocabulary
from ..diagnostics import PolicykitError, Span
from ..evaluate import as_instant
from ..loader import load_policy
from ..vocabulary import FACTS
from .columns import ATTRIBUTES, LogColumns, classify
from .normalize import LogShape, normalise
from .partition import Partitioner, load_grouped, partition_count
from .progress import NoProgress
from .readers import column_names, read_log
from .summary import Stats, Summary
from .tabular import rows_table, verdict_row

OUT_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".csv": "csv"}


@dataclass(frozen=True)
class Job:
    """What a worker needs to judge one partition (all picklable)."""

    policy: str
    as_of: str
    reading: str | None
    out_format: str
    attributes: tuple[str, ...]
    facts: tuple[str, ...]
    fast: bool
    workdir: str


_POLICIES: dict[str, object] = {}


def _policy(ref: str):
    if ref not in _POLICIES:
        _POLICIES[ref] = load_policy(ref)
    return _POLICIES[ref]


def judge_partition(path: Path, job: Job) -> tuple[str, Stats, list[tuple[int, str]]]:
    """Judge every case of one partition file; returns (output part file, stats, rejected rows)."""
    from .reference import cases_of, judge

    policy = _policy(job.policy)
    as_of = dt.datetime.fromisoformat(job.as_of)
    table, bounds = load_grouped(path)
    stats = Stats(events=table.num_rows)
    rejects: list[tuple[int, str]] = []
    part = Path(job.workdir) / (path.stem + ".out")
    if job.out_format == "jsonl":
        with open(part, "w", encoding="utf-8") as out:
            for verdict, bad in judge(policy, cases_of(table, bounds, job.attributes, job.facts), as_of, job.reading):
                out.write(json.dumps(verdict.to_json_dict(), ensure_ascii=False) + "\n")
                stats.add_verdict_row(verdict_row(verdict))
                rejects.extend(bad)
        stats.fallback_cases = stats.cases
        return str(part), stats, rejects
    result = None
    if job.fast:
        from .columnar import columnar_verdicts

        result = columnar_verdicts(policy, table, bounds, job, stats, rejects)
    if result is None:
        rows = []
        for verdict, bad in judge(policy, cases_of(table, bounds, job.attributes, job.facts), as_of, job.reading):
            row = verdict_row(verdict)
            rows.append(row)
            stats.add_verdict_row(row)
            rejects.extend(bad)
        stats.fallback_cases = stats.cases
        result = rows_table(rows)
    with pa.OSFile(str(part), "wb") as sink, pa.ipc.new_stream(sink, result.schema) as writer:
        writer.write_table(result)
    return str(part), stats, rejects


def _judge_star(args):
    return judge_partition(*args)


def out_format(out: str | None) -> str:
    """The output format named by the output file's extension (JSONL to stdout without one)."""
    if out is None:
        return "jsonl"
    for suffix, fmt in OUT_FORMATS.items():
        if str(out).lower().endswith(suffix):
            return fmt
    raise PolicykitError.single("usage", f"--out must end in .jsonl, .parquet or .csv: {out}")


def _estimate_rows(path: Path, fmt: str | None) -> int:
    from .readers import log_format

    if log_format(path, fmt) == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    return max(1, path.stat().st_size // 80)


def run_batch(log: str | os.PathLike, policy_ref: str, as_of: dt.datetime | str, *, reading: str | None = None,
              out: str | None = None, stdout=None, rejects_path: str | None = None, workers: int | None = None,
              log_format: str | None = None, fast: bool = True, progress: NoProgress | None = None) -> Summary:
    """Judge every case of an event log; verdicts go to `out` (or JSONL on `stdout`), bad rows to the rejects file."""
    from .. import limits

    started = time.perf_counter()
    progress = progress or NoProgress()
    log = Path(log)
    fmt = out_format(out)
    policy = load_policy(policy_ref)
    vocab = Vocabulary.of(policy)
    instant = as_instant(as_of, vocab_tz(vocab))
    if not log.is_file():
        raise PolicykitError.single("file-not-found", "no such log file", Span(str(log)))
    limits.check_batch_bytes(log.stat().st_size, Span(str(log)))
    workers = workers or os.cpu_count() or 1
    rejects_file = Path(rejects_path) if rejects_path else _default_rejects(log, out)
    reject_rows: list[tuple[int, str]] = []
    read_rejects = lambda line, reason: reject_rows.append((line, reason))  # noqa: E731
    policy_facts = tuple(d.id for d in policy.facts)
    names = column_names(log, log_format)
    estimated = _estimate_rows(log, log_format)
    count = partition_count(estimated, workers)
    # every canonical attribute and fact is a column of the normalised log, absent ones null: rows of
    # JSONL and XES logs need not share keys
    shape = LogShape(LogColumns(ATTRIBUTES, tuple(dict.fromkeys([*FACTS, *policy_facts])), ()), vocab)
    partitioner = Partitioner(count, shape.schema())
    unknown: dict[str, None] = {}
    rows_read = 0
    progress.start("reading", estimated)
    try:
        for raw in read_log(log, read_rejects, log_format):
            columns = classify(names if names is not None else list(raw.schema.names), policy_facts)
            unknown.update(dict.fromkeys(columns.unknown))
            batch, bad = normalise(raw, shape)
            reject_rows.extend(bad)
            partitioner.add(batch)
            rows_read += raw.num_rows
            progress.advance(raw.num_rows)
        paths = partitioner.finish()
        job = Job(policy_ref if not hasattr(policy_ref, "id") else policy_ref, instant.isoformat(), reading, fmt,
                  shape.columns.attributes, shape.columns.facts, fast, partitioner.dir.name)
        stats = Stats()
        progress.start("judging", len(paths))
        parts = []
        for part, part_stats, bad in _map(paths, job, workers):
            parts.append(part)
            stats.merge(part_stats)
            reject_rows.extend(bad)
            progress.advance(1)
        limits.check_cases(stats.cases, Span(str(log)))
        _write_output(parts, fmt, out, stdout, policy)
    finally:
        progress.stop()
        if partitioner is not None:
            partitioner.cleanup()
    if reject_rows:
        _write_rejects(rejects_file, log, reject_rows)
    return Summary(stats, rows_read, len(reject_rows), str(rejects_file) if reject_rows else None,
                   tuple(unknown), time.perf_counter() - started, out, fast)


def vocab_tz(vocab: Vocabulary):
    """The time zone cases of this vocabulary are local to."""
    from ..timeparse import zone

    return zone(vocab.timezone)


def _map(paths: list[Path], job: Job, workers: int) -> Iterator[tuple[str, Stats, list]]:
    if workers <= 1 or len(paths) <= 1:
        for path in paths:
            yield judge_partition(path, job)
        return
    import multiprocessing

    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with context.Pool(min(workers, len(paths))) as pool:
        yield from pool.imap(_judge_star, [(p, job) for p in paths])


def _default_rejects(log: Path, out: str | None) -> Path:
    base = Path(out) if out else log
    return base.with_name(base.name + ".rejects.csv")


def _write_rejects(path: Path, log: Path, rows: list[tuple[int, str]]) -> None:
    import csv

    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "line", "reason"])
        for line, reason in sorted(rows):
            writer.writerow([str(log), line, reason])


def _write_output(parts: list[str], fmt: str, out: str | None, stdout, policy) -> None:
    if fmt == "jsonl":
        target = open(out, "w", encoding="utf-8") if out else None
        try:
            for part in parts:
                with open(part, encoding="utf-8") as handle:
                    for line in handle:
                        (target or stdout).write(line)
        finally:
            if target:
                target.close()
        return
    from .tabular import SCHEMA, flatten

    if fmt == "parquet":
        import pyarrow.parquet as pq

        with pq.ParquetWriter(out, SCHEMA, compression="zstd") as writer:
            for part in parts:
                with pa.memory_map(part) as source:
                    writer.write_table(pa.ipc.open_stream(source).read_all())
        return
    import pyarrow.csv as pcsv

    rule_ids = [r.id for r in policy.rules]
    with open(out, "wb") as sink:
        for i, part in enumerate(parts):
            with pa.memory_map(part) as source:
                table = flatten(pa.ipc.open_stream(source).read_all(), rule_ids)
            pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=(i == 0)))
