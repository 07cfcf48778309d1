"""Run one hand-written anchor as its own process: `python bench/run_anchor.py duckdb|polars LOG.parquet OUT.parquet
--as-of T`; prints {"cases": N, "seconds": S} (S: from the engine's import to the Parquet written)."""

from __future__ import annotations

import argparse
import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    """Judge the log with the chosen engine and write one row per case."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("engine", choices=("duckdb", "polars"))
    parser.add_argument("log")
    parser.add_argument("out")
    parser.add_argument("--as-of", required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.engine == "duckdb":
        from anchors.duckdb_harif import judge
    else:
        from anchors.polars_harif import judge
    cases = judge(args.log, args.out, args.as_of)
    print(json.dumps({"cases": cases, "seconds": time.perf_counter() - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
