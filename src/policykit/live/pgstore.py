"""Durable state of a live session in PostgreSQL (psycopg 3), shared by several processes: every acknowledged
event exactly once, and each session sees the others' events.

Tables live in one schema per store (default `policykit`): `events` (one row per event; primary key (case_id,
event key): an event is stored once whoever posts it, a second insert fails the whole acknowledgement), `facts`,
`closed`, and `acks`, a one-row counter.  Every acknowledgement is one transaction that first increments the
counter: the row lock serialises writers across processes, and every row it writes carries the new number
(`seq`).  Before a write, and before a read of the session's state, the session takes in what others acknowledged
since the last number it knows (`catch_up`), so its dedup and its verdicts cover every process's events.
COMMIT with PostgreSQL's default synchronous_commit=on is the acknowledgement: it survives SIGKILL."""

from __future__ import annotations

import json
from array import array
from dataclasses import dataclass, field
from typing import Iterator
from urllib.parse import unquote, urlsplit, urlunsplit

from ..diagnostics import PolicykitError, Span
from .intake import content_id, shown_attrs
from .pgpool import connections
from .store import NewEvent, Store, StoredEvent, _clock_value, _corrupt

_TABLES = """
CREATE TABLE IF NOT EXISTS {s}.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {s}.acks (one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one), seq BIGINT NOT NULL);
INSERT INTO {s}.acks (seq) VALUES (0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS {s}.events (case_id TEXT NOT NULL, key TEXT NOT NULL, event_id TEXT, type TEXT NOT NULL,
                                       at_us BIGINT NOT NULL, attrs TEXT, seq BIGINT NOT NULL, pos INTEGER NOT NULL,
                                       PRIMARY KEY (case_id, key));
CREATE INDEX IF NOT EXISTS events_seq ON {s}.events (seq, pos);
CREATE TABLE IF NOT EXISTS {s}.facts (case_id TEXT NOT NULL, fact TEXT NOT NULL, value BOOLEAN, seq BIGINT NOT NULL,
                                      PRIMARY KEY (case_id, fact));
CREATE INDEX IF NOT EXISTS facts_seq ON {s}.facts (seq);
CREATE TABLE IF NOT EXISTS {s}.closed (case_id TEXT PRIMARY KEY, closed BOOLEAN NOT NULL, seq BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS closed_seq ON {s}.closed (seq);
"""
_EVENT_COLUMNS = "case_id, event_id, type, at_us, attrs"
# the layout the schema holds, as meta 'format': absent in stores made before it was recorded (the same layout,
# read alike); a store of a higher one is refused untouched
FORMAT = 1
_OWN_TABLES = {"meta": {"key", "value"}, "acks": {"one", "seq"},
               "events": {"case_id", "key", "event_id", "type", "at_us", "attrs", "seq", "pos"},
               "facts": {"case_id", "fact", "value", "seq"}, "closed": {"case_id", "closed", "seq"}}


@dataclass
class CaughtUp:
    """What other sessions acknowledged since this one last looked, to be taken into memory in this order:
    cases closed (leave memory), cases reopened (their whole history is in `events`, and all their facts in
    `facts`), events, facts."""

    closed: set[str] = field(default_factory=set)
    reopened: set[str] = field(default_factory=set)
    events: list[StoredEvent] = field(default_factory=list)
    facts: list[tuple[str, str, bool | None]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.closed or self.reopened or self.events or self.facts)


# SQLSTATEs of a statement cancelled by a timeout: the database's trouble, to be tried again (not a refusal)
_TIMED_OUT = {"57014", "55P03"}

# libpq's URL parameters that hold a secret (keys percent-decoded, as libpq reads them)
_SECRET_PARAMETERS = {"password", "sslpassword"}


