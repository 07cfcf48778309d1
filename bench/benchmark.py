"""The benchmark: on the same generated harif logs, in one run, time `policykit batch` end to end (process start
to Parquet written) interleaved with the hand-written DuckDB and Polars anchors (bench/anchors, checked to agree
with batch case by case), durable-rules and pm4py's Declare checker, `policykit check` of one case, and a live
session with 10^5 open cases; print events/s, peak memory (whole process tree) and ratios.

    python bench/benchmark.py [--sizes 1e4,1e5,1e6,1e7] [--peer-max 1e6] [--anchor-max 1e7] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
AS_OF = "2026-01-01"


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    found.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def measure(cmd: list[str], env: dict | None = None) -> dict:
    """Wall time and peak resident memory of the process and all its descendants (sampled every 20 ms)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            tree, frontier = [proc.pid], [proc.pid]
            while frontier:
                frontier = [c for p in frontier for c in _children(p)]
                tree += frontier
            peak[0] = max(peak[0], sum(_rss(p) for p in tree))
            time.sleep(0.02)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    watcher.join()
    return {"wall": wall, "peak_bytes": peak[0], "code": proc.returncode, "stdout": out.decode(),
            "stderr": err.decode()}


def generate(size: int, workdir: Path) -> Path:
    """The harif log of about `size` events (generated once, kept in workdir)."""
    path = workdir / f"harif-{size}.parquet"
    if not path.exists():
        subprocess.run([sys.executable, str(BENCH / "loggen.py"), str(size), str(path), "--seed", "1"], check=True)
    return path


ANCHORS = ("duckdb", "polars")


def anchors_available() -> list[str]:
    """The anchors whose engine is installed (the `anchors` extra)."""
    import importlib.util

    return [name for name in ANCHORS if importlib.util.find_spec(name) is not None]


def _command(engine: str, log: Path, out: Path) -> list[str]:
    if engine == "batch":
        return [sys.executable, "-m", "policykit", "batch", str(log), "--policy", "harif", "--as-of", AS_OF,
                "--out", str(out)]
    return [sys.executable, str(BENCH / "run_anchor.py"), engine, str(log), str(out), "--as-of", AS_OF]


def bench_interleaved(log: Path, workdir: Path, events: int, repeat: int, engines: list[str]) -> dict:
    """`policykit batch` and the anchors end to end, each in its own process (start-up counted), `repeat` rounds
    interleaved (batch, duckdb, polars, batch, …) so a busy minute hurts all alike; the median wall of each, and
    the peak memory of its whole process tree."""
    runs: dict[str, list[dict]] = {engine: [] for engine in ["batch", *engines]}
    for _ in range(repeat):
        for engine in runs:
            result = measure(_command(engine, log, workdir / f"verdicts-{engine}.parquet"))
            if result["code"] not in ((0, 1) if engine == "batch" else (0,)):
                raise SystemExit(f"{engine} failed: {result['stderr'][-2000:]}")
            runs[engine].append(result)
    out = {}
    for engine, results in runs.items():
        wall = statistics.median(r["wall"] for r in results)
        out[engine] = {"wall": wall, "events_per_second": events / wall,
                       "peak_bytes": max(r["peak_bytes"] for r in results), "runs": len(results),
                       "walls": [r["wall"] for r in results], "output": str(workdir / f"verdicts-{engine}.parquet")}
    return out


def bench_batch(log: Path, workdir: Path, events: int, repeat: int) -> dict:
    """`policykit batch` end to end, median of `repeat` runs."""
    return bench_interleaved(log, workdir, events, repeat, [])["batch"]


def agree_and_ratios(row: dict, engines: list[str]) -> None:
    """Check each anchor's verdicts against batch's, case by case; record the time ratios only where they agree."""
    sys.path.insert(0, str(BENCH))
    from anchors.agreement import compare

    batch = row["batch"]
    for engine in engines:
        anchor = row[engine]
        report = compare(batch["output"], anchor["output"])
        anchor["agreement"] = report
        if report["agree"]:
            anchor["batch_time_over_anchor_time"] = batch["wall"] / anchor["wall"]
        else:  # a faster answer that differs is no comparison
            anchor["batch_time_over_anchor_time"] = None


