"""A process's connections to one PostgreSQL URL, shared by its live stores and bounded in number, each opened with
the timeouts and keepalives the store relies on.

A store holds a connection only while an operation or its transaction runs, so a service holding a thousand
sessions needs a few connections, not a thousand (PostgreSQL's `max_connections` is 100 by default).  Written
here rather than taken from psycopg_pool: its `getconn` reports an unreachable server as a timeout after the
pool's wait, hiding libpq's reason, which the store's errors give."""

from __future__ import annotations

import os
import threading

from ..diagnostics import PolicykitError, Span

# libpq's connection parameters set when the URL does not set them: a server that cannot be reached, a dead
# server machine or a cut network ends the operation (store-unavailable) instead of blocking it for ever
# (TCP keepalives: a silent peer found dead within about a minute; tcp_user_timeout: data unacknowledged for a
# minute; both ignored on a unix socket); the application name lets a DBA see the store's connections
CONNECTION_DEFAULTS = {"connect_timeout": "10", "keepalives": "1", "keepalives_idle": "30",
                       "keepalives_interval": "10", "keepalives_count": "3", "tcp_user_timeout": "60000",
                       "application_name": "policykit-store"}
# the server's settings set on each connection when nothing (the URL's `options=-c ...`, the role, the database,
# the server's configuration) set them: a statement that runs or waits a minute (a writer queued behind another's
# lock) is cancelled, and a transaction left idle a minute (a writer that hung holding the counter's lock, which
# every other writer waits for) is ended by the server
SERVER_DEFAULTS = {"statement_timeout": "60s", "idle_in_transaction_session_timeout": "60s"}
# connections one process opens to one URL at most (POLICYKIT_PG_MAX_CONNECTIONS), and how long an operation
# waits for one of them to be free before it is store-unavailable
MAX_CONNECTIONS = 10
MAX_CONNECTIONS_VAR = "POLICYKIT_PG_MAX_CONNECTIONS"
WAIT_SECONDS = 60.0

_POOLS: dict[tuple[int, str], "Connections"] = {}
_POOLS_LOCK = threading.Lock()


def connections(url: str, shown: str) -> "Connections":
    """This process's connections to `url` (`shown`: the URL without its password, for messages); a forked child
    gets its own, never its parent's sockets."""
    key = (os.getpid(), url)
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = Connections(url, shown, max_connections(shown))
        return pool


def max_connections(where: str) -> int:
    """MAX_CONNECTIONS, or POLICYKIT_PG_MAX_CONNECTIONS when set (a positive integer, else invalid-limit)."""
    raw = os.environ.get(MAX_CONNECTIONS_VAR, "").strip()
    if not raw:
        return MAX_CONNECTIONS
    if not raw.isdigit() or int(raw) < 1:
        raise PolicykitError.single("invalid-limit", f"{MAX_CONNECTIONS_VAR} must be a positive integer",
                                    Span(MAX_CONNECTIONS_VAR))
    return int(raw)


class Connections:
    """At most `size` open connections to one URL; idle ones kept for the next operation."""

    def __init__(self, url: str, shown: str, size: int) -> None:
        self.url, self.shown, self.size = url, shown, size
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list = []
        self._lock = threading.Lock()

    def take(self):
        """An open connection (an idle one, else a new one); store-unavailable when all are busy for WAIT_SECONDS.
        A connection that cannot be opened raises psycopg's error, as connect() does."""
        if not self._slots.acquire(timeout=WAIT_SECONDS):
            raise PolicykitError.single("store-unavailable", f"all {self.size} connections of this process to the "
                                        f"PostgreSQL store stayed busy for {WAIT_SECONDS:g} s", Span(self.shown),
                                        hint=f"nothing was acknowledged; send it again, or raise {MAX_CONNECTIONS_VAR}")
        try:
            with self._lock:
                while self._idle:
                    db = self._idle.pop()
                    if not (db.closed or db.broken):
                        return db
            return _connect(self.url)
        except BaseException:
            self._slots.release()
            raise

    def give(self, db) -> None:
        """Hand a connection back: kept when it is sound and outside a transaction, closed otherwise."""
        from psycopg.pq import TransactionStatus

        try:
            if db.closed or db.broken or db.info.transaction_status != TransactionStatus.IDLE:
                db.close()
            else:
                with self._lock:
                    self._idle.append(db)
        finally:
            self._slots.release()


def _connect(url: str):
    """A new autocommit connection to `url` with CONNECTION_DEFAULTS and SERVER_DEFAULTS where nothing set them."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    given = conninfo_to_dict(url)
    db = psycopg.connect(url, autocommit=True, **{k: v for k, v in CONNECTION_DEFAULTS.items() if k not in given})
    try:
        unset = [name for (name,) in db.execute("SELECT name FROM pg_settings WHERE source = 'default' AND "
                                                "name = ANY(%s)", (list(SERVER_DEFAULTS),))]
        for name in unset:
            db.execute("SELECT set_config(%s, %s, false)", (name, SERVER_DEFAULTS[name]))
    except BaseException:
        db.close()
        raise
    return db
