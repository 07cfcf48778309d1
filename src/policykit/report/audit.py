"""The audit report of a batch (SPEC §13): one self-contained HTML page with inline SVG charts, Arabic or English.

`render(verdicts, lang)` takes the verdict rows in the Parquet layout of `batch` (a pyarrow Table, or any
iterable of such row dicts); `AuditData` gathers the same figures while a batch runs, in bounded memory."""

from __future__ import annotations

import datetime as dt
import heapq
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from . import labels
from .charts import ColumnChart, bar_chart, column_chart
from .officer import OfficerTables, rejected_rows
from .officer_labels import EXPORT_WORDS

STATUS_ORDER = ("non_compliant", "undetermined", "in_progress", "compliant")
STATUS_COLOURS = {"non_compliant": "#c62828", "undetermined": "#5c6bc0", "in_progress": "#b26a00",
                  "compliant": "#1b7f3b"}
LATENESS_BINS = ((1, 1), (2, 2), (3, 3), (4, 5), (6, 10), (11, 20), (21, 30), (31, None))
LISTED = 100      # incomplete cases listed by id (the rest counted)
MOST_OVERDUE = 20
MONTHS = 24


@dataclass
class AuditData:
    """The report's figures, added case by case."""

    cases: int = 0
    by_status: Counter = field(default_factory=Counter)
    breaches: Counter = field(default_factory=Counter)
    lateness: dict[str, Counter] = field(default_factory=dict)
    months: dict[str, list[int]] = field(default_factory=dict)  # "2025-03" -> [cases, breached cases]
    incomplete: list[tuple[str, int]] = field(default_factory=list)
    incomplete_count: int = 0
    overdue: list[tuple[float, int, dict]] = field(default_factory=list)  # a min-heap of the most overdue
    readings: Counter = field(default_factory=Counter)  # the readings the verdicts used (SPEC §5: named)
    policy: str | None = None
    as_of: dt.datetime | None = None
    tz: str = "Asia/Riyadh"

    def add_table(self, table) -> None:
        """Add the cases of a verdict table (Arrow, Parquet layout)."""
        from ..batch.arrow_rows import to_pylist

        for row in to_pylist(table):
            self.add(row)

    def add_json_lines(self, text: str) -> None:
        """Add the cases of JSONL verdict lines (the `check` JSON)."""
        for line in text.split("\n"):  # JSON keeps U+2028 and its kin raw, which str.splitlines would cut at
            if line.strip():
                self.add(row_from_json(json.loads(line)))

    def add(self, row: dict) -> None:
        """Add one verdict row."""
        self.cases += 1
        self.policy = self.policy or row["policy"]
        self.as_of = self.as_of or row["as_of"]
        status = row["status"]
        self.by_status[status] += 1
        if row.get("reading"):
            self.readings[row["reading"]] += 1
        for finding in row["findings"]:
            if finding["status"] == "breached":
                self.breaches[finding["rule"]] += 1
                if finding["late_by"] is not None and finding["late_unit"]:
                    self.lateness.setdefault(finding["late_unit"], Counter())[int(finding["late_by"])] += 1
        triggers = [f["trigger_at"] for f in row["findings"] if f["trigger_at"] is not None]
        if triggers:
            month = min(triggers).astimezone(ZoneInfo(self.tz)).strftime("%Y-%m")
            counts = self.months.setdefault(month, [0, 0])
            counts[0] += 1
            counts[1] += status == "non_compliant"
        rejected = rejected_rows(row)
        if rejected:
            self.incomplete_count += 1
            if len(self.incomplete) < LISTED:
                self.incomplete.append((row["case_id"], rejected))
        self._overdue(row)

    def _overdue(self, row: dict) -> None:
        as_of = row["as_of"]
        dues = [a["due"] for a in row["required_actions"] or [] if a["due"] is not None and a["due"] < as_of]
        if not dues:
            return
        entry = ((as_of - min(dues)).total_seconds(), self.cases, row)
        if len(self.overdue) < MOST_OVERDUE:
            heapq.heappush(self.overdue, entry)
        elif entry[0] > self.overdue[0][0]:
            heapq.heapreplace(self.overdue, entry)