def bench_peer(which: str, log: Path, events: int) -> dict:
    """A peer in its own process: wall (process start to result) and its own compute time."""
    result = measure([sys.executable, str(BENCH / "peers.py"), which, str(log)])
    if result["code"] != 0:
        return {"error": result["stderr"].strip().splitlines()[-1:] or ["failed"]}
    inner = json.loads(result["stdout"].strip().splitlines()[-1])
    return {"wall": result["wall"], "events_per_second": events / result["wall"],
            "compute_events_per_second": events / inner["compute_seconds"], "peak_bytes": result["peak_bytes"]}


def bench_check(runs: int, workdir: Path) -> dict:
    """`policykit check` of one case from the command line: one cold run (empty cache), then the median wall of
    `runs` warm runs in JSON and in text, next to the bare interpreter's start-up, and the slowest imports."""
    case = ROOT / "examples" / "harif" / "late_decision.yaml"
    script = Path(sys.executable).with_name("policykit")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "policykit"]
    cache = workdir / "check-cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "POLICYKIT_CACHE_DIR": str(cache)}

    def wall(fmt: str) -> float:
        result = measure([*command, "check", str(case), "--as-of", AS_OF, "--format", fmt], env)
        assert result["code"] == 1, result["stderr"]  # the example is non-compliant
        return result["wall"]

    cold = wall("json")
    walls: dict[str, list[float]] = {"json": [], "text": []}
    for _ in range(runs):  # interleaved, so that a busy moment hurts both formats alike
        for fmt in walls:
            walls[fmt].append(wall(fmt))
    bare = [measure([sys.executable, "-c", "pass"])["wall"] for _ in range(runs)]
    trace = subprocess.run([sys.executable, "-X", "importtime", "-m", "policykit", "check", str(case), "--as-of", AS_OF,
                            "--format", "json"], capture_output=True, text=True, cwd=ROOT, env=env)
    imports = []
    for line in trace.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line[len("import time:"):].split("|")
            if cumulative.strip().isdigit():
                imports.append((int(cumulative), name.rstrip()))
    top = [{"module": name.strip(), "cumulative_ms": us / 1000, "depth": (len(name) - len(name.lstrip())) // 2}
           for us, name in sorted(imports, reverse=True)][:12]
    return {"median_ms": statistics.median(walls["json"]) * 1000, "min_ms": min(walls["json"]) * 1000,
            "text_median_ms": statistics.median(walls["text"]) * 1000, "cold_ms": cold * 1000,
            "interpreter_ms": statistics.median(bare) * 1000, "runs": runs, "command": " ".join(command[-3:]),
            "slowest_imports": top}


def bench_live(open_cases: int, workdir: Path, repeat: int) -> list[dict]:
    """Live posting throughput with `open_cases` open cases, in memory and on SQLite: `repeat` runs of each,
    interleaved (memory, SQLite, memory, …) so both see the same minutes; the run of median throughput is kept,
    with every run's events/s beside it."""
    runs: dict[str, list[dict]] = {}
    for _ in range(repeat):
        for store in (None, workdir / "live.sqlite"):
            if store is not None:
                for path in (store, Path(f"{store}-wal"), Path(f"{store}-shm")):
                    if path.exists():
                        path.unlink()
            result = measure([sys.executable, str(BENCH / "live_bench.py"), str(open_cases)] +
                             ([str(store)] if store else []))
            if result["code"] != 0:
                runs.setdefault(str(store), []).append({"store": str(store), "error": result["stderr"][-400:]})
                continue
            data = json.loads(result["stdout"].strip().splitlines()[-1])
            data["peak_bytes"] = result["peak_bytes"]
            runs.setdefault(str(store), []).append(data)
    out = []
    for key, results in runs.items():
        failed = [result for result in results if "error" in result]
        if failed:
            out.append(failed[0])
            continue
        ordered = sorted(results, key=lambda result: result["events_per_second"])
        chosen = dict(ordered[len(ordered) // 2])
        chosen["runs_events_per_second"] = [result["events_per_second"] for result in results]
        out.append(chosen)
    return out


def cpu_probe() -> float:
    """Seconds for a fixed pure-Python loop: this shared machine's speed drifts, so each run records it."""
    started = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Run everything and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1e4,1e5,1e6,1e7", help="log sizes; empty: no batch runs")
    parser.add_argument("--peer-max", type=float, default=1e6, help="largest log the (slow) peers are run on")
    parser.add_argument("--anchor-max", type=float, default=1e7,
                        help="largest log the DuckDB/Polars anchors are run on (0: none; needs the anchors extra)")
    parser.add_argument("--live-cases", type=float, default=1e5, help="open cases of the live run; 0: no live run")
    parser.add_argument("--check-runs", type=int, default=20, help="0: no check runs")
    parser.add_argument("--repeat", type=int, default=0,
                        help="batch runs per size (default: 3 up to 10^6, else 1) and live runs per store (default 3)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/policykit-bench"))
    parser.add_argument("--json", type=Path, default=BENCH / "results.json")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    sizes = [int(float(s)) for s in args.sizes.split(",") if s]
    import pyarrow.parquet as pq

    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "load_average_at_start": os.getloadavg(), "cpu_probe_seconds_at_start": cpu_probe()},
               "sizes": []}
    installed = anchors_available()
    if args.anchor_max and len(installed) < len(ANCHORS):
        print(f"anchors not run (pip install '.[anchors]'): {', '.join(set(ANCHORS) - set(installed))} missing")
    for size in sizes:
        log = generate(size, args.workdir)
        events = pq.ParquetFile(log).metadata.num_rows
        repeat = args.repeat or (3 if events <= 1_000_000 else 1)
        engines = installed if size <= args.anchor_max else []
        row = {"events": events, "load_average": os.getloadavg(),
               **bench_interleaved(log, args.workdir, events, repeat, engines)}
        agree_and_ratios(row, engines)
        if size <= args.peer_max:
            row["durable_rules"] = bench_peer("durable", log, events)
            row["pm4py_declare"] = bench_peer("pm4py", log, events)
        results["sizes"].append(row)
        _print_row(row)
    results["check"] = check = bench_check(args.check_runs, args.workdir) if args.check_runs else None
    if check:
        print(f"policykit check, one case: median {check['median_ms']:.0f} ms JSON, {check['text_median_ms']:.0f} ms "
          f"text (min {check['min_ms']:.0f} ms, cold {check['cold_ms']:.0f} ms, bare interpreter "
          f"{check['interpreter_ms']:.0f} ms) over {check['runs']} runs")
    results["live"] = bench_live(int(args.live_cases), args.workdir, args.repeat or 3) if args.live_cases else []
    for live in results["live"]:
        if "error" in live:
            print(f"live ({live['store']}): error {live['error']}")
        else:
            print(f"live ({live['store']}): {live['events_per_second']:,.0f} events/s posted with "
                  f"{live['open_cases']:,} open cases, peak {live['peak_bytes'] / 2**20:,.0f} MiB")
    results["machine"]["load_average_at_end"] = os.getloadavg()
    results["machine"]["cpu_probe_seconds_at_end"] = cpu_probe()
    args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"results in {args.json}")
    return 0


