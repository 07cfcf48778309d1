"""The verdict rows as an officer reads them: labelled columns in one language, local dates, lateness with its
unit, required actions as sentences; one table of cases and one of findings (for `.xlsx` and `--excel` CSV)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from . import labels
from .officer_labels import export_word

FINDING_COLUMNS = ("case_id", "rule", "kind", "status", "trigger_at", "due", "fulfilled_at", "late_by",
                   "late_amount", "late_unit", "clause_ref", "clause_text")
# the characters a spreadsheet column needs to show what it usually holds (ids, dates, sentences, clause text)
CASE_WIDTHS = (18, 14, 14, 17, 40, 16, 60, 14, 10)
FINDING_WIDTHS = (18, 36, 10, 14, 17, 17, 17, 16, 10, 12, 10, 60)
RULE_STATUS_WIDTH = 16  # a rule's status column; its label wraps in the header row


def local(value: dt.datetime | None, tz: ZoneInfo) -> dt.datetime | None:
    """An instant as the naive local date-time a spreadsheet shows (spreadsheets hold no time zone)."""
    if value is None:
        return None
    return value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value


def rejected_rows(row: dict) -> int:
    """How many of the case's rows were rejected (SPEC §10), 0 when the verdict row says nothing."""
    value = row.get("incomplete")
    if isinstance(value, dict):
        value = value.get("rejected_rows")
    return int(value or 0)


@dataclass(frozen=True)
class OfficerTables:
    """Builds the officer's rows for one policy in one language."""

    policy: object
    lang: str = "ar"

    @property
    def tz(self) -> ZoneInfo:
        """The policy's time zone."""
        return ZoneInfo(self.policy.calendar.timezone)

    def rule_label(self, rule_id: str) -> str:
        """A rule's label in the language (its id when the policy does not know it)."""
        rule = next((r for r in self.policy.rules if r.id == rule_id), None)
        return getattr(rule.label, self.lang) if rule is not None else rule_id

    def clause(self, rule_id: str) -> tuple[str, str]:
        """(reference, verbatim Arabic text) of the clause a rule enforces."""
        rule = next((r for r in self.policy.rules if r.id == rule_id), None)
        return (rule.clause.ref, rule.clause.text_ar) if rule is not None else ("", "")

    def late(self, amount: int | None, unit: str | None) -> str:
        """Lateness in words with its unit (`3 أيام عمل`, `3 working days`)."""
        return labels.amount(int(amount), unit, self.lang) if amount is not None and unit else ""

    def case_header(self) -> list[str]:
        """Column labels of the cases table."""
        w = lambda key: export_word(key, self.lang)  # noqa: E731
        return [w("case_id"), w("case_status"), w("policy"), w("as_of"), w("breached_rules"), w("most_late"),
                w("required_actions"), w("compensation"), w("rejected_rows"),
                *(self.rule_label(r.id) for r in self.policy.rules)]

    def case_widths(self) -> list[int]:
        """Column widths (characters) of the cases table, beside `case_header`."""
        return [*(max(w, len(h) + 2) for w, h in zip(CASE_WIDTHS, self.case_header())),
                *(RULE_STATUS_WIDTH for _ in self.policy.rules)]

    def finding_widths(self) -> list[int]:
        """Column widths (characters) of the findings table, beside `finding_header`."""
        return [max(w, len(h) + 2) for w, h in zip(FINDING_WIDTHS, self.finding_header())]

    def case_row(self, row: dict) -> list:
        """One case: its status, breaches, longest lateness, to-do list and each rule's status."""
        by_rule = {f["rule"]: f for f in row["findings"]}
        breached = [f for f in row["findings"] if f["status"] == "breached"]
        longest = max((f for f in breached if f["late_by"] is not None), key=lambda f: f["late_by"], default=None)
        return [row["case_id"], labels.status(row["status"], self.lang), row["policy"],
                local(row["as_of"], self.tz), "؛ ".join(self.rule_label(f["rule"]) for f in breached)
                if self.lang == "ar" else "; ".join(self.rule_label(f["rule"]) for f in breached),
                self.late(longest["late_by"], longest["late_unit"]) if longest else "",
                self.actions_text(row), labels.status(row["compensation"], self.lang), rejected_rows(row),
                *(labels.status(by_rule[r.id]["status"], self.lang) if r.id in by_rule else ""
                  for r in self.policy.rules)]

    def actions_text(self, row: dict) -> str:
        """The required actions in one line: the event expected, by when, overdue or at risk."""
        separator = "؛ " if self.lang == "ar" else "; "  # one line: a cell's line breaks are escaped (SPEC §15)
        return separator.join(self.action_text(a, row["as_of"]) for a in row["required_actions"] or [])

    def action_text(self, action: dict, as_of: dt.datetime | None) -> str:
        """One required action as a sentence."""
        what, due, flag = self.action_parts(action, as_of)
        when = f"{export_word('by', self.lang)} {due}" if due else f"({export_word('no_due', self.lang)})"
        return f"{what} {when}" + (f" — {flag}" if flag else "")

    def action_parts(self, action: dict, as_of: dt.datetime | None) -> tuple[str, str | None, str]:
        """(the event expected, its local due or None, "overdue"/"at risk"/"")."""
        what = labels.event(action["event"], self.policy, self.lang)
        due = action.get("due")
        if due is None:
            before = action.get("before")
            flag = f"{export_word('before_event', self.lang)} {labels.event(before, self.policy, self.lang)}" \
                if before else ""
            return what, None, flag
        flag = ""
        if action.get("overdue") or (as_of is not None and due < as_of):
            flag = export_word("overdue", self.lang)
        elif action.get("at_risk"):
            flag = labels.word("at_risk", self.lang)
        return what, f"{local(due, self.tz):%Y-%m-%d %H:%M}", flag

    def finding_header(self) -> list[str]:
        """Column labels of the findings table."""
        keys = {"rule": "rule", "kind": "kind", "status": "status", "clause_text": "clause_text"}
        return [export_word(keys.get(c, c), self.lang) for c in FINDING_COLUMNS]

    def finding_rows(self, row: dict) -> list[list]:
        """One row per finding of the case, with its clause."""
        out = []
        for f in row["findings"]:
            ref, text = self.clause(f["rule"])
            unit = f["late_unit"]
            out.append([row["case_id"], self.rule_label(f["rule"]), labels.kind(f["kind"], self.lang),
                        labels.status(f["status"], self.lang), local(f["trigger_at"], self.tz),
                        local(f["due"], self.tz), local(f["fulfilled_at"], self.tz),
                        self.late(f["late_by"], unit), f["late_by"],
                        labels.UNIT.get(unit, {}).get(self.lang, unit or "") if unit else "", ref, text])
        return out
