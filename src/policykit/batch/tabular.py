"""One row per case for Parquet (findings nested) and CSV (findings flattened into `<rule>.<field>` columns)."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa

from ..neutralise import csv_cell
from ..verdict import Verdict

FINDING_FIELDS = ("status", "trigger_at", "due", "fulfilled_at", "not_before", "late_by")
TIME_FIELDS = ("trigger_at", "due", "fulfilled_at", "not_before")


CATEGORY = pa.dictionary(pa.int32(), pa.string())  # repeated labels: a few bytes per row in memory and on disk


def finding_type(tz: str) -> pa.StructType:
    """A finding's decision data; instants are typed timestamps in the policy's zone."""
    ts = pa.timestamp("us", tz=tz)
    return pa.struct([("rule", CATEGORY), ("kind", CATEGORY), ("status", CATEGORY),
                      ("trigger_at", ts), ("due", ts), ("fulfilled_at", ts), ("not_before", ts),
                      ("late_by", pa.int64()), ("late_unit", CATEGORY), ("reading", CATEGORY)])


def action_type(tz: str) -> pa.StructType:
    """A required action (SPEC §9): the event expected, its due, the rule, whether it is at risk, whether it is
    overdue, and for an order rule's step the later event it must come before."""
    return pa.struct([("event", CATEGORY), ("due", pa.timestamp("us", tz=tz)), ("rule", CATEGORY),
                      ("at_risk", pa.bool_()), ("overdue", pa.bool_()), ("before", CATEGORY)])


def schema(tz: str) -> pa.Schema:
    """One row per case; findings and required actions nested."""
    return pa.schema([("case_id", pa.string()), ("status", CATEGORY), ("policy", CATEGORY),
                      ("policy_version", CATEGORY), ("as_of", pa.timestamp("us", tz=tz)), ("reading", CATEGORY),
                      ("compensation", CATEGORY), ("compensation_unknown_facts", pa.list_(CATEGORY)),
                      ("findings", pa.list_(finding_type(tz))), ("required_actions", pa.list_(action_type(tz))),
                      ("incomplete", INCOMPLETE)])


# the Parquet leaf columns holding labels (written with dictionary pages)
DICTIONARY_LEAVES = ("status", "policy", "policy_version", "reading", "compensation",
                     "compensation_unknown_facts.list.element",
                     *(f"findings.list.element.{name}" for name in ("rule", "kind", "status", "late_unit", "reading")),
                     *(f"required_actions.list.element.{name}" for name in ("event", "rule", "before")))

# SPEC §10: a case with rejected rows, listed with their number (null when none was rejected)
INCOMPLETE = pa.struct([("rejected_rows", pa.int64())])


def _instant(text: str | None):
    return None if text is None else dt.datetime.fromisoformat(text)


def verdict_row(verdict: Verdict) -> dict:
    """The tabular row of a verdict (labels, clause texts and explanations stay in the JSONL form)."""
    findings = []
    for f in verdict.findings:
        unit, late = next(iter(f.late_by.items())) if f.late_by else (None, None)
        findings.append({"rule": f.rule, "kind": f.kind, "status": f.status, "trigger_at": _instant(f.trigger_at),
                         "due": _instant(f.due), "fulfilled_at": _instant(f.fulfilled_at),
                         "not_before": _instant(f.not_before),
                         "late_by": late, "late_unit": unit, "reading": f.reading})
    return {"case_id": verdict.case_id, "status": verdict.status, "policy": verdict.policy,
            "policy_version": verdict.policy_version, "as_of": _instant(verdict.as_of), "reading": verdict.reading,
            "compensation": verdict.compensation.status,
            "compensation_unknown_facts": list(verdict.compensation.unknown_facts),
            "findings": findings,
            "required_actions": [{"event": a.event, "due": _instant(a.due), "rule": a.rule, "at_risk": a.at_risk,
                                  "overdue": a.overdue, "before": a.before} for a in verdict.required_actions]}


def rows_table(rows: list[dict], tz: str) -> pa.Table:
    """An Arrow table in `schema(tz)` from tabular rows."""
    return pa.Table.from_pylist(rows, schema=schema(tz))


def _text(value):
    return value.isoformat() if isinstance(value, dt.datetime) else value  # fractions kept when there are any


def flatten(table: pa.Table, rule_ids: list[str]) -> pa.Table:
    """The CSV form: nested findings become `<rule>.<field>` columns, lists become `;`-joined text."""
    rows = table.to_pylist()
    out: dict[str, list] = {name: [] for name in ("case_id", "status", "policy", "policy_version", "as_of",
                                                  "reading", "compensation", "compensation_unknown_facts")}
    for rule in rule_ids:
        for field in FINDING_FIELDS:
            out[f"{rule}.{field}"] = []
    out["required_actions"] = []
    out["incomplete.rejected_rows"] = []
    for row in rows:
        # the case id is the one free text of a row: neutralised so a spreadsheet never runs it as a formula
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
        out["required_actions"].append(json.dumps(actions, ensure_ascii=False)
                                       if row["required_actions"] else None)
        out["incomplete.rejected_rows"].append((row.get("incomplete") or {}).get("rejected_rows"))
    return pa.table(out)
