"""Parquet logs judged row group by row group in the workers: cases across row-group boundaries, one-case row
groups and ungrouped logs all give the reference verdicts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from policykit.batch.runner import run_batch

AS_OF = "2025-09-01"


def _tabular(path):
    return {row["case_id"]: row for row in pq.read_table(path).to_pylist()}


@pytest.mark.parametrize("row_group_size", [7, 50, 333])
def test_row_groups_equal_reference(tmp_path, loggen, row_group_size):
    table = loggen.generate(4000, "harif", seed=row_group_size)
    log = tmp_path / "log.parquet"
    pq.write_table(table, log, row_group_size=row_group_size)
    assert pq.ParquetFile(log).metadata.num_row_groups > 5
    parallel = run_batch(log, "harif", AS_OF, out=str(tmp_path / "p.parquet"), workers=2)
    run_batch(log, "harif", AS_OF, out=str(tmp_path / "r.parquet"), workers=1, fast=False)
    expected = _tabular(tmp_path / "r.parquet")
    assert parallel.stats.cases == len(expected) > 300
    assert parallel.rows_read == table.num_rows
    assert _tabular(tmp_path / "p.parquet") == expected


@pytest.mark.parametrize("batch_rows", [64, 1000])
def test_row_groups_read_in_several_batches(tmp_path, loggen, monkeypatch, batch_rows):
    """A row group larger than one read (the bounded-memory path) gives what one read of it gives."""
    from policykit.batch import parallel_parquet

    table = loggen.generate(4000, "harif", seed=5)
    log = tmp_path / "log.parquet"
    pq.write_table(table, log, row_group_size=1500)
    whole = run_batch(log, "harif", AS_OF, out=str(tmp_path / "w.parquet"), workers=2)
    monkeypatch.setattr(parallel_parquet, "SUB_CHUNK_ROWS", batch_rows)  # the workers fork with it
    batched = run_batch(log, "harif", AS_OF, out=str(tmp_path / "b.parquet"), workers=2)
    assert batched.stats.by_status == whole.stats.by_status and batched.stats.cases == whole.stats.cases > 300
    assert _tabular(tmp_path / "b.parquet") == _tabular(tmp_path / "w.parquet")


def test_a_case_spanning_many_row_groups(tmp_path):
    rows = [{"case_id": "LONG", "type": "request_received", "at": f"2025-03-{d:02d}T10:00:00+03:00"}
            for d in range(1, 29)]
    rows[5]["type"] = "request_completed"
    rows.append({"case_id": "NEXT", "type": "request_completed", "at": "2025-03-02"})
    log = tmp_path / "log.parquet"
    pq.write_table(pa.Table.from_pylist(rows), log, row_group_size=4)
    run_batch(log, "harif", AS_OF, out=str(tmp_path / "p.parquet"), workers=2)
    run_batch(log, "harif", AS_OF, out=str(tmp_path / "r.parquet"), workers=1, fast=False)
    assert _tabular(tmp_path / "p.parquet") == _tabular(tmp_path / "r.parquet")
    assert set(_tabular(tmp_path / "p.parquet")) == {"LONG", "NEXT"}


def test_ungrouped_row_groups_fall_back_to_partitioning(tmp_path, loggen):
    table = loggen.generate(3000, "saddad", seed=9)
    shuffled = table.take(pa.array(np.random.default_rng(1).permutation(table.num_rows)))
    log = tmp_path / "log.parquet"
    pq.write_table(shuffled, log, row_group_size=200)
    summary = run_batch(log, "saddad", AS_OF, out=str(tmp_path / "p.parquet"), workers=2)
    run_batch(log, "saddad", AS_OF, out=str(tmp_path / "r.parquet"), workers=1, fast=False)
    assert summary.rows_read == table.num_rows  # counted once although the log was read twice
    assert _tabular(tmp_path / "p.parquet") == _tabular(tmp_path / "r.parquet")


def test_jsonl_verdicts_from_row_groups_equal_single_process(tmp_path, loggen):
    import json

    log = tmp_path / "log.parquet"
    pq.write_table(loggen.generate(3000, "saddad", seed=3), log, row_group_size=300)
    run_batch(log, "saddad", AS_OF, out=str(tmp_path / "two.jsonl"), workers=2)
    run_batch(log, "saddad", AS_OF, out=str(tmp_path / "one.jsonl"), workers=1)
    read = lambda p: {v["case_id"]: v for v in map(json.loads, p.read_text(encoding="utf-8").splitlines())}  # noqa
    assert read(tmp_path / "two.jsonl") == read(tmp_path / "one.jsonl")
    assert len(read(tmp_path / "one.jsonl")) > 300


def _cases_moved(table: pa.Table, order: np.ndarray) -> pa.Table:
    """The log with its cases (kept whole, each in its time order) in the order `order` of the sorted ids."""
    ids = np.array(table.column("case_id").to_pylist())
    distinct = np.unique(ids)
    rank = {case: k for k, case in enumerate(distinct[order])}
    return table.take(pa.array(np.argsort([rank[i] for i in ids], kind="stable")))


@pytest.mark.parametrize("how", ["reversed", "shuffled"])
def test_a_grouped_log_not_sorted_by_id_is_judged_without_partitioning(tmp_path, loggen, monkeypatch, how):
    """Sorted ids prove the grouping by their order alone; other grouped logs are proved by hashing the ids."""
    from policykit.batch import runner

    table = loggen.generate(6000, "harif", seed=12)
    cases = len(set(table.column("case_id").to_pylist()))
    order = np.arange(cases)[::-1] if how == "reversed" else np.random.default_rng(3).permutation(cases)
    log = tmp_path / "log.parquet"
    pq.write_table(_cases_moved(table, order), log, row_group_size=2000)
    run_batch(log, "harif", AS_OF, out=str(tmp_path / "r.parquet"), workers=1, fast=False)

    def refused(*args, **kwargs):
        raise AssertionError("a grouped log was partitioned")

    monkeypatch.setattr(runner, "Partitioner", refused)
    run_batch(log, "harif", AS_OF, out=str(tmp_path / "p.parquet"), workers=2)
    assert _tabular(tmp_path / "p.parquet") == _tabular(tmp_path / "r.parquet")


@pytest.mark.parametrize("where", ["first", "middle"])
def test_an_id_seen_again_in_a_sorted_log_is_partitioned(tmp_path, loggen, where):
    """A log sorted by id but for one case whose rows are split (some moved to the end): not grouped, however
    ordered the rest is; the verdicts are the reference's, that case judged whole."""
    table = loggen.generate(6000, "harif", seed=13)
    ids = table.column("case_id").to_pylist()
    distinct = sorted(set(ids))
    moved = distinct[1] if where == "first" else distinct[len(distinct) // 2]
    rows = [k for k, case in enumerate(ids) if case == moved]
    assert len(rows) >= 2
    keep = [k for k in range(len(ids)) if k != rows[-1]]
    log = tmp_path / "log.parquet"
    pq.write_table(table.take(pa.array(keep + [rows[-1]])), log, row_group_size=2000)
    summary = run_batch(log, "harif", AS_OF, out=str(tmp_path / "p.parquet"), workers=2)
    run_batch(log, "harif", AS_OF, out=str(tmp_path / "r.parquet"), workers=1, fast=False)
    assert summary.rows_read == table.num_rows
    assert _tabular(tmp_path / "p.parquet") == _tabular(tmp_path / "r.parquet")


def test_a_log_sorted_by_id_is_proved_grouped_without_hashing(tmp_path, loggen, monkeypatch):
    """The generated logs are sorted by id, as exports usually are: no id is hashed to prove them grouped."""
    from policykit.batch import parallel_parquet

    table = loggen.generate(6000, "harif", seed=14)
    ids = table.column("case_id").to_pylist()
    assert ids == sorted(ids)
    log = tmp_path / "log.parquet"
    pq.write_table(table, log, row_group_size=2000)
    run_batch(log, "harif", AS_OF, out=str(tmp_path / "r.parquet"), workers=1, fast=False)

    def refused(*args, **kwargs):
        raise AssertionError("ids hashed")

    monkeypatch.setattr(parallel_parquet, "hash_ids", refused)  # the workers fork with it
    run_batch(log, "harif", AS_OF, out=str(tmp_path / "p.parquet"), workers=2)
    assert _tabular(tmp_path / "p.parquet") == _tabular(tmp_path / "r.parquet")


def test_mapped_headers_are_read_in_the_row_groups_too(tmp_path, loggen):
    """An export whose headers are mapped (`--column case_id="رقم الطلب"`) in a Parquet file of several row groups,
    judged by more than one worker (the default: every core), was an internal error (exit 70, KeyError 'case_id'):
    the workers read only the columns named as policykit names them. They read the mapped ones too."""
    import io

    from policykit.cli import main

    table = loggen.generate(2000, "harif", seed=11)
    table = table.rename_columns(["رقم الطلب" if n == "case_id" else "نوع الحدث" if n == "type" else n
                                  for n in table.column_names])
    log = tmp_path / "log.parquet"
    pq.write_table(table, log, row_group_size=300)
    assert pq.ParquetFile(log).metadata.num_row_groups > 5
    mapped = ["--column", "case_id=رقم الطلب", "--column", "type=نوع الحدث"]
    codes = {}
    for workers in ("1", "2"):
        err = io.StringIO()
        codes[workers] = main(["batch", str(log), "--policy", "harif", "--as-of", AS_OF, *mapped, "--workers",
                               workers, "--out", str(tmp_path / f"w{workers}.parquet")], io.StringIO(), err)
        assert "internal error" not in err.getvalue(), err.getvalue()
    assert codes["1"] == codes["2"] != 70
    assert _tabular(tmp_path / "w2.parquet") == _tabular(tmp_path / "w1.parquet")
    assert len(_tabular(tmp_path / "w1.parquet")) > 100


def test_messy_attributes_read_as_dictionaries_give_the_clean_logs_verdicts(tmp_path, loggen):
    """The workers read a Parquet log's attribute columns dictionary-encoded and trim and check each distinct
    value once. Across row groups, padded and blank channels and outcomes give the verdicts of the same log
    written clean; mistyped ones are rejected row by row, with the suggestion; and the one-process reference
    path (every case through `evaluate()`) agrees."""
    table = loggen.generate(3000, "harif", seed=23)
    rng = np.random.default_rng(23)
    padded = {name: table.column(name).to_pylist() for name in ("channel", "outcome")}
    clean = {name: list(values) for name, values in padded.items()}
    for name, values in padded.items():
        for row in rng.choice(len(values), size=len(values) // 5, replace=False).tolist():
            if values[row] is None:
                values[row] = ["", "  ", None][int(rng.integers(3))]
            else:
                values[row] = [f" {values[row]}", f"{values[row]}  ", f"\t{values[row]}"][int(rng.integers(3))]
    wrong = {"channel": ("Phone", "did you mean 'phone'?"), "outcome": ("maybe", None)}
    mistyped = {}
    for name, (value, _) in wrong.items():
        taken = {r for rows in mistyped.values() for r in rows}  # one mistake a row: each row rejected once
        rows = [r for r, v in enumerate(clean[name]) if v is not None and r not in taken][:7]
        for row in rows:
            padded[name][row] = value
        mistyped[name] = rows

    def written(columns, path):
        out = table
        for name, values in columns.items():
            out = out.set_column(out.column_names.index(name), name, pa.array(values, pa.string()))
        pq.write_table(out, path, row_group_size=400)
        assert pq.ParquetFile(path).metadata.num_row_groups > 5

    written(padded, tmp_path / "messy.parquet")
    for name, rows in mistyped.items():
        for row in rows:
            clean[name][row] = wrong[name][0]
    written(clean, tmp_path / "clean.parquet")
    lines = {}
    for log, workers, fast in (("messy", 2, True), ("clean", 2, True), ("messy", 1, False)):
        key = f"{log}-{workers}"
        summary = run_batch(tmp_path / f"{log}.parquet", "harif", AS_OF, out=str(tmp_path / f"{key}.jsonl"),
                            workers=workers, fast=fast, rejects_path=str(tmp_path / f"{key}.rejects.csv"))
        assert summary.rejected == 14
        rejects = (tmp_path / f"{key}.rejects.csv").read_text(encoding="utf-8")
        assert rejects.count("unknown channel in column 'channel'; did you mean 'phone'?") == 7
        assert rejects.count("unknown outcome in column 'outcome'") == 7
        lines[key] = sorted((tmp_path / f"{key}.jsonl").read_text(encoding="utf-8").splitlines())
    assert lines["messy-2"] == lines["clean-2"] == lines["messy-1"] and len(lines["clean-2"]) > 300
