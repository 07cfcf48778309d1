"""The PostgreSQL store's timeouts against a real server: the defaults it sets (TCP keepalives, statement and
idle-transaction timeouts), a URL's or a role's own settings kept, and a writer that hung holding the counter's
lock no longer blocking the others for ever."""

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
    return store.db.execute(f"SHOW {name}").fetchone()[0]


def test_the_store_sets_timeouts_and_keepalives_unless_the_url_or_the_role_does(postgres_url):
    """A store's connection had no statement_timeout, no idle-transaction timeout and no TCP keepalive: a hung
    peer or a cut network blocked a post for ever.  Defaults now; a URL's options and a role's settings win."""
    import psycopg

    from policykit.live.pgstore import PostgresStore

    store = PostgresStore(postgres_url, _namespace())
    assert (_show(store, "statement_timeout"), _show(store, "idle_in_transaction_session_timeout")) == ("1min", "1min")
    dsn = store.db.info.get_parameters()
    assert (dsn["keepalives"], dsn["keepalives_idle"], dsn["tcp_user_timeout"]) == ("1", "30", "60000")
    store.close()
    url = postgres_url + "&keepalives_idle=5&options=-c%20statement_timeout%3D0"
    store = PostgresStore(url, _namespace())
    assert (_show(store, "statement_timeout"), _show(store, "idle_in_transaction_session_timeout")) == ("0", "1min")
    assert store.db.info.get_parameters()["keepalives_idle"] == "5"
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
    from policykit.live import pgstore

    monkeypatch.setattr(pgstore, "SERVER_DEFAULTS", {"statement_timeout": "30s",
                                                     "idle_in_transaction_session_timeout": "1s"}, raising=False)
    namespace = _namespace()
    hung = LiveSession("harif", store=pgstore.PostgresStore(postgres_url, namespace))
    other = LiveSession("harif", store=pgstore.PostgresStore(postgres_url, namespace))
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
