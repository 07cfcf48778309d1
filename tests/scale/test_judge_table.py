"""policykit.batch.judge_table: batch's rows for the whole cases of a table, whatever order its rows are in."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from policykit.batch import judge_table
from policykit.batch.tabular import schema
from policykit.diagnostics import PolicykitError

from .conftest import AS_OF, same_rows


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
