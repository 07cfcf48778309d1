"""The PostgreSQL store's connections against a real server: the defaults it sets (TCP keepalives, statement and
idle-transaction timeouts), a URL's or a role's own settings kept, a writer that hung holding the counter's lock
no longer blocking the others for ever, and a bounded number of connections per process."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from policykit.diagnostics import PolicykitError

AT = "2025-03-02T09:00:00+03:00"


def _namespace() -> str:
    return "t_" + uuid.uuid4().hex[:16]


def _show(store, name: str) -> str:
    return store._one(f"SHOW {name}")[0]


def _parameters(store) -> dict:
    """libpq's parameters of a connection the store uses."""
    db = store._connections.take()
    try:
        return db.info.get_parameters()
    finally:
        store._connections.give(db)


def test_the_store_sets_timeouts_and_keepalives_unless_the_url_or_the_role_does(postgres_url):
    """A store's connection had no statement_timeout, no idle-transaction timeout and no TCP keepalive: a hung
    peer or a cut network blocked a post for ever.  Defaults now; a URL's options and a role's settings win."""
    import psycopg

    from policykit.live.pgstore import PostgresStore

    store = PostgresStore(postgres_url, _namespace())
    assert (_show(store, "statement_timeout"), _show(store, "idle_in_transaction_session_timeout")) == ("1min", "1min")
    dsn = _parameters(store)
    assert (dsn["keepalives"], dsn["keepalives_idle"], dsn["tcp_user_timeout"]) == ("1", "30", "60000")
    store.close()
    url = postgres_url + "&keepalives_idle=5&options=-c%20statement_timeout%3D0"
    store = PostgresStore(url, _namespace())
    assert (_show(store, "statement_timeout"), _show(store, "idle_in_transaction_session_timeout")) == ("0", "1min")
    assert _parameters(store)["keepalives_idle"] == "5"
    store.close()
    role = "r_" + uuid.uuid4().hex[:12]
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute(f"CREATE ROLE {role} LOGIN")
        db.execute(f"GRANT CREATE ON DATABASE postgres TO {role}")
        db.execute(f"ALTER ROLE {role} SET statement_timeout = '7s'")
    store = PostgresStore(postgres_url.replace("policykit@", f"{role}@"), _namespace())
    assert (_show(store, "statement_timeout"), _show(store, "idle_in_transaction_session_timeout")) == ("7s", "1min")
    store.close()


