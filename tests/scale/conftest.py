"""Shared fixtures of the scale-out tests: a small log split across files, its batch verdicts, and `needed`,
which skips a test whose component is absent, except in CI (CI=true), where the absence is a failure."""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-01-01T00:00:00+03:00"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def needed(module: str):
    """Import `module`; skip with the reason when it is missing, but fail in CI."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if IN_CI:
            raise
        pytest.skip(f"{module} is not installed ({exc}); pip install '.[all]'")


def _bench(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _split(table, parts: Path, row_group_size: int) -> Path:
    """`table`'s rows in three Parquet files in `parts`, each row with its line number in the whole table."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts.mkdir()
    table = table.append_column("line", pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64)))
    size = -(-table.num_rows // 3)
    for i in range(3):
        pq.write_table(table.slice(i * size, size), parts / f"part-{i}.parquet", row_group_size=row_group_size)
    return parts


@pytest.fixture(scope="session")
def split_log(tmp_path_factory):
    """(whole log file, directory of the same rows shuffled and split across three Parquet files with their
    line numbers in the whole file, batch's verdict table of the whole file)."""
    import pyarrow.parquet as pq

    from policykit.batch import run_batch

    base = tmp_path_factory.mktemp("split-log")
    table = _bench("loggen").generate(2500, seed=7, shuffle=True)  # shuffled: each case is spread over every file
    whole = base / "log.parquet"
    pq.write_table(table, whole)
    parts = _split(table, base / "parts", 300)
    out = base / "verdicts.parquet"
    run_batch(whole, "harif", AS_OF, out=str(out), workers=1)
    return whole, parts, pq.read_table(out)


@pytest.fixture(scope="session")
def dirty_log(tmp_path_factory):
    """(directory of a log with rejected rows split across three Parquet files with their line numbers, batch's
    verdict table of the whole log, batch's rejects as (line, reason)): unknown event types, a date that is
    none, a fact that contradicts its case's earlier value, a row without a case id, a case whose every row is
    rejected; each case's rows in several files."""
    import csv

    import pyarrow as pa
    import pyarrow.parquet as pq

    from policykit.batch import run_batch

    base = tmp_path_factory.mktemp("dirty-log")
    table = _bench("loggen").generate(600, seed=11, shuffle=True)
    table = table.set_column(table.schema.get_field_index("type"), "type", table.column("type").cast(pa.string()))
    table = table.set_column(table.schema.get_field_index("at"), "at", table.column("at").cast(pa.string()))
    harm = table.schema.get_field_index("association_caused_harm")
    table = table.set_column(harm, "association_caused_harm", table.column(harm).cast(pa.string()))
    rows = table.to_pylist()
    first = rows[0]["case_id"]
    extra = [{"case_id": first, "type": "no_such_event", "at": "2025-03-02T09:00:00+03:00"},
             {"case_id": rows[1]["case_id"], "type": "request_completed", "at": "not a date"},
             {"case_id": first, "type": "request_completed", "at": "2025-03-02T10:00:00+03:00",
              "association_caused_harm": "true"},
             {"case_id": first, "type": "data_verified", "at": "2025-03-02T11:00:00+03:00",
              "association_caused_harm": "false"},  # contradicts the row before
             {"case_id": "  ", "type": "request_received", "at": "2025-03-02T09:00:00+03:00"},
             {"case_id": "ALL-REJECTED", "type": "bogus", "at": "2025-03-02T09:00:00+03:00"},
             {"case_id": "ALL-REJECTED", "type": "request_received", "at": "31/31/2025"}]
    for i, row in enumerate(extra):  # spread over the files
        rows.insert(i * (len(rows) // len(extra)), row)
    table = pa.Table.from_pylist(rows, schema=table.schema)
    whole = base / "log.parquet"
    pq.write_table(table, whole)
    out, rejects = base / "verdicts.parquet", base / "rejects.csv"
    run_batch(whole, "harif", AS_OF, out=str(out), rejects_path=str(rejects), workers=1)
    with open(rejects, encoding="utf-8", newline="") as file:
        rejected = [(int(row["line"]), row["reason"]) for row in csv.DictReader(file)]
    assert len(rejected) >= len(extra) - 1  # of the two facts, the one that contradicts the first value
    assert any("contradicts" in reason for _, reason in rejected)
    return _split(table, base / "parts", 100), pq.read_table(out), sorted(rejected)


@pytest.fixture(scope="session")
def binary_log(tmp_path_factory):
    """(a Parquet log whose text columns are BINARY without the UTF8 annotation, as Impala and older Hive write
    them, one case id not UTF-8; batch's verdict table of it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from policykit.batch import run_batch

    base = tmp_path_factory.mktemp("binary-log")
    ids = [b"B-1", b"B-2 ", b"\xff\xfe", b"B-1", b"\xd8\xa3-3", b"B-2"]
    kinds = [b"request_received", b"request_received", b"request_received", b"request_completed",
             b"request_received", b"request_completed"]
    table = pa.table({"case_id": pa.array(ids, pa.binary()), "type": pa.array(kinds, pa.binary()),
                      "at": ["2025-03-02T09:00:00+03:00"] * 6, "channel": ["phone", "fax", "phone", None, "email", None]})
    path = base / "binary.parquet"
    pq.write_table(table, path)
    out = base / "verdicts.parquet"
    run_batch(path, "harif", AS_OF, out=str(out), workers=1)
    return path, pq.read_table(out)


POLICIES = ("green_energy", "saddad", "khairat_albaha", "harif", "suqya")


def _awkward(policy: str):
    """A shuffled log of `policy` with awkward rows: a case id with spaces around it, one of digits with a leading
    zero, Arabic-Indic digits and a Hijri date, three events at one instant, an event after the case closed, an
    unknown type, a date that is none, a row without a case id; every column text."""
    import pyarrow as pa

    table = _bench("loggen").generate(900, policy, seed=3, shuffle=True)
    table = pa.table({name: column if pa.types.is_string(column.type) else column.cast(pa.string())
                      for name, column in zip(table.column_names, table.columns)})
    rows = table.to_pylist()
    first, second, same = rows[0]["case_id"], rows[1]["case_id"], rows[2]["at"]
    extra = [{"case_id": f"  {first} ", "type": "request_completed", "at": "2025-03-02T10:00:00+03:00"},
             {"case_id": second, "type": "no_such_event", "at": "2025-03-02T09:00:00+03:00"},
             {"case_id": "00042", "type": "request_received", "at": "٢٠٢٥-٠٣-٠٢T09:00:00+03:00"},
             {"case_id": "00042", "type": "request_completed", "at": "2/9/1446هـ"},
             {"case_id": "", "type": "request_received", "at": "2025-03-02T09:00:00+03:00"},
             {"case_id": "TIE", "type": "request_received", "at": same},
             {"case_id": "TIE", "type": "request_completed", "at": same},
             {"case_id": "TIE", "type": "data_verified", "at": same},
             {"case_id": "BAD-DATE", "type": "request_received", "at": "02/03/2025"},
             {"case_id": "ص-١", "type": "request_received", "at": "2025-03-02T09:00:00+03:00"},
             {"case_id": "ص-١", "type": "case_closed", "at": "2025-03-05T09:00:00+03:00"},
             {"case_id": "ص-١", "type": "request_completed", "at": "2025-03-06T09:00:00+03:00"}]
    for i, row in enumerate(extra):  # spread over the files
        rows.insert((i * 37) % len(rows), {name: row.get(name) for name in table.column_names})
    return pa.Table.from_pylist(rows, schema=table.schema)


@pytest.fixture(scope="session")
def awkward_logs(tmp_path_factory):
    """For each bundled policy: (directory of an awkward log split across three Parquet files with line numbers,
    batch's verdict table of the whole log, batch's rejects as sorted (line, reason))."""
    import csv

    import pyarrow.parquet as pq

    from policykit.batch import run_batch

    logs = {}
    for policy in POLICIES:
        base = tmp_path_factory.mktemp(f"awkward-{policy}")
        table = _awkward(policy)
        whole, out, rejects = base / "log.parquet", base / "verdicts.parquet", base / "rejects.csv"
        pq.write_table(table, whole)
        run_batch(whole, policy, AS_OF, out=str(out), rejects_path=str(rejects), workers=1)
        with open(rejects, encoding="utf-8", newline="") as file:
            rejected = sorted((int(row["line"]), row["reason"]) for row in csv.DictReader(file))
        assert len(rejected) == 3  # the unknown type, the ambiguous date, the row without a case id
        logs[policy] = (_split(table, base / "parts", 97), pq.read_table(out), rejected)
    return logs


def same_rows(got, expected) -> None:
    """`got` holds batch's rows (`expected`, read from its Parquet file), in any order, in the engines' schema."""
    from policykit.batch.table import plain_schema

    want = expected.cast(plain_schema("Asia/Riyadh")).sort_by("case_id").to_pylist()
    have = got.cast(plain_schema("Asia/Riyadh")).sort_by("case_id").to_pylist()
    assert len(have) == len(want)
    assert have == want


def configured_batch(log: Path, tmp_path: Path, monkeypatch):
    """Batch's verdict table of `log` under a configuration set in this process only (POLICYKIT_READING=literal,
    POLICYKIT_AT_RISK_FRACTION=0.9), after the engine's workers were started: they do not see it."""
    import pyarrow.parquet as pq

    from policykit.batch import run_batch

    monkeypatch.setenv("POLICYKIT_READING", "literal")
    monkeypatch.setenv("POLICYKIT_AT_RISK_FRACTION", "0.9")
    out = tmp_path / "configured.parquet"
    run_batch(log, "harif", AS_OF, out=str(out), workers=1)
    expected = pq.read_table(out)
    assert set(expected.column("reading").to_pylist()) == {"literal"}
    return expected


# the limits a test sets (environment variable, value) and the error batch refuses the split log with under them
LIMITS = [("POLICYKIT_MAX_EVENTS", "3", "too-many-events"), ("POLICYKIT_MAX_CASES", "5", "too-many-cases")]


def batch_refusal(log: Path, tmp_path: Path) -> tuple[str, str]:
    """(code, message) of the error `policykit batch` refuses `log` with under this process's limits."""
    from policykit.batch import run_batch
    from policykit.diagnostics import PolicykitError

    with pytest.raises(PolicykitError) as caught:
        run_batch(log, "harif", AS_OF, out=str(tmp_path / "refused.parquet"), workers=1)
    return caught.value.first.code, caught.value.first.message


@pytest.fixture(scope="session")
def postgres():
    """The test cluster (PgCluster), stopped and removed at the end; skipped without PostgreSQL (not in CI)."""
    needed("psycopg")
    pgcluster = _bench("pgcluster")
    initdb, pg_ctl = pgcluster.binary("initdb"), pgcluster.binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        if IN_CI:
            raise RuntimeError("PostgreSQL's initdb/pg_ctl are missing: .ci/run installs postgresql")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed (apt-get install postgresql)")
    cluster = pgcluster.PgCluster(initdb, pg_ctl)
    try:
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture(scope="session")
def postgres_url(postgres):
    """The test cluster's URL."""
    return postgres.url
