"""Live sessions by name: each a LiveSession on its own store, with its policy and clock kept in a registry."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import threading
from pathlib import Path

from ..config import Settings, load_settings
from ..diagnostics import Diagnostic, PolicykitError, Span
from ..timeparse import iso
from . import policies
from .errors import ServiceError
from .file_lock import try_lock
from .registry import PostgresRegistry, SqliteRegistry

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


class Held:
    """One open session and the lock that serialises its requests (a LiveSession is not thread-safe)."""

    def __init__(self, name: str, policy_id: str, session) -> None:
        self.name, self.policy_id, self.session = name, policy_id, session
        self.lock = threading.Lock()
        self.deadline: float | None = None  # while a request holds the lock: when its time limit passes

    def clock(self) -> str | None:
        """The session's clock, None before its first advance or event."""
        now = self.session.now
        return None if now <= _EPOCH else iso(now, self.session.tz)

    def describe(self) -> dict:
        """`{name, policy, now, open_cases}`."""
        return {"name": self.name, "policy": self.policy_id, "now": self.clock(),
                "open_cases": self.session.open_cases}


class SessionHub:
    """The sessions of one service; `store` is a directory (one SQLite file per session) or a PostgreSQL URL."""

    def __init__(self, store: str, settings: Settings | None = None) -> None:
        self.store = store
        # the configuration every session judges with (the service's, read once at its start): a session opened
        # later, restored after a restart or first asked for, does not read the file as it is then
        self.settings = settings if settings is not None else load_settings()
        self.postgres = store.startswith(("postgresql://", "postgres://"))
        self._hold: int | None = None  # a SQLite store directory's lock, held while this hub serves it
        # the registry of names, policies and clocks: in the database that every process shares, else beside
        # the stores
        if self.postgres:
            from ..live.pgstore import shown_url

            self.registry: SqliteRegistry | PostgresRegistry = PostgresRegistry(store, shown_url(store))
        else:
            self.root = Path(store)
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                self._hold = _hold_directory(self.root)
                try:
                    self.registry = SqliteRegistry(self.root)
                except BaseException:
                    os.close(self._hold)
                    raise
            except (OSError, sqlite3.Error) as exc:  # a file where the directory goes, no permission, a bad registry
                raise PolicykitError.single("store-unavailable", f"cannot open the sessions' store directory "
                                            f"{str(self.root)!r} ({type(exc).__name__})", Span("--store"),
                                            hint="--store names a directory (one SQLite file per session) or a "
                                                 "PostgreSQL URL") from None
        self._lock = threading.Lock()  # guards the two dicts below, never held while a session is restored
        self._held: dict[str, Held] = {}
        self._opening: dict[str, threading.Lock] = {}  # one per name: its opening or restoring, one at a time
        self._closed = False

    def store_for(self, name: str):
        """What LiveSession(store=...) is given for session `name`: its SQLite file, or a PostgreSQL store in the
        session's own schema of the operator's database (so that service processes sharing the database share
        each session, and sessions stay apart)."""
        if not self.postgres:
            return str(self.root / f"session-{name}.sqlite")
        from ..live.pgstore import PostgresStore

        return PostgresStore(self.store, namespace=pg_schema(name))

    def put(self, name: str, policy_id: object) -> tuple[Held, bool]:
        """The session `name`, created with `policy_id` when new; True when it was created."""
        check_name(name)
        with self._opening_of(name):
            held = self._open(name)
            if held is not None:
                if policy_id != held.policy_id:
                    raise _mismatch(name, held.policy_id)
                if self.registry.shared:  # its `now` is the shared clock, as another process may have moved it
                    self._catch_up_clock(held)
                return held, False
            policy = policies.policy(policy_id, ("policy",))
            registered = self.registry.add(name, str(policy_id))
            if registered != policy_id:  # another process registered it with another policy meanwhile
                raise _mismatch(name, registered)
            held = self._start(name, str(policy_id), policy, None)
            return held, True

    def get(self, name: str) -> Held:
        """An existing session (restored from its store after a restart); 404 when there is none."""
        if not NAME.match(name):
            raise unknown_session()
        with self._opening_of(name):
            held = self._open(name)
        if held is None:
            raise unknown_session()
        if self.registry.shared:
            self._catch_up_clock(held)
        return held

    def save_clock(self, held: Held) -> None:
        """Keep the session's clock, so that a restart restores it (and, shared, the other processes take it)."""
        text = held.clock()
        if text is not None:
            self.registry.save_clock(held.name, held.session.now, text)

    def _catch_up_clock(self, held: Held) -> None:
        """Move the session's clock to where another process moved it (a shared clock only goes forward)."""
        found = self.registry.find(held.name)
        if found is None or found[1] is None:
            return
        clock = dt.datetime.fromisoformat(found[1])
        with held.lock:
            if clock > held.session.now:
                held.session.advance(clock)

    def _opening_of(self, name: str) -> threading.Lock:
        """The lock under which session `name` is opened: a session restored from a large store (seconds) holds
        up the requests for it alone, not those for every other session."""
        with self._lock:
            return self._opening.setdefault(name, threading.Lock())

    def _open(self, name: str) -> Held | None:
        with self._lock:
            held = self._held.get(name)
        if held is not None:
            return held
        found = self.registry.find(name)
        if found is None:
            return None
        return self._start(name, found[0], policies.policy(found[0]), found[1])

    def _start(self, name: str, policy_id: str, policy, clock: str | None) -> Held:
        from ..live import LiveSession

        session = LiveSession(policy, store=self.store_for(name), now=clock, settings=self.settings)
        with self._lock:
            if not self._closed:
                held = self._held[name] = Held(name, policy_id, session)
                return held
        session.shutdown()  # the service closed while this session was being restored
        raise PolicykitError.single("store-unavailable", "the service is shutting down", Span(name),
                                    hint="nothing was acknowledged; send it again once the service is back")

    def close(self) -> None:
        """Release every store."""
        with self._lock:
            self._closed = True
            for held in self._held.values():
                with held.lock:
                    held.session.shutdown()
            self._held.clear()
            self.registry.close()
            if self._hold is not None:
                os.close(self._hold)
                self._hold = None


