"""The live clock as the contract fixes it: it starts at the first advance (or, failing that, the first event),
never goes back, holds only instants of the years allowed, and a restart on the same store restores it."""

from __future__ import annotations

import datetime as dt

import pytest

from policykit.diagnostics import PolicykitError
from policykit.live import LiveSession

UTC = dt.timezone.utc


def test_the_first_advance_starts_the_clock_even_before_1970():
    session = LiveSession("harif")  # no now=, no event: the clock has not started
    assert session.advance("1950-01-01") == []  # it was clock-went-back against a 1970 placeholder
    assert session.now == dt.datetime(1950, 1, 1, tzinfo=session.tz)
    with pytest.raises(PolicykitError) as info:  # started now: going back is refused
        session.advance("1949-12-31")
    assert info.value.first.code == "clock-went-back"


@pytest.mark.parametrize("instant", [dt.datetime(9999, 12, 31, 23, 59), dt.datetime.max.replace(tzinfo=UTC),
                                     dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5))),
                                     dt.date(2201, 1, 1)])
def test_clock_instants_outside_the_years_allowed_are_refused_and_the_session_stays_usable(instant):
    session = LiveSession("harif")
    session.post("C", {"type": "request_completed", "at": "2025-03-02T09:00:00+03:00"})
    with pytest.raises(PolicykitError) as info:  # a datetime too: it overflowed every verdict afterwards
        session.advance(instant)
    assert info.value.first.code == "invalid-date"
    assert session.verdict("C").status == "in_progress"
    with pytest.raises(PolicykitError) as info:
        LiveSession("harif", now=instant)
    assert info.value.first.code == "invalid-date"


def test_evaluate_and_judge_table_refuse_an_as_of_datetime_outside_the_years_allowed():
    import pyarrow as pa

    from policykit import evaluate, load_policy
    from policykit.batch import judge_table
    from policykit.case import case_from_data
    from policykit.timeparse import TimeFormatError

    policy = load_policy("harif")
    case = case_from_data({"case_id": "A", "events": [{"type": "request_completed", "at": "2025-03-02"}]}, policy)
    with pytest.raises(TimeFormatError, match="out of range"):  # as the text '9999-12-31' is
        evaluate(policy, case, dt.datetime.max)
    table = pa.table({"case_id": ["A"], "type": ["request_completed"], "at": ["2025-03-02"]})
    for as_of in (dt.datetime.max, dt.datetime.min.replace(tzinfo=UTC), dt.date(1899, 12, 31)):
        with pytest.raises(PolicykitError) as info:
            judge_table(table, policy, as_of)
        assert info.value.first.code == "invalid-date"


def test_a_restart_on_the_same_store_restores_the_clock_an_advance_set(tmp_path):
    store = tmp_path / "live.db"
    session = LiveSession("harif", store=store)
    session.post("C", {"type": "request_completed", "at": "2025-03-02T09:00:00+03:00"})
    session.advance("2025-04-01T00:00:00+03:00")  # past the 15 working days: breached
    assert session.verdict("C").status == "non_compliant"
    session.shutdown()
    again = LiveSession("harif", store=store)
    # it restarted at the last event's instant, and the breach read as in_progress again
    assert again.now == dt.datetime(2025, 4, 1, tzinfo=again.tz)
    assert again.verdict("C").status == "non_compliant"
    with pytest.raises(PolicykitError) as info:
        again.advance("2025-03-20")
    assert info.value.first.code == "clock-went-back"
    again.shutdown()
    quiet = tmp_path / "quiet.db"  # a clock started by an advance alone, no event yet
    first = LiveSession("harif", store=quiet)
    first.advance("2025-05-01")
    first.shutdown()
    held = LiveSession("harif", store=quiet)
    assert held.now == dt.datetime(2025, 5, 1, tzinfo=held.tz)
    held.shutdown()


def test_an_advance_whose_clock_cannot_be_stored_fails_and_leaves_the_clock_as_it_was(tmp_path):
    session = LiveSession("harif", store=tmp_path / "live.db")
    session.post("C", {"type": "request_completed", "at": "2025-03-02T09:00:00+03:00"})
    before = session.now
    session.store.db.execute("PRAGMA query_only=ON")  # the store read-only
    with pytest.raises(PolicykitError) as info:
        session.advance("2025-04-01")
    assert info.value.first.code == "store-write-failed"
    assert session.now == before and session.verdict("C").status == "in_progress"
    session.store.db.execute("PRAGMA query_only=OFF")
    session.advance("2025-04-01")  # usable: the same advance now works
    assert session.verdict("C").status == "non_compliant"
    session.shutdown()


def test_a_clock_given_as_now_is_restored_too(tmp_path):
    store = tmp_path / "live.db"
    session = LiveSession("harif", store=store, now="2025-04-01")
    session.post("C", {"type": "request_completed", "at": "2025-03-02T09:00:00+03:00"})
    assert session.verdict("C").status == "non_compliant"
    session.shutdown()
    again = LiveSession("harif", store=store)  # it restarted at the event's instant: in_progress
    assert again.now == dt.datetime(2025, 4, 1, tzinfo=again.tz) and again.verdict("C").status == "non_compliant"
    again.shutdown()
    earlier = LiveSession("harif", store=store, now="2025-03-10")  # never back: the stored clock is later
    assert earlier.now == dt.datetime(2025, 4, 1, tzinfo=earlier.tz)
    earlier.shutdown()
