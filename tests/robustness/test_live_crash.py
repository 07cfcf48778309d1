"""Crash safety of live sessions: SIGKILL at random points while events stream in, restart from SQLite.

Every acknowledged event (post() returned) must be in the store exactly once after each crash, the producer's
re-sending of unacknowledged events must not duplicate anything, and the final verdicts must equal those of a
run that never crashed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("durable")

from policykit.live import LiveSession  # noqa: E402
from policykit.live.store import SqliteStore  # noqa: E402

START = dt.datetime(2025, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
SEQUENCE = ["request_received", "data_verified", "declaration_signed", "request_completed", "applicant_informed",
            "referred_to_committee", "decision_notified", "case_closed"]

PRODUCER = r'''
import json, sys, time
from policykit.live import LiveSession
events_file, store, acks_file = sys.argv[1:4]
events = json.load(open(events_file))
with open(acks_file, "a+") as acks:
    acks.seek(0)
    acked = set(acks.read().split())
    session = LiveSession("harif", store=store, now="2025-03-01T00:00:00+03:00")
    print("ready", flush=True)
    for item in events:
        if item["event"]["id"] in acked:
            continue
        session.post(item["case"], item["event"])
        acks.write(item["event"]["id"] + "\n")  # the acknowledgement: post() returned
        acks.flush()
        time.sleep(0.002)
    session.shutdown()
print("done", flush=True)
'''


def _stream(rng: random.Random, cases: int = 12) -> list[dict]:
    """Events of several cases, interleaved, some out of time order, each with a stable id."""
    out = []
    for c in range(cases):
        at = START + dt.timedelta(hours=rng.randint(0, 72))
        for step, kind in enumerate(SEQUENCE[: rng.randint(3, len(SEQUENCE))]):
            at += dt.timedelta(hours=rng.randint(1, 24 * 6))
            event = {"id": f"C{c}-{step}", "type": kind, "at": at.isoformat()}
            if kind == "request_received":
                event.update(channel="interview", agreed_channel=rng.choice(["phone", "email"]))
            if kind == "decision_notified":
                event.update(outcome=rng.choice(["approved", "rejected"]), channel=rng.choice(["phone", "email"]))
            out.append({"case": f"C{c}", "event": event})
    rng.shuffle(out)
    return out


def _stored(db: Path) -> list[tuple[str, str]]:
    store = SqliteStore(db)
    try:
        return [(case_id, event_id) for case_id, event_id, *_ in store.load()]
    finally:
        store.close()


def _acked(acks: Path) -> list[str]:
    return acks.read_text().split() if acks.exists() else []


def _run_producer(tmp: Path, kill_after: float | None, after_acks: int = 0) -> bool:
    """Start the producer; once `after_acks` more events are acknowledged, wait `kill_after` s and SIGKILL it.

    True when it finished before the kill.
    """
    before = len(_acked(tmp / "acks.txt"))
    proc = subprocess.Popen([sys.executable, "-c", PRODUCER, str(tmp / "events.json"), str(tmp / "live.sqlite"),
                             str(tmp / "acks.txt")], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    if kill_after is None:
        assert proc.wait(timeout=120) == 0
        return True
    deadline = time.monotonic() + 60
    while len(_acked(tmp / "acks.txt")) < before + after_acks and proc.poll() is None:
        assert time.monotonic() < deadline, "the producer acknowledged nothing"
        time.sleep(0.002)
    time.sleep(kill_after)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return proc.returncode == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_sigkill_mid_stream_loses_and_duplicates_nothing(tmp_path, seed):
    """Several kills at random instants; after each, every acknowledged event is stored exactly once."""
    rng = random.Random(seed)
    events = _stream(rng)
    (tmp_path / "events.json").write_text(json.dumps(events))
    kills = 0
    for _ in range(4):
        _run_producer(tmp_path, kill_after=rng.uniform(0.0, 0.08), after_acks=rng.randint(0, 12))
        kills += 1
        stored = _stored(tmp_path / "live.sqlite")
        assert len(stored) == len(set(stored)), "an event was stored twice"
        missing = set(_acked(tmp_path / "acks.txt")) - {event_id for _, event_id in stored}
        assert not missing, f"acknowledged but lost after SIGKILL #{kills}: {missing}"
    _run_producer(tmp_path, kill_after=None)

    stored = _stored(tmp_path / "live.sqlite")
    assert sorted(stored) == sorted((e["case"], e["event"]["id"]) for e in events)

    restarted = LiveSession("harif", store=tmp_path / "live.sqlite", now="2025-03-01T00:00:00+03:00")
    uncrashed = LiveSession("harif", now="2025-03-01T00:00:00+03:00")
    for item in events:
        uncrashed.post(item["case"], item["event"])
    assert restarted.now == uncrashed.now
    for case_id in sorted({e["case"] for e in events}):
        assert restarted.verdict(case_id).model_dump() == uncrashed.verdict(case_id).model_dump()
    restarted.shutdown()


def test_the_kills_land_mid_stream(tmp_path):
    """The harness really interrupts streaming: a kill leaves some, not all, events acknowledged."""
    events = _stream(random.Random(7))
    (tmp_path / "events.json").write_text(json.dumps(events))
    finished = _run_producer(tmp_path, kill_after=0.0, after_acks=3)
    acked = _acked(tmp_path / "acks.txt")
    assert not finished and 0 < len(acked) < len(events)


def test_resending_acknowledged_events_is_idempotent(tmp_path):
    """Posting the same event ids again after a restart changes nothing."""
    events = _stream(random.Random(3), cases=3)
    store = tmp_path / "live.sqlite"
    first = LiveSession("harif", store=store)
    for item in events:
        first.post(item["case"], item["event"])
    first.shutdown()
    again = LiveSession("harif", store=store)
    changes = [again.post(item["case"], item["event"]) for item in events]
    assert all(change.duplicate for change in changes)
    assert len(_stored(store)) == len(events)
    again.shutdown()
