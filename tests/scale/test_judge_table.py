"""policykit.batch.judge_table: batch's rows for the whole cases of a table, whatever order its rows are in."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from policykit.batch import judge_table
from policykit.batch.table import rejects_table
from policykit.batch.tabular import schema
from policykit.diagnostics import PolicykitError

from .conftest import AS_OF, LIMITS, batch_refusal, same_rows


def test_equals_batch_on_the_whole_log(split_log):
    whole, _, expected = split_log
    got = judge_table(pq.read_table(whole), "harif", AS_OF)
    assert got.schema == schema("Asia/Riyadh")  # exactly the layout batch writes
    same_rows(got, expected)


def test_rows_out_of_line_order_are_put_back(split_log):
    _, parts, expected = split_log
    table = pq.read_table(parts)  # files concatenated: every case's rows, with their line numbers
    reversed_rows = table.take(pa.array(range(table.num_rows - 1, -1, -1)))
    same_rows(judge_table(reversed_rows, "harif", AS_OF), expected)


def test_bad_rows_raise_or_are_dropped_as_batch_drops_them():
    table = pa.table({"case_id": ["A", "A", ""], "type": ["request_received", "no_such_event", "request_received"],
                      "at": ["2025-03-02T09:00:00+03:00"] * 3})
    with pytest.raises(PolicykitError) as caught:
        judge_table(table, "harif", AS_OF)
    assert caught.value.first.code == "invalid-log" and caught.value.first.span.line == 2
    rejects: list = []
    got = judge_table(table, "harif", AS_OF, rejects=rejects)
    assert [line for line, _ in rejects] == [2, 3]
    assert got.column("case_id").to_pylist() == ["A"]


def test_a_table_without_a_required_column_or_with_a_bad_as_of_is_refused():
    with pytest.raises(PolicykitError, match="no at column"):
        judge_table(pa.table({"case_id": ["A"], "type": ["request_received"]}), "harif", AS_OF)
    with pytest.raises(PolicykitError) as caught:
        judge_table(pa.table({"case_id": ["A"], "type": ["x"], "at": ["y"]}), "harif", "not a date")
    assert caught.value.first.code == "invalid-date"


def test_an_empty_table_gives_no_rows():
    got = judge_table(pa.table({"case_id": pa.array([], pa.string()), "type": pa.array([], pa.string()),
                                "at": pa.array([], pa.string())}), "harif", AS_OF)
    assert got.num_rows == 0 and got.schema == schema("Asia/Riyadh")


def test_the_line_column_decides_ties_in_time_whatever_the_row_order():
    same = "2025-03-02T09:00:00+03:00"
    table = pa.table({"line": [7, 3], "case_id": ["T", "T"], "type": ["referred_to_committee", "data_verified"],
                      "at": [same, same]})  # rows as a shuffle left them: line 3 comes first in the log

    def verify(t):
        findings = judge_table(t, "harif", AS_OF).column("findings").to_pylist()[0]
        return next(f["status"] for f in findings if f["rule"] == "verify_before_committee")

    assert verify(table) == "met"
    assert verify(table.drop_columns(["line"])) == "breached"  # without lines, the table's order is the log's


AT_IN = "2025-03-02T09:00:00+03:00"


def _small(**columns):
    base = {"case_id": ["A", "A"], "type": ["request_received", "request_completed"],
            "at": [AT_IN, "2025-03-03T09:00:00+03:00"], "channel": ["interview", None]}
    base.update(columns)
    return pa.table(base)


@pytest.mark.parametrize("column,values,message", [
    ("at", pa.array([{"a": 1}, {"a": 2}]), "column 'at' holds structs"),
    ("case_id", pa.array([["A"], ["A"]]), "column 'case_id' holds lists"),
    ("channel", pa.array([[("k", "v")], None], pa.map_(pa.string(), pa.string())), "column 'channel' holds maps"),
])
def test_a_column_of_nested_cells_is_invalid_log_as_batch_says_it(column, values, message):
    with pytest.raises(PolicykitError, match=message) as caught:  # it was an ArrowNotImplementedError
        judge_table(_small(**{column: values}), "harif", AS_OF)
    assert caught.value.first.code == "invalid-log"


def test_a_column_twice_is_duplicate_column():
    table = _small()
    twice = pa.Table.from_arrays([*table.columns, table.column("at")], names=[*table.column_names, "at"])
    with pytest.raises(PolicykitError) as caught:  # it was a KeyError
        judge_table(twice, "harif", AS_OF)
    assert caught.value.first.code == "duplicate-column"


def test_binary_cells_are_read_as_utf8_and_a_row_that_is_not_is_rejected_as_batch_rejects_it():
    table = _small(case_id=pa.array([b"A", b"\xffA"]))
    with pytest.raises(PolicykitError) as caught:  # it was an ArrowInvalid
        judge_table(table, "harif", AS_OF)
    assert caught.value.first.code == "invalid-log" and caught.value.first.span.line == 2
    rejects: list = []
    got = judge_table(table, "harif", AS_OF, rejects=rejects)
    assert rejects == [(2, "row is not valid UTF-8")] and got.column("case_id").to_pylist() == ["A"]


@pytest.mark.parametrize("lines", [pa.array([None, 1]), pa.array([1.5, 2.0]), pa.array(["x", "2"]),
                                   pa.array([2 ** 64 - 1, 1], pa.uint64())])
def test_a_line_column_that_does_not_number_every_row_is_invalid_log(lines):
    with pytest.raises(PolicykitError, match="line column") as caught:  # it was an ArrowInvalid
        judge_table(_small(line=lines), "harif", AS_OF)
    assert caught.value.first.code == "invalid-log"


def test_a_table_that_is_not_arrow_is_a_clear_type_error_and_a_record_batch_is_taken():
    with pytest.raises(TypeError, match="pyarrow Table"):  # it was "'DataFrame' object has no attribute ..."
        judge_table(_small().to_pandas(), "harif", AS_OF)
    assert judge_table(_small().to_batches()[0], "harif", AS_OF).num_rows == 1


def test_column_names_are_read_without_the_spaces_around_them_as_batch_reads_them(split_log):
    """' case_id ' is the column case_id, as `policykit batch` reads a header (an Excel header keeps its
    trailing space into Parquet); judge_table once refused such a table ('no case_id column')."""
    whole, _, expected = split_log
    table = pq.read_table(whole)
    spaced = table.rename_columns([f" {name} " if i % 2 else f"{name}\u00a0" for i, name in
                                   enumerate(table.column_names)])
    same_rows(judge_table(spaced, "harif", AS_OF), expected)
    twice = pa.table({"case_id": ["A"], " case_id": ["B"], "type": ["request_received"],
                      "at": ["2025-03-02T09:00:00+03:00"]})
    with pytest.raises(PolicykitError) as caught:
        judge_table(twice, "harif", AS_OF)
    assert caught.value.first.code == "duplicate-column"


@pytest.mark.parametrize("variable,value,code", LIMITS)
def test_the_limits_refuse_a_table_as_batch_refuses_the_log(split_log, tmp_path, monkeypatch, variable, value, code):
    """A case over the events-per-case limit or more cases than the cases-per-batch limit: the table is refused
    with batch's error (its code and message); judge_table once judged it whole."""
    from policykit.limits import DEFAULTS, Limits

    whole, _, _ = split_log
    monkeypatch.setenv(variable, value)
    refusal = batch_refusal(whole, tmp_path)
    assert refusal[0] == code
    with pytest.raises(PolicykitError) as caught:
        judge_table(pq.read_table(whole), "harif", AS_OF)
    assert (caught.value.first.code, caught.value.first.message) == refusal
    with pytest.raises(PolicykitError) as caught:  # rejects_table too: batch writes no rejects file either
        rejects_table(pq.read_table(whole), "harif", AS_OF)
    assert caught.value.first.code == code
    monkeypatch.delenv(variable)
    with pytest.raises(PolicykitError) as caught:  # limits= passes limits read elsewhere
        judge_table(pq.read_table(whole), "harif", AS_OF,
                    limits=Limits(max_events_per_case=3) if code == "too-many-events" else Limits(max_cases_per_batch=5))
    assert (caught.value.first.code, caught.value.first.message) == refusal
    assert judge_table(pq.read_table(whole), "harif", AS_OF, limits=DEFAULTS).num_rows > 5


def test_an_unknown_reading_is_refused_before_any_row_is_read():
    """judge_table refused an unknown reading only when a row was judged: an empty table (what the engines'
    drivers check their arguments with) passed it, and Spark's and Dask's judge sent it to every executor."""
    empty = pa.table({"case_id": pa.array([], pa.string()), "type": pa.array([], pa.string()),
                      "at": pa.array([], pa.string())})
    with pytest.raises(ValueError, match="unknown reading 'nope'"):
        judge_table(empty, "harif", AS_OF, reading="nope")
