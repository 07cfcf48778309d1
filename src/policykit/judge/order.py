"""The order kind: `first` must have occurred before the first `then`."""

from __future__ import annotations

from .. import findings_text as say
from .status import BREACHED, MET, NOT_APPLICABLE, PENDING, UNDETERMINED
from .table import Branch, Compiled, Kind, unknown


class Order(Kind, name="order", label=("ترتيب", "order"), model="OrderRule"):
    """`first` must have occurred before `then` occurs.

    While neither step has happened on an open case, the earlier one is owed."""

    roles = ("first", "then")
    marks = ("first", "then")

    def fields(self, base) -> dict:
        """The two steps."""
        return {"first": base.Pattern, "then": base.Pattern}

    def decide(self, r: Compiled, q) -> list[Branch]:
        """Awaited (neither step yet), undecidable, in order, out of order."""
        first, then = r["first"], r["then"]
        second = q.find(then)
        anywhere = q.find(first)
        closed = q.closed()
        earlier = q.find(first, before=second)
        after = q.find(first, after=second)
        waiting = second.absent & second.known
        return [
            Branch(waiting & anywhere.absent & anywhere.unknown, UNDETERMINED, unknown,
                   lambda: {"would_decide": q.missing(anywhere)}),
            Branch(waiting & (anywhere.found | closed.found), NOT_APPLICABLE,
                   lambda s: say.not_triggered(s.label(then)), lambda: {"evidence": (closed,)}),
            Branch(waiting, PENDING, lambda s: say.waiting_before(s.label(first), s.label(then)),
                   owes=first.event, before=then.event),
            Branch(second.unknown, UNDETERMINED, unknown, lambda: {"would_decide": q.missing(second)}),
            Branch(earlier.found, MET, lambda s: say.in_order(s.label(first), s.label(then)),
                   lambda: {"trigger_at": earlier.at, "fulfilled_at": second.at, "evidence": (earlier, second)}),
            Branch(earlier.unknown, UNDETERMINED, unknown,
                   lambda: {"would_decide": q.missing(earlier), "evidence": (second,)}),
            Branch(True, BREACHED, lambda s: say.out_of_order(s.label(first), s.label(then), later=s.later),
                   lambda: {"fulfilled_at": second.at, "evidence": (second, after), "later": after.found}),
        ]

    def describe(self, rule, lang, pattern, event) -> str:
        """'X before Y'."""
        if lang == "ar":
            return f"«{pattern(rule.first, lang)}» قبل «{pattern(rule.then, lang)}»"
        return f"{pattern(rule.first, lang)} before {pattern(rule.then, lang)}"


ORDER = Order()
