"""SPEC §10: a case with rejected rows is listed, marked incomplete and undetermined, in every output format and
on both paths; the summary counts the incomplete cases; a breach outranks rejected rows in the exit code."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest

from policykit.batch.runner import run_batch
from policykit.cli import main
from policykit.report.audit import collect_file

# H1: its decision row is rejected (bad outcome), so it is not judged "late by 43 working days" as if the
# decision never happened: undetermined, incomplete.  H2: every row rejected, still listed.  H3: complete and
# breached.  Line 9 has no case id: it belongs to no case.
LOG = ("case_id,type,at,outcome\n"
       "H1,request_received,2025-03-02T10:00:00+03:00,\n"
       "H1,request_completed,2025-03-05T11:00:00+03:00,\n"
       "H1,decision_notified,2025-03-10T11:00:00+03:00,maybe\n"
       "H2,request_recieved,2025-03-02T10:00:00+03:00,\n"
       "H2,request_completed,2025-02-30,\n"
       "H3,request_completed,2025-03-02T10:00:00+03:00,\n"
       "H3,decision_notified,2025-04-01T10:00:00+03:00,approved\n"
       ",request_completed,2025-03-02T10:00:00+03:00,\n")
AS_OF = "2025-05-10T00:00:00+03:00"


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG, encoding="utf-8")
    return path


def _jsonl(path):
    return {v["case_id"]: v for v in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


@pytest.mark.parametrize("fast", [True, False])
def test_incomplete_cases_are_listed_undetermined_in_every_format(tmp_path, log, fast):
    runs = {}
    for suffix in ("jsonl", "parquet", "csv"):
        out = tmp_path / f"v.{suffix}"
        runs[suffix] = run_batch(log, "harif", AS_OF, out=str(out), workers=1, fast=fast)
    verdicts = _jsonl(tmp_path / "v.jsonl")
    assert sorted(verdicts) == ["H1", "H2", "H3"]
    assert verdicts["H1"]["incomplete"] == {"rejected_rows": 1} and verdicts["H1"]["status"] == "undetermined"
    assert verdicts["H2"]["incomplete"] == {"rejected_rows": 2} and verdicts["H2"]["status"] == "undetermined"
    assert "incomplete" not in verdicts["H3"] and verdicts["H3"]["status"] == "non_compliant"
    # the findings on H1's remaining rows are kept
    assert {f["rule"]: f["status"] for f in verdicts["H1"]["findings"]}["respond_within_15_working_days"] == "breached"
    rows = {r["case_id"]: r for r in pq.read_table(tmp_path / "v.parquet").to_pylist()}
    assert {k: (r["status"], r["incomplete"]) for k, r in rows.items()} == {
        "H1": ("undetermined", {"rejected_rows": 1}), "H2": ("undetermined", {"rejected_rows": 2}),
        "H3": ("non_compliant", None)}
    with open(tmp_path / "v.csv", encoding="utf-8", newline="") as handle:
        flat = {r["case_id"]: (r["status"], r["incomplete.rejected_rows"]) for r in csv.DictReader(handle)}
    assert flat == {"H1": ("undetermined", "1"), "H2": ("undetermined", "2"), "H3": ("non_compliant", "")}
    for summary in runs.values():
        assert summary.to_dict()["incomplete_cases"] == 2 and summary.rejected == 4
        assert summary.stats.by_status == {"undetermined": 2, "non_compliant": 1}
        assert summary.stats.events == 4  # the rows judged: rejected ones are no events


def test_the_audit_report_lists_the_incomplete_cases(tmp_path, log):
    run_batch(log, "harif", AS_OF, out=str(tmp_path / "v.parquet"), workers=1)
    data = collect_file(str(tmp_path / "v.parquet"))
    assert data.incomplete_count == 2 and sorted(data.incomplete) == [("H1", 1), ("H2", 2)]


def _exit(tmp_path, text):
    path = tmp_path / "l.csv"
    path.write_text(text, encoding="utf-8")
    return main(["batch", str(path), "--policy", "harif", "--as-of", AS_OF, "--out", str(tmp_path / "o.jsonl")],
                io.StringIO(), io.StringIO())


def test_exit_code_a_breach_outranks_rejected_rows(tmp_path, log):
    assert _exit(tmp_path, LOG) == 1  # H3 breached, rows rejected too
    assert _exit(tmp_path, "case_id,type,at\nA,request_received,2025-05-09\nB,bogus,2025-05-09\n") == 2
    assert _exit(tmp_path, "case_id,type,at\nA,request_received,2025-05-09\n") == 0
