"""The columnar fast path equals evaluate() case by case on generated logs."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from policykit.batch.runner import run_batch

POLICIES = ["harif", "saddad", "green_energy", "khairat_albaha", "suqya"]


def _rows(path):
    return {row["case_id"]: row for row in pq.read_table(path).to_pylist()}


REPEATS = 0.3  # harif's cases with later complaints (bench/loggen.py): resolve_complaints judges every one


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("as_of", ["2024-06-15T10:00:00+03:00", "2026-01-01"])
def test_fast_path_equals_reference(tmp_path, loggen, policy, as_of):
    log = tmp_path / "log.parquet"
    table = loggen.generate(3000, policy, seed=len(policy) + len(as_of), shuffle=True, repeats=REPEATS)
    loggen.write(table, log)
    fast_out, slow_out = tmp_path / "fast.parquet", tmp_path / "slow.parquet"
    fast = run_batch(log, policy, as_of, out=str(fast_out), workers=1, fast=True)
    slow = run_batch(log, policy, as_of, out=str(slow_out), workers=1, fast=False)
    assert slow.stats.fallback_cases == slow.stats.cases > 100
    assert fast.stats.fallback_cases < fast.stats.cases  # the fast path did the work
    fast_rows, slow_rows = _rows(fast_out), _rows(slow_out)
    assert fast_rows.keys() == slow_rows.keys()
    for case_id, expected in slow_rows.items():
        assert fast_rows[case_id] == expected, case_id
    # the SPEC §9 actions are compared too: overdue deadlines and the order rules' owed steps occur
    actions = [a for row in slow_rows.values() for a in row["required_actions"]]
    assert any(a["overdue"] for a in actions) and any(a["before"] for a in actions)
    assert fast.stats.by_status == slow.stats.by_status
    assert fast.stats.breached_rules == slow.stats.breached_rules
    assert fast.stats.lateness == slow.stats.lateness
    if policy == "harif":
        _later_complaints_are_judged(table, slow_rows)


def _later_complaints_are_judged(table, rows) -> None:
    """The log has cases whose owed complaint is not their first (a later one left unresolved) and cases whose
    several complaints were all resolved: what judging every complaint tells apart."""
    complaints: dict[str, list] = {}
    for case_id, kind, at in zip(table["case_id"].to_pylist(), table["type"].to_pylist(), table["at"].to_pylist()):
        if kind == "complaint_received":
            complaints.setdefault(case_id, []).append(at)
    owed_later = met_several = 0
    for case_id, row in rows.items():
        finding = next(f for f in row["findings"] if f["rule"] == "resolve_complaints")
        if finding["status"] in ("pending", "breached") and finding["trigger_at"] is not None:
            owed_later += finding["trigger_at"] > min(complaints[case_id])
        met_several += finding["status"] == "met" and len(complaints.get(case_id, ())) > 1
    assert owed_later and met_several, (owed_later, met_several)


@pytest.mark.parametrize("reading", ["literal", "intended"])
def test_readings_agree(tmp_path, loggen, reading):
    log = tmp_path / "log.csv"
    loggen.write(loggen.generate(2000, "suqya", seed=7), log)
    fast_out, slow_out = tmp_path / "fast.parquet", tmp_path / "slow.parquet"
    run_batch(log, "suqya", "2025-12-01", reading=reading, out=str(fast_out), workers=1)
    run_batch(log, "suqya", "2025-12-01", reading=reading, out=str(slow_out), workers=1, fast=False)
    fast_rows, slow_rows = _rows(fast_out), _rows(slow_out)
    assert fast_rows == slow_rows
    statuses = {f["status"] for row in fast_rows.values() for f in row["findings"]
                if f["rule"] == "respond_within_two_weeks"}
    assert "breached" in statuses and "met" in statuses


@pytest.mark.parametrize("policy", POLICIES)
def test_jsonl_from_the_columns_is_what_evaluate_writes(tmp_path, loggen, policy):
    """JSONL (check's verdict JSON: explanations, clauses, actions, notes) through the columns equals
    evaluate()'s, line for line; few cases need evaluate() itself (undetermined findings, notes)."""
    log = tmp_path / "log.parquet"
    loggen.write(loggen.generate(3000, policy, seed=7 + len(policy), shuffle=True, repeats=REPEATS), log)
    fast_out, slow_out = tmp_path / "fast.jsonl", tmp_path / "slow.jsonl"
    fast = run_batch(log, policy, "2025-06-01", out=str(fast_out), workers=1, fast=True)
    run_batch(log, policy, "2025-06-01", out=str(slow_out), workers=1, fast=False)
    assert fast.stats.fallback_cases == 0
    fast_lines = sorted(fast_out.read_text(encoding="utf-8").splitlines())
    slow_lines = sorted(slow_out.read_text(encoding="utf-8").splitlines())
    assert len(fast_lines) == len(slow_lines) > 100
    for got, expected in zip(fast_lines, slow_lines):
        assert got == expected
