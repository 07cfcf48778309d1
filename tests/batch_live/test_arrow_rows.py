"""Rows made by `arrow_rows.to_pylist` equal pyarrow's own `to_pylist`, instants included, nested and null."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykit.batch.arrow_rows import to_pylist
from policykit.batch.tabular import schema

ZONES = ["Asia/Riyadh", "UTC", "+03:00", "-05:30", "America/New_York"]
UNITS = ["s", "ms", "us"]
MICROS = st.integers(-2_208_988_800_000_000, 7_258_118_400_000_000)  # 1900 .. 2200


def _same(ours, theirs) -> None:
    """Equal values, and each instant with the same offset (the same local time shown)."""
    assert ours == theirs
    if isinstance(theirs, dt.datetime):
        assert ours.utcoffset() == theirs.utcoffset() and ours.isoformat() == theirs.isoformat()
    elif isinstance(theirs, dict):
        for key in theirs:
            _same(ours[key], theirs[key])
    elif isinstance(theirs, list):
        for a, b in zip(ours, theirs):
            _same(a, b)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ZONES), st.sampled_from(UNITS),
       st.lists(st.one_of(st.none(), st.lists(st.one_of(st.none(), st.tuples(st.one_of(st.none(), MICROS),
                                                                           st.text(max_size=3))), max_size=4)),
                max_size=12),
       st.lists(st.one_of(st.none(), MICROS), min_size=12, max_size=12))
def test_rows_equal_pyarrows_own(tz, unit, findings, as_of):
    kind = pa.timestamp(unit, tz=tz)
    scale = {"s": 1_000_000, "ms": 1_000, "us": 1}[unit]
    cells = [None if v is None else v // scale for v in as_of[:len(findings)]]
    nested = [None if f is None else [None if item is None else
                                      {"due": None if item[0] is None else item[0] // scale, "rule": item[1]}
                                      for item in f] for f in findings]
    table = pa.table({"as_of": pa.array(cells, pa.int64()).cast(kind),
                      "findings": pa.array(nested, pa.list_(pa.struct([("due", pa.int64()), ("rule", pa.string())])))
                      .cast(pa.list_(pa.struct([("due", kind), ("rule", pa.string())])))})
    table = table.append_column("status", pa.array([r if r % 3 else None for r in range(len(cells))],
                                                    pa.int64()).cast(pa.string()).dictionary_encode())
    _same(to_pylist(table), table.to_pylist())
    _same(to_pylist(table.column("findings")), table.column("findings").to_pylist())
    _same(to_pylist(table.to_batches()[0]) if table.num_rows else [], table.to_pylist())
    for start in range(min(3, table.num_rows)):  # slices share their parent's buffers, at an offset
        part = table.slice(start, 2)
        _same(to_pylist(part), part.to_pylist())
        _same(to_pylist(pa.concat_tables([part, table])), pa.concat_tables([part, table]).to_pylist())


def test_a_verdict_table_of_the_batch_layout_converts_as_pyarrow_does():
    """The layout `--out FILE.parquet` writes (nested findings and actions, dictionary labels)."""
    due = dt.datetime(2025, 3, 25, 20, 59, 59, 123456, tzinfo=dt.timezone.utc)
    layout = schema("Asia/Riyadh")
    finding = {name: None for name in layout.field("findings").type.value_type.names}
    finding.update(rule="respond", kind="deadline", status="breached", due=due, trigger_at=due)
    action = {name: None for name in layout.field("required_actions").type.value_type.names}
    action.update(event="decision_notified", due=due, rule="respond", at_risk=False, overdue=True)
    row = {name: None for name in layout.names}
    row.update(case_id="H-1", status="non_compliant", policy="harif", as_of=due, findings=[finding],
               required_actions=[action])
    table = pa.Table.from_pylist([row, {**row, "findings": [], "required_actions": None}], schema=layout)
    _same(to_pylist(table), table.to_pylist())
    assert to_pylist(table)[0]["findings"][0]["due"].isoformat() == "2025-03-25T23:59:59.123456+03:00"


def test_values_without_zoned_instants_are_pyarrows_own():
    table = pa.table({"n": [1, None], "at": pa.array([dt.datetime(2025, 1, 1), None], pa.timestamp("us"))})
    assert to_pylist(table) == table.to_pylist()


@pytest.mark.parametrize("tz", ["Asia/Riyadh", "+03:00"])
def test_nanoseconds_become_microseconds(tz):
    table = pa.table({"at": pa.array([1_735_689_600_123_456_000], pa.int64()).cast(pa.timestamp("ns", tz=tz))})
    assert to_pylist(table)[0]["at"] == dt.datetime(2025, 1, 1, 0, 0, 0, 123456, tzinfo=dt.timezone.utc)
