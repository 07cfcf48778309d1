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
    lines += ["", anchor_tables(results)]
    check = results.get("check")
    if check:
        lines += _check_lines(check)
    lines += _live_lines(results.get("live") or [])
    machine = results["machine"]
    lines += ["", f"Machine: {machine['cpus']} cores, Python {machine['python']}; load average "
                  f"{machine['load_average_at_start'][0]:.1f} at the start, {machine['load_average_at_end'][0]:.1f} "
                  "at the end of the run" + (f"; a 5,000,000-step pure-Python loop took "
                  f"{machine['cpu_probe_seconds_at_start']:.2f} s at the start and "
                  f"{machine['cpu_probe_seconds_at_end']:.2f} s at the end (the machine's speed drifts)"
                  if "cpu_probe_seconds_at_start" in machine else "") + "."]
    return "\n".join(lines)


ANCHORS = {"duckdb": "DuckDB", "polars": "Polars"}


def anchor_tables(results: dict) -> str:
    """policykit batch beside the hand-written anchors, measured interleaved: the scale curve (wall, events/s, peak
    memory, time ratio, agreement), then the fixed cost (the 10^4 run) and the marginal rate between the two
    largest logs."""
    lines = ["| events | load | batch s | events/s | peak MiB | " + " | ".join(
        f"{name} s | events/s | peak MiB | batch time ÷ {name} time | agrees" for name in ANCHORS.values()) + " |",
        "|---:|---:|" + "---:|" * 3 + "---:|---:|---:|---:|:---|" * len(ANCHORS)]
    for row in results["sizes"]:
        batch = row["batch"]
        cells = [f"{row['events']:,}", f"{row.get('load_average', [float('nan')])[0]:.1f}", f"{batch['wall']:.2f}",
                 f"{batch['events_per_second']:,.0f}", f"{batch['peak_bytes'] / MIB:,.0f}"]
        for key in ANCHORS:
            anchor = row.get(key)
            if not anchor:
                cells += ["–"] * 5
                continue
            agreement = anchor["agreement"]
            ratio = anchor["batch_time_over_anchor_time"]
            cells += [f"{anchor['wall']:.2f}", f"{anchor['events_per_second']:,.0f}",
                      f"{anchor['peak_bytes'] / MIB:,.0f}", "–" if ratio is None else f"{ratio:.2f}",
                      f"yes, {agreement['cases']:,} cases" if agreement["agree"] else
                      f"**no**: {agreement['differences']}"]
        lines.append("| " + " | ".join(cells) + " |")
    sizes = [row for row in results["sizes"] if "batch" in row]
    if len(sizes) >= 2:
        small, big, bigger = sizes[0], sizes[-2], sizes[-1]
        lines += ["", f"| engine | wall at {small['events']:,} events (≈ fixed cost: start-up, imports, calendar) | "
                      f"marginal events/s from {big['events']:,} to {bigger['events']:,} |", "|---|---:|---:|"]
        for key, name in {"batch": "policykit batch", **ANCHORS}.items():
            if key in small and key in bigger and key in big:
                extra = bigger[key]["wall"] - big[key]["wall"]
                rate = (bigger["events"] - big["events"]) / extra if extra > 0 else float("nan")
                lines.append(f"| {name} | {small[key]['wall']:.2f} s | {rate:,.0f} |")
    return "\n".join(lines)


def _check_lines(check: dict) -> list[str]:
    lines = ["", f"`policykit check` of one case: median **{check['median_ms']:.0f} ms** wall with `--format json`, "
                  f"{check.get('text_median_ms', float('nan')):.0f} ms with the default text report "
                  f"(min {check['min_ms']:.0f} ms, {check['runs']} runs each, warm cache; the first, cold run "
                  f"{check.get('cold_ms', float('nan')):.0f} ms; the bare interpreter starts in "
                  f"{check.get('interpreter_ms', float('nan')):.0f} ms).", "",
              "| slowest imports on the check path | cumulative ms |", "|---|---:|"]
    lines += [f"| `{i['module']}` | {i['cumulative_ms']:.0f} |" for i in check["slowest_imports"]]
    return lines


def _live_lines(live_runs: list[dict]) -> list[str]:
    if not live_runs:
        return []
    lines = ["", "| live session | events posted | open cases | events/s (median) | every run, events/s | peak MiB | "
                  "advance() to 2026-06-01 |", "|---|---:|---:|---:|---:|---:|---:|"]
    for live in live_runs:
        if "error" in live:
            lines.append(f"| {live['store']} | error | | | | | |")
            continue
        lines.append(f"| {Path(live['store']).name} | {live['events']:,} | {live['open_cases']:,} | "
                     f"{live['events_per_second']:,.0f} | "
                     f"{', '.join(f'{run:,.0f}' for run in live.get('runs_events_per_second', []))} | "
                     f"{live['peak_bytes'] / MIB:,.0f} | "
                     f"{live['advance_seconds']:.1f} s, {live['deadlines_passed']:,} cases changed |")
    return lines


if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "results.json"
    print(tables(json.loads(source.read_text(encoding="utf-8"))))