def row_from_json(verdict: dict) -> dict:
    """A `check` JSON verdict as a verdict row of the Parquet layout (the fields the report reads)."""
    def instant(text):
        return None if text is None else dt.datetime.fromisoformat(text)

    findings = []
    for f in verdict["findings"]:
        unit, late = next(iter(f["late_by"].items())) if f.get("late_by") else (None, None)
        findings.append({"rule": f["rule"], "kind": f["kind"], "status": f["status"],
                         "trigger_at": instant(f.get("trigger_at")), "due": instant(f.get("due")),
                         "fulfilled_at": instant(f.get("fulfilled_at")), "late_by": late, "late_unit": unit})
    return {"case_id": verdict["case_id"], "status": verdict["status"], "policy": verdict["policy"],
            "as_of": instant(verdict["as_of"]), "reading": verdict.get("reading"),
            "compensation": verdict["compensation"]["status"],
            "findings": findings, "incomplete": verdict.get("incomplete"),
            "required_actions": [{"event": a["event"], "due": instant(a.get("due")), "rule": a["rule"],
                                  "at_risk": a.get("at_risk", False), "overdue": a.get("overdue", False),
                                  "before": a.get("before")} for a in verdict["required_actions"]]}


def collect(verdicts: Any) -> AuditData:
    """The figures of a verdict table (pyarrow Table or RecordBatch) or of an iterable of verdict rows."""
    data = AuditData()
    if hasattr(verdicts, "to_pylist"):
        data.add_table(verdicts)
    else:
        for row in verdicts:
            data.add(row)
    return data


def render(verdicts: Any, lang: str = "ar", policy: Any = None, source: str | None = None) -> str:
    """The audit report of `verdicts` (see `collect`) as one HTML page in `lang` ("ar" right to left, or "en")."""
    return render_data(verdicts if isinstance(verdicts, AuditData) else collect(verdicts), lang, policy, source)


def render_data(data: AuditData, lang: str = "ar", policy: Any = None, source: str | None = None) -> str:
    """The audit report of figures already gathered."""
    from ..loader import bundled_ids, load_policy
    from .html import stylesheet, words
    from .templating import render_template

    if lang not in ("ar", "en"):
        raise ValueError("lang must be 'ar' or 'en'")
    if policy is None and data.policy in bundled_ids():
        # a verdicts file is data: the policy it names is looked up as a bundled id only, never followed as a path
        # (one naming /home/…/secret.yaml had that file read, and its content quoted in the errors); any other
        # policy's report is made without it: rules by id, times in the verdicts' own zone
        policy = load_policy(data.policy)
    rtl = lang == "ar"
    w = {**words(lang), **{key: value[lang] for key, value in EXPORT_WORDS.items()}}
    tables = OfficerTables(policy, lang) if policy is not None else None
    rule_label = tables.rule_label if tables else (lambda rule: rule)
    tz = ZoneInfo(policy.calendar.timezone) if policy is not None else ZoneInfo(data.tz)
    status_items = [(labels.status(s, lang), data.by_status[s], STATUS_COLOURS[s])
                    for s in STATUS_ORDER if data.by_status.get(s)]
    rule_items = [(rule_label(rule), n, "#c62828") for rule, n in data.breaches.most_common()]
    return render_template(
        "audit.html.j2", lang=lang, direction="rtl" if rtl else "ltr", w=w, css=Markup(stylesheet()), data=data,
        association=getattr(policy.association.name, lang) if policy is not None else (data.policy or ""),
        policy_id=data.policy or "", source=source,
        as_of=data.as_of.astimezone(tz).strftime("%Y-%m-%d %H:%M") if data.as_of else "",
        readings=labels.join([labels.reading(r, lang) for r in sorted(data.readings)], lang),
        status_chart=bar_chart(status_items, rtl, w["no_data"]),
        rules_chart=bar_chart(rule_items, rtl, w["no_data"]),
        lateness_charts=[(unit, lateness_chart(counts, rtl, w["no_data"]))
                         for unit, counts in sorted(data.lateness.items())],
        empty_columns=column_chart([], rtl, w["no_data"]),
        unit_label=lambda unit: labels.UNIT.get(unit, {}).get(lang, unit),
        monthly_chart=monthly_chart(data, rtl, w["no_data"]),
        earlier_months=earlier_months(data, w["earlier_months"]),
        overdue=overdue_rows(data, tables, lang, tz),
    )


