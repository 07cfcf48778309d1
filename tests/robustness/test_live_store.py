"""The live store's promises (SPEC §15): acknowledged means stored, one session per store, restore takes each
event once, a corrupt store is policykit's own error; and the live clock and size limits (issue 11, items 1-5).

Faults are real SQLite conditions where SQLite can make them: a full disk is `PRAGMA max_page_count` (SQLITE_FULL
on the next page the transaction needs), a read-only store `PRAGMA query_only` (SQLITE_READONLY); a lock taken by
another connection at commit time cannot happen to a held store, so it is injected by a connection wrapper whose
COMMIT fails as SQLite's does ("database is locked")."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import time

import pytest

pytest.importorskip("durable")

from policykit.diagnostics import PolicykitError  # noqa: E402
from policykit.limits import Limits  # noqa: E402
from policykit.live import LiveSession  # noqa: E402
from policykit.live.store import MemoryStore, SqliteStore, Store  # noqa: E402

NOW = "2025-03-01T08:00:00+03:00"
FIRST = ("H1", {"type": "request_completed", "at": "2025-03-01T09:00:00+03:00", "id": "e1"})
SECOND = ("H1", {"type": "applicant_informed", "at": "2025-03-01T10:00:00+03:00", "id": "e2"})
LONG = "e4-" + "x" * 6000  # an id longer than a page: the write needs new pages (the full disk refuses them)
NEW_CASE = ("H2", {"type": "request_completed", "at": "2025-03-01T11:00:00+03:00", "id": "e3"})


class LockedCommits:
    """A connection whose COMMIT fails as when another connection holds the lock (the transaction stays open,
    as SQLite leaves it on SQLITE_BUSY)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db, self.failing = db, True

    def execute(self, sql: str, *args):
        if self.failing and sql == "COMMIT":
            raise sqlite3.OperationalError("database is locked")
        return self.db.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self.db, name)


def _lock(session) -> callable:
    wrapper = session.store.db = LockedCommits(session.store.db)
    return lambda: setattr(wrapper, "failing", False)


def _read_only(session) -> callable:
    session.store.db.execute("PRAGMA query_only=ON")
    return lambda: session.store.db.execute("PRAGMA query_only=OFF")


def _full(session) -> callable:
    db = session.store.db
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the main file, so page_count is the file's
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count={pages}")  # the next page any write needs is refused: SQLITE_FULL
    return lambda: db.execute("PRAGMA max_page_count=1073741823")


FAULTS = {"lock held": _lock, "read-only": _read_only, "disk full": _full}


def _state(session) -> tuple:
    """What a session holds in memory, as far as a failed post must leave it."""
    return ({case_id: [(e.type, e.at) for e in session.cases[case_id].events] for case_id in session.cases},
            session.now, {case_id: session.judgement(case_id) for case_id in session.cases},
            set(session._closed))


def _stored(path) -> list[tuple[str, str | None]]:
    store = SqliteStore(path)
    try:
        return [(case_id, event_id) for case_id, event_id, *_ in store.load()]
    finally:
        store.close()


# --- 1. a failed store write acknowledges nothing -------------------------------------------------------------

@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failed_write_takes_nothing_and_the_resend_is_new_and_survives_restart(tmp_path, fault):
    path = tmp_path / "live.sqlite"
    session = LiveSession("harif", store=path, now=NOW)
    session.post(*FIRST)
    session.close("H1")  # a closed case: the failed post below reopens it, which must be undone too
    session.post(*NEW_CASE)
    before = _state(session)
    heal = FAULTS[fault](session)
    batch = [SECOND, ("H3", {"type": "request_completed", "at": "2025-03-01T12:00:00+03:00", "id": LONG}),
             ("H2", {"type": "applicant_informed", "at": "2025-03-01T13:00:00+03:00", "id": "e5"})]
    with pytest.raises(PolicykitError) as info:
        session.post_many(batch)
    assert info.value.first.code == "store-write-failed" and info.value.first.span.file == str(path)
    assert len(str(info.value).splitlines()) == 1
    assert _state(session) == before  # ids, cases, reopened case, clock: as they were
    if fault != "disk full":  # (a full disk still takes rows that fit in pages the file has)
        with pytest.raises(PolicykitError):  # still failing: still nothing taken
            session.set_facts("H2", {"consent_withdrawn": True})
        with pytest.raises(PolicykitError):
            session.close("H2")
        assert _state(session) == before and "H2" in session.cases
    heal()
    changes = session.post_many(batch)  # the producer's re-send
    assert [change.duplicate for change in changes] == [False, False, False]
    assert session.post(*SECOND).duplicate
    session.shutdown()
    assert sorted(_stored(path)) == [("H1", "e1"), ("H1", "e2"), ("H2", "e3"), ("H2", "e5"), ("H3", LONG)]
    restarted = LiveSession("harif", store=path)
    assert set(restarted.cases) == {"H1", "H2", "H3"} and len(restarted.cases["H1"].events) == 2
    restarted.shutdown()


