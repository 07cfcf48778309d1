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
    # a connection dropped in the middle of a transaction: store-unavailable, nothing of it stored, the next
    # operation reconnects
    store = session.store
    store.catch_up(True)
    _terminate_others(url)
    with pytest.raises(PolicykitError) as caught:
        store.add_events([("F-3", "z1", "request_received", 0, None)])
    assert caught.value.first.code == "store-unavailable"
    session.post("F-4", {"id": "w1", "type": "request_received", "at": AT})
    assert _count(url, namespace, "SELECT count(*) FROM {s}.events WHERE key IN ('z1', 'w1')") == (1,)
    session.shutdown()


def _terminate_others(url: str) -> None:
    """Cut every other connection to the test database, as a server restart or an idle timeout does."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                   "AND datname = 'postgres'")


def test_a_connection_lost_between_operations_is_made_again(store, postgres):
    """The server restarted, or an idle connection was cut, while the session waited: its next operation, read
    or write, reconnects and succeeds.  Every first operation after a restart once failed, and as
    `store-write-failed` ('the store refused the operation', 422 in the service) even for a read."""
    import datetime as dt

    from policykit.live import LiveSession

    url, namespace, opener = store
    session = LiveSession("harif", store=opener(), now="2025-03-10T00:00:00+03:00")
    session.post("L-1", {"id": "1", "type": "request_received", "at": AT, "channel": "phone"})
    postgres.crash()
    postgres.start()
    assert session.verdict("L-1").case_id == "L-1"
    operations = [lambda: session.post("L-1", {"id": "2", "type": "request_completed", "at": AT}),
                  lambda: session.advance("2025-03-11T00:00:00+03:00"),
                  lambda: session.set_facts("L-1", {"association_caused_harm": True}),
                  lambda: session.verdict("L-1"),
                  lambda: session.close("L-1")]
    for operation in operations:
        _terminate_others(url)
        operation()
    assert _count(url, namespace) == (2, 2)
    again = LiveSession("harif", store=opener())
    assert "L-1" not in again.cases  # closed, its facts and clock kept
    assert again.now == dt.datetime(2025, 3, 11, tzinfo=again.tz)
    again.shutdown()
    session.shutdown()


def test_an_unreachable_server_is_a_clear_error_without_the_password():
    needed("psycopg")
    from policykit.live.pgstore import PostgresStore

    with pytest.raises(PolicykitError) as caught:
        PostgresStore("postgresql://someone:s3cret@/policykit?host=/nonexistent-socket-dir&connect_timeout=2")
    assert caught.value.first.code == "store-unavailable"
    assert "s3cret" not in caught.value.render()
    # libpq takes the password as a URL parameter too (its name percent-encoded or not): it was shown whole
    for url in ("postgresql://someone@/policykit?host=/nonexistent-socket-dir&password=s3cret&connect_timeout=2",
                "postgresql:///policykit?pass%77ord=s3cret&host=/nonexistent-socket-dir&connect_timeout=2"):
        with pytest.raises(PolicykitError) as caught:
            PostgresStore(url)
        assert caught.value.first.code == "store-unavailable"
        shown = caught.value.render()
        assert "s3cret" not in shown and "host=/nonexistent-socket-dir" in shown


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


def _tables(url: str, namespace: str) -> set[str]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        return {row[0] for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (namespace,))}


def test_a_store_a_newer_policykit_wrote_is_refused_untouched_and_an_older_one_is_read(store):
    """The store records its format (meta 'format'), as the SQLite store does (user_version).  One a newer
    policykit wrote is refused before anything is read or added (its events may be where this version does not
    look: the session would start empty beside them, and store again what they hold); one made before the format
    was recorded has this layout and opens.  With no format, any version opened any store as its own."""
    import psycopg
    from psycopg import sql

    from policykit.live import LiveSession

    url, namespace, opener = store
    first = LiveSession("harif", store=opener())
    first.post("V-1", {"id": "a", "type": "request_received", "at": AT, "channel": "phone"})
    first.shutdown()
    assert _rows(url, namespace, "SELECT value FROM {s}.meta WHERE key = 'format'") == [("1",)]
    with psycopg.connect(url, autocommit=True) as db:  # as the versions before the format was recorded left it
        db.execute(sql.SQL("DELETE FROM {s}.meta WHERE key = 'format'").format(s=sql.Identifier(namespace)))
    older = LiveSession("harif", store=opener())
    assert list(older.cases) == ["V-1"]
    older.shutdown()
    assert _rows(url, namespace, "SELECT value FROM {s}.meta WHERE key = 'format'") == [("1",)]
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(sql.SQL("UPDATE {s}.meta SET value = '2' WHERE key = 'format'").format(
            s=sql.Identifier(namespace)))
        db.execute(sql.SQL("DROP TABLE {s}.closed").format(s=sql.Identifier(namespace)))  # moved in format 2
    with pytest.raises(PolicykitError) as caught:
        LiveSession("harif", store=opener())
    assert caught.value.first.code == "store-unreadable" and "newer policykit" in caught.value.first.message
    assert "closed" not in _tables(url, namespace)  # nothing added to it
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(sql.SQL("UPDATE {s}.meta SET value = 'x' WHERE key = 'format'").format(
            s=sql.Identifier(namespace)))
    with pytest.raises(PolicykitError) as caught:
        LiveSession("harif", store=opener())
    assert caught.value.first.code == "store-corrupt"


def test_a_schema_of_another_application_is_refused_untouched(store):
    """A namespace that holds another application's tables (an `events` table of its own) is not a live store:
    it was given the store's tables beside its own, and its `events` read and written as the store's."""
    import psycopg
    from psycopg import sql

    url, namespace, opener = store
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(sql.SQL("CREATE SCHEMA {s}").format(s=sql.Identifier(namespace)))
        db.execute(sql.SQL("CREATE TABLE {s}.events (id SERIAL PRIMARY KEY, payload TEXT)").format(
            s=sql.Identifier(namespace)))
    with pytest.raises(PolicykitError) as caught:
        opener()
    assert caught.value.first.code == "store-corrupt" and "(events)" in caught.value.first.message
    assert _tables(url, namespace) == {"events"}


def test_a_case_reopened_by_another_session_comes_back_with_its_facts(store):
    """A closes a case whose facts it set; B posts to it (reopening it): A and C take its events back whole, and
    its facts too.  They took only the events: compensation `undetermined` in A and C, `eligible` in B and after
    a restart."""
    from policykit.live import LiveSession

    _, _, opener = store
    now = "2025-03-20T00:00:00+03:00"
    a, b, c = (LiveSession("harif", store=opener(), now=now) for _ in range(3))
    a.post("X", {"id": "1", "type": "request_received", "at": "2025-03-02T09:00:00+03:00", "channel": "phone"})
    a.set_facts("X", {"association_caused_harm": True, "investigation_minutes_approved": True})
    assert c.verdict("X").compensation.status == "eligible"
    a.close("X")
    with pytest.raises(KeyError):
        c.verdict("X")  # C has taken in the closure
    b.post("X", {"id": "2", "type": "complaint_received", "at": "2025-03-05T09:00:00+03:00", "channel": "phone"})
    for session in (a, b, c):
        assert session.verdict("X").compensation.status == "eligible"
        assert session.cases["X"].facts == {"association_caused_harm": True, "investigation_minutes_approved": True}
    for session in (a, b, c):
        session.shutdown()


def _summary(verdict) -> tuple:
    return (verdict.status, verdict.compensation.status, tuple(verdict.compensation.unknown_facts),
            tuple((f.rule, f.status, f.trigger_at, f.due, f.fulfilled_at) for f in verdict.findings),
            tuple((a.event, a.due, a.rule, a.overdue, a.at_risk) for a in verdict.required_actions))


def _held(session, case_id: str):
    try:
        return _summary(session.verdict(case_id))
    except KeyError:
        return None


def test_three_sessions_interleaved_agree_with_one_session_given_the_same_operations(store, tmp_path):
    """Posts (some to two cases at once, some repeated), facts, closures, reopenings and advances spread at random
    over three sessions of one PostgreSQL store: after every operation each session's verdict of every case is
    that of one SQLite session given the same operations, and so is a session restored afterwards.  (It found
    facts set on a closed case, and a reopened case's facts, taken differently by the sessions.)"""
    import datetime as dt
    import random

    from policykit.live import LiveSession

    _, _, opener = store
    rng = random.Random(20261202)
    lenient = {"now": "2025-03-01T00:00:00+03:00", "future_tolerance": dt.timedelta(days=999)}
    shared = [LiveSession("harif", store=opener(), **lenient) for _ in range(3)]
    alone = LiveSession("harif", store=tmp_path / "alone.sqlite", **lenient)
    kinds = ["request_received", "data_verified", "declaration_signed", "request_completed", "applicant_informed",
             "referred_to_committee", "decision_notified", "complaint_received", "complaint_resolved"]
    cases = [f"K{n}" for n in range(5)]
    day = 1
    for step in range(120):
        session, case_id, roll = rng.choice(shared), rng.choice(cases), rng.random()
        if roll < 0.6:
            kind = rng.choice(kinds)
            event = {"id": f"e{rng.randrange(150)}", "type": kind,
                     "at": f"2025-03-{rng.randint(1, 28):02d}T{rng.randint(8, 16):02d}:00:00+03:00"}
            if kind in ("request_received", "complaint_received", "decision_notified"):
                event["channel"] = rng.choice(["phone", "email"])
            if kind == "request_received":
                event["agreed_channel"] = "phone"
            if kind == "decision_notified":
                event["outcome"] = rng.choice(["approved", "rejected"])
            items = [(case_id, event)] + ([(rng.choice(cases), dict(event, id=f"e{rng.randrange(150)}"))]
                                          if rng.random() < 0.3 else [])
            answers = [[change.duplicate for change in s.post_many(items)] for s in (session, alone)]
            assert answers[0] == answers[1], (step, items)
        elif roll < 0.75:
            facts = {rng.choice(["association_caused_harm", "investigation_minutes_approved"]):
                     rng.choice([True, False, None])}
            session.set_facts(case_id, facts)
            alone.set_facts(case_id, facts)
        elif roll < 0.87:
            closed = []
            for s in (session, alone):
                try:
                    s.close(case_id)
                    closed.append(True)
                except KeyError:
                    closed.append(False)
            assert closed[0] == closed[1], step
        else:
            day = min(28, day + rng.randint(0, 3))
            for s in (session, alone):
                s.advance(f"2025-04-{day:02d}T00:00:00+03:00")
        for s in shared:
            for case_id in cases:
                if s.now == alone.now:  # each session keeps its own clock (others' events move it forward)
                    assert _held(s, case_id) == _held(alone, case_id), (step, case_id)
    restored = LiveSession("harif", store=opener())
    restored.advance(alone.now)
    assert [_held(restored, case_id) for case_id in cases] == [_held(alone, case_id) for case_id in cases]
    for s in (*shared, alone, restored):
        s.shutdown()
