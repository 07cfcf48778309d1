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
from typing import TYPE_CHECKING, Iterator

from ..diagnostics import PolicykitError, Span

if TYPE_CHECKING:
    from ..case import Event

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


class Store:
    """What a live session needs of its store; SqliteStore (here) and the PostgreSQL store obey it.

    The contract every store keeps:

    - Writes (add_events, add_columns, set_facts, close_case, reopen) go into one open transaction, begun by the
      first of them; `commit()` makes it durable, and that commit is the acknowledgement of what it holds.
    - A write or a commit that fails (the lock lost, a read-only file, a full disk) rolls the transaction back and
      raises PolicykitError `store-write-failed` naming the store: nothing of that transaction is stored, and the
      store stays usable (the next write begins a new transaction).  `rollback()` discards an open transaction
      (nothing happens when none is open); the session calls it when anything fails between its writes.
    - A store that cannot share (SQLite) is held by one session at a time: opening one that another session holds
      (in this process or another) raises PolicykitError `store-locked`; the hold ends with `close()` or with the
      holder's process.  A store shared by several sessions (PostgreSQL, SPEC §15) keeps each event once across
      them instead.
    - What is read back is what was committed, each event once, in the order it was acknowledged; content that
      cannot be decoded raises PolicykitError `store-corrupt` naming the store, never a driver's own error.

    Errors name the store by `path`, which is None only for a store that keeps nothing (the session then builds
    no rows for it).
    """

    path: "Path | str | None" = None  # where the store lives, as errors name it (None: nowhere)

    def add_events(self, rows: list[NewEvent]) -> None:
        """Queue one acknowledgement's events (the session never passes an event already stored)."""
        raise NotImplementedError

    def add_columns(self, cases: list[str], ids: list, kinds: list[str], ats: bytes, attrs: list) -> None:
        """add_events with the events as columns: instants as int64 bytes (native order), ids that are not
        texts (content keys) and attributes that are None stored as none."""
        raise NotImplementedError

    def set_facts(self, case_id: str, facts: dict[str, bool | None]) -> None:
        """Queue a case's facts (each replaces the stored value of that fact)."""
        raise NotImplementedError

    def close_case(self, case_id: str, rows: list[NewEvent]) -> None:
        """Queue marking a case closed, with a copy of its events (arrival order) for a reopening."""
        raise NotImplementedError

    def reopen(self, case_id: str) -> Iterator[StoredEvent]:
        """A closed case's events; queue marking it open again (an event arrived after all)."""
        raise NotImplementedError

    def commit(self) -> None:
        """Make everything queued durable: the acknowledgement.  Nothing happens when nothing is queued."""
        raise NotImplementedError

    def rollback(self) -> None:
        """Discard everything queued since the last commit."""
        raise NotImplementedError

    def check_policy(self, policy_key: str) -> None:
        """Bind the store to one policy on first use; a store of another policy raises store-policy-mismatch."""
        raise NotImplementedError

    def load(self) -> Iterator[StoredEvent]:
        """Every committed event, in the order it was acknowledged."""
        raise NotImplementedError

    def load_facts(self) -> Iterator[tuple[str, str, bool | None]]:
        """Every committed fact: (case id, fact, value)."""
        raise NotImplementedError

    def load_closed(self) -> set[str]:
        """Ids of the closed cases."""
        raise NotImplementedError

    def closed_events(self, case_id: str) -> Iterator[StoredEvent]:
        """A closed case's events (the case stays closed)."""
        raise NotImplementedError

    def close(self) -> None:
        """Commit what is queued and release the store (and its hold)."""
        raise NotImplementedError

    def save_clock(self, now_us: int) -> None:
        """Queue the session's clock (UTC µs, set by advance()) in the open transaction, never moving a stored
        clock back: a restart on the same store restores it."""
        raise NotImplementedError

    def load_clock(self) -> int | None:
        """The latest clock saved (UTC µs), None when none was."""
        raise NotImplementedError


class MemoryStore(Store):
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

    def rollback(self) -> None:
        """Nothing to discard."""

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

    def save_clock(self, now_us: int) -> None:
        """Nothing to keep."""

    def load_clock(self) -> int | None:
        """No clock kept."""
        return None


# the layout the file holds, as its `user_version`: 0 for files made before it was recorded (the same layout, read
# alike); a file of a higher one is refused
FORMAT = 1
_OWN_TABLES = {"meta", "batches", "facts", "closed", "events"}  # `events`: one row per event, the earliest layout

# SQLite's primary result codes: another connection holds the file; the file is not a sound database
_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_CORRUPT = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