def test_shutdown_works_while_the_store_is_still_failing(tmp_path):
    session = LiveSession("harif", store=tmp_path / "live.sqlite", now=NOW)
    session.post(*FIRST)
    _read_only(session)
    with pytest.raises(PolicykitError):
        session.post(*SECOND)
    session.shutdown()  # nothing queued: nothing to fail
    assert _stored(tmp_path / "live.sqlite") == [("H1", "e1")]


# --- 2. one session per store ---------------------------------------------------------------------------------

def test_a_second_opener_in_this_process_is_refused_until_the_first_shuts_down(tmp_path):
    path = tmp_path / "live.sqlite"
    first = LiveSession("harif", store=path, now=NOW)
    first.post(*FIRST)
    with pytest.raises(PolicykitError) as info:
        LiveSession("harif", store=path)
    assert info.value.first.code == "store-locked" and info.value.first.span.file == str(path)
    with pytest.raises(sqlite3.OperationalError, match="locked"):  # any other client too
        sqlite3.connect(path, timeout=0).execute("SELECT * FROM batches").fetchall()
    first.post(*SECOND)  # the holder is unaffected
    first.shutdown()
    second = LiveSession("harif", store=path)
    assert len(second.cases["H1"].events) == 2
    second.shutdown()


HOLDER = r'''
import sys, time
from policykit.live import LiveSession
session = LiveSession("harif", store=sys.argv[1], now="2025-03-01")
session.post("H1", {"type": "request_completed", "at": "2025-03-01T09:00", "id": "e1"})
print("holding", flush=True)
time.sleep(60)
'''

OPENER = r'''
import sys
from policykit.diagnostics import PolicykitError
from policykit.live import LiveSession
try:
    LiveSession("harif", store=sys.argv[1]).shutdown()
except PolicykitError as exc:
    print(exc)
    sys.exit(2)
print("opened")
'''


def test_another_process_is_refused_and_a_killed_holder_releases_the_store(tmp_path):
    path = tmp_path / "live.sqlite"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        refused = subprocess.run([sys.executable, "-c", OPENER, str(path)], capture_output=True, text=True,
                                 timeout=60)
        assert refused.returncode == 2 and refused.stdout.strip() == (
            f"{path}: store-locked: this store is held by another live session (a store is opened by one session "
            "at a time); shut the other session down, or give this one its own store")
        assert time.monotonic() - started < 30  # refused at once, not after waiting
        with pytest.raises(PolicykitError) as info:
            LiveSession("harif", store=path)
        assert info.value.first.code == "store-locked"
    finally:
        holder.kill()
        holder.wait(timeout=30)
    reopened = subprocess.run([sys.executable, "-c", OPENER, str(path)], capture_output=True, text=True, timeout=60)
    assert reopened.stdout.strip() == "opened"
    assert _stored(path) == [("H1", "e1")]


