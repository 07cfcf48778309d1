"""Markdown tables of a benchmark run: `python bench/report.py [bench/results.json]` (pasted into docs/performance.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

MIB = 2 ** 20


def tables(results: dict) -> str:
    """The throughput table (with ratios), the check line and the live table."""
    lines = ["| events | policykit batch, events/s | peak MiB | durable-rules, events/s | peak MiB | "
             "pm4py Declare, events/s | peak MiB | batch ÷ durable | batch ÷ pm4py |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in results["sizes"]:
        batch = row["batch"]
        cells = [f"{row['events']:,}", f"{batch['events_per_second']:,.0f}", f"{batch['peak_bytes'] / MIB:,.0f}"]
        ratios = []
        for key in ("durable_rules", "pm4py_declare"):
            peer = row.get(key)
            if peer and "events_per_second" in peer:
                cells += [f"{peer['events_per_second']:,.0f}", f"{peer['peak_bytes'] / MIB:,.0f}"]
                ratios.append(f"{batch['events_per_second'] / peer['events_per_second']:.1f}×")
            else:
                cells += ["–", "–"]
                ratios.append("–")
        lines.append("| " + " | ".join(cells + ratios) + " |")
    check = results["check"]
    lines += ["", f"`policykit check` of one case: median **{check['median_ms']:.0f} ms** wall with `--format json`, "
                  f"{check.get('text_median_ms', float('nan')):.0f} ms with the default text report "
                  f"(min {check['min_ms']:.0f} ms, {check['runs']} runs each, warm cache; the first, cold run "
                  f"{check.get('cold_ms', float('nan')):.0f} ms; the bare interpreter starts in "
                  f"{check.get('interpreter_ms', float('nan')):.0f} ms).", "",
              "| slowest imports on the check path | cumulative ms |", "|---|---:|"]
    lines += [f"| `{i['module']}` | {i['cumulative_ms']:.0f} |" for i in check["slowest_imports"]]
    lines += ["", "| live session | events posted | open cases | events/s (median) | every run, events/s | peak MiB | "
                  "advance() to 2026-06-01 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for live in results["live"]:
        if "error" in live:
            lines.append(f"| {live['store']} | error | | | | | |")
            continue
        lines.append(f"| {Path(live['store']).name} | {live['events']:,} | {live['open_cases']:,} | "
                     f"{live['events_per_second']:,.0f} | "
                     f"{', '.join(f'{run:,.0f}' for run in live.get('runs_events_per_second', []))} | "
                     f"{live['peak_bytes'] / MIB:,.0f} | "
                     f"{live['advance_seconds']:.1f} s, {live['deadlines_passed']:,} cases changed |")
    machine = results["machine"]
    lines += ["", f"Machine: {machine['cpus']} cores, Python {machine['python']}; load average "
                  f"{machine['load_average_at_start'][0]:.1f} at the start, {machine['load_average_at_end'][0]:.1f} "
                  "at the end of the run" + (f"; a 5,000,000-step pure-Python loop took "
                  f"{machine['cpu_probe_seconds_at_start']:.2f} s at the start and "
                  f"{machine['cpu_probe_seconds_at_end']:.2f} s at the end (the machine's speed drifts)"
                  if "cpu_probe_seconds_at_start" in machine else "") + "."]
    return "\n".join(lines)


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "results.json"
    print(tables(json.loads(source.read_text(encoding="utf-8"))))
