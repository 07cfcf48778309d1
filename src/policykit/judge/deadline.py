"""The deadline kind: the fulfilling event within (at_most) or not before (at_least) a period after the trigger."""

from __future__ import annotations

from .. import findings_text as say
from ..counting import count
from .status import BREACHED, MET, NOT_APPLICABLE, PENDING, UNDETERMINED
from .table import Branch, Compiled, Kind, unknown


class Deadline(Kind, name="deadline", label=("مهلة", "deadline"), model="DeadlineRule"):
    """The fulfilling event must come within (or, read literally, not before) a period after the trigger.

    A response deadline: counted from `trigger`, met by `fulfilled_by`, read intended or literal."""

    roles = ("trigger", "fulfilled_by")
    marks = ("trigger", "fulfilled_by")

    def fields(self, base) -> dict:
        """Its patterns, its period, its words as written and its two readings."""
        return {"trigger": base.Pattern, "fulfilled_by": base.Pattern, "period": base.Period,
                "as_written": (str, base.Field(description="The deadline phrase, verbatim.")),
                "bound_as_written": base.Bound, "readings": dict[base.ReadingName, base.Reading],
                "default_reading": (base.ReadingName, "intended")}

    def compile(self, rule, reading: str | None) -> Compiled:
        """Under `reading` (or the rule's default): the bound that reading gives."""
        name = reading if reading in rule.readings else rule.default_reading
        chosen = rule.readings.get(name)
        bound = chosen.bound if chosen is not None else rule.bound_as_written
        return Compiled(rule, self, self.patterns(rule), name, bound)

    def decide(self, r: Compiled, q) -> list[Branch]:
        """Undecidable or absent trigger; then by the bound: met, late, overdue, closed unfulfilled, pending."""
        period, unit, wanted = r.rule.period, r.rule.period.unit, r["fulfilled_by"]
        start = q.find(r["trigger"])
        # the case's closure wherever it falls: once case_closed occurs nothing more is owed (SPEC §9), so a trigger
        # recorded after it owes nothing either, and an event recorded after it fulfils nothing (closed unfulfilled)
        closed = q.closed()
        done = q.find(wanted, after=start, before=closed)
        branches = [
            Branch(start.unknown, UNDETERMINED, unknown, lambda: {"would_decide": q.missing(start)}),
            Branch(start.absent, NOT_APPLICABLE, lambda s: say.not_triggered(s.label(r["trigger"]))),
            Branch(done.unknown, UNDETERMINED, unknown, lambda: {"trigger_at": start.at, "evidence": (start,),
                                                                 "would_decide": q.missing(done)}),
        ]
        if r.bound == "at_most":
            due = q.due(start, period.amount, unit)
            stop = q.pick(closed.found, closed.at, q.now)  # where the clock stops: the closure, else as_of
            timed = {"trigger_at": start.at, "due": due, "unit": unit}
            branches += [
                Branch(done.found & (done.at <= due), MET,
                       lambda s: say.deadline_met(s.label(wanted), s.show("fulfilled_at"), s.show("due")),
                       lambda: {**timed, "fulfilled_at": done.at, "evidence": (start, done)}, due=due),
                Branch(done.found, BREACHED,
                       lambda s: say.deadline_late(s.label(wanted), s.show("fulfilled_at"), s.show("due"), s.late, unit),
                       lambda: {**timed, "fulfilled_at": done.at, "late": q.late_by(due, done.at, unit),
                                "evidence": (start, done)}, due=due),
                # a closed case stops the clock: lateness is measured to the closure, not to as_of (and said so)
                Branch(closed.found & (stop > due), BREACHED,
                       lambda s: say.deadline_closed_late(s.label(wanted), s.show("due"), s.show("closed_at"),
                                                          s.late, unit),
                       lambda: {**timed, "late": q.late_by(due, stop, unit), "evidence": (start, closed),
                                "closed_at": closed.at}, due=due),
                Branch(stop > due, BREACHED,
                       lambda s: say.deadline_overdue(s.label(wanted), s.show("due"), s.late, unit),
                       lambda: {**timed, "late": q.late_by(due, stop, unit), "evidence": (start, closed)},
                       due=due, owes=wanted.event, overdue=True),
            ]
            waiting = lambda s: say.waiting(s.label(wanted), s.show("due"))  # noqa: E731
        else:
            timed = {"trigger_at": start.at}
            if r.bound == "at_least":
                earliest = q.not_before(start, period.amount, unit)
                timed["not_before"] = earliest
                branches += [
                    Branch(done.found & (done.at < earliest), BREACHED,
                           lambda s: say.too_early(s.label(wanted), s.show("fulfilled_at"), s.show("not_before")),
                           lambda: {**timed, "fulfilled_at": done.at, "evidence": (start, done)}),
                    Branch(done.found, MET,
                           lambda s: say.after_minimum(s.label(wanted), s.show("fulfilled_at"), s.show("not_before")),
                           lambda: {**timed, "fulfilled_at": done.at, "evidence": (start, done)}),
                ]
                # owed, but an answer before not_before is the too-early breach above: say when it may come
                waiting = lambda s: say.waiting_not_before(s.label(wanted), s.show("not_before"))  # noqa: E731
            else:
                branches.append(Branch(done.found, MET,
                                       lambda s: say.unbounded_met(s.label(wanted), s.show("fulfilled_at")),
                                       lambda: {**timed, "fulfilled_at": done.at, "evidence": (start, done)}))
                waiting = lambda s: say.waiting(s.label(wanted), None)  # noqa: E731
            due = None
        return branches + [
            Branch(closed.found, BREACHED,
                   lambda s: say.closed_unfulfilled(s.label(wanted), s.show("closed_at")),
                   lambda: {**timed, "evidence": (start, closed), "closed_at": closed.at}, due=due),
            Branch(True, PENDING, waiting, lambda: {**timed, "evidence": (start,)}, due=due, owes=wanted.event),
        ]

    def constant(self, r: Compiled) -> dict:
        """Every finding of a deadline names the reading it was judged under."""
        return {"reading": r.reading}

    def describe(self, rule, lang, pattern, event) -> str:
        """'X within N days of Y', with the words as written and the readings."""
        period = count(rule.period.amount, rule.period.unit, lang)
        if lang == "ar":
            from ..report.board import BOUND
            from ..report.labels import reading

            bound = lambda value: BOUND[value]["ar"] if value else "بلا حد"  # noqa: E731
            readings = "؛ ".join(f"{reading(name, lang)}: {bound(r.bound)}" for name, r in rule.readings.items())
            return (f"«{pattern(rule.fulfilled_by, lang)}» خلال {period} "
                    f"من «{pattern(rule.trigger, lang)}» — النص: «{rule.as_written}» (الحد كما ورد: "
                    f"{bound(rule.bound_as_written)}). القراءات — {readings}؛ الافتراضية: "
                    f"{reading(rule.default_reading, lang)}.")
        readings = "; ".join(f"{name}: {r.bound or 'no bound'} ({r.note})" for name, r in rule.readings.items())
        return (f"{pattern(rule.fulfilled_by, lang)} within {period} of "
                f"{pattern(rule.trigger, lang)}. As written: «{rule.as_written}» (bound as written: "
                f"{rule.bound_as_written}). Readings — {readings}; default: {rule.default_reading}.")


DEADLINE = Deadline()