def test_a_writer_hung_holding_the_lock_is_ended_and_the_others_go_on(postgres_url, monkeypatch):
    """One session opened its write (the counter's row lock, which every writer waits for) and hung: another's
    post waited for ever.  The server now ends the idle transaction (the defaults, shortened here to a second),
    the waiting post is stored, and the hung one's next operation is `store-unavailable` and then works again."""
    from policykit.live import LiveSession
    from policykit.live import pgpool, pgstore

    monkeypatch.setattr(pgpool, "SERVER_DEFAULTS", {"statement_timeout": "30s",
                                                     "idle_in_transaction_session_timeout": "1s"}, raising=False)
    namespace, url = _namespace(), postgres_url + "&application_name=hung-writer-test"  # connections of its own
    hung = LiveSession("harif", store=pgstore.PostgresStore(url, namespace))
    other = LiveSession("harif", store=pgstore.PostgresStore(url, namespace))
    hung.store.catch_up(True)  # the lock taken, and nothing more
    done: list = []
    worker = threading.Thread(target=lambda: done.append(other.post("H-1", {"id": "a", "type": "request_received",
                                                                           "at": AT})), daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(20)
    assert done and not done[0].duplicate, "the post is still waiting for the hung writer's lock"
    assert time.monotonic() - started < 15
    with pytest.raises(PolicykitError) as caught:
        hung.store.add_events([("H-2", "b", "request_received", 0, None)])
    assert caught.value.first.code == "store-unavailable"
    assert hung.post("H-1", {"id": "a", "type": "request_received", "at": AT}).duplicate  # usable, caught up
    hung.shutdown()
    other.shutdown()


def test_a_statement_over_the_timeout_is_store_unavailable_and_acknowledges_nothing(postgres_url):
    """A post queued behind a lock past statement_timeout (set by the URL, a second here) is cancelled by the
    server: `store-unavailable` (to be sent again), not `store-write-failed` (it was the database's trouble, not
    a write it refused), nothing stored, and the session posts again once the lock is free."""
    from policykit.live import LiveSession
    from policykit.live.pgstore import PostgresStore

    namespace = _namespace()
    url = postgres_url + "&options=-c%20statement_timeout%3D1000"
    holder = PostgresStore(url, namespace)
    session = LiveSession("harif", store=PostgresStore(url, namespace))
    holder.catch_up(True)
    with pytest.raises(PolicykitError) as caught:
        session.post("S-1", {"id": "a", "type": "request_received", "at": AT})
    assert caught.value.first.code == "store-unavailable"
    assert "statement timeout" in caught.value.first.message
    holder.rollback()
    assert "S-1" not in session.cases or not session.cases["S-1"].events
    assert not session.post("S-1", {"id": "a", "type": "request_received", "at": AT}).duplicate
    holder.close()
    session.shutdown()


def _connections_named(url: str, name: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        return db.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (name,)).fetchone()[0]


def test_a_process_opens_a_bounded_number_of_connections_whatever_its_sessions(postgres_url, monkeypatch):
    """Each store held a connection of its own for its whole life: a service of many sessions in several processes
    exceeded the server's max_connections (20 on the test cluster).  Stores of one URL in one process now share at
    most POLICYKIT_PG_MAX_CONNECTIONS, held only while an operation runs; eight sessions posting at once from eight
    threads through two connections all get their events stored."""
    from policykit.live import LiveSession
    from policykit.live.pgstore import PostgresStore

    monkeypatch.setenv("POLICYKIT_PG_MAX_CONNECTIONS", "2")
    name = "bounded-" + uuid.uuid4().hex[:8]
    url = f"{postgres_url}&application_name={name}"
    sessions = [LiveSession("harif", store=PostgresStore(url, _namespace())) for _ in range(8)]
    for number, session in enumerate(sessions):
        session.post(f"B-{number}", {"id": "first", "type": "request_received", "at": AT})
    assert _connections_named(postgres_url, name) <= 2
    failures: list = []

    def post_many(session, number: int) -> None:
        try:
            for step in range(10):
                session.post(f"B-{number}", {"id": f"e{step}", "type": "data_verified", "at": AT})
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=post_many, args=(session, number)) for number, session in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures
    assert _connections_named(postgres_url, name) <= 2
    assert [len(session.cases[f"B-{n}"].events) for n, session in enumerate(sessions)] == [11] * 8
    for session in sessions:
        session.shutdown()


def test_an_operation_waiting_too_long_for_a_connection_is_store_unavailable(postgres_url, monkeypatch):
    """With every connection busy (one, held by a write under way) past the wait, a post is `store-unavailable`,
    nothing acknowledged, and succeeds once the connection is free."""
    from policykit.live import LiveSession, pgpool
    from policykit.live.pgstore import PostgresStore

    monkeypatch.setenv("POLICYKIT_PG_MAX_CONNECTIONS", "1")
    monkeypatch.setattr(pgpool, "WAIT_SECONDS", 0.5)
    url = f"{postgres_url}&application_name=busy-{uuid.uuid4().hex[:8]}"
    holder, session = PostgresStore(url, _namespace()), LiveSession("harif", store=PostgresStore(url, _namespace()))
    holder.catch_up(True)
    with pytest.raises(PolicykitError) as caught:
        session.post("W-1", {"id": "a", "type": "request_received", "at": AT})
    assert caught.value.first.code == "store-unavailable" and "POLICYKIT_PG_MAX_CONNECTIONS" in caught.value.render()
    holder.rollback()
    assert not session.post("W-1", {"id": "a", "type": "request_received", "at": AT}).duplicate
    holder.close()
    session.shutdown()
