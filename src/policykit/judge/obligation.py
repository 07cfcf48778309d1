"""The obligation kind: once `when` occurs, `require` is owed (before `before`, when given)."""

from __future__ import annotations

from .. import findings_text as say
from ..matching import Matcher
from .status import BREACHED, MET, NOT_APPLICABLE, PENDING, UNDETERMINED
from .table import Branch, Compiled, Kind, unknown


class Obligation(Kind, name="obligation", label=("التزام", "obligation"), model="ObligationRule"):
    """Once `when` occurs, `require` is owed (before `before`, if given); case_closed ends the wait.

    A duty a condition gives rise to, with no period of its own."""

    roles = ("when", "require", "before")
    marks = ("when", "require")

    def fields(self, base) -> dict:
        """The condition, the duty and the optional limit."""
        return {"when": base.Pattern, "require": base.Pattern, "before": (base.Pattern | None, None)}

    def patterns(self, rule) -> dict:
        """Its roles' matchers, plus `when`'s bare event type when `when` needs attributes: the earliest event that
        may be the condition, for telling whether an unknown candidate can change the answer."""
        found = super().patterns(rule)
        if found["when"].where:
            found["when_type"] = Matcher(found["when"].event)
        return found

    def decide(self, r: Compiled, q) -> list[Branch]:
        """Undecidable or absent condition; met in time; undecidable; missed before the limit; closed; pending."""
        wanted = r["require"]
        cond = q.find(r["when"])
        # the case's closure wherever it falls (SPEC §9: nothing more is owed once it occurs, even on a condition
        # recorded after it); an event recorded after the closure fulfils nothing: closed unfulfilled is a breach
        closed = q.closed()
        done = q.find(wanted, after=cond, before=closed)
        limit = q.find(r["before"], after=cond) if r.has("before") else q.nothing()
        undecided = cond.unknown
        if r.has("when_type") and not r.has("before"):
            # a candidate lacking the attribute (an outcome not recorded) before a known condition (an approval)
            # decides nothing when the answer is the same from either: the required event after the known one
            # (met either way), or none after the earliest candidate (owed, or closed unfulfilled, either way)
            early = q.find(wanted, after=q.find(r["when_type"]), before=closed)
            undecided = cond.unknown & (cond.absent | (done.absent & early.found))
        timed = lambda: {"trigger_at": cond.at}  # noqa: E731
        return [
            Branch(undecided, UNDETERMINED, unknown, lambda: {"would_decide": q.missing(cond)}),
            Branch(cond.absent, NOT_APPLICABLE, lambda s: say.not_triggered(s.label(r["when"]))),
            Branch(done.found & (limit.absent | (done.position < limit.position)), MET,
                   lambda s: say.obligation_met(s.label(wanted), s.show("fulfilled_at")),
                   lambda: {**timed(), "fulfilled_at": done.at, "evidence": (cond, done)}),
            Branch(done.unknown, UNDETERMINED, unknown,
                   lambda: {**timed(), "would_decide": q.missing(done), "evidence": (cond,)}),
            Branch(limit.found, BREACHED,
                   lambda s: say.obligation_missed_before(s.label(wanted), s.label(r["before"]), s.show("limit_at")),
                   lambda: {**timed(), "fulfilled_at": done.at, "evidence": (cond, limit, done),
                            "limit_at": limit.at}),
            Branch(closed.found, BREACHED, lambda s: say.closed_unfulfilled(s.label(wanted), s.show("closed_at")),
                   lambda: {**timed(), "evidence": (cond, closed), "closed_at": closed.at}),
            # with a limit, the owed event is owed before it, as an order rule's earlier step is (SPEC §9)
            Branch(True, PENDING, lambda s: say.waiting(s.label(wanted), None),
                   lambda: {**timed(), "evidence": (cond,)}, owes=wanted.event,
                   before=r["before"].event if r.has("before") else None),
        ]

    def describe(self, rule, lang, pattern, event) -> str:
        """'when X, Y is owed (before Z)'."""
        before = f" {'قبل' if lang == 'ar' else 'before'} «{pattern(rule.before, lang)}»" if rule.before else ""
        if lang == "ar":
            return f"عند «{pattern(rule.when, lang)}» يلزم «{pattern(rule.require, lang)}»{before}"
        return f"when {pattern(rule.when, lang)}, {pattern(rule.require, lang)} is owed{before}"


OBLIGATION = Obligation()
