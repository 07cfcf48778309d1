"""One row per case for Parquet (findings nested) and CSV (findings flattened into `<rule>.<field>` columns)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

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
    """The CSV form: nested findings become `<rule>.<field>` columns, lists become `;`-joined text.

    Built column by column in Arrow (instants written as `datetime.isoformat` writes them); only the rows holding
    a to-do list or a case id that needs neutralising go through Python."""
    from .flat_columns import actions_text, case_ids, instants_text, joined, rule_columns

    table = table.combine_chunks()
    tz = table.schema.field("as_of").type.tz
    out: dict[str, pa.Array] = {"case_id": case_ids(table.column("case_id").chunk(0) if table.num_rows else
                                                    pa.array([], pa.string()))}
    for name in ("status", "policy", "policy_version", "as_of", "reading", "compensation"):
        column = _column(table, name)
        out[name] = instants_text(column, tz) if name == "as_of" else column.cast(pa.string())
    out["compensation_unknown_facts"] = joined(_column(table, "compensation_unknown_facts"))
    out.update(rule_columns(_column(table, "findings"), rule_ids, FINDING_FIELDS, TIME_FIELDS, tz))
    out["required_actions"] = actions_text(_column(table, "required_actions"), _text)
    out["incomplete.rejected_rows"] = _column(table, "incomplete").flatten()[0]
    return pa.table(out)


def _column(table: pa.Table, name: str) -> pa.Array:
    column = table.column(name)
    return column.chunk(0) if column.num_chunks == 1 else pa.concat_arrays(column.chunks) if column.num_chunks \
        else pa.array([], column.type)
