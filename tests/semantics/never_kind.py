"""A test-only rule kind, the worked example of docs/semantics.md §11: an event that must never happen.

This one file is all a new kind needs when the queries it asks already exist (find, here): its model, its
roles, its labels, its sentence and its decision table.  Every path — evaluate, check, batch, live — runs it."""

from __future__ import annotations

from policykit.judge.status import BREACHED, MET, UNDETERMINED
from policykit.judge.table import Branch, Compiled, Kind, unknown
from policykit.verdict import Text


class Never(Kind, name="never", label=("حظر", "never"), model="NeverRule"):
    """`event` must not occur."""

    roles = ("event",)
    marks = (None, "event")
    closing = False

    def fields(self, base) -> dict:
        """The event that must not happen."""
        return {"event": base.Pattern}

    def decide(self, r: Compiled, q) -> list[Branch]:
        """Undecidable, happened (breached), or not (met)."""
        hit = q.find(r["event"])
        return [
            Branch(hit.unknown, UNDETERMINED, unknown, lambda: {"would_decide": q.missing(hit)}),
            Branch(hit.found, BREACHED,
                   lambda s: Text.trusted(ar=f"وقع «{s.label(r['event'])[0]}» في {s.show('fulfilled_at')}.",
                                          en=f"'{s.label(r['event'])[1]}' happened at {s.show('fulfilled_at')}."),
                   lambda: {"fulfilled_at": hit.at, "evidence": (hit,)}),
            Branch(True, MET, lambda s: Text.trusted(ar=f"لم يقع «{s.label(r['event'])[0]}».",
                                                     en=f"'{s.label(r['event'])[1]}' did not happen.")),
        ]

    def describe(self, rule, lang, pattern, event) -> str:
        """'never X'."""
        return f"لا يقع «{pattern(rule.event, lang)}»" if lang == "ar" else f"{pattern(rule.event, lang)} never happens"


NEVER = Never()
