"""Live-session throughput: post a generated stream of events for OPEN_CASES cases, in batches (one commit each).

`python bench/live_bench.py 1e5 [STORE.sqlite]` prints one JSON line (events/s, peak RSS of the process)."""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def posted_items(open_cases: int) -> list[tuple[str, dict]]:
    """(case id, event) of bench/loggen's harif log for about `open_cases` cases, in time order (as they happen,
    cases interleaved)."""
    import loggen

    table = loggen.generate(int(open_cases * 7.7), "harif", seed=4).sort_by([("at", "ascending")])
    items = []
    for row in table.to_pylist():
        event = {"type": row["type"], "at": row["at"].isoformat()}
        for key in ("channel", "agreed_channel", "outcome"):
            if row[key]:
                event[key] = row[key]
        items.append((row["case_id"], event))
    return items


def run(open_cases: int, store: str | None) -> dict:
    """Events/s posted to a LiveSession holding `open_cases` cases (memory or SQLite store)."""
    from policykit.live import LiveSession

    items = posted_items(open_cases)
    # a replay of two years' history without advance(): the clock's lead tolerance (one day) is lifted
    session = LiveSession("harif", store=store, now="2024-01-01", future_tolerance=dt.timedelta(days=3650))
    started, cpu = time.perf_counter(), time.process_time()
    changes = 0
    for i in range(0, len(items), 10_000):
        changes += len(session.post_many(items[i:i + 10_000]).changed())  # the events that changed something
    posted, cpu = time.perf_counter() - started, time.process_time() - cpu
    start_advance = time.perf_counter()
    passed = session.advance("2026-06-01")
    advanced = time.perf_counter() - start_advance
    result = {"events": len(items), "open_cases": session.open_cases, "seconds": posted,
              "events_per_second": len(items) / posted, "changes": changes,
              # CPU time of this process while posting (the 2 cores are shared: wall time alone misleads)
              "cpu_seconds": cpu, "events_per_cpu_second": len(items) / cpu,
              "advance_seconds": advanced, "deadlines_passed": len(passed), "store": store or "memory",
              # whole process (the generated log and its event dicts included); Linux reports KiB
              "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    session.shutdown()
    return result


if __name__ == "__main__":
    print(json.dumps(run(int(float(sys.argv[1])), sys.argv[2] if len(sys.argv) > 2 else None)))