def _print_row(row: dict) -> None:
    batch = row["batch"]
    line = (f"{row['events']:>10,} events | policykit batch {batch['events_per_second']:>12,.0f} ev/s "
            f"{batch['peak_bytes'] / 2**20:>7,.0f} MiB")
    for name in ANCHORS:
        anchor = row.get(name)
        if anchor:
            ratio = anchor["batch_time_over_anchor_time"]
            line += (f" | {name} {anchor['events_per_second']:>10,.0f} ev/s {anchor['peak_bytes'] / 2**20:>6,.0f} MiB "
                     + (f"(batch time / {name} time {ratio:.2f})" if ratio is not None else
                        f"(DISAGREES with batch: {anchor['agreement']['differences']}; no ratio)"))
    for name in ("durable_rules", "pm4py_declare"):
        peer = row.get(name)
        if peer and "error" not in peer:
            line += (f" | {name} {peer['events_per_second']:>10,.0f} ev/s {peer['peak_bytes'] / 2**20:>6,.0f} MiB "
                     f"(x{batch['events_per_second'] / peer['events_per_second']:.1f})")
        elif peer:
            line += f" | {name} error"
    load = row.get("load_average")
    print(line + (f" | load {load[0]:.1f}" if load else ""), flush=True)


if __name__ == "__main__":
    sys.exit(main())
