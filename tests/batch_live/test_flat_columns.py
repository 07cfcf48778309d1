"""The CSV verdict form built in Arrow is, byte for byte, what the row-by-row form wrote: instants as
`datetime.isoformat` (fractions, the zone's old offsets), neutralised case ids, to-do lists as JSON."""

from __future__ import annotations

import datetime as dt
import io
import json

import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from policykit.batch.runner import run_batch
from policykit.batch.tabular import FINDING_FIELDS, flatten, rows_table
from policykit.neutralise import csv_cell
from policykit.loader import load_policy


def _text(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _flatten_rows(table: pa.Table, rule_ids: list[str]) -> pa.Table:
    """The row-by-row form (the former implementation), as the reference."""
    out: dict[str, list] = {name: [] for name in ("case_id", "status", "policy", "policy_version", "as_of",
                                                  "reading", "compensation", "compensation_unknown_facts")}
    for rule in rule_ids:
        for field in FINDING_FIELDS:
            out[f"{rule}.{field}"] = []
    out["required_actions"], out["incomplete.rejected_rows"] = [], []
    for row in table.to_pylist():
        out["case_id"].append(csv_cell(row["case_id"]))
        for name in ("status", "policy", "policy_version", "as_of", "reading", "compensation"):
            out[name].append(_text(row[name]))
        out["compensation_unknown_facts"].append(";".join(row["compensation_unknown_facts"] or []))
        by_rule = {f["rule"]: f for f in row["findings"]}
        for rule in rule_ids:
            finding = by_rule.get(rule, {})
            for field in FINDING_FIELDS:
                out[f"{rule}.{field}"].append(_text(finding.get(field)))
        actions = [{k: _text(v) for k, v in action.items()} for action in row["required_actions"]]
        out["required_actions"].append(json.dumps(actions, ensure_ascii=False) if row["required_actions"] else None)
        out["incomplete.rejected_rows"].append((row.get("incomplete") or {}).get("rejected_rows"))
    return pa.table(out)


def _csv(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pcsv.write_csv(table, sink)
    return sink.getvalue()


def test_flat_columns_equal_the_row_form(tmp_path, loggen):
    log = tmp_path / "log.parquet"
    loggen.write(loggen.generate(3000, "harif", seed=11), log)
    run_batch(log, "harif", "2025-09-01", out=str(tmp_path / "v.parquet"), workers=1)
    table = pq.read_table(tmp_path / "v.parquet")
    rule_ids = [r.id for r in load_policy("harif").rules]
    owing = pa.compute.list_value_length(table.column("required_actions")).to_numpy(zero_copy_only=False)
    assert table.num_rows > 300 and 0 < (owing > 0).sum() < table.num_rows
    assert _csv(flatten(table, rule_ids)) == _csv(_flatten_rows(table, rule_ids))


def test_odd_ids_old_offsets_and_fractions(tmp_path):
    tz = "Asia/Riyadh"
    riyadh = __import__("zoneinfo").ZoneInfo(tz)
    rows = []
    for i, (case_id, when) in enumerate([
            ("=HYPERLINK(1)", dt.datetime(1938, 4, 25, 1, 20, 11, 999_999, tzinfo=riyadh)),  # +03:06:52
            ("ح-1", dt.datetime(2025, 3, 1, 9, 0, tzinfo=riyadh)),
            ("a\u202eb", dt.datetime(2025, 3, 1, 9, 0, 0, 5, tzinfo=riyadh)),
            ("-2", dt.datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=dt.timezone.utc)),
            ("plain", None)]):
        finding = {"rule": "r1", "kind": "deadline", "status": "breached", "trigger_at": when, "due": when,
                   "fulfilled_at": None, "not_before": None, "late_by": i or None, "late_unit": "working_days",
                   "reading": "intended"}
        rows.append({"case_id": case_id, "status": "non_compliant", "policy": "p", "policy_version": "1",
                     "as_of": when or dt.datetime(2025, 9, 1, tzinfo=riyadh), "reading": None,
                     "compensation": "not_applicable", "compensation_unknown_facts": ["a", "b"][:i % 3],
                     "findings": [finding] if i != 4 else [],
                     "required_actions": [{"event": "e", "due": when, "rule": "r1", "at_risk": True,
                                           "overdue": False, "before": None}] if i % 2 else [],
                     "incomplete": {"rejected_rows": i} if i == 3 else None})
    table = rows_table(rows, tz)
    assert _csv(flatten(table, ["r1", "r2"])) == _csv(_flatten_rows(table, ["r1", "r2"]))
    assert _csv(flatten(table.slice(0, 0), ["r1"])) == _csv(_flatten_rows(table.slice(0, 0), ["r1"]))
