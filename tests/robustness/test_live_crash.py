"""Crash safety of live sessions: SIGKILL at random points while events stream in, restart from SQLite.

Every acknowledged event (post() returned) must be in the store exactly once after each crash, the producer's
re-sending of unacknowledged events must not duplicate anything, and the final verdicts must equal those of a
run that never crashed.  The faulty producer also meets store faults at random (a COMMIT failing as under a held
lock, the store read-only, the disk full): a failed post acknowledges nothing, and its re-send is new.
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
REPLAY = dt.timedelta(days=3650)  # the streams are replays: events weeks apart arrive without advance()
SEQUENCE = ["request_received", "data_verified", "declaration_signed", "request_completed", "applicant_informed",
            "referred_to_committee", "decision_notified", "case_closed"]

PRODUCER = r'''
import datetime, json, sys, time
from policykit.live import LiveSession
events_file, store, acks_file = sys.argv[1:4]
events = json.load(open(events_file))
with open(acks_file, "a+") as acks:
    acks.seek(0)
    acked = set(acks.read().split())
    # a replay: events weeks apart arrive without advance(), so the clock's lead tolerance is lifted
    session = LiveSession("harif", store=store, now="2025-03-01T00:00:00+03:00",
                          future_tolerance=datetime.timedelta(days=3650))
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


FAULTY_PRODUCER = r'''
import datetime, json, random, sqlite3, sys, time
from policykit.diagnostics import PolicykitError
from policykit.live import LiveSession
events_file, store, acks_file, seed = sys.argv[1:5]
rng = random.Random(int(seed))
events = json.load(open(events_file))


class Flaky:
    """The store's connection, whose COMMIT fails while `locked` as SQLite's does when another holds the lock."""

    def __init__(self, db):
        self.db, self.locked = db, False

    def execute(self, sql, *args):
        if self.locked and sql == "COMMIT":
            raise sqlite3.OperationalError("database is locked")
        return self.db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.db, name)


with open(acks_file, "a+") as acks:
    acks.seek(0)
    acked = set(acks.read().split())
    # a replay: events weeks apart arrive without advance(), so the clock's lead tolerance is lifted
    session = LiveSession("harif", store=store, now="2025-03-01T00:00:00+03:00",
                          future_tolerance=datetime.timedelta(days=3650))
    real = session.store.db
    flaky = session.store.db = Flaky(real)
    print("ready", flush=True)
    failed = set()
    pending = [item for item in events if item["event"]["id"] not in acked]
    while pending:
        item = pending.pop(0)
        fault = rng.choice(["none", "none", "lock", "read-only", "full"])
        flaky.locked = fault == "lock"
        if fault == "read-only":
            real.execute("PRAGMA query_only=ON")
        if fault == "full":  # no page beyond those the file has (a row that fits in one still goes in)
            real.execute(f"PRAGMA max_page_count={real.execute('PRAGMA page_count').fetchone()[0]}")
        try:
            change = session.post(item["case"], item["event"])
        except PolicykitError as exc:
            assert exc.first.code == "store-write-failed", exc
            with open(acks_file + ".faults", "a") as faults:  # how often a fault made a post fail
                faults.write(fault + "\n")
            failed.add(item["event"]["id"])
            pending.append(item)  # the producer sends it again later
            continue
        finally:
            flaky.locked = False
            real.execute("PRAGMA query_only=OFF")
            real.execute("PRAGMA max_page_count=1073741823")
        if item["event"]["id"] in failed and change.duplicate:
            sys.exit(3)  # a failed post was taken after all
        acks.write(item["event"]["id"] + "\n")  # the acknowledgement: post() returned
        acks.flush()
        time.sleep(0.002)
    session.shutdown()
print("done", flush=True)
'''


def _stream(rng: random.Random, cases: int = 12, pad: int = 0) -> list[dict]:
    """Events of several cases, interleaved, some out of time order, each with a stable id."""
    out = []
    for c in range(cases):
        at = START + dt.timedelta(hours=rng.randint(0, 72))
        for step, kind in enumerate(SEQUENCE[: rng.randint(3, len(SEQUENCE))]):
            at += dt.timedelta(hours=rng.randint(1, 24 * 6))
            event = {"id": f"C{c}-{step}" + "-" * pad, "type": kind, "at": at.isoformat()}
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


def _run_producer(tmp: Path, kill_after: float | None, after_acks: int = 0, faulty_seed: int | None = None) -> bool:
    """Start the producer (the faulty one with a seed); once `after_acks` more events are acknowledged, wait
    `kill_after` s and SIGKILL it.

    True when it finished before the kill.
    """
    before = len(_acked(tmp / "acks.txt"))
    script, extra = (PRODUCER, []) if faulty_seed is None else (FAULTY_PRODUCER, [str(faulty_seed)])
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp / "events.json"), str(tmp / "live.sqlite"),
                             str(tmp / "acks.txt"), *extra], stdout=subprocess.PIPE, text=True)
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


@pytest.mark.parametrize("seed, faulty", [(1, False), (2, False), (3, True), (4, True)])
def test_sigkill_mid_stream_loses_and_duplicates_nothing(tmp_path, seed, faulty):
    """Several kills at random instants (with store faults at random, when faulty); after each, every
    acknowledged event is stored exactly once, and none that failed was taken."""
    rng = random.Random(seed)
    # the faulty run's ids are longer than a page, so that every write needs new pages and the full disk bites
    events = _stream(rng, pad=5000 if faulty else 0)
    (tmp_path / "events.json").write_text(json.dumps(events))
    kills = 0
    for _ in range(4):
        _run_producer(tmp_path, kill_after=rng.uniform(0.0, 0.08), after_acks=rng.randint(0, 12),
                      faulty_seed=rng.randint(0, 10**6) if faulty else None)
        kills += 1
        stored = _stored(tmp_path / "live.sqlite")
        assert len(stored) == len(set(stored)), "an event was stored twice"
        missing = set(_acked(tmp_path / "acks.txt")) - {event_id for _, event_id in stored}
        assert not missing, f"acknowledged but lost after SIGKILL #{kills}: {missing}"
    _run_producer(tmp_path, kill_after=None, faulty_seed=rng.randint(0, 10**6) if faulty else None)

    stored = _stored(tmp_path / "live.sqlite")
    assert sorted(stored) == sorted((e["case"], e["event"]["id"]) for e in events)
    if faulty:  # each kind of fault did make posts fail
        faults = (tmp_path / "acks.txt.faults").read_text().split()
        assert {"lock", "read-only", "full"} <= set(faults), faults

    restarted = LiveSession("harif", store=tmp_path / "live.sqlite", now="2025-03-01T00:00:00+03:00",
                            future_tolerance=REPLAY)
    uncrashed = LiveSession("harif", now="2025-03-01T00:00:00+03:00", future_tolerance=REPLAY)
    by_id = {item["event"]["id"]: item for item in events}
    for _, event_id in stored:  # in the order acknowledged (the faulty producer re-sends failed events later)
        uncrashed.post(by_id[event_id]["case"], by_id[event_id]["event"])
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
    first = LiveSession("harif", store=store, future_tolerance=REPLAY)
    for item in events:
        first.post(item["case"], item["event"])
    first.shutdown()
    again = LiveSession("harif", store=store, future_tolerance=REPLAY)
    changes = [again.post(item["case"], item["event"]) for item in events]
    assert all(change.duplicate for change in changes)
    again.shutdown()
    assert len(_stored(store)) == len(events)