def shown_url(url: str) -> str:
    """The store's address without its password, in the user part or as a parameter (for messages)."""
    parts = urlsplit(url)
    query = "&".join(item for item in parts.query.split("&")
                     if unquote(item.split("=", 1)[0]).strip().lower() not in _SECRET_PARAMETERS)
    if parts.password is None and query == parts.query:
        return url
    netloc = parts.netloc
    if parts.password is not None:
        host = parts.hostname or ""
        user = f"{parts.username}@" if parts.username else ""
        port = f":{parts.port}" if parts.port else ""
        netloc = f"{user}{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class PostgresStore(Store):
    """A live session's events, facts and closed cases in PostgreSQL; a COMMIT is the acknowledgement."""

    shared = True  # other processes write to it too: the session catches up before it writes or reads

    def __init__(self, url: str, namespace: str = "policykit") -> None:
        try:
            import psycopg
            from psycopg import sql
        except ImportError:
            raise PolicykitError.single("missing-dependency", "a PostgreSQL store needs psycopg 3",
                                        hint="pip install 'policykit[postgres]'") from None
        self._psycopg, self._sql = psycopg, sql
        self.url, self.path = url, shown_url(url)  # `path` not None: the session hands this store its events
        self.schema, self.namespace = namespace, sql.Identifier(namespace)
        self.db = None  # the connection held while an operation or its transaction runs (pgpool), else None
        self._connections = connections(url, self.path)
        self._in_tx = False
        self._seq = 0  # the counter value this transaction writes with
        self.cursor = 0  # every acknowledgement up to this number is in memory
        self._closed_view: set[str] = set()
        self._guarded(self._create)
        self.cursor = self._one("SELECT seq FROM {s}.acks")[0]

    # --- plumbing -----------------------------------------------------------------------------------------

    def _q(self, text: str):
        return self._sql.SQL(text).format(s=self.namespace)

    def _create(self) -> None:
        """The schema and its tables, created when absent, once the schema proves to be a store this version reads."""
        with self._live().transaction():  # a schema this version does not open: rolled back, left untouched
            # concurrent CREATE ... IF NOT EXISTS can still collide: the first process creates, the others wait
            self.db.execute("SELECT pg_advisory_xact_lock(hashtext('policykit-store-schema'))")
            self._check_format()  # before anything is added to the schema
            self.db.execute(self._q("CREATE SCHEMA IF NOT EXISTS {s}"))
            self.db.execute(self._q(_TABLES))
            # a store made before the format was recorded has this layout: it is recorded now
            self.db.execute(self._q("INSERT INTO {s}.meta (key, value) VALUES ('format', %s) "
                                    "ON CONFLICT DO NOTHING"), (str(FORMAT),))

    def _check_format(self) -> None:
        """Refuse, before anything is added to it, a schema that is not a live store of a format this version
        reads: one a newer policykit wrote (its events may be where this one does not look: the session would
        start empty and store again what they hold), or one holding another application's tables (they would be
        read and written as the store's)."""
        tables: dict[str, set[str]] = {name: set() for (name,) in self.db.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
            "AND c.relkind IN ('r', 'v', 'm', 'p', 'f')", (self.schema,))}
        for table, column in self.db.execute("SELECT table_name, column_name FROM information_schema.columns "
                                             "WHERE table_schema = %s", (self.schema,)):
            tables.setdefault(table, set()).add(column)
        row = None
        if tables.get("meta") == _OWN_TABLES["meta"]:  # first: a newer layout may have other tables
            row = self.db.execute(self._q("SELECT value FROM {s}.meta WHERE key = 'format'")).fetchone()
        if row is not None and not row[0].isdigit():
            raise _corrupt(self.path, ValueError("a store format that is not a number"))
        if row is not None and int(row[0]) > FORMAT:
            raise PolicykitError.single("store-unreadable", f"the store was written by a newer policykit (store "
                                        f"format {int(row[0])}; this one reads up to {FORMAT}); nothing was read",
                                        Span(self.path), hint="open it with that version of policykit")
        # none (a new store), or this layout (with or without the format recorded: it was not, at first)
        foreign = sorted(name for name, columns in tables.items() if _OWN_TABLES.get(name) != columns)
        if foreign:
            raise PolicykitError.single("store-corrupt", f"the schema '{self.schema}' holds tables that are not a "
                                        f"policykit live store's ({', '.join(foreign[:5])}); nothing was read or "
                                        "added", Span(self.path),
                                        hint="give the store a schema of its own: PostgresStore(url, namespace=...)")

    def _guarded(self, action, *args):
        """Run `action`; a database error rolls the open transaction back and is a located PolicykitError.

        A connection found lost (the server restarted, a proxy or idle timeout cut it) when no transaction was
        open yet is made again and the action run once more: nothing of the session's was under way, and every
        action that starts outside a transaction (a catch-up, a read, an idempotent insert) is safe to repeat.
        A connection lost in the middle of a transaction is `store-unavailable` (the database's trouble, to be
        tried again), never mistaken for a write the store refused."""
        for attempt in (1, 2):
            fresh = not self._in_tx
            try:
                return action(*args)
            except self._psycopg.Error as exc:
                held = self.db
                lost = held is not None and (held.closed or held.broken)
                self._rollback()
                if attempt == 1 and lost and fresh:
                    continue
                # the server's first line says what failed (a constraint, the connection); no value is quoted
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                if held is None:
                    raise PolicykitError.single("store-unavailable", f"cannot open the PostgreSQL store: {reason}",
                                                Span(self.path)) from None
                if getattr(exc, "sqlstate", None) in _TIMED_OUT:
                    raise PolicykitError.single("store-unavailable", f"the PostgreSQL store did not answer in time: "
                                                f"{reason}", Span(self.path),
                                                hint="nothing of this operation was acknowledged; send it again "
                                                     "(statement_timeout: see docs/scale-out.md)") from None
                if lost or held.closed:
                    raise PolicykitError.single("store-unavailable", f"the connection to the PostgreSQL store was "
                                                f"lost: {reason}", Span(self.path),
                                                hint="nothing of this operation was acknowledged; send it again "
                                                     "once the database is back") from None
                raise PolicykitError.single("store-write-failed", f"the PostgreSQL store refused the operation: "
                                            f"{reason}", Span(self.path),
                                            hint="nothing of this operation was acknowledged") from None
            finally:
                if not self._in_tx:  # between operations the connection serves the process's other stores
                    self._release()

    def _rollback(self) -> None:
        self._in_tx = False
        if self.db is None or self.db.closed:
            return
        try:
            self.db.execute("ROLLBACK")
        except self._psycopg.Error:
            self.db.close()  # a broken connection: handed back, it is dropped; the next operation takes another

    def _live(self):
        """The connection this operation holds, taken from the process's connections to the URL if none is."""
        if self.db is None:
            self.db = self._connections.take()
        return self.db

    def _release(self) -> None:
        """Hand the connection back (nothing of this store's is under way on it)."""
        if self.db is not None:
            db, self.db = self.db, None
            self._connections.give(db)

    def _one(self, query: str, params=()):
        return self._guarded(lambda: self._live().execute(self._q(query), params).fetchone())

    def _rows(self, query: str, params=()) -> list[tuple]:
        return self._guarded(lambda: self._live().execute(self._q(query), params).fetchall())

    def _begin(self) -> None:
        """Open the writing transaction: take the counter's row lock (writers queue here) and its next number."""
        if not self._in_tx:
            db = self._live()
            db.execute("BEGIN")
            self._in_tx = True
            self._seq = db.execute(self._q("UPDATE {s}.acks SET seq = seq + 1 RETURNING seq")).fetchone()[0]

    # --- sharing ------------------------------------------------------------------------------------------

    def catch_up(self, write: bool) -> CaughtUp:
        """What others acknowledged since `cursor`.  With `write`, the writing transaction is opened first, so
        nothing else is acknowledged until this session's commit (or rollback)."""
        return self._guarded(self._catch_up, write)

    def _catch_up(self, write: bool) -> CaughtUp:
        db = self._live()
        if write:
            self._begin()
            high = self._seq - 1
        else:
            if self._in_tx:
                return CaughtUp()
            db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")  # one snapshot for the four reads
            self._in_tx = True
            high = db.execute(self._q("SELECT seq FROM {s}.acks")).fetchone()[0]
        caught = CaughtUp()
        if high > self.cursor:
            window = (self.cursor, high)
            for case_id, closed in db.execute(self._q("SELECT case_id, closed FROM {s}.closed WHERE seq > %s AND "
                                                      "seq <= %s"), window):
                if closed:
                    caught.closed.add(case_id)
                elif case_id in self._closed_view:
                    caught.reopened.add(case_id)
            # kept aside until every read is done: a catch-up cut by a lost connection is run again from the start
            closed_view = (self._closed_view | caught.closed) - caught.reopened
            if caught.reopened:
                caught.events.extend(_stored(db.execute(self._q(
                    f"SELECT {_EVENT_COLUMNS} FROM {{s}}.events WHERE case_id = ANY(%s) AND seq <= %s "
                    "ORDER BY seq, pos"), (sorted(caught.reopened), high))))
            caught.events.extend(event for event in _stored(db.execute(self._q(
                f"SELECT {_EVENT_COLUMNS} FROM {{s}}.events WHERE seq > %s AND seq <= %s ORDER BY seq, pos"),
                window)) if event[0] not in caught.closed and event[0] not in caught.reopened)
            caught.facts = [(case_id, fact, value) for case_id, fact, value in db.execute(self._q(
                "SELECT case_id, fact, value FROM {s}.facts WHERE seq > %s AND seq <= %s"), window)
                if case_id not in closed_view and case_id not in caught.reopened]
            if caught.reopened:  # whole, as their events: what was set before the closure comes back too
                caught.facts.extend(db.execute(self._q(
                    "SELECT case_id, fact, value FROM {s}.facts WHERE case_id = ANY(%s) AND seq <= %s"),
                    (sorted(caught.reopened), high)))
            self._closed_view, self.cursor = closed_view, high
        if not write:
            db.execute("COMMIT")
            self._in_tx = False
        return caught

    def rollback(self) -> None:
        """Drop the open transaction (a post that failed its checks): nothing of it is acknowledged."""
        self._rollback()  # the counter's increment is undone too: the next writer takes the same number
        self._release()

    # --- the store interface (as SqliteStore) ---------------------------------------------------------------

    def add_events(self, rows: list[NewEvent]) -> None:
        """Queue one acknowledgement's events in the open transaction."""
        if rows:
            cases, ids, kinds, ats, attrs = zip(*rows)
            self.add_columns(list(cases), list(ids), list(kinds), array("q", ats).tobytes(), list(attrs))

    def add_columns(self, cases: list[str], ids: list, kinds: list[str], ats: bytes, attrs: list) -> None:
        """add_events with the events as columns (instants as int64 bytes); an event already stored, by any
        process, fails the transaction (the primary key), so no event is ever stored twice."""
        if cases:
            self._guarded(self._copy_events, cases, ids, kinds, ats, attrs)

    def _copy_events(self, cases, ids, kinds, ats, attrs) -> None:
        self._begin()
        instants = array("q")
        instants.frombytes(ats)
        seq = self._seq
        with self.db.cursor().copy(self._q(
                "COPY {s}.events (case_id, key, event_id, type, at_us, attrs, seq, pos) FROM STDIN")) as copy:
            for pos, (case_id, key, kind, at_us, text) in enumerate(zip(cases, ids, kinds, instants, attrs)):
                if type(key) is str:
                    event_id = key
                else:  # posted without an id: known by its content, as the session keys it
                    event_id = None
                    key = content_id(kind, at_us, shown_attrs(json.loads(text) if text else {}))
                copy.write_row((case_id, key, event_id, kind, at_us, text, seq, pos))

    def set_facts(self, case_id: str, facts: dict[str, bool | None]) -> None:
        """Record a case's facts in the open transaction."""
        def write() -> None:
            self._begin()
            with self.db.cursor() as cursor:
                cursor.executemany(self._q(
                    "INSERT INTO {s}.facts (case_id, fact, value, seq) VALUES (%s, %s, %s, %s) ON CONFLICT "
                    "(case_id, fact) DO UPDATE SET value = EXCLUDED.value, seq = EXCLUDED.seq"),
                    [(case_id, fact, value, self._seq) for fact, value in facts.items()])
        self._guarded(write)

    def _mark(self, case_id: str, closed: bool) -> None:
        self._begin()
        self.db.execute(self._q("INSERT INTO {s}.closed (case_id, closed, seq) VALUES (%s, %s, %s) ON CONFLICT "
                                "(case_id) DO UPDATE SET closed = EXCLUDED.closed, seq = EXCLUDED.seq"),
                        (case_id, closed, self._seq))

    def close_case(self, case_id: str, rows: list[NewEvent]) -> None:
        """Mark a case closed (its events stay in `events`, from which a reopening reads them)."""
        self._guarded(self._mark, case_id, True)
        self._closed_view.add(case_id)

    def commit(self) -> None:
        """Make everything queued durable: this is the acknowledgement."""
        if self._in_tx:
            def write() -> None:
                self.db.execute("COMMIT")
                self._in_tx = False
            self._guarded(write)
            self.cursor = max(self.cursor, self._seq)

    def check_policy(self, policy_key: str) -> None:
        """Bind the store to one policy; opening it with another is refused."""
        self._rows("INSERT INTO {s}.meta (key, value) VALUES ('policy', %s) ON CONFLICT DO NOTHING "
                   "RETURNING value", (policy_key,))
        held = self._one("SELECT value FROM {s}.meta WHERE key = 'policy'")[0]
        if held != policy_key:
            raise PolicykitError.single("store-policy-mismatch",
                                        f"this store holds a session of policy '{held}', not '{policy_key}'",
                                        Span(self.path))

    def save_clock(self, now_us: int) -> None:
        """Queue the clock in the open transaction (meta 'clock'; a later one another process stored is kept)."""
        def write() -> None:
            self._begin()
            self.db.execute(self._q("INSERT INTO {s}.meta (key, value) VALUES ('clock', %s) ON CONFLICT (key) DO "
                                    "UPDATE SET value = EXCLUDED.value WHERE {s}.meta.value::bigint < "
                                    "EXCLUDED.value::bigint"), (str(now_us),))
        self._guarded(write)

    def load_clock(self) -> int | None:
        """The latest clock any session on this store saved, None when none did."""
        row = self._one("SELECT value FROM {s}.meta WHERE key = 'clock'")
        return None if row is None else _clock_value(self.path, row[0])

    def load(self) -> Iterator[StoredEvent]:
        """Every event acknowledged up to `cursor`, in the order it was acknowledged."""
        return iter(_stored(self._rows(f"SELECT {_EVENT_COLUMNS} FROM {{s}}.events WHERE seq <= %s "
                                       "ORDER BY seq, pos", (self.cursor,))))

    def load_facts(self) -> Iterator[tuple[str, str, bool | None]]:
        """Every acknowledged fact."""
        return iter(self._rows("SELECT case_id, fact, value FROM {s}.facts"))

    def load_closed(self) -> set[str]:
        """Ids of closed cases."""
        self._closed_view = {row[0] for row in self._rows("SELECT case_id FROM {s}.closed WHERE closed")}
        return set(self._closed_view)

    def reopen(self, case_id: str) -> Iterator[StoredEvent]:
        """A closed case's events, the case marked open again (an event arrived after all)."""
        events = self.closed_events(case_id)
        self._guarded(self._mark, case_id, False)
        self._closed_view.discard(case_id)
        return events

    def closed_events(self, case_id: str) -> Iterator[StoredEvent]:
        """A closed case's events (the case stays closed)."""
        return iter(_stored(self._rows(f"SELECT {_EVENT_COLUMNS} FROM {{s}}.events WHERE case_id = %s "
                                       "ORDER BY seq, pos", (case_id,))))

    def close(self) -> None:
        """Commit and release the connection."""
        try:
            self.commit()
        finally:
            self._rollback()  # a commit that failed leaves nothing open on the connection handed back
            self._release()


def _stored(rows) -> list[StoredEvent]:
    return [(case_id, event_id, kind, at_us, json.loads(attrs) if attrs else {})
            for case_id, event_id, kind, at_us, attrs in rows]