def lateness_chart(counts: Counter, rtl: bool, empty: str) -> ColumnChart:
    """A histogram of lateness in the rule's unit, in bins (1, 2, 3, 4–5, 6–10, 11–20, 21–30, more)."""
    items = []
    for low, high in LATENESS_BINS:
        n = sum(c for value, c in counts.items() if value >= low and (high is None or value <= high))
        label = f"{low}" if low == high else f"{low}–{high}" if high else f"> {low - 1}"
        items.append((label, n, None))
    while items and items[-1][1] == 0:
        items.pop()
    return column_chart(items, rtl, empty)


def monthly_chart(data: AuditData, rtl: bool, empty: str) -> ColumnChart:
    """Cases by month of their first trigger (the last 24 months), with the share of them breached."""
    months = sorted(data.months)[-MONTHS:]
    items = [(m, data.months[m][0], data.months[m][1] / data.months[m][0] if data.months[m][0] else 0.0)
             for m in months]
    return column_chart(items, rtl, empty)


def earlier_months(data: AuditData, phrase: str) -> str:
    """What the monthly chart leaves out (the months before the last 24), said under it; empty when nothing."""
    hidden = sorted(data.months)[:-MONTHS]
    if not hidden:
        return ""
    return phrase.format(shown=MONTHS, hidden=f"{sum(data.months[m][0] for m in hidden):,}")


def overdue_rows(data: AuditData, tables: OfficerTables | None, lang: str, tz: ZoneInfo) -> list[dict]:
    """The most overdue open cases, most overdue first, with their required actions."""
    rows = []
    for seconds, _, row in sorted(data.overdue, key=lambda e: (-e[0], e[1])):
        actions = [tables.action_parts(a, row["as_of"]) if tables else (a["event"], "", "")
                   for a in row["required_actions"]]
        rows.append({"case_id": row["case_id"], "status": row["status"],
                     "status_label": labels.status(row["status"], lang), "days": int(seconds // 86400),
                     "actions": actions})
    return rows


def write_report(path: str, data: AuditData, lang: str, policy: Any = None, source: str | None = None) -> None:
    """Write the report to `path` under a temporary name, renamed into place when complete."""
    from ..atomic import write_atomic

    write_atomic(path, render_data(data, lang, policy, source))


def collect_file(path: str) -> AuditData:
    """The figures of a verdicts file written by `batch`: `.parquet` (a row group at a time) or `.jsonl`."""
    data = AuditData()
    if str(path).lower().endswith((".jsonl", ".ndjson")):
        from ..diagnostics import PolicykitError, Span

        with open(path, "rb") as handle:  # lines end at LF only (JSON keeps U+2028 and its kin raw)
            for number, line in enumerate(handle, start=1):
                try:
                    data.add_json_lines(line.decode("utf-8"))
                except (KeyError, TypeError, ValueError, AttributeError) as exc:  # its line named, not quoted
                    raise PolicykitError.single("invalid-verdicts", "not a verdicts line of `policykit batch` "
                                                f"({type(exc).__name__})", Span(str(path), number)) from None
        return data
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    for group in range(handle.metadata.num_row_groups):  # iter_batches cannot read the nested columns
        data.add_table(handle.read_row_group(group))
    return data
