"""Durable state of a live session in SQLite (WAL): every acknowledged event, exactly once."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Iterable, Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    at_us INTEGER NOT NULL,
    attrs TEXT,
    UNIQUE (case_id, event_id)
);
CREATE TABLE IF NOT EXISTS facts (case_id TEXT NOT NULL, fact TEXT NOT NULL, value INTEGER,
                                  PRIMARY KEY (case_id, fact));
CREATE TABLE IF NOT EXISTS closed (case_id TEXT PRIMARY KEY);
"""

StoredEvent = tuple[str, str, str, int, dict]  # case_id, event_id, type, at_us, attrs


class MemoryStore:
    """A store that keeps nothing: a session without persistence."""

    path = None

    def known_event(self, case_id: str, event_id: str) -> bool:
        """Never: without a store, duplicates are caught by the session's own index."""
        return False

    def add_events(self, rows: Iterable[StoredEvent]) -> None:
        """Nothing to write."""

    def set_facts(self, case_id: str, facts: dict[str, bool | None]) -> None:
        """Nothing to write."""

    def close_case(self, case_id: str) -> None:
        """Nothing to write."""

    def commit(self) -> None:
        """Nothing to commit."""

    def check_policy(self, policy_key: str) -> None:
        """Any policy will do."""

    def load(self) -> Iterator[StoredEvent]:
        """No events."""
        return iter(())

    def load_facts(self) -> Iterator[tuple[str, str, bool | None]]:
        """No facts."""
        return iter(())

    def load_closed(self) -> set[str]:
        """No closed cases."""
        return set()

    def reopen(self, case_id: str) -> Iterator[StoredEvent]:
        """Nothing is kept of a closed case."""
        return iter(())

    def close(self) -> None:
        """Nothing to release."""


class SqliteStore(MemoryStore):
    """Events, facts and closed cases in one SQLite file; a commit is the acknowledgement."""

    def __init__(self, path: str | Path, synchronous: str = "NORMAL") -> None:
        self.path = Path(path)
        # isolation_level=None: transactions are explicit, so an ack is exactly one COMMIT
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a committed transaction survives the process being killed
        self.db.execute(f"PRAGMA synchronous={synchronous}")
        # the (case_id, event_id) index takes random keys: each commit dirties pages all over it.  A 64 MiB cache
        # holds it for 10^6 events, and checkpointing every ~40 MiB of WAL (not 4) copies each page back less often
        self.db.execute("PRAGMA cache_size=-65536")
        self.db.execute("PRAGMA wal_autocheckpoint=10000")
        self.db.executescript(SCHEMA)
        self._in_tx = False
        self._encoded: dict[tuple, str] = {}

    def _begin(self) -> None:
        if not self._in_tx:
            self.db.execute("BEGIN")
            self._in_tx = True

    def known_event(self, case_id: str, event_id: str) -> bool:
        """Whether this event id of this case was already committed."""
        row = self.db.execute("SELECT 1 FROM events WHERE case_id=? AND event_id=?", (case_id, event_id)).fetchone()
        return row is not None

    def add_events(self, rows: Iterable[StoredEvent]) -> None:
        """Queue events in the open transaction (duplicates by (case_id, event_id) ignored)."""
        self._begin()
        encode = self._encode
        self.db.executemany(
            "INSERT OR IGNORE INTO events (case_id, event_id, type, at_us, attrs) VALUES (?, ?, ?, ?, ?)",
            [(c, e, t, a, encode(attrs) if attrs else None) for c, e, t, a, attrs in rows])

    def _encode(self, attrs: dict) -> str:
        """json.dumps(attrs), remembered per attribute set (json.dumps with options builds an encoder per call)."""
        try:
            key = tuple(attrs.items())
            text = self._encoded.get(key)
        except TypeError:
            return json.dumps(dict(attrs), ensure_ascii=False)
        if text is None:
            if len(self._encoded) > 50_000:
                self._encoded.clear()
            text = self._encoded[key] = json.dumps(dict(attrs), ensure_ascii=False)
        return text

    def set_facts(self, case_id: str, facts: dict[str, bool | None]) -> None:
        """Record a case's facts in the open transaction."""
        self._begin()
        self.db.executemany("INSERT OR REPLACE INTO facts (case_id, fact, value) VALUES (?, ?, ?)",
                            ((case_id, k, None if v is None else int(v)) for k, v in facts.items()))

    def close_case(self, case_id: str) -> None:
        """Mark a case closed (its events are kept for its verdict)."""
        self._begin()
        self.db.execute("INSERT OR IGNORE INTO closed (case_id) VALUES (?)", (case_id,))

    def commit(self) -> None:
        """Make everything queued durable: this is the acknowledgement."""
        if self._in_tx:
            self.db.execute("COMMIT")
            self._in_tx = False

    def check_policy(self, policy_key: str) -> None:
        """Bind the file to one policy; reopening it with another is refused."""
        from ..diagnostics import PolicykitError, Span

        row = self.db.execute("SELECT value FROM meta WHERE key='policy'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta (key, value) VALUES ('policy', ?)", (policy_key,))
        elif row[0] != policy_key:
            raise PolicykitError.single("store-policy-mismatch",
                                        f"this store holds a session of policy '{row[0]}', not '{policy_key}'",
                                        Span(str(self.path)))

    def load(self) -> Iterator[StoredEvent]:
        """Every committed event, in the order it was acknowledged."""
        for case_id, event_id, kind, at_us, attrs in self.db.execute(
                "SELECT case_id, event_id, type, at_us, attrs FROM events ORDER BY seq"):
            yield case_id, event_id, kind, at_us, json.loads(attrs) if attrs else {}

    def load_facts(self) -> Iterator[tuple[str, str, bool | None]]:
        """Every committed fact."""
        for case_id, fact, value in self.db.execute("SELECT case_id, fact, value FROM facts"):
            yield case_id, fact, None if value is None else bool(value)

    def load_closed(self) -> set[str]:
        """Ids of closed cases."""
        return {row[0] for row in self.db.execute("SELECT case_id FROM closed")}

    def reopen(self, case_id: str) -> Iterator[StoredEvent]:
        """A closed case's events, the case marked open again (an event arrived after all)."""
        self._begin()
        self.db.execute("DELETE FROM closed WHERE case_id=?", (case_id,))
        rows = self.db.execute("SELECT case_id, event_id, type, at_us, attrs FROM events WHERE case_id=? "
                               "ORDER BY seq", (case_id,)).fetchall()
        return iter([(c, e, t, a, json.loads(x) if x else {}) for c, e, t, a, x in rows])

    def close(self) -> None:
        """Commit and release the file."""
        self.commit()
        self.db.close()


def open_store(store: "str | Path | MemoryStore | None") -> MemoryStore:
    """A store from what the caller passed: None (memory), a path, or a store object."""
    if store is None:
        return MemoryStore()
    if isinstance(store, MemoryStore):
        return store
    return SqliteStore(store)
