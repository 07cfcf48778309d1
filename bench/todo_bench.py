"""The service's to-do list (`GET /v1/sessions/{name}/actions`) over a session holding CASES cases: as it was made
before (`verdict()`, i.e. evaluate(), on every held case) and as it is made now (`LiveSession.todo`, the rules'
decision tables over the session's columns).

`python bench/todo_bench.py [CASES] [RUNS] [log|open]` (default 20000 cases, 3 runs, log) prints one JSON line: the
cases, the actions listed, and the median seconds of each way (the two lists are checked equal first). `log`: the
cases of bench/loggen's two-year harif log, the clock where it ends (most cases done, some overdue); `open`: every
case just received, each owing its steps and its answer (the longest list per case)."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

_LAST = dt.datetime.max.replace(tzinfo=dt.timezone.utc)


def by_verdicts(session) -> list[dict]:
    """The list as policykit.service.live_ops.actions made it before: one verdict per held case, then sorted."""
    found = []
    for case_id in list(session.cases):
        for action in session.verdict(case_id).to_json_dict()["required_actions"]:
            due = dt.datetime.fromisoformat(action["due"]) if action.get("due") else None
            found.append(((not action.get("overdue", False), due or _LAST, case_id, action["rule"]),
                          {"case_id": case_id, **action}))
    found.sort(key=lambda item: item[0])
    return [action for _, action in found]


def session_of(cases: int, scenario: str = "log"):
    """A harif session holding about `cases` cases of bench/loggen's log, its clock where the log ends; or
    (`open`) `cases` cases each with its request received and completed, the clock a week later."""
    from live_bench import posted_items

    from policykit.live import LiveSession

    if scenario == "open":
        session = LiveSession("harif")
        session.post_many([(f"O-{i}", {"type": kind, "at": f"2025-03-{2 + i % 5:02d}T{9 + i % 7:02d}:00"})
                           for i in range(cases) for kind in ("request_received", "request_completed")])
        session.advance("2025-03-16T12:00")
        return session
    items = posted_items(cases)
    session = LiveSession("harif", now="2024-01-01", future_tolerance=dt.timedelta(days=3650))
    for i in range(0, len(items), 10_000):
        session.post_many(items[i:i + 10_000])
    return session


def timed(function, runs: int) -> float:
    """The median seconds of `runs` calls."""
    spent = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent)


def main(cases: int = 20_000, runs: int = 3, scenario: str = "log") -> dict:
    session = session_of(cases, scenario)
    new = session.todo()
    assert new == by_verdicts(session), "the two lists differ"
    return {"scenario": scenario, "cases": session.open_cases, "actions": len(new), "runs": runs,
            "per_case_verdicts_s": round(timed(lambda: by_verdicts(session), runs), 3),
            "columnar_todo_s": round(timed(session.todo, runs), 3)}


if __name__ == "__main__":
    print(json.dumps(main(*(int(float(a)) for a in sys.argv[1:3]), *sys.argv[3:4])))
