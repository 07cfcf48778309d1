"""A post read as columns at once (live.bulk; its instants by batch.timestamps.plain_micros, the reader batch uses):
the same instants as datetime.fromisoformat, the same
Changes, judgements, verdicts and store rows as posting one event at a time, and the one-event-at-a-time reading
for every post it does not take (facts, a reopened case, an event repeated within the post, a bad event)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyarrow as pa

from policykit.batch.timestamps import plain_micros
from policykit.diagnostics import PolicykitError
from policykit.live import LiveSession
from policykit.live.changes import CODE_BITS, CODE_MASK
from policykit.loader import load_policy
from policykit.timeparse import MAX_YEAR, MIN_YEAR, zone


def _sibling(name: str):
    """A module of this folder (tests import in importlib mode, so siblings are loaded by path)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(f"_live_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_fast = _sibling("test_live_fast")
POLICIES, _run, scripts = _fast.POLICIES, _fast._run, _fast.scripts
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
FORMS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S+03:00",
         "%Y-%m-%dT%H:%M:%S-11:30", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%S.%f+05:45",
         "%Y-%m-%d %H:%M:%S", "%Y%m%d"]


@st.composite
def _texts(draw):
    at = draw(st.datetimes(min_value=dt.datetime(1890, 1, 1), max_value=dt.datetime(2210, 12, 31)))
    text = at.strftime(draw(st.sampled_from(FORMS)))
    if draw(st.integers(0, 3)) == 0:  # one character changed: most such texts are not real instants
        position = draw(st.integers(0, len(text) - 1))
        text = text[:position] + draw(st.sampled_from("0123456789-:T+Z. x٣")) + text[position + 1:]
    return text


def one_by_one(text, tz) -> int | None:
    """UTC µs of a text datetime.fromisoformat reads, in the years allowed (the reference); None for any other."""
    try:
        instant = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    if not MIN_YEAR <= instant.year <= MAX_YEAR:
        return None
    return ((instant if instant.tzinfo else instant.replace(tzinfo=tz)) - _EPOCH) // dt.timedelta(microseconds=1)


def _read(texts: list, timezone: str):
    """The instants of a post's `at` texts as bulk reads them (non-texts not read)."""
    return plain_micros(pa.array([t if type(t) is str else None for t in texts], pa.string()), timezone)


@pytest.mark.parametrize("timezone", ["Asia/Riyadh", "Europe/Paris", "America/New_York"])
@settings(max_examples=int(os.environ.get("PK_EXAMPLES", 60)), deadline=None)
@given(texts=st.lists(_texts(), min_size=1, max_size=40))
def test_instants_read_at_once_are_what_fromisoformat_reads(timezone, texts):
    tz = zone(timezone)
    micros, read = _read(texts, timezone)
    for text, value, ok in zip(texts, micros.tolist(), read.tolist()):
        if ok:  # what it reads, it reads exactly; what it leaves, the caller reads one by one
            assert one_by_one(text, tz) == value, text


def test_the_plain_forms_are_read_at_once_and_the_others_left_to_the_one_by_one_reading():
    plain = ["2025-03-02", "2025-03-02T09:00", "2025-03-02T09:00:00", "2025-03-02T06:00:00Z",
             "2025-03-02T09:00:00+03:00", "2025-03-02T09:00:00.250000", "2025-03-02T06:00:00.250000Z",
             "2025-03-01T19:30:00.250000-11:30", "2024-02-29T23:59:59-00:00"]
    other = ["2025-03-02 09:00:00", "20250302", "1446-09-02H", " 2025-03-02", "2025-02-29", "2025-03-02T24:00",
             "2025-03-02T09:00:00+03:60", "2201-01-01T00:30:00+14:00", "1899-12-31T23:30:00-03:00", "٢٠٢٥-03-02",
             None, 20250302]
    tz = zone("Asia/Riyadh")
    micros, read = _read(plain, "Asia/Riyadh")
    assert read.all() and micros.tolist() == [one_by_one(text, tz) for text in plain]
    _, read = _read(plain + other, "Asia/Riyadh")
    assert not read[len(plain):].any()  # the plain ones beside them may be left too (an impossible date in Arrow)
    for text in other:
        assert not _read([text], "Asia/Riyadh")[1].any(), text


def test_a_content_key_of_any_instant_allowed_fits_an_int64():
    for instant in (dt.datetime(MIN_YEAR, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=23))),
                    dt.datetime(MAX_YEAR, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone(-dt.timedelta(hours=23)))):
        at_us = (instant - _EPOCH) // dt.timedelta(microseconds=1)
        key = (at_us << CODE_BITS) | CODE_MASK
        assert -(1 << 63) <= key < 1 << 63 and key >> CODE_BITS == at_us and key & CODE_MASK == CODE_MASK


def _without_facts(steps: list) -> list:
    """The scripts' posts as (case, event) pairs: posts the columns path takes (unless they repeat an event)."""
    return [("post", [item[:2] for item in step[1]]) if step[0] == "post" else step for step in steps]


