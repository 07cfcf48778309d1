"""Plot throughput against log size from bench/results.json: `python bench/plot.py [results.json] [out.png]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def plot(results: dict, out: Path) -> None:
    """Events/s of policykit batch and of the peers, log-log, one line each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=120)
    series = {"policykit batch (end to end)": "batch", "durable-rules": "durable_rules",
              "pm4py Declare (order rules only)": "pm4py_declare"}
    for label, key in series.items():
        points = [(row["events"], row[key]["events_per_second"]) for row in results["sizes"]
                  if key in row and "events_per_second" in row[key]]
        if points:
            xs, ys = zip(*points)
            axes.plot(xs, ys, marker="o", label=label)
    axes.axhline(1_000_000, color="grey", linestyle="--", linewidth=0.8, label="target: 10⁶ events/s")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("events in the log")
    axes.set_ylabel("events per second")
    axes.set_title(f"harif log, {results['machine']['cpus']} cores")
    axes.grid(True, which="both", linewidth=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(out)


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else BENCH / "results.json"
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else BENCH.parent / "docs" / "throughput.png"
    plot(json.loads(source.read_text(encoding="utf-8")), target)
    print(f"wrote {target}")
