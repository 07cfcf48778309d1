"""Plot throughput against log size: `python bench/plot.py [results.json] [out.png] [idle-rerun.json]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


SERIES = {"policykit batch, end to end": "batch", "DuckDB SQL (hand-written anchor)": "duckdb",
          "Polars query (hand-written anchor)": "polars", "durable-rules": "durable_rules",
          "pm4py Declare (order rules only)": "pm4py_declare"}


def _points(results: dict, key: str, value) -> list[tuple[float, float]]:
    return [(row["events"], value(row[key])) for row in results["sizes"]
            if key in row and "events_per_second" in row[key]]


def plot(results: dict, out: Path, idle: dict | None = None) -> None:
    """Against log size, log-log, one line per engine: wall time (its flat start shows the fixed start-up cost),
    events/s and peak memory of the whole process tree (plus an idle-machine rerun of batch, if given)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(14, 4.4), dpi=110)
    panels = [("wall seconds, process start to Parquet written", lambda r: r["wall"]),
              ("events per second", lambda r: r["events_per_second"]),
              ("peak MiB, whole process tree", lambda r: r["peak_bytes"] / 2 ** 20)]
    for ax, (ylabel, value) in zip(axes, panels):
        for label, key in SERIES.items():
            points = _points(results, key, value)
            if points:
                xs, ys = zip(*points)
                ax.plot(xs, ys, marker="o", label=label)
        if idle:
            points = _points(idle, "batch", value)
            if points:
                xs, ys = zip(*points)
                ax.plot(xs, ys, marker="s", linestyle="--", label="policykit batch, idle machine (rerun)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("events in the log")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", linewidth=0.3)
    axes[1].axhline(1_000_000, color="grey", linestyle="--", linewidth=0.8, label="target: 10⁶ events/s")
    axes[1].legend(fontsize=7)
    load = results["machine"].get("load_average_at_start", [None])[0]
    figure.suptitle(f"harif log, {results['machine']['cpus']} cores"
                    + (f" (load average {load:.1f} at the start: a shared, loaded machine)" if load is not None
                       else ""), fontsize=10)
    figure.tight_layout()
    figure.savefig(out)


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else BENCH / "results.json"
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else BENCH.parent / "docs" / "throughput.png"
    rerun = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    plot(json.loads(source.read_text(encoding="utf-8")), target,
         json.loads(rerun.read_text(encoding="utf-8")) if rerun else None)
    print(f"wrote {target}")
