"""The PostgreSQL live store against a real server (a throwaway cluster, see conftest.postgres_url): restore,
several processes on one store (each event stored once, each sees the others' events), SIGKILL, failed writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from policykit.diagnostics import PolicykitError

from .conftest import needed

WORKER = Path(__file__).with_name("pg_worker.py")
AT = "2025-03-02T09:00:00+03:00"


@pytest.fixture
def store(postgres_url):
    """A fresh namespace (schema) of the test cluster for each test: (url, namespace, opener)."""
    import uuid

    from policykit.live.pgstore import PostgresStore

    namespace = "t_" + uuid.uuid4().hex[:16]
    return postgres_url, namespace, lambda: PostgresStore(postgres_url, namespace)


def _count(url: str, namespace: str, query: str = "SELECT count(*), count(DISTINCT key) FROM {s}.events"):
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as db:
        return db.execute(sql.SQL(query).format(s=sql.Identifier(namespace))).fetchone()


def _worker(url: str, namespace: str, first: int, count: int, step: int, wait: bool = False) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.Popen([sys.executable, str(WORKER), url, namespace, str(first), str(count), str(step),
                             *(["wait"] if wait else [])], stdin=subprocess.PIPE if wait else None,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_a_url_opens_a_postgres_store_and_a_restart_restores_the_session(postgres_url):
    from policykit.live import LiveSession
    from policykit.live.pgstore import PostgresStore

    first = LiveSession("harif", store=postgres_url)
    assert isinstance(first.store, PostgresStore)
    first.post("R-1", {"id": "a", "type": "request_completed", "at": AT})
    first.set_facts("R-1", {"association_caused_harm": True})
    first.shutdown()
    again = LiveSession("harif", store=postgres_url)
    assert [e.type for e in again.cases["R-1"].events] == ["request_completed"]
    assert again.cases["R-1"].facts == {"association_caused_harm": True}
    assert again.post("R-1", {"id": "a", "type": "request_completed", "at": AT}).duplicate
    with pytest.raises(PolicykitError) as caught:
        LiveSession("saddad", store=postgres_url)
    assert caught.value.first.code == "store-policy-mismatch"
    again.shutdown()


def test_two_sessions_see_each_others_events_facts_and_closures(store):
    from policykit.live import LiveSession

    _, _, opener = store
    # clocks after the events, so that none is refused as too far ahead of a clock
    a = LiveSession("harif", store=opener(), now="2025-03-10T00:00:00+03:00")
    b = LiveSession("harif", store=opener(), now="2025-03-10T00:00:00+03:00")
    a.post("S-1", {"id": "1", "type": "request_completed", "at": "2025-03-02T09:00:00+03:00"})
    assert b.verdict("S-1").status == "in_progress"  # b reads a's event before answering
    assert b.post("S-1", {"id": "1", "type": "request_completed", "at": AT}).duplicate
    b.post("S-1", {"id": "2", "type": "decision_notified", "at": "2025-03-04T09:00:00+03:00"})
    b.set_facts("S-1", {"association_caused_harm": False})
    verdict = a.verdict("S-1")
    respond = next(f for f in verdict.findings if f.rule == "respond_within_15_working_days")
    assert respond.status == "met" and verdict.compensation.status == "not_eligible"
    a.close("S-1")
    with pytest.raises(KeyError):
        b.verdict("S-1")  # closed by a
    b.post("S-1", {"id": "3", "type": "complaint_received", "at": "2025-03-05T09:00:00+03:00"})  # reopens it
    assert len(a.verdict("S-1").findings) and len(b.cases["S-1"].events) == 3
    assert [e.type for e in a.cases["S-1"].events] == ["request_completed", "decision_notified",
                                                        "complaint_received"]
    a.shutdown()
    b.shutdown()


def test_two_processes_posting_the_same_events_store_each_once(store):
    url, namespace, opener = store
    opener().close()  # the schema exists before the two race
    # both post events 0..299; one goes up, the other down, so they meet on the same cases at the same moment
    up = _worker(url, namespace, 0, 300, 1, wait=True)
    down = _worker(url, namespace, 299, 300, -1, wait=True)
    for process in (up, down):
        assert process.stdout.readline().strip() == "ready", process.stderr.read()
    for process in (up, down):  # both sessions are open: go
        process.stdin.write("go\n")
        process.stdin.flush()
    taken: dict[str, list[str]] = {}
    every = {f"e{n}" for n in range(300)}
    for name, process in (("up", up), ("down", down)):
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        answered = set()
        for line in out.splitlines():
            answer = json.loads(line)
            answered.update(answer["new"], answer["dup"])
            for event_id in answer["new"]:
                taken.setdefault(event_id, []).append(name)
        assert answered == every  # each process answered for every event, as new or as a duplicate
    assert set(taken) == every
    assert all(len(by) == 1 for by in taken.values())  # exactly one process acknowledged each as new
    # (on a busy machine one process may get through most of the list before the other starts)
    assert _count(url, namespace) == (300, 300)


def test_every_acknowledged_event_survives_sigkill_of_the_writer_and_a_server_crash(store, postgres):
    url, namespace, opener = store
    opener().close()
    process = _worker(url, namespace, 0, 100_000, 1)
    acknowledged: list[str] = []
    for line in process.stdout:
        acknowledged.extend(json.loads(line)["new"])
        if len(acknowledged) >= 300:
            break
    process.send_signal(signal.SIGKILL)  # mid-stream: a post may be under way, unacknowledged
    process.wait(timeout=30)
    # what it had acknowledged before the kill but this test had not read yet (a fast writer gets a few posts
    # ahead of the reader); a line cut by the kill was no acknowledgement
    for line in process.stdout:
        if line.endswith("\n"):
            acknowledged.extend(json.loads(line)["new"])
    process.stdout.close()
    process.stderr.close()
    postgres.crash()  # and the server too, without a checkpoint: the acknowledged commits are in its WAL
    postgres.start()
    from policykit.live import LiveSession

    stored = {row[0] for row in _rows(url, namespace, "SELECT event_id FROM {s}.events")}
    assert set(acknowledged) <= stored  # every acknowledged event is there; perhaps one unacknowledged post too
    assert len(stored) - len(acknowledged) in (0, 10)  # a post is all or nothing
    session = LiveSession("harif", store=opener())
    assert sum(len(case.events) for case in session.cases.values()) == len(stored)
    session.shutdown()


def _rows(url: str, namespace: str, query: str) -> list[tuple]:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as db:
        return db.execute(sql.SQL(query).format(s=sql.Identifier(namespace))).fetchall()


def test_a_failed_write_raises_and_acknowledges_nothing(store):
    from policykit.live import LiveSession

    url, namespace, opener = store
    session = LiveSession("harif", store=opener())
    session.post("F-1", {"id": "x1", "type": "request_received", "at": AT})
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as db:
        # a row no session announced (seq 0): the store's primary key refuses the session's own insert of it
        db.execute(sql.SQL("INSERT INTO {s}.events (case_id, key, event_id, type, at_us, attrs, seq, pos) VALUES "
                           "('F-2', 'y2', 'y2', 'request_received', 0, NULL, 0, 0)").format(
            s=sql.Identifier(namespace)))
    with pytest.raises(PolicykitError) as caught:
        session.post_many([("F-2", {"id": "y1", "type": "request_received", "at": AT}),
                           ("F-2", {"id": "y2", "type": "request_received", "at": AT})])
    assert caught.value.first.code == "store-write-failed"
    assert _count(url, namespace, "SELECT count(*) FROM {s}.events WHERE key = 'y1'") == (0,)
    # a dropped connection (the server restarted): found lost before anything was sent, it is made again and
    # the write goes through (it failed, and a service answered that first post after a restart as refused)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                   "AND datname = 'postgres'")
    session.post("F-3", {"id": "z1", "type": "request_received", "at": AT})
    session.post("F-4", {"id": "w1", "type": "request_received", "at": AT})
    assert _count(url, namespace, "SELECT count(*) FROM {s}.events WHERE key IN ('z1', 'w1')") == (2,)
    session.shutdown()


def test_an_unreachable_server_is_a_clear_error_without_the_password():
    needed("psycopg")
    from policykit.live.pgstore import PostgresStore

    with pytest.raises(PolicykitError) as caught:
        PostgresStore("postgresql://someone:s3cret@/policykit?host=/nonexistent-socket-dir&connect_timeout=2")
    assert caught.value.first.code == "store-unavailable"
    assert "s3cret" not in caught.value.render()


def test_a_restart_restores_the_clock_an_advance_set(store):
    """A session's clock starts at its first advance and a restart on the same store restores it (as SQLite)."""
    import datetime as dt

    from policykit.live import LiveSession

    _, _, opener = store
    first = LiveSession("harif", store=opener())
    first.post("K-1", {"id": "k", "type": "request_completed", "at": AT})
    first.advance("2025-04-01T00:00:00+03:00")
    assert first.verdict("K-1").status == "non_compliant"
    first.shutdown()
    again = LiveSession("harif", store=opener())
    assert again.now == dt.datetime(2025, 4, 1, tzinfo=again.tz)  # it was the event's instant, and in_progress
    assert again.verdict("K-1").status == "non_compliant"
    again.shutdown()
