"""Plot throughput against log size: `python bench/plot.py [results.json] [out.png] [idle-rerun.json]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def plot(results: dict, out: Path, idle: dict | None = None) -> None:
    """Events/s of policykit batch and of the peers, log-log, one line each (plus an idle-machine rerun)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=120)
    series = {"policykit batch, end to end": "batch", "durable-rules": "durable_rules",
              "pm4py Declare (order rules only)": "pm4py_declare"}
    for label, key in series.items():
        points = [(row["events"], row[key]["events_per_second"]) for row in results["sizes"]
                  if key in row and "events_per_second" in row[key]]
        if points:
            xs, ys = zip(*points)
            axes.plot(xs, ys, marker="o", label=label)
    if idle:
        points = [(row["events"], row["batch"]["events_per_second"]) for row in idle["sizes"]]
        xs, ys = zip(*points)
        axes.plot(xs, ys, marker="s", linestyle="--", label="policykit batch, idle machine (rerun)")
    axes.axhline(1_000_000, color="grey", linestyle="--", linewidth=0.8, label="target: 10⁶ events/s")
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("events in the log")
    axes.set_ylabel("events per second")
    load = results["machine"].get("load_average_at_start", [None])[0]
    axes.set_title(f"harif log, {results['machine']['cpus']} cores"
                   + (f" (load average {load:.1f} at the start)" if load is not None else ""))
    axes.grid(True, which="both", linewidth=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(out)


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else BENCH / "results.json"
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else BENCH.parent / "docs" / "throughput.png"
    rerun = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    plot(json.loads(source.read_text(encoding="utf-8")), target,
         json.loads(rerun.read_text(encoding="utf-8")) if rerun else None)
    print(f"wrote {target}")
