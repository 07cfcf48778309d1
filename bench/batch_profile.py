"""`policykit batch` end to end on one log, for two source trees interleaved (before/after a change): wall time,
events/s and peak memory of the whole process tree.  `python bench/batch_profile.py --help`."""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark import measure  # noqa: E402  (the peers' own measurement: same sampling of the process tree)

AS_OF = "2026-01-01T00:00:00+03:00"


def run(src: str, log: Path, out: Path, workers: int | None) -> dict:
    """One batch run with the policykit package found under `src` (a checkout's src directory)."""
    env = dict(os.environ, PYTHONPATH=src)
    cmd = [sys.executable, "-m", "policykit", "batch", str(log), "--policy", "harif", "--as-of", AS_OF,
           "--out", str(out)]
    if workers:
        cmd += ["--workers", str(workers)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = measure(cmd, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of the whole tree (the workers are reaped by the batch process): steadier than wall time on
    # a shared machine
    result["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result["code"] not in (0, 1):  # 1: some case is non-compliant
        raise SystemExit(f"{src}: exit {result['code']}: {result['stderr'][-2000:]}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("log", type=Path)
    parser.add_argument("srcs", nargs="+", help="src directories to compare (interleaved, in this order)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--ext", default="parquet", help="output format: parquet, csv, jsonl")
    args = parser.parse_args()
    rows = {src: [] for src in args.srcs}
    with tempfile.TemporaryDirectory(prefix="batch-profile-") as tmp:
        for i in range(args.repeat):
            for src in args.srcs:
                out = Path(tmp) / f"v{i}-{len(rows[src])}.{args.ext}"
                load = os.getloadavg()[0]
                r = run(src, args.log, out, args.workers)
                rows[src].append(r)
                print(f"{src}: {r['wall']:.2f} s, cpu {r['cpu']:.2f} s, peak {r['peak_bytes'] / 2**20:.0f} MiB (load {load:.2f})",
                      flush=True)
                out.unlink()
    events = None
    try:
        import pyarrow.parquet as pq

        events = pq.ParquetFile(args.log).metadata.num_rows
    except Exception:  # noqa: BLE001  (a CSV log: rates are not printed)
        pass
    base = statistics.median(r["wall"] for r in rows[args.srcs[0]])
    base_cpu = statistics.median(r["cpu"] for r in rows[args.srcs[0]])
    for src, results in rows.items():
        wall = statistics.median(r["wall"] for r in results)
        cpu = statistics.median(r["cpu"] for r in results)
        peak = max(r["peak_bytes"] for r in results) / 2**20
        rate = f", {events / wall / 1e6:.2f} M events/s" if events else ""
        print(f"median {src}: {wall:.2f} s{rate}, cpu {cpu:.2f} s, max peak {peak:.0f} MiB, "
              f"{base / wall:.2f}x the first (wall), {base_cpu / cpu:.2f}x (cpu)")


if __name__ == "__main__":
    main()
