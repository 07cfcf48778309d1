"""SPEC §10 through `policykit.batch.judge_table` (SPEC §14): with `rejects=[]`, incomplete cases are listed,
marked and undetermined, as `policykit batch` lists them.

`policykit batch` itself (every output format, both paths, the summary and the exit code) is tested in
tests/batch_live/test_incomplete.py; this holds the public table API, which Spark and Dask run, to the same.
"""

from __future__ import annotations

import io
import json

import pyarrow as pa

from policykit.batch import judge_table
from policykit.cli import main

AS_OF = "2025-05-10T00:00:00+03:00"
# H1: its decision row is rejected (no such outcome): not judged as if the decision never happened.
# H2: both rows rejected (a misspelt type, 30 February): still listed.  H3: complete, breached.
ROWS = [("H1", "request_received", "2025-03-02T10:00:00+03:00", None),
        ("H1", "request_completed", "2025-03-05T11:00:00+03:00", None),
        ("H1", "decision_notified", "2025-03-10T11:00:00+03:00", "maybe"),
        ("H2", "request_recieved", "2025-03-02T10:00:00+03:00", None),
        ("H2", "request_completed", "2025-02-30", None),
        ("H3", "request_completed", "2025-03-02T10:00:00+03:00", None),
        ("H3", "decision_notified", "2025-04-01T10:00:00+03:00", "approved")]


def _table() -> pa.Table:
    columns = list(zip(*ROWS))
    return pa.table({name: pa.array(values, pa.string())
                     for name, values in zip(("case_id", "type", "at", "outcome"), columns)})


def test_rejected_rows_leave_their_cases_listed_incomplete_and_undetermined():
    rejects: list = []
    rows = {r["case_id"]: r for r in judge_table(_table(), "harif", AS_OF, rejects=rejects).to_pylist()}
    assert sorted(line for line, _ in rejects) == [3, 4, 5]
    assert {k: (r["status"], r["incomplete"]) for k, r in rows.items()} == {
        "H1": ("undetermined", {"rejected_rows": 1}), "H2": ("undetermined", {"rejected_rows": 2}),
        "H3": ("non_compliant", None)}
    # H1's findings on its remaining rows are kept: the decision is missing from what was read, so the
    # deadline is breached there, yet the case is undetermined, not non_compliant
    findings = {f["rule"]: f["status"] for f in rows["H1"]["findings"]}
    assert findings["respond_within_15_working_days"] == "breached"


def test_the_table_api_and_the_command_list_the_same_incomplete_cases(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps({"case_id": c, "type": t, "at": at, **({"outcome": o} if o else {})}) + "\n"
                           for c, t, at, o in ROWS), encoding="utf-8")
    out = tmp_path / "v.jsonl"
    assert main(["batch", str(log), "--policy", "harif", "--as-of", AS_OF, "--out", str(out)],
                io.StringIO(), io.StringIO()) == 1  # a breach outranks the rejected rows
    listed = {v["case_id"]: (v["status"], v.get("incomplete")) for v in map(json.loads, out.read_text().splitlines())}
    rows = judge_table(_table(), "harif", AS_OF, rejects=[]).to_pylist()
    assert {r["case_id"]: (r["status"], r["incomplete"]) for r in rows} == listed