class SqliteStore(Store):
    """Events, facts and closed cases in one SQLite file (WAL), held exclusively; a commit is the acknowledgement.

    The hold is SQLite's own: `locking_mode=EXCLUSIVE` and a `BEGIN EXCLUSIVE` at opening, so the connection
    keeps the file's exclusive lock until it closes.  Every other connection (a second session in this process or
    another, or any SQLite client) is then refused, and the operating system drops the lock when the holder's
    process dies, so a restart after a SIGKILL opens at once.  (A lock file beside the store, `flock`ed, would
    bind only openers that look for it; with the exclusive mode SQLite also keeps its WAL index in the process's
    memory, not a shared file, and commits were ~15% faster in a measurement of 3,000 small commits.)"""

    def __init__(self, path: str | Path, synchronous: str = "NORMAL") -> None:
        self.path = Path(path)
        self._in_tx = False
        self.db = None
        try:
            # isolation_level=None: transactions are explicit, so an ack is exactly one COMMIT; timeout=0: a
            # held store is refused at once rather than waited for
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=0)
            self.db.execute("PRAGMA locking_mode=EXCLUSIVE")
            new = self._check_format()  # before anything is written to the file, WAL mode included
            self.db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode: a committed transaction survives the process being killed
            self.db.execute(f"PRAGMA synchronous={synchronous}")
            # checkpointing every ~40 MiB of WAL (not 4): the batches are large appends
            self.db.execute("PRAGMA wal_autocheckpoint=10000")
            self.db.execute("BEGIN EXCLUSIVE")  # the hold: taken now, kept until the connection closes
            self.db.execute("COMMIT")
            self.db.executescript(SCHEMA)
            if new:  # only a new store is written to here: one on a full disk must still open and be read
                self.db.execute(f"PRAGMA user_version={FORMAT}")
            tables = {name for (name,) in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            self._legacy = "events" in tables  # one row per event, from the earlier layout
            if "events" not in {column for _, column, *_ in self.db.execute("PRAGMA table_info(closed)")}:
                self.db.execute("ALTER TABLE closed ADD COLUMN events TEXT")
        except sqlite3.Error as exc:
            if self.db is not None:
                self.db.close()
            raise self._failure(exc, "opening") from None
        except PolicykitError:  # not a store this version opens: released untouched
            self.db.close()
            raise

    def _check_format(self) -> bool:
        """Refuse, before anything is added to it, a file that is not a live store of a format this version reads:
        one a newer policykit wrote (its events may be where this one does not look: the session would start
        empty and add its own beside them), or a database of something else (it would be taken for an empty store
        and given a live store's tables). True when the file holds nothing yet (a new store)."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > FORMAT:
            raise PolicykitError.single("store-unreadable", f"the store was written by a newer policykit (store "
                                        f"format {version}; this one reads up to {FORMAT}); nothing was read",
                                        Span(str(self.path)), hint="open it with that version of policykit")
        objects = {name for (name,) in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view', 'trigger') "
            "AND name NOT LIKE 'sqlite%'")}
        if objects - _OWN_TABLES:
            raise _corrupt(self.path, ValueError("a database holding tables of something else"))
        return not objects

    def _failure(self, exc: Exception, doing: str) -> PolicykitError:
        """The store's own error for a driver (or decoding) error met while opening, reading or writing."""
        primary = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        if primary in _BUSY and doing == "opening":
            return PolicykitError.single("store-locked", "this store is held by another live session (a store is "
                                         "opened by one session at a time)", Span(str(self.path)),
                                         hint="shut the other session down, or give this one its own store")
        if primary in _CORRUPT or doing == "reading" or not isinstance(exc, sqlite3.Error):
            return _corrupt(self.path, exc)
        if doing == "writing":
            return PolicykitError.single("store-write-failed", f"the store could not be written ({_reason(exc)}); "
                                         "nothing of this call was acknowledged", Span(str(self.path)),
                                         hint="send the same events again once the store is writable")
        return PolicykitError.single("store-unreadable", f"the store could not be opened ({_reason(exc)})",
                                     Span(str(self.path)))

    def _write(self, sql: str, parameters=(), many: bool = False) -> None:
        """One statement of the open transaction (begun if none is); a failure rolls it back."""
        try:
            if not self._in_tx:
                self.db.execute("BEGIN")
                self._in_tx = True
            (self.db.executemany if many else self.db.execute)(sql, parameters)
        except sqlite3.Error as exc:
            self.rollback()
            raise self._failure(exc, "writing") from None

    def add_events(self, rows: list[NewEvent]) -> None:
        """Queue one acknowledgement's events in the open transaction (the session never passes a duplicate)."""
        if rows:
            cases, ids, kinds, ats, attrs = zip(*rows)
            self.add_columns(list(cases), list(ids), list(kinds), array("q", ats).tobytes(), list(attrs))

    def add_columns(self, cases: list[str], ids: list, kinds: list[str], ats: bytes, attrs: list) -> None:
        """add_events with the events as columns: instants as int64 bytes (native order), ids that are not
        texts and attributes that are None stored as none."""
        if cases:
            # most posts carry no id texts at all: their column is the separators alone
            named = _joined([key if type(key) is str else "" for key in ids]) if str in set(map(type, ids)) else \
                "\x00" * (len(ids) - 1)
            self._write("INSERT INTO batches (size, cases, ids, types, ats, attrs) VALUES (?, ?, ?, ?, ?, ?)",
                        (len(cases), _joined(cases), named, _joined(kinds), ats,
                         _joined([text or "" for text in attrs])))

    def set_facts(self, case_id: str, facts: dict[str, bool | None]) -> None:
        """Record a case's facts in the open transaction."""
        self._write("INSERT OR REPLACE INTO facts (case_id, fact, value) VALUES (?, ?, ?)",
                    [(case_id, k, None if v is None else int(v)) for k, v in facts.items()], many=True)

    def close_case(self, case_id: str, rows: list[NewEvent]) -> None:
        """Mark a case closed, with a copy of its events for a reopening (its batches keep them too)."""
        self._write("INSERT OR REPLACE INTO closed (case_id, events) VALUES (?, ?)",
                    (case_id, json.dumps([list(row) for row in rows], ensure_ascii=False)))

    def commit(self) -> None:
        """Make everything queued durable: this is the acknowledgement."""
        if self._in_tx:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                self.rollback()
                raise self._failure(exc, "writing") from None
            self._in_tx = False

    def rollback(self) -> None:
        """Discard the open transaction (SQLite may have rolled it back itself, e.g. on a full disk)."""
        self._in_tx = False
        if self.db is not None and self.db.in_transaction:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:  # nothing more can be undone; the transaction is gone either way
                pass

    def check_policy(self, policy_key: str) -> None:
        """Bind the file to one policy; reopening it with another is refused."""
        row = self._read(lambda: self.db.execute("SELECT value FROM meta WHERE key='policy'").fetchone())
        if row is None:
            self._write("INSERT INTO meta (key, value) VALUES ('policy', ?)", (policy_key,))
            self.commit()
        elif row[0] != policy_key:
            raise PolicykitError.single("store-policy-mismatch",
                                        f"this store holds a session of policy '{row[0]}', not '{policy_key}'",
                                        Span(str(self.path)))

    def save_clock(self, now_us: int) -> None:
        """Queue the clock in the open transaction (meta 'clock', kept only when later than the one stored)."""
        self._write("INSERT INTO meta (key, value) VALUES ('clock', ?) ON CONFLICT (key) DO UPDATE SET "
                    "value = excluded.value WHERE CAST(value AS INTEGER) < CAST(excluded.value AS INTEGER)",
                    (str(now_us),))

    def load_clock(self) -> int | None:
        """The clock saved by the last advance(), None when none was."""
        row = self._read(lambda: self.db.execute("SELECT value FROM meta WHERE key='clock'").fetchone())
        return None if row is None else _clock_value(self.path, row[0])

    def _read(self, query):
        """The result of a read; a driver or decoding error is store-corrupt, naming the file."""
        try:
            return query()
        except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:
            raise self._failure(exc, "reading") from None

    def load(self) -> Iterator[StoredEvent]:
        """Every committed event, in the order it was acknowledged."""
        try:
            if self._legacy:
                for case_id, event_id, kind, at_us, attrs in self.db.execute(
                        "SELECT case_id, event_id, type, at_us, attrs FROM events ORDER BY seq"):
                    yield _event(case_id, event_id, kind, at_us, attrs)
            for columns in self.db.execute("SELECT size, cases, ids, types, ats, attrs FROM batches ORDER BY seq"):
                yield from _rows(columns)
        except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:
            raise self._failure(exc, "reading") from None

    def load_facts(self) -> Iterator[tuple[str, str, bool | None]]:
        """Every committed fact."""
        rows = self._read(lambda: self.db.execute("SELECT case_id, fact, value FROM facts").fetchall())
        for case_id, fact, value in rows:
            yield case_id, fact, None if value is None else bool(value)

    def load_closed(self) -> set[str]:
        """Ids of closed cases."""
        return self._read(lambda: {row[0] for row in self.db.execute("SELECT case_id FROM closed")})

    def reopen(self, case_id: str) -> Iterator[StoredEvent]:
        """A closed case's events, the case marked open again (an event arrived after all)."""
        events = self.closed_events(case_id)
        self._write("DELETE FROM closed WHERE case_id=?", (case_id,))
        return events

    def closed_events(self, case_id: str) -> Iterator[StoredEvent]:
        """A closed case's events (the case stays closed)."""
        copy = self._read(lambda: self.db.execute("SELECT events FROM closed WHERE case_id=?",
                                                  (case_id,)).fetchone())
        if copy is not None and copy[0] is not None:
            return iter(self._read(lambda: [_event(case_id, event_id, kind, at_us, attrs)
                                            for case_id, event_id, kind, at_us, attrs in json.loads(copy[0])]))
        # closed under the earlier layout, which kept no copy: found in the whole log
        return iter([stored for stored in self.load() if stored[0] == case_id])

    def close(self) -> None:
        """Commit and release the file (and with it the hold)."""
        try:
            self.commit()
        finally:
            self.db.close()


def _reason(exc: Exception) -> str:
    """A driver error's own words (SQLite's messages quote no stored value)."""
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _corrupt(path, exc: Exception) -> PolicykitError:
    return PolicykitError.single("store-corrupt", f"the store cannot be read as a policykit live store "
                                 f"({_reason(exc) if isinstance(exc, sqlite3.Error) else 'malformed content'})",
                                 Span(str(path)), hint="restore it from a backup, or start a new store")


def _clock_value(path, text) -> int:
    """A stored clock (µs as text), store-corrupt when it is not a whole number."""
    if type(text) is not str or not text.lstrip("-").isdigit():
        raise _corrupt(path, ValueError("a stored clock that is not a number"))
    return int(text)


def _event(case_id, event_id, kind, at_us, attrs) -> StoredEvent:
    """A stored event checked for the types the session relies on (a wrong one means a corrupt file)."""
    if type(case_id) is not str or type(kind) is not str or type(at_us) is not int or not (
            event_id is None or type(event_id) is str):
        raise ValueError("a stored event of the wrong shape")
    loaded = json.loads(attrs) if attrs else {}
    if type(loaded) is not dict:
        raise ValueError("stored attributes that are not a mapping")
    return case_id, event_id, kind, at_us, loaded


def _joined(values) -> str | bytes:
    """Texts joined by NUL; a JSON array (as bytes) when a text holds a NUL itself."""
    joined = "\x00".join(values)
    if joined.count("\x00") == len(values) - 1:
        return joined
    return json.dumps(list(values), ensure_ascii=False).encode()


def _split(column: str | bytes, size: int) -> list[str]:
    """A column of a `batches` row back as its `size` texts (ValueError when it does not hold that many)."""
    values = json.loads(column) if isinstance(column, bytes) else column.split("\x00") if size else []
    if type(values) is not list or len(values) != size or any(type(value) is not str for value in values):
        raise ValueError("a stored column of the wrong size")
    return values


def _rows(columns: tuple) -> Iterator[StoredEvent]:
    """The events of a `batches` row."""
    size, cases, ids, kinds, ats, attrs = columns
    instants = array("q")
    instants.frombytes(ats)  # ValueError when not whole int64s
    if type(size) is not int or len(instants) != size:
        raise ValueError("stored instants of the wrong size")
    for case_id, event_id, kind, at_us, attr_text in zip(_split(cases, size), _split(ids, size),
                                                         _split(kinds, size), instants, _split(attrs, size)):
        yield _event(case_id, event_id or None, kind, at_us, attr_text)


def open_store(store: "str | Path | Store | None") -> Store:
    """A store from what the caller passed: None (memory), a path, a postgresql:// URL, or a store object."""
    if store is None:
        return MemoryStore()
    if isinstance(store, Store):
        return store
    if isinstance(store, str) and store.startswith(("postgresql://", "postgres://")):
        from .pgstore import PostgresStore

        return PostgresStore(store)
    return SqliteStore(store)


def stored_rows(case_id: str, event_ids: list, events: list[Event]) -> list[tuple]:
    """A case's events as the store keeps them, in arrival order (`event_ids` in that order, `events` any); an
    event posted without an id is stored without one (its content stands for it)."""
    from .intake import content_id, micros, shown_attrs  # intake reads the store's layout: imported late

    rows = []
    for event_id, event in zip(event_ids, sorted(events, key=lambda event: event.index)):
        at_us = micros(event.at)
        if type(event_id) is not str or event_id == content_id(event.type, at_us, shown_attrs(event.attrs)):
            event_id = None
        rows.append((case_id, event_id, event.type, at_us,
                     json.dumps(dict(event.attrs), ensure_ascii=False) if event.attrs else None))
    return rows