@pytest.mark.parametrize("policy_id,start,reading", POLICIES)
def test_posts_read_as_columns_report_what_one_by_one_posts_report(policy_id, start, reading):
    policy = load_policy(policy_id)

    @settings(max_examples=int(os.environ.get("PK_EXAMPLES", 60)), deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(scripts(start).map(_without_facts))
    def check(steps):
        assert _run(policy, start, reading, steps, True) == _run(policy, start, reading, steps, False)

    check()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(steps=scripts(POLICIES[0][1]).map(_without_facts), size=st.integers(1, 7))
def test_posting_in_batches_of_any_size_keeps_what_posting_one_by_one_keeps(tmp_path_factory, steps, size):
    """The same events in batches of `size` (the columns path) and one at a time: the same state and reports."""
    start = POLICIES[0][1]
    events = [item for step in steps if step[0] == "post" for item in step[1]]
    folder = tmp_path_factory.mktemp("sizes")
    out = []
    for name, batches in (("one", [[item] for item in events]),
                          ("many", [events[i:i + size] for i in range(0, len(events), size)])):
        session = LiveSession("harif", store=folder / f"{name}.sqlite", now=start)
        changes = [change.to_dict() for batch in batches for change in session.post_many(batch)]
        after = [change.to_dict() for change in session.advance(session.now + dt.timedelta(days=40))]
        state = ({case_id: session.judgement(case_id) for case_id in session.cases},
                 {case_id: session.verdict(case_id).model_dump() for case_id in session.cases})
        session.shutdown()
        restarted = LiveSession("harif", store=folder / f"{name}.sqlite", now=start)
        kept = {case_id: restarted.judgement(case_id) for case_id in restarted.cases}
        restarted.shutdown()
        out.append((changes, after, state, kept))
    # a duplicate within a batch and across batches reads alike: only the batch's own boundaries differ
    assert out[0] == out[1]


def _common(count: int, day: int = 2) -> list[tuple[str, dict]]:
    return [(f"C{number % 5}", {"type": "request_received", "at": f"2025-03-{day:02d}T{number % 24:02d}:00:00+03:00",
                                "channel": "interview"}) for number in range(count)]


def test_common_posts_are_read_as_columns_and_others_one_event_at_a_time(monkeypatch):
    session = LiveSession("harif", now="2025-03-01")
    taken_each = []
    original = LiveSession._take_each

    def each(self, items, taken):
        taken_each.append(len(items))
        return original(self, items, taken)

    monkeypatch.setattr(LiveSession, "_take_each", each)
    session.post_many(_common(20))
    session.post_many([(case_id, dict(event, id=f"e{n}")) for n, (case_id, event) in enumerate(_common(6, 3))])
    again = session.post_many(_common(20))  # every one acknowledged already: duplicates, read as columns
    assert all(change.duplicate for change in again) and len(again.changed()) == 0
    assert taken_each == []
    with_facts = {"association_caused_harm": True}
    session.post_many([("C1", {"type": "request_completed", "at": "2025-03-04T09:00"}, with_facts)])
    session.close("C2")
    session.post_many([("C2", {"type": "request_completed", "at": "2025-03-05T09:00"})])  # reopened
    repeated = {"type": "request_completed", "at": "2025-03-05T10:00"}
    changes = session.post_many([("C3", repeated), ("C3", dict(repeated))])  # repeated within the post
    assert [change.duplicate for change in changes] == [False, True]
    assert taken_each == [1, 1, 2]


def test_an_event_too_far_ahead_is_refused_alike_read_as_columns_or_one_by_one():
    errors = []
    near, far = ({"type": "request_completed", "at": f"2025-03-{day}T09:00:00+03:00"} for day in ("02", "09"))
    for items in ([("A", near), ("B", far)],  # read as columns
                  [("A", near, {"association_caused_harm": None}), ("B", far, None)]):  # facts: one by one
        session = LiveSession("harif", now="2025-03-01T12:00:00+03:00", future_tolerance=dt.timedelta(days=1))
        with pytest.raises(PolicykitError) as info:
            session.post_many(items)
        assert info.value.first.code == "event-too-far-ahead"
        assert session.open_cases == 0 and session.now == dt.datetime(2025, 3, 1, 9, tzinfo=dt.timezone.utc)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("size", [3, 300])  # small posts and large ones keep their acknowledged ids alike
def test_a_post_sent_again_is_all_duplicates_and_a_larger_one_takes_only_the_new(size):
    session = LiveSession("harif", now="2025-03-01")
    events = [(f"C{n % 7}", {"type": "request_completed", "at": f"2025-03-02T09:00:{n % 60:02d}+03:00",
                             "id": f"e{n}"} if n % 2 else
               {"type": "data_verified", "at": f"2025-03-02T10:{n % 60:02d}:{n // 60:02d}+03:00"}) for n in range(size)]
    first = [change.duplicate for change in session.post_many(events)]
    assert first == [False] * size
    assert [change.duplicate for change in session.post_many(events)] == [True] * size
    more = events + [("C0", {"type": "applicant_informed", "at": "2025-03-03T09:00:00+03:00"})]
    assert [change.duplicate for change in session.post_many(more)] == [True] * size + [False]
    assert sum(len(session.cases[case_id].events) for case_id in session.cases) == size + 1


@pytest.mark.parametrize("bad", [0, 3, 9])
def test_a_bad_event_of_a_post_is_located_at_its_place_in_the_post(bad):
    """post_many names the bad item by its index in the post (events[k]), with the field; nothing is taken."""
    session = LiveSession("harif")
    items = [(f"C{k}", {"type": "request_received", "at": f"2025-03-02T{8 + k:02d}:00:00+03:00"}) for k in range(10)]
    items[bad] = (f"C{bad}", {"type": "request_recieved", "at": "2025-03-02T08:00:00+03:00"})
    with pytest.raises(PolicykitError) as info:
        session.post_many(items)
    assert info.value.first.code == "unknown-event"
    assert info.value.first.path == ("events", bad, "type")
    assert f"events[{bad}].type" in str(info.value)
    assert not session.cases
    good = [(f"C{k}", {"type": "request_received", "at": f"2025-03-02T{8 + k:02d}:00:00+03:00"}) for k in range(10)]
    good[bad] = (*good[bad], {"association_caused_harm": "maybe"})  # a fact that is not true, false or null
    with pytest.raises(PolicykitError) as info:
        session.post_many(good)
    assert info.value.first.path[:3] == ("events", bad, "facts")
    assert not session.cases
