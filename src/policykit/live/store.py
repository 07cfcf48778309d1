"""Durable state of a live session in SQLite (WAL): every acknowledged event, exactly once.

Each acknowledgement (one post_many) appends one row to `batches`: its events as columns, each a text of the
values joined by NUL (a JSON array, stored as a blob, when a value holds a NUL), instants as int64 bytes.  No index is
kept per event: the session knows every acknowledged id of the cases it holds, so it never writes a duplicate,
and a closed case's `closed` row keeps a copy of its events, from which a later event reopens it.  Files written
by the earlier layout (one `events` row per event) are still read."""

from __future__ import annotations

import json
import sqlite3
from array import array
from pathlib import Path
from typing import Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (seq INTEGER PRIMARY KEY, size INTEGER NOT NULL, cases, ids, types, ats BLOB,
                                    attrs);
CREATE TABLE IF NOT EXISTS facts (case_id TEXT NOT NULL, fact TEXT NOT NULL, value INTEGER,
                                  PRIMARY KEY (case_id, fact));
CREATE TABLE IF NOT EXISTS closed (case_id TEXT PRIMARY KEY, events TEXT);
"""

# the same with the attributes as JSON text (None: none); an event id that is not a text (the session's content
# key of an event posted without one) is stored as none: the content it stands for is stored beside it
NewEvent = tuple[str, "str | tuple | None", str, int, "str | None"]
StoredEvent = tuple[str, "str | None", str, int, dict]  # case_id, event_id (None: posted without), type, at_us, attrs


class MemoryStore:
    """A store that keeps nothing: a session without persistence."""

    path = None

    def add_events(self, rows: list[NewEvent]) -> None:
        """Nothing to write."""

    def add_columns(self, cases: list[str], ids: list, kinds: list[str], ats: bytes, attrs: list) -> None:
        """Nothing to write."""

    def set_facts(self, case_id: str, facts: dict[str, bool | None]) -> None:
        """Nothing to write."""

    def close_case(self, case_id: str, rows: list[NewEvent]) -> None:
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

    def closed_events(self, case_id: str) -> Iterator[StoredEvent]:
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
        # checkpointing every ~40 MiB of WAL (not 4): the batches are large appends
        self.db.execute("PRAGMA wal_autocheckpoint=10000")
        self.db.executescript(SCHEMA)
        tables = {name for (name,) in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        self._legacy = "events" in tables  # one row per event, from the earlier layout
        if "events" not in {column for _, column, *_ in self.db.execute("PRAGMA table_info(closed)")}:
            self.db.execute("ALTER TABLE closed ADD COLUMN events TEXT")
        self._in_tx = False

    def _begin(self) -> None:
        if not self._in_tx:
            self.db.execute("BEGIN")
            self._in_tx = True

    def add_events(self, rows: list[NewEvent]) -> None:
        """Queue one acknowledgement's events in the open transaction (the session never passes a duplicate)."""
        if rows:
            cases, ids, kinds, ats, attrs = zip(*rows)
            self.add_columns(list(cases), list(ids), list(kinds), array("q", ats).tobytes(), list(attrs))

    def add_columns(self, cases: list[str], ids: list, kinds: list[str], ats: bytes, attrs: list) -> None:
        """add_events with the events as columns: instants as int64 bytes (native order), ids that are not
        texts and attributes that are None stored as none."""
        if cases:
            self._begin()
            self.db.execute("INSERT INTO batches (size, cases, ids, types, ats, attrs) VALUES (?, ?, ?, ?, ?, ?)",
                            (len(cases), _joined(cases), _joined([key if type(key) is str else "" for key in ids]),
                             _joined(kinds), ats, _joined([text or "" for text in attrs])))

    def set_facts(self, case_id: str, facts: dict[str, bool | None]) -> None:
        """Record a case's facts in the open transaction."""
        self._begin()
        self.db.executemany("INSERT OR REPLACE INTO facts (case_id, fact, value) VALUES (?, ?, ?)",
                            ((case_id, k, None if v is None else int(v)) for k, v in facts.items()))

    def close_case(self, case_id: str, rows: list[NewEvent]) -> None:
        """Mark a case closed, with a copy of its events for a reopening (its batches keep them too)."""
        self._begin()
        self.db.execute("INSERT OR REPLACE INTO closed (case_id, events) VALUES (?, ?)",
                        (case_id, json.dumps([list(row) for row in rows], ensure_ascii=False)))

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
        if self._legacy:
            for case_id, event_id, kind, at_us, attrs in self.db.execute(
                    "SELECT case_id, event_id, type, at_us, attrs FROM events ORDER BY seq"):
                yield case_id, event_id, kind, at_us, json.loads(attrs) if attrs else {}
        for columns in self.db.execute("SELECT size, cases, ids, types, ats, attrs FROM batches ORDER BY seq"):
            yield from _rows(columns)

    def load_facts(self) -> Iterator[tuple[str, str, bool | None]]:
        """Every committed fact."""
        for case_id, fact, value in self.db.execute("SELECT case_id, fact, value FROM facts"):
            yield case_id, fact, None if value is None else bool(value)

    def load_closed(self) -> set[str]:
        """Ids of closed cases."""
        return {row[0] for row in self.db.execute("SELECT case_id FROM closed")}

    def reopen(self, case_id: str) -> Iterator[StoredEvent]:
        """A closed case's events, the case marked open again (an event arrived after all)."""
        events = self.closed_events(case_id)
        self._begin()
        self.db.execute("DELETE FROM closed WHERE case_id=?", (case_id,))
        return events

    def closed_events(self, case_id: str) -> Iterator[StoredEvent]:
        """A closed case's events (the case stays closed)."""
        copy = self.db.execute("SELECT events FROM closed WHERE case_id=?", (case_id,)).fetchone()
        if copy is not None and copy[0] is not None:
            return iter([(case_id, event_id, kind, at_us, json.loads(attrs) if attrs else {})
                         for case_id, event_id, kind, at_us, attrs in json.loads(copy[0])])
        # closed under the earlier layout, which kept no copy: found in the whole log
        return iter([stored for stored in self.load() if stored[0] == case_id])

    def close(self) -> None:
        """Commit and release the file."""
        self.commit()
        self.db.close()


def _joined(values) -> str | bytes:
    """Texts joined by NUL; a JSON array (as bytes) when a text holds a NUL itself."""
    joined = "\x00".join(values)
    if joined.count("\x00") == len(values) - 1:
        return joined
    return json.dumps(list(values), ensure_ascii=False).encode()


def _split(column: str | bytes, size: int) -> list[str]:
    return json.loads(column) if isinstance(column, bytes) else column.split("\x00") if size else []


def _rows(columns: tuple) -> Iterator[StoredEvent]:
    """The events of a `batches` row."""
    size, cases, ids, kinds, ats, attrs = columns
    instants = array("q")
    instants.frombytes(ats)
    for case_id, event_id, kind, at_us, attr_text in zip(_split(cases, size), _split(ids, size),
                                                         _split(kinds, size), instants, _split(attrs, size)):
        yield case_id, event_id or None, kind, at_us, json.loads(attr_text) if attr_text else {}


def open_store(store: "str | Path | MemoryStore | None") -> MemoryStore:
    """A store from what the caller passed: None (memory), a path, a postgresql:// URL, or a store object."""
    if store is None:
        return MemoryStore()
    if isinstance(store, MemoryStore):
        return store
    if isinstance(store, str) and store.startswith(("postgresql://", "postgres://")):
        from .pgstore import PostgresStore

        return PostgresStore(store)
    return SqliteStore(store)
