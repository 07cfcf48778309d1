"""The obligation kind: once `when` occurs, `require` is owed (before `before`, when given); with `each`, after
every occurrence of `when`."""

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
        """The condition, the duty, whether every occurrence of the condition owes it, and the optional limit."""
        return {"when": base.Pattern, "require": base.Pattern,
                "each": (bool, base.Field(False, description=(
                    "Every occurrence of `when` owes `require` after it, not only the first (no limit allowed)."))),
                "before": (base.Pattern | None, None)}

    def validators(self) -> dict:
        """No limit with `each`: every occurrence would need a limit of its own."""
        from pydantic import ValidationInfo, field_validator

        def one_limit(value, info: ValidationInfo):
            if value is not None and info.data.get("each"):
                raise ValueError("'before' cannot be combined with 'each' (each occurrence would need its own limit)")
            return value

        return {"no_limit_with_each": field_validator("before")(one_limit)}

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
        limit = q.find(r["before"], after=cond) if r.has("before") else q.nothing()
        if getattr(r.rule, "each", False):
            # every occurrence owes it: the one still owed is the first after the last fulfilment before the
            # closure (the first of all without one); none after it: each had a fulfilment after it, met by the last
            done = q.last(wanted, before=closed)
            owed = q.find(r["when"], after=done)
            fulfilled = done.found & owed.absent
            # an undecidable candidate matters only where it can change the status (not just which occurrence
            # dates the finding): a condition with none known; one after the last fulfilment; a fulfilment
            # after the occurrence owed (the first known one when no fulfilment is known)
            after_owed = q.find(wanted, after=owed, before=closed)
            after_first = q.find(wanted, after=cond, before=closed)
            deciders = ((cond.unknown & cond.absent, cond), (done.found & owed.absent & owed.unknown, owed),
                        (done.found & owed.found & after_owed.unknown, after_owed),
                        (done.absent & cond.found & after_first.unknown, after_first))
            undecided = deciders[0][0] | deciders[1][0] | deciders[2][0] | deciders[3][0]
            doubt = q.nothing()  # told above: a fulfilment it cannot tell after the last one decides nothing else
        else:
            done = q.find(wanted, after=cond, before=closed)
            owed, fulfilled = q.nothing(), done.found
            undecided, doubt = cond.unknown, done
            deciders = ((True, cond),)
            if r.has("when_type") and not r.has("before"):
                # a candidate lacking the attribute (an outcome not recorded) before a known condition (an
                # approval) decides nothing when the answer is the same from either: the required event after the
                # known one (met either way), or none after the earliest candidate (owed, or closed unfulfilled)
                early = q.find(wanted, after=q.find(r["when_type"]), before=closed)
                undecided = cond.unknown & (cond.absent | (done.absent & early.found))
        timed = lambda: {"trigger_at": q.pick(owed.found, owed.at, cond.at)}  # noqa: E731

        def missing():
            """What would decide it: the undecidable candidates of each search that matters (the scalar query's
            booleans; the columns' queries leave it to the scalar one, their answer None)."""
            found = [q.missing(hit) for matters, hit in deciders if matters is True]
            return None if None in found else [name for names in found for name in names]

        return [
            Branch(undecided, UNDETERMINED, unknown, lambda: {"would_decide": missing()}),
            Branch(cond.absent, NOT_APPLICABLE, lambda s: say.not_triggered(s.label(r["when"]))),
            Branch(fulfilled & (limit.absent | (done.position < limit.position)), MET,
                   lambda s: say.obligation_met(s.label(wanted), s.show("fulfilled_at")),
                   lambda: {"trigger_at": cond.at, "fulfilled_at": done.at, "evidence": (cond, done)}),
            Branch(doubt.unknown, UNDETERMINED, unknown,
                   lambda: {**timed(), "would_decide": q.missing(doubt), "evidence": (cond,)}),
            Branch(limit.found, BREACHED,
                   lambda s: say.obligation_missed_before(s.label(wanted), s.label(r["before"]), s.show("limit_at")),
                   lambda: {**timed(), "fulfilled_at": done.at, "evidence": (cond, limit, done),
                            "limit_at": limit.at}),
            Branch(closed.found, BREACHED, lambda s: say.closed_unfulfilled(s.label(wanted), s.show("closed_at")),
                   lambda: {**timed(), "evidence": (cond, owed, closed), "closed_at": closed.at}),
            # with a limit, the owed event is owed before it, as an order rule's earlier step is (SPEC §9)
            Branch(True, PENDING, lambda s: say.waiting(s.label(wanted), None),
                   lambda: {**timed(), "evidence": (cond, owed)}, owes=wanted.event,
                   before=r["before"].event if r.has("before") else None),
        ]

    def describe(self, rule, lang, pattern, event) -> str:
        """'when X, Y is owed (before Z)'; 'after every X, Y is owed' with `each`."""
        before = f" {'قبل' if lang == 'ar' else 'before'} «{pattern(rule.before, lang)}»" if rule.before else ""
        each = getattr(rule, "each", False)
        if lang == "ar":
            every = "كل " if each else ""
            return f"عند {every}«{pattern(rule.when, lang)}» يلزم «{pattern(rule.require, lang)}»{before}"
        return (f"{'after every' if each else 'when'} {pattern(rule.when, lang)}, {pattern(rule.require, lang)} is "
                f"owed{before}")


OBLIGATION = Obligation()
