"""The names of a service's live sessions, each with its policy and clock: in a SQLite file beside the sessions'
stores, or, for a PostgreSQL store, in that database, so that every service process on it knows every session
(one PUT serves them all) and shares its clock."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

from ..diagnostics import PolicykitError, Span

_SQLITE = "CREATE TABLE IF NOT EXISTS sessions (name TEXT PRIMARY KEY, policy TEXT NOT NULL, clock TEXT)"
_POSTGRES = """CREATE SCHEMA IF NOT EXISTS policykit_service;
CREATE TABLE IF NOT EXISTS policykit_service.sessions (name TEXT PRIMARY KEY, policy TEXT NOT NULL,
                                                      clock TIMESTAMPTZ, clock_text TEXT)"""


class SqliteRegistry:
    """The sessions of one service process, in `root/registry.sqlite`."""

    shared = False

    def __init__(self, root: Path) -> None:
        self.db = sqlite3.connect(root / "registry.sqlite", check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(_SQLITE)
        self._lock = threading.Lock()  # one connection, used by one thread at a time

    def find(self, name: str) -> tuple[str, str | None] | None:
        """(policy id, clock text or None) of session `name`; None when there is none."""
        with self._lock:
            row = self.db.execute("SELECT policy, clock FROM sessions WHERE name=?", (name,)).fetchone()
        return None if row is None else (row[0], row[1])

    def add(self, name: str, policy_id: str) -> str:
        """Register session `name` judging `policy_id` unless it is there; the policy it judges."""
        with self._lock:
            self.db.execute("INSERT OR IGNORE INTO sessions (name, policy, clock) VALUES (?, ?, NULL)",
                            (name, policy_id))
            return self.db.execute("SELECT policy FROM sessions WHERE name=?", (name,)).fetchone()[0]

    def save_clock(self, name: str, clock: dt.datetime, text: str) -> None:
        """Keep the session's clock (this process's is the only one)."""
        with self._lock:
            self.db.execute("UPDATE sessions SET clock=? WHERE name=?", (text, name))

    def close(self) -> None:
        self.db.close()


class PostgresRegistry:
    """The sessions of every service process on one PostgreSQL database (`policykit_service.sessions`)."""

    shared = True

    def __init__(self, url: str, shown: str) -> None:
        import psycopg

        self._psycopg, self.url, self.shown = psycopg, url, shown
        self._lock = threading.Lock()
        self.db = None
        self._run(self._create)

    def _create(self, db) -> None:
        with db.transaction():
            # the processes starting together: the first creates, the others wait (as the stores do)
            db.execute("SELECT pg_advisory_xact_lock(hashtext('policykit-service-registry'))")
            db.execute(_POSTGRES)

    def _run(self, action, *args):
        """`action(connection, *args)` on a live connection; a database error is `store-unavailable`. A connection
        found lost (the server restarted, a proxy cut it while idle) is made again and the action run once more:
        each action is safe to repeat."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self.db is None or self.db.closed or self.db.broken:
                        self.db = self._psycopg.connect(self.url, autocommit=True, connect_timeout=10)
                    return action(self.db, *args)
                except self._psycopg.Error as exc:
                    if attempt == 1 and self.db is not None and (self.db.closed or self.db.broken):
                        continue
                    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    raise PolicykitError.single("store-unavailable", f"cannot read the sessions' registry: "
                                                f"{reason}", Span(self.shown)) from None

    def find(self, name: str) -> tuple[str, str | None] | None:
        """(policy id, latest clock text or None) of session `name`; None when there is none."""
        row = self._run(lambda db: db.execute("SELECT policy, clock_text FROM policykit_service.sessions "
                                              "WHERE name=%s", (name,)).fetchone())
        return None if row is None else (row[0], row[1])

    def add(self, name: str, policy_id: str) -> str:
        """Register session `name` judging `policy_id` unless another process did; the policy it judges."""
        def add(db) -> str:
            db.execute("INSERT INTO policykit_service.sessions (name, policy) VALUES (%s, %s) "
                       "ON CONFLICT DO NOTHING", (name, policy_id))
            return db.execute("SELECT policy FROM policykit_service.sessions WHERE name=%s", (name,)).fetchone()[0]

        return self._run(add)

    def save_clock(self, name: str, clock: dt.datetime, text: str) -> None:
        """Move the shared clock to `clock` unless another process moved it further."""
        self._run(lambda db: db.execute(
            "UPDATE policykit_service.sessions SET clock=%s, clock_text=%s WHERE name=%s AND "
            "(clock IS NULL OR clock < %s)", (clock, text, name, clock)))

    def close(self) -> None:
        with self._lock:
            if self.db is not None:
                self.db.close()
