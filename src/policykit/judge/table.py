"""What a rule kind is made of: its compiled form, its decision table of branches, and the view of one finding
that its explanations read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from .. import findings_text as say
from ..matching import Matcher
from ..verdict import Text
from .status import NO_INSTANT


@dataclass(frozen=True)
class Compiled:
    """One model rule ready to judge: its kind, the matchers of its event patterns by role, and (deadlines) the
    reading in force and its bound."""

    rule: Any
    kind: "Kind"
    patterns: dict[str, Matcher]
    reading: str | None = None
    bound: str | None = None

    def __getitem__(self, role: str) -> Matcher:
        return self.patterns[role]

    def has(self, role: str) -> bool:
        """Whether the rule gives this (optional) pattern."""
        return role in self.patterns


@dataclass(frozen=True)
class Branch:
    """One row of a decision table: when `when` holds (and no earlier row did), the finding has `status`.

    `when` is a bool, or a numpy array of them (one per case), as the backend's query gives.  `fields` is called
    only when the finding is written: the instants (µs), `late`, `evidence` (hits) and `would_decide` (a hit, or
    the list itself) of the finding, plus what `explain` reads.  `due` is the due the to-do list and a live
    session follow; `owes`, the event type still owed while the finding holds (SPEC §9): with `overdue` true
    the finding is a breach by time alone; `before`, for an order rule's step, the event it must precede."""

    when: Any
    status: int
    explain: Callable[["Shown"], Text]
    fields: Callable[[], dict] | None = None
    due: Any = None
    owes: str | None = None
    overdue: Any = False
    before: str | None = None


class Kind:
    """A rule kind, defined once: its model, its event patterns by role, its labels, and its decision table.

    Subclasses set the class attributes and write `decide(rule, q)`: the ordered branches, computed with the
    query `q` of whichever backend runs them (policykit.judge.scalar on one case, the numpy ones over columns).
    Everything that lists kinds (validation, labels, timelines, live roles) reads these attributes."""

    name: ClassVar[str]
    label: ClassVar[dict[str, str]]
    roles: ClassVar[tuple[str, ...]]
    """The model fields holding event patterns, in the order they are looked at."""
    references: ClassVar[tuple[str, ...]] = ()
    """Model fields holding a bare event id the rule reads (checked to be a known event, like patterns)."""
    marks: ClassVar[tuple[str | None, str | None]] = (None, None)
    """The roles whose events a finding's trigger_at and fulfilled_at are (a timeline marks them)."""
    closing: ClassVar[bool] = True
    """Whether case_closed can decide the rule (a live session re-judges it on closure)."""
    model_name: ClassVar[str]
    model_doc: ClassVar[str]

    def __init_subclass__(cls, name: str = "", label: tuple[str, str] = ("", ""), model: str = "", **rest) -> None:
        """A kind's identity, given with its class: `class Deadline(Kind, name=..., label=(ar, en), model=...)`;
        its model's docstring is the first paragraph of the class's."""
        super().__init_subclass__(**rest)
        cls.name, cls.label, cls.model_name = name, {"ar": label[0], "en": label[1]}, model
        cls.model_doc = (cls.__doc__ or "").split("\n\n")[0]

    def fields(self, base) -> dict:
        """The rule's own model fields (besides id, label, clause, note and kind), on policykit.model's types."""
        raise NotImplementedError

    def define_model(self, base) -> type:
        """The rule's pydantic model: RuleBase, the `kind` tag, then the kind's fields."""
        from typing import Literal

        from pydantic import create_model

        fields = {name: spec if isinstance(spec, tuple) else (spec, ...)  # a bare type: a required field
                  for name, spec in self.fields(base).items()}
        return create_model(self.model_name, __base__=base.RuleBase, __doc__=self.model_doc,
                            __validators__=self.validators() or None, kind=(Literal[self.name], self.name), **fields)

    def validators(self) -> dict:
        """Checks across the rule's fields (pydantic validators by name); none by default."""
        return {}

    def compile(self, rule, reading: str | None) -> Compiled:
        """The rule with its matchers; kinds with readings override."""
        return Compiled(rule, self, self.patterns(rule))

    def patterns(self, rule) -> dict[str, Matcher]:
        """Each role's matcher (optional roles the rule leaves out are absent)."""
        found = {}
        for role in self.roles:
            pattern = getattr(rule, role, None)
            if pattern is not None:
                found[role] = Matcher.of(pattern)
        for role in self.references:
            found[role] = Matcher(getattr(rule, role))
        return found

    def mark_events(self, rule) -> tuple[str | None, str | None]:
        """The event types behind trigger_at and fulfilled_at."""
        patterns = self.patterns(rule)
        return tuple(patterns[role].event if role in patterns else None for role in self.marks)

    def decide(self, rule: Compiled, q) -> list[Branch]:
        """The decision table of `rule` over the query `q`; its last branch holds always."""
        raise NotImplementedError

    def constant(self, r: Compiled) -> dict:
        """Finding fields every finding of the rule carries (a deadline's reading)."""
        return {}

    def describe(self, rule, lang: str, pattern: Callable[[Any, str], str], event: Callable[[str, str], str]) -> str:
        """One sentence saying what the rule requires, in `lang` (`pattern` and `event` name its parts)."""
        raise NotImplementedError


class Shown:
    """One finding's fields as its explanation reads them: labels, instants for prose, counts."""

    __slots__ = ("fields", "labels", "tz")

    def __init__(self, fields: dict, labels: dict[str, dict[str, str]], tz: dt.tzinfo) -> None:
        self.fields, self.labels, self.tz = fields, labels, tz

    def __getattr__(self, name: str):
        try:
            return self.fields[name]
        except KeyError:
            raise AttributeError(name) from None

    def label(self, matcher_or_event) -> tuple[str, str]:
        """(ar, en) label of an event type, or of a matcher's with the attribute values it needs."""
        event = getattr(matcher_or_event, "event", matcher_or_event)
        return say.pattern_label(say.event_label(event, self.labels), getattr(matcher_or_event, "where", ()))

    def show(self, name: str) -> str | None:
        """An instant field for prose ('-' when absent)."""
        return prose(self.fields.get(name), self.tz)

    def missing(self) -> list[str]:
        """What would decide an undetermined finding."""
        return list(self.fields.get("would_decide") or ())


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def instant(micros: int | None) -> dt.datetime | None:
    """An instant in µs (NO_INSTANT or None: absent) as an aware UTC datetime."""
    if micros is None or micros == NO_INSTANT:
        return None
    return _EPOCH + dt.timedelta(microseconds=int(micros))


def prose(micros: int | None, tz: dt.tzinfo) -> str:
    """An instant in µs as an explanation shows it, local to `tz` ('-' when absent)."""
    return say.when(instant(micros), tz)


def micros(at: dt.datetime) -> int:
    """An aware instant in µs since the epoch (exact, before 1970 too)."""
    return (at - _EPOCH) // dt.timedelta(microseconds=1)


def unknown(s: Shown) -> Text:
    """The explanation of every undetermined finding: what would decide it."""
    return say.unknown(s.missing())

