"""Same-moment comparison of `policykit check` in two environments (e.g. previous code against this change).

    python bench/ab_check.py OLD/bin/policykit NEW/bin/policykit [--runs 15]

Each environment gets its own warm policy cache; runs of JSON and text alternate between the two, so that a slow
minute of this machine hurts both alike. Prints the median and minimum wall time of each."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

CASE = Path(__file__).resolve().parents[1] / "examples" / "harif" / "late_decision.yaml"


def wall(executable: str, fmt: str, cache: str) -> float:
    """Seconds one `check` of the example case takes, from spawn to exit."""
    env = {**os.environ, "POLICYKIT_CACHE_DIR": cache}
    started = time.perf_counter()
    done = subprocess.run([executable, "check", str(CASE), "--as-of", "2025-06-01", "--format", fmt], env=env,
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 1:  # the example is non-compliant
        raise SystemExit(f"{executable}: exit {done.returncode}: {done.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("executables", nargs=2, help="the two `policykit` scripts to compare")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        caches = {exe: str(Path(scratch) / str(n)) for n, exe in enumerate(args.executables)}
        for exe, cache in caches.items():
            wall(exe, "json", cache)  # fills the cache
        walls: dict[tuple[str, str], list[float]] = {(exe, fmt): [] for exe in caches for fmt in ("json", "text")}
        for _ in range(args.runs):
            for fmt in ("json", "text"):
                for exe, cache in caches.items():
                    walls[(exe, fmt)].append(wall(exe, fmt, cache))
    for (exe, fmt), values in walls.items():
        print(f"{exe} {fmt}: median {statistics.median(values) * 1000:.0f} ms, min {min(values) * 1000:.0f} ms "
              f"({len(values)} runs)")


if __name__ == "__main__":
    main()