def test_restore_takes_an_event_stored_twice_once(tmp_path):
    """Two writers (before stores were held) could store one event twice: restore and reopening take it once."""
    path = tmp_path / "live.sqlite"
    session = LiveSession("harif", store=path, now=NOW)
    session.post_many([FIRST, SECOND, NEW_CASE])
    session.close("H2")
    session.shutdown()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO batches (size, cases, ids, types, ats, attrs) "
               "SELECT size, cases, ids, types, ats, attrs FROM batches")
    closed = db.execute("SELECT events FROM closed").fetchone()[0]
    db.execute("UPDATE closed SET events=?", (closed[:-1] + ", " + closed[1:],))  # its copy twice, too
    db.commit()
    db.close()
    restarted = LiveSession("harif", store=path)
    assert len(restarted.cases["H1"].events) == 2
    assert restarted.post(*SECOND).duplicate
    restarted.post("H2", {"type": "applicant_informed", "at": "2025-03-01T13:00:00+03:00"})  # reopens H2
    assert len(restarted.cases["H2"].events) == 2
    restarted.shutdown()


# --- 3. an event far ahead of the clock -----------------------------------------------------------------------

def test_an_event_more_than_the_tolerance_ahead_is_refused_and_changes_nothing(tmp_path):
    session = LiveSession("harif", store=tmp_path / "live.sqlite", now=NOW)
    session.post_many([FIRST, NEW_CASE])
    before = _state(session)
    far = ("H1", {"type": "applicant_informed", "at": "2026-03-01T10:00:00+03:00", "id": "typo"})
    with pytest.raises(PolicykitError) as info:
        session.post_many([SECOND, far])
    assert info.value.render() == (
        "<live H1>: event-too-far-ahead: event at 2026-03-01T10:00:00+03:00 is more than 1 day after the "
        "session's clock 2025-03-01T11:00:00+03:00 (at events[1].at); check the event's date; the tolerance is "
        "LiveSession(future_tolerance=...) or POLICYKIT_MAX_EVENT_LEAD_SECONDS")
    assert _state(session) == before
    session.advance("2025-03-02T09:00:00+03:00")  # the clock was not poisoned: the real time is not "back"
    session.shutdown()
    assert _stored(tmp_path / "live.sqlite") == [("H1", "e1"), ("H2", "e3")]


def test_the_tolerance_is_exact_configurable_and_follows_the_clock(monkeypatch):
    session = LiveSession("harif", now=NOW)
    assert not session.post("H1", {"type": "request_completed", "at": "2025-03-02T08:00:00+03:00"}).duplicate
    with pytest.raises(PolicykitError):  # one microsecond past a day after the clock (now the event's instant)
        session.post("H1", {"type": "applicant_informed", "at": "2025-03-03T08:00:00.000001+03:00"})
    session.advance("2025-04-01")  # advance() moves the clock, and the window with it
    session.post("H1", {"type": "applicant_informed", "at": "2025-04-02T00:00:00+03:00"})
    short = LiveSession("harif", now=NOW, future_tolerance=dt.timedelta(hours=1))
    with pytest.raises(PolicykitError) as info:
        short.post(*SECOND)
    assert "more than 1 hour after" in str(info.value)
    monkeypatch.setenv("POLICYKIT_MAX_EVENT_LEAD_SECONDS", str(400 * 86_400))
    LiveSession("harif", now=NOW).post("H1", {"type": "request_completed", "at": "2026-03-01"})
    with pytest.raises(ValueError):
        LiveSession("harif", future_tolerance=-dt.timedelta(1))


def test_a_replay_takes_any_gap_until_the_present_is_known(tmp_path):
    """Without `now` or `advance()` the session is a replay (its clock starts at its first event, SPEC §11): a
    case's weeks-long history is taken; from the first advance() on, the guard holds, also after a restart."""
    path = tmp_path / "live.sqlite"
    session = LiveSession("harif", store=path)  # no now: no clock yet
    session.post_many([("H1", {"type": "request_received", "at": "2031-05-01T09:00", "channel": "phone"}),
                       ("H1", {"type": "request_completed", "at": "2031-05-04T09:00"}),
                       ("H2", {"type": "request_completed", "at": "2031-06-20T09:00"})])
    assert session.now == dt.datetime(2031, 6, 20, 6, tzinfo=dt.timezone.utc)  # the replay's clock follows its events
    session.advance("2031-06-21T09:00")
    with pytest.raises(PolicykitError) as info:
        session.post("H1", {"type": "applicant_informed", "at": "2031-06-23T09:00"})
    assert info.value.first.code == "event-too-far-ahead"
    session.shutdown()
    restarted = LiveSession("harif", store=path, now="2031-06-21T10:00")
    with pytest.raises(PolicykitError) as info:
        restarted.post("H1", {"type": "applicant_informed", "at": "2031-06-23T09:00"})
    assert info.value.first.code == "event-too-far-ahead"
    restarted.post("H1", {"type": "applicant_informed", "at": "2031-06-22T09:00"})  # within a day: taken
    restarted.shutdown()


