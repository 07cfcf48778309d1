"""Two revisions of policykit measured by bench/benchmark.py in one run, interleaved (A, B, A, B, …), so that a
busy minute of this shared machine hurts both alike: batch end to end on one log, live posting at 10^5 open
cases (memory and SQLite), and `policykit check`; medians per revision and the ratios B/A.

    python bench/revisions.py BEFORE_SRC AFTER_SRC [--rounds 3] [--size 1e6]

Each SRC is a `src` folder (e.g. a `git worktree` of the earlier commit, and this checkout's `src`); it goes
first on PYTHONPATH, so the installed dependencies serve both.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def one_run(src: Path, size: str, workdir: Path) -> dict:
    """benchmark.py's figures for one revision, in its own process."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    env = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, str(BENCH / "benchmark.py"), "--sizes", size, "--peer-max", "0",
                    "--live-cases", "1e5", "--check-runs", "10", "--repeat", "1", "--anchor-max", "0", "--workdir", str(workdir),
                    "--json", str(out)], check=True, env=env, stdout=subprocess.DEVNULL)
    data = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    live = {("sqlite" if "sqlite" in str(entry["store"]) else "memory"): entry["events_per_second"]
            for entry in data["live"] if "error" not in entry}
    return {"batch_events_per_second": data["sizes"][0]["batch"]["events_per_second"],
            "batch_peak_mib": data["sizes"][0]["batch"]["peak_bytes"] / 2**20,
            "live_memory_events_per_second": live.get("memory"),
            "live_sqlite_events_per_second": live.get("sqlite"),
            "check_json_ms": data["check"]["median_ms"], "check_text_ms": data["check"]["text_median_ms"],
            "load": data["machine"]["load_average_at_start"][0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", default="1e6")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/policykit-bench"))
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    for round_number in range(args.rounds):
        for name, src in (("before", args.before), ("after", args.after)):
            result = one_run(src.resolve(), args.size, args.workdir)
            runs[name].append(result)
            print(json.dumps({"round": round_number + 1, "revision": name, **result}), flush=True)
    print("\nmedians (after / before):")
    for key in runs["before"][0]:
        if key == "load":
            continue
        values = {name: statistics.median(r[key] for r in results if r[key] is not None)
                  for name, results in runs.items()}
        print(f"  {key:34} before {values['before']:>12,.1f}  after {values['after']:>12,.1f}  "
              f"ratio {values['after'] / values['before']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
