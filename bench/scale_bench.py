"""Scale-out speed on this machine (docs/scale-out.md): the same log judged by `policykit batch`, by Spark and by
Dask with one and two workers, and live sessions on SQLite and PostgreSQL stores.

    python bench/scale_bench.py engines 1e6 [--workers 1,2] [--files 8]   # batch vs Spark vs Dask
    python bench/scale_bench.py store 2e5 [--pg URL]                       # live stores (a temp cluster if no URL)

Each prints one JSON line per measurement.  The log is bench/loggen.py's harif log, shuffled (each case spread
over every file), one Parquet file for batch and the same rows split over --files files for Spark and Dask."""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
AS_OF = "2026-01-01T00:00:00+03:00"


def _say(**fields) -> None:
    print(json.dumps(fields), flush=True)


def make_log(events: int, files: int, base: Path) -> tuple[Path, Path, int]:
    """The whole log and a directory of it split into `files` files (with line numbers); its row count."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    import loggen

    table = loggen.generate(events, "harif", seed=11, shuffle=True)
    whole = base / "log.parquet"
    loggen.write(table, whole)
    parts = base / "parts"
    parts.mkdir()
    numbered = table.append_column("line", pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64)))
    size = -(-table.num_rows // files)
    for i in range(files):
        pq.write_table(numbered.slice(i * size, size), parts / f"part-{i:03d}.parquet", row_group_size=1 << 18)
    return whole, parts, table.num_rows


def bench_batch(whole: Path, rows: int, workers: int, out: Path) -> int:
    """`policykit batch` as a user runs it (a subprocess), to a Parquet file."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "policykit", "batch", str(whole), "--policy", "harif", "--as-of",
                           AS_OF, "--out", str(out), "--workers", str(workers)], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    import pyarrow.parquet as pq

    cases = pq.ParquetFile(out).metadata.num_rows
    _say(engine="policykit batch", workers=workers, events=rows, cases=cases, seconds=round(seconds, 2),
         events_per_second=round(rows / seconds))
    return cases


def bench_spark(parts: Path, rows: int, workers: int, out: Path) -> int:
    """Spark on local[workers], from reading the split files to the verdicts written as Parquet."""
    from pyspark.sql import SparkSession

    from policykit.spark import judge

    spark = (SparkSession.builder.master(f"local[{workers}]").config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", str(4 * workers)).config("spark.driver.memory", "2g")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        started = time.perf_counter()
        judge(spark.read.parquet(str(parts)), "harif", AS_OF).write.mode("overwrite").parquet(str(out))
        seconds = time.perf_counter() - started
        cases = spark.read.parquet(str(out)).count()
    finally:
        spark.stop()
    _say(engine="spark", workers=workers, events=rows, cases=cases, seconds=round(seconds, 2),
         events_per_second=round(rows / seconds))
    return cases


def bench_dask(parts: Path, rows: int, workers: int, out: Path, memory: str = "8GiB") -> int:
    """Dask on a LocalCluster of `workers` single-threaded worker processes, split files to Parquet verdicts."""
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    from policykit.dask import judge

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit=memory) as cluster, Client(cluster):
        started = time.perf_counter()
        ddf = dd.read_parquet(str(parts))
        judge(ddf, "harif", AS_OF, npartitions=4 * workers).to_parquet(str(out), write_index=False)
        seconds = time.perf_counter() - started
    import pyarrow.dataset as ds

    cases = ds.dataset(str(out)).count_rows()
    _say(engine="dask", workers=workers, events=rows, cases=cases, seconds=round(seconds, 2),
         events_per_second=round(rows / seconds))
    return cases


def engines(events: int, workers: list[int], files: int, which: list[str], dask_memory: str = "8GiB") -> None:
    with tempfile.TemporaryDirectory(prefix="policykit-scale-") as base:
        base = Path(base)
        whole, parts, rows = make_log(events, files, base)
        counts = set()
        for n in workers:
            if "batch" in which:
                counts.add(bench_batch(whole, rows, n, base / f"batch-{n}.parquet"))
            if "spark" in which:
                counts.add(bench_spark(parts, rows, n, base / f"spark-{n}"))
            if "dask" in which:
                counts.add(bench_dask(parts, rows, n, base / f"dask-{n}", dask_memory))
        if len(counts) != 1:
            raise SystemExit(f"the engines found different numbers of cases: {sorted(counts)}")


def _items(events: int, first_case: int = 0) -> list[tuple]:
    """A live stream of about `events` events in time order (cases interleaved, as they happen), case numbers
    offset by `first_case`."""
    import loggen

    table = loggen.generate(events, "harif", seed=4).sort_by([("at", "ascending")])
    names = ("type", "at", "channel", "agreed_channel", "outcome")
    data = table.select(["case_id", *names]).to_pydict()
    data["at"] = [at.isoformat() for at in data["at"]]
    return [(f"H-{int(case_id.split('-')[1]) + first_case:08d}",
             {name: value for name, value in zip(names, values) if value is not None})
            for case_id, *values in zip(*data.values())]