def _hold_directory(root: Path) -> int:
    """The store directory held by this process alone (`flock` on its `serve.lock`, dropped by the kernel when the
    process ends): a second service on it served the sessions the first had not opened and answered 503
    store-locked for the others, each store being held by one session at a time. Raises store-locked."""
    fd = try_lock(root / "serve.lock")
    if fd is None:
        raise PolicykitError.single("store-locked", f"the sessions' store directory {str(root)!r} is served by "
                                    "another process (a SQLite store is served by one process at a time)",
                                    Span("--store"), hint="stop the other service, give this one its own --store, "
                                    "or share sessions between processes through PostgreSQL")
    return fd


def check_name(name: str) -> None:
    """A session name: letters, digits, `_ . -`, at most 64, so that it can name a file."""
    if not NAME.match(name):
        raise PolicykitError([Diagnostic("invalid-value", "a session name has 1 to 64 letters, digits, '_', '.' "
                                         "or '-', and starts with a letter or digit", path=("name",))])


def _mismatch(name: str, judged: str) -> PolicykitError:
    """A PUT of session `name` with a policy other than the one it judges."""
    return PolicykitError.single("session-policy-mismatch", f"session '{name}' judges policy '{judged}'",
                                 path=("policy",))


def unknown_session() -> ServiceError:
    """The 404 of a session name that is not known."""
    return ServiceError.of(404, "unknown-session", "no session with this name")


def pg_schema(name: str) -> str:
    """The PostgreSQL schema of session `name`: `session_<name>`, or `sessions_<digest>` for a name too long for an
    identifier (PostgreSQL cuts identifiers at 63 bytes, which would let two long names share a schema); no name
    gives a `sessions_` schema (each starts `session_`), so no name is another's digest."""
    import hashlib

    schema = f"session_{name}"
    if len(schema.encode("utf-8")) <= 63:
        return schema
    return "sessions_" + hashlib.blake2b(name.encode("utf-8"), digest_size=16).hexdigest()
