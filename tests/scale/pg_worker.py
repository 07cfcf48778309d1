"""A process posting events to a live session on a PostgreSQL store, for the store's multi-process tests.

`python pg_worker.py URL NAMESPACE FIRST COUNT STEP`: posts events with ids FIRST, FIRST+STEP, ... (COUNT of
them, ten per post_many, cases of ten events each) and prints, after each acknowledgement, one JSON line
{"new": [ids taken], "dup": [ids found duplicate]}.  With a sixth argument `wait`, it prints `ready` once its
session is open and starts posting when a line arrives on stdin (so that two workers start together)."""

from __future__ import annotations

import json
import sys

from policykit.live import LiveSession
from policykit.live.pgstore import PostgresStore

TYPES = ("request_received", "requirements_explained", "data_verified", "declaration_signed", "request_completed")


def event(number: int) -> tuple[str, dict]:
    """Event `number`: its case (ten events a case) and the event, at a time that grows with its number."""
    day, minute = divmod(number, 600)
    return f"C-{number // 10:05d}", {"id": f"e{number}", "type": TYPES[number % 10 // 2],
                                      "at": f"2025-03-{1 + day % 27:02d}T{8 + minute // 60:02d}:{minute % 60:02d}:00+03:00"}


def main(url: str, namespace: str, first: int, count: int, step: int, wait: bool = False) -> None:
    session = LiveSession("harif", store=PostgresStore(url, namespace))
    if wait:
        print("ready", flush=True)
        sys.stdin.readline()
    numbers = [first + k * step for k in range(count)]
    for start in range(0, len(numbers), 10):
        chunk = [event(n) for n in numbers[start:start + 10]]
        changes = session.post_many(chunk)
        print(json.dumps({"new": [c.event_id for c in changes if not c.duplicate],
                          "dup": [c.event_id for c in changes if c.duplicate]}), flush=True)
    session.shutdown()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6]), wait=sys.argv[6:] == ["wait"])