def post_stream(store, events: int, per_post: int, first_case: int = 0, start_at: float | None = None) -> dict:
    """Events/s and acknowledgements/s posting a stream to a LiveSession on `store`, `per_post` a post_many
    (from `start_at`, a time.time(), when given: so that two processes post at the same moment)."""
    from policykit.live import LiveSession

    items = _items(events, first_case)
    lifted = {}
    if "future_tolerance" in inspect.signature(LiveSession).parameters:
        lifted["future_tolerance"] = dt.timedelta(days=3650)  # a replay of two years without advance()
    session = LiveSession("harif", store=store, now="2024-01-01", **lifted)
    if start_at is not None:
        time.sleep(max(0.0, start_at - time.time()))
    began, started = time.time(), time.perf_counter()
    posts = 0
    for i in range(0, len(items), per_post):
        session.post_many(items[i:i + per_post])
        posts += 1
    seconds = time.perf_counter() - started
    session.shutdown()
    return {"events": len(items), "per_post": per_post, "seconds": round(seconds, 2),
            "events_per_second": round(len(items) / seconds), "acks_per_second": round(posts / seconds),
            "began": began, "ended": began + seconds}


def _two_writers(url: str, events: int, per_post: int) -> dict:
    """Two processes posting disjoint cases to one PostgreSQL store from the same moment: their sum."""
    code = ("import json, sys; sys.path.insert(0, %r); import scale_bench; "
            "print(json.dumps(scale_bench.post_stream(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), "
            "int(sys.argv[4]), float(sys.argv[5]))))") % str(HERE)
    start_at = time.time() + 20  # both have generated their stream and opened their session by then
    procs = [subprocess.Popen([sys.executable, "-c", code, url, str(events // 2), str(per_post), str(k * 10**7),
                               str(start_at)], stdout=subprocess.PIPE, text=True) for k in range(2)]
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    if max(r["began"] for r in results) > start_at + 1.0:
        raise SystemExit("a writer started late: raise the head start")
    seconds = max(r["ended"] for r in results) - start_at
    total = sum(r["events"] for r in results)
    return {"events": total, "per_post": per_post, "seconds": round(seconds, 2),
            "events_per_second": round(total / seconds),
            "acks_per_second": round(sum(r["events"] / r["per_post"] for r in results) / seconds)}


def key_cost(url: str, rows: int) -> dict:
    """What the (case_id, key) primary key costs: COPY of `rows` event rows into the events table as the store
    makes it, and into the same table without the key."""
    import psycopg

    made = []
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP SCHEMA IF EXISTS keycost CASCADE")
        db.execute("CREATE SCHEMA keycost")
        for name, key in (("keyed", ", PRIMARY KEY (case_id, key)"), ("plain", "")):
            db.execute(f"CREATE TABLE keycost.{name} (case_id TEXT NOT NULL, key TEXT NOT NULL, event_id TEXT, "
                       f"type TEXT NOT NULL, at_us BIGINT NOT NULL, attrs TEXT, seq BIGINT NOT NULL, "
                       f"pos INTEGER NOT NULL{key})")
            db.execute(f"CREATE INDEX ON keycost.{name} (seq, pos)")
            started = time.perf_counter()
            for batch in range(0, rows, 1000):
                with db.transaction(), db.cursor().copy(f"COPY keycost.{name} FROM STDIN") as copy:
                    for i in range(batch, min(rows, batch + 1000)):
                        copy.write_row((f"H-{i // 8:08d}", f"e{i}", f"e{i}", "request_received", i, None,
                                        batch, i - batch))
            made.append(time.perf_counter() - started)
        db.execute("DROP SCHEMA keycost CASCADE")
    return {"rows": rows, "with_key_seconds": round(made[0], 2), "without_key_seconds": round(made[1], 2),
            "key_cost_percent": round(100 * (made[0] / made[1] - 1))}


def stores(events: int, url: str | None) -> None:
    cluster = None
    if url is None:
        import pgcluster

        cluster = pgcluster.PgCluster(pgcluster.binary("initdb"), pgcluster.binary("pg_ctl"))
        url = cluster.url
    try:
        import psycopg

        _say(measure="primary key", **key_cost(url, events))
        with tempfile.TemporaryDirectory(prefix="policykit-store-") as base:
            for per_post in (1000, 10):
                n = events if per_post >= 1000 else min(events, 20_000)
                for name in ("memory", "sqlite", "postgresql"):
                    if name == "postgresql":
                        with psycopg.connect(url, autocommit=True) as db:
                            db.execute("DROP SCHEMA IF EXISTS policykit CASCADE")
                    store = {"memory": None, "sqlite": str(Path(base) / f"s{per_post}.sqlite"),
                             "postgresql": url}[name]
                    measured = post_stream(store, n, per_post)
                    del measured["began"], measured["ended"]
                    _say(store=name, processes=1, **measured)
                with psycopg.connect(url, autocommit=True) as db:
                    db.execute("DROP SCHEMA IF EXISTS policykit CASCADE")
                _say(store="postgresql", processes=2, **_two_writers(url, n, per_post))
    finally:
        if cluster is not None:
            cluster.remove()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    eng = sub.add_parser("engines", help="batch vs Spark vs Dask on one log")
    eng.add_argument("events", type=float)
    eng.add_argument("--workers", default="1,2")
    eng.add_argument("--files", type=int, default=8)
    eng.add_argument("--only", default="batch,spark,dask")
    eng.add_argument("--dask-memory", default="8GiB", help="memory_limit of each Dask worker (a 10^7 shuffle "
                     "needs several GiB)")
    st = sub.add_parser("store", help="live sessions on SQLite and PostgreSQL")
    st.add_argument("events", type=float)
    st.add_argument("--pg", default=os.environ.get("POLICYKIT_BENCH_PG"))
    args = parser.parse_args(argv)
    if args.what == "engines":
        engines(int(args.events), [int(w) for w in args.workers.split(",")], args.files, args.only.split(","),
                args.dask_memory)
    else:
        stores(int(args.events), args.pg)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