# --- 4. events per case ---------------------------------------------------------------------------------------

def test_the_events_per_case_limit_applies_to_posts(tmp_path):
    session = LiveSession("harif", store=tmp_path / "live.sqlite", now=NOW,
                          limits=Limits(max_events_per_case=3))
    session.post_many([FIRST, SECOND])
    event = {"type": "applicant_informed", "at": "2025-03-01T10:30:00+03:00"}
    with pytest.raises(PolicykitError) as info:
        session.post_many([NEW_CASE, ("H1", dict(event, id="x1")), ("H1", dict(event, id="x2"))])
    assert info.value.render() == ("<live H1>: too-many-events: case would have 4 events; the limit is 3; close "
                                   "the case, or raise POLICYKIT_MAX_EVENTS if it is genuine")
    assert set(session.cases) == {"H1"} and len(session.cases["H1"].events) == 2
    assert session.post("H1", dict(event, id="x1")).duplicate is False  # the third is within the limit
    assert session.post("H1", dict(event, id="x1")).duplicate  # a duplicate adds nothing, is not refused
    session.shutdown()


def test_a_long_case_costs_a_bounded_time_per_post_and_stops_at_the_limit():
    """Single posts to a case near the default limit (10,000 events) stay cheap (the events past the matrices are
    arrays, judged in C); the 10,001st is refused.  (50,000 posts to one case took 129 s before the limit.)"""
    session = LiveSession("harif", now=NOW)
    start = dt.datetime(2025, 3, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    at = [(start + dt.timedelta(seconds=i)).isoformat() for i in range(10_000)]
    session.post_many([("H1", {"type": "applicant_informed", "at": text}) for text in at[:8_000]])
    started = time.perf_counter()
    for text in at[8_000:]:
        session.post("H1", {"type": "applicant_informed", "at": text})
    assert time.perf_counter() - started < 20  # ~2.5 s here on a loaded machine; 2,000 posts
    with pytest.raises(PolicykitError) as info:
        session.post("H1", {"type": "applicant_informed", "at": at[0], "id": "one more"})
    assert info.value.first.code == "too-many-events"
    assert len(session.cases["H1"].events) == 10_000


# --- 5. a corrupt store ---------------------------------------------------------------------------------------

def _corrupted(tmp_path, how: str):
    path = tmp_path / "live.sqlite"
    session = LiveSession("harif", store=path, now=NOW)
    session.post_many([FIRST, SECOND, NEW_CASE])
    session.close("H2")
    session.shutdown()
    if how == "not a database":
        path.write_bytes(b"SQLite format 2\x00" + b"\x17" * 5000)
        return path
    if how == "truncated pages":
        data = path.read_bytes()
        path.write_bytes(data[:100] + b"\xff" * (len(data) - 100))
        return path
    db = sqlite3.connect(path)
    statement = {
        "instants cut short": "UPDATE batches SET ats = substr(ats, 1, 5)",
        "a column of the wrong size": "UPDATE batches SET types = 'request_completed'",
        "attributes not JSON": "UPDATE batches SET attrs = x'7b7b7b'",
        "a closed copy not JSON": "UPDATE closed SET events = '[[1, 2'",
        "a wrong table": "DROP TABLE batches; CREATE TABLE batches (seq INTEGER PRIMARY KEY, junk)",
    }[how]
    db.executescript(statement)
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize("how", ["not a database", "truncated pages", "instants cut short",
                                 "a column of the wrong size", "attributes not JSON", "a closed copy not JSON",
                                 "a wrong table"])
def test_a_corrupt_store_is_store_corrupt_naming_the_file(tmp_path, how):
    path = _corrupted(tmp_path, how)
    with pytest.raises(PolicykitError) as info:
        session = LiveSession("harif", store=path)
        session.post("H2", {"type": "applicant_informed", "at": "2025-03-01T13:00:00+03:00"})  # reads the copy
    assert info.value.first.code == "store-corrupt" and info.value.first.span.file == str(path)
    assert len(str(info.value).splitlines()) == 1


def test_a_store_of_a_newer_format_is_refused_untouched(tmp_path):
    """A store a newer policykit wrote (its `user_version` higher) opened as an empty session, which then added
    its own tables beside the newer ones and acknowledged events there: the newer version's events unseen and
    the file holding two sessions. Now store-unreadable naming both formats, the file as it was."""
    path = tmp_path / "live.sqlite"
    db = sqlite3.connect(path)
    db.executescript("PRAGMA user_version=7; CREATE TABLE events_v7 (payload BLOB);"
                     "INSERT INTO events_v7 VALUES (x'00');")
    db.close()
    before = path.read_bytes()
    with pytest.raises(PolicykitError) as info:
        LiveSession("harif", store=path)
    assert str(info.value) == (f"{path}: store-unreadable: the store was written by a newer policykit (store format "
                               "7; this one reads up to 1); nothing was read; open it with that version of policykit")
    assert path.read_bytes() == before


def test_opening_a_store_made_before_its_format_was_recorded_writes_nothing(tmp_path):
    """A store of this layout that records no format (made before it was) is read as it is: opening it writes
    nothing to it, so that a store on a full disk still opens and gives back what it acknowledged (writing the
    format at every opening made that opening fail with 'database or disk is full')."""
    path = tmp_path / "live.sqlite"
    session = LiveSession("harif", store=path, now=NOW)
    session.post_many([FIRST, NEW_CASE])
    session.shutdown()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=0")
    db.close()
    before = path.read_bytes()
    again = LiveSession("harif", store=path)
    assert sorted(again.cases) == ["H1", "H2"]
    again.shutdown()
    assert path.read_bytes() == before


def test_a_database_of_something_else_is_not_taken_for_an_empty_store(tmp_path):
    """A --store naming another application's database (a slip of the path) was taken for an empty store and given
    a live store's tables. Now store-corrupt, the database left as it was; a store made now records its format."""
    other = tmp_path / "crm.sqlite"
    db = sqlite3.connect(other)
    db.executescript("CREATE TABLE customers (name TEXT, phone TEXT); INSERT INTO customers VALUES ('x', '1');")
    db.close()
    with pytest.raises(PolicykitError) as info:
        LiveSession("harif", store=other)
    assert info.value.first.code == "store-corrupt" and info.value.first.span.file == str(other)
    db = sqlite3.connect(other)
    assert [name for (name,) in db.execute("SELECT name FROM sqlite_master")] == ["customers"]
    db.close()
    made = tmp_path / "live.sqlite"
    session = LiveSession("harif", store=made, now=NOW)
    session.post_many([FIRST])
    session.shutdown()
    db = sqlite3.connect(made)
    assert db.execute("PRAGMA user_version").fetchone() == (1,)
    db.close()
    assert LiveSession("harif", store=made).cases["H1"].events  # and read back as before


def test_the_store_interface_is_explicit():
    """Both stores here implement every method of Store (the PostgreSQL store implements the same)."""
    methods = [name for name, value in vars(Store).items() if callable(value) and not name.startswith("_")]
    assert {"add_events", "add_columns", "set_facts", "close_case", "reopen", "commit", "rollback",
            "check_policy", "load", "load_facts", "load_closed", "closed_events", "close", "save_clock",
            "load_clock"} == set(methods)
    for kind in (MemoryStore, SqliteStore):
        assert all(getattr(kind, name) is not getattr(Store, name) for name in methods), kind
        assert all(getattr(kind, name).__doc__ for name in methods)


def test_import_without_durable_rules_is_one_line_missing_dependency():
    code = ("import sys; sys.modules['durable'] = None\n"
            "from policykit.diagnostics import PolicykitError\n"
            "try:\n    import policykit.live\nexcept PolicykitError as exc:\n"
            "    assert isinstance(exc, ImportError); print(exc); sys.exit(2)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stderr
    assert run.stdout.splitlines() == ["missing-dependency: live sessions need durable-rules; pip install "
                                       "'policykit[live]' (durable-rules builds from source: it needs a C compiler)"]
