"""Frozen pydantic models of a policy: everything its source document says, each with its clause."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

from .records import PolicyLookup

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class Frozen(BaseModel):
    """Base of every policy model: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


class Label(Frozen):
    """A name in both languages."""

    ar: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Clause(Frozen):
    """Where an element comes from: the reference as the source numbers it and its verbatim Arabic text."""

    ref: str = Field(min_length=1, description="As the source numbers it (e.g. 'ت-٦'), or section + item index.")
    text_ar: str = Field(min_length=1, description="The clause, verbatim from the source document.")
    section_ar: str | None = Field(None, description="The heading of the section, verbatim.")
    line: int | None = Field(None, ge=1, description="Line of the clause in docs/sources/<id>.ar.txt.")
    end_line: int | None = Field(None, ge=1, description="Last line, where the clause runs over several lines.")


class Item(Frozen):
    """One normative item of a list in the source (a channel, a tool, a step, a goal, a duty...)."""

    id: Id
    label: Label
    clause: Clause
    machine_checkable: bool = Field(False, description="Whether an engine can check it from case events.")
    reading: str | None = Field(None, description="How the project reads the item, where that is a choice.")
    note: str | None = None


class Passage(Frozen):
    """A prose passage of the source (preamble, goal, scope) kept verbatim."""

    clause: Clause
    label: Label | None = None
    note: str | None = None


# --- association and document -------------------------------------------------------------


class Contact(Frozen):
    """A published way to reach the association."""

    kind: Literal["phone", "fax", "email", "website", "address"]
    value: str
    clause: Clause | None = None


class Registration(Frozen):
    """The association's registration with the ministry."""

    number: str
    authority: Label
    clause: Clause | None = None


class Association(Frozen):
    """Who adopted the policy."""

    name: Label
    short_name: Label | None = None
    region: Label | None = None
    registration: Registration | None = None
    contacts: tuple[Contact, ...] = ()
    clause: Clause | None = None
    note: str | None = None


class Document(Frozen):
    """The source document's own parts: title, preamble, goals, scope, statement."""

    source_file: str = Field(description="The copy of the source under docs/sources/.")
    title: Label
    title_clause: Clause | None = None
    preamble: tuple[Passage, ...] = ()
    scope: Passage | None = None
    general_goal: Passage | None = None
    detailed_goals: tuple[Item, ...] = ()
    note: str | None = None


class Approval(Frozen):
    """The board decision adopting the policy, with the date as written in each calendar."""

    body: Label | None = None
    meeting: str | None = Field(None, description="Meeting as written, e.g. '(الثاني)'.")
    session: str | None = Field(None, description="Session or term as written.")
    date_as_written: str | None = None
    date_hijri: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="Umm al-Qura YYYY-MM-DD.")
    date_gregorian: dt.date | None = None
    year_gregorian: int | None = Field(None, description="Where only the year is given.")
    complete: bool = Field(True, description="False where the document leaves part of the date blank.")
    clause: Clause | None = None
    note: str | None = None


def _known_zone(name: str) -> str:
    """`name` when the tz database has it; a policy naming another zone was an internal error at its first date."""
    from .timeparse import TimeFormatError, zone

    try:
        zone(name)
    except TimeFormatError:
        raise ValueError("not a time zone of the tz database (an IANA name such as Asia/Riyadh)") from None
    return name


class Calendar(Frozen):
    """Time zone, work week and closures used for due dates (docs/semantics.md)."""

    timezone: Annotated[str, AfterValidator(_known_zone)] = "Asia/Riyadh"
    # at least one working day: an empty week left no day to count to (an internal error at the first due)
    work_week: Annotated[tuple[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], ...], Field(min_length=1)] = (
        "sun", "mon", "tue", "wed", "thu")
    holidays: Literal["SA", "none"] = Field("SA", description="Public holidays from holidays.SaudiArabia.")
    extra_closures: tuple[dt.date, ...] = ()
    note: str | None = None


# --- vocabulary a policy adds -----------------------------------------------------------------


class Definition(Frozen):
    """A channel, event or fact id a policy adds to the canonical vocabulary."""

    id: Id
    label: Label
    note: str | None = None


class Channel(Item):
    """A channel through which the association can be reached (docs/vocabulary.md ids where canonical)."""


class Step(Item):
    """One handling step, in order, mapped to the canonical events that evidence it."""

    events: tuple[Id, ...] = ()


# --- rules (SPEC §5–§6) ------------------------------------------------------------------------


def _pattern_from_str(value: Any) -> Any:
    return {"event": value} if isinstance(value, str) else value


class EventPattern(Frozen):
    """An event type, optionally with attribute values it must carry."""

    event: Id
    where: dict[Id, str] = Field(default_factory=dict)


Pattern = Annotated[EventPattern, BeforeValidator(_pattern_from_str, json_schema_input_type=Union[Id, EventPattern])]
Bound = Literal["at_most", "at_least"]
ReadingName = Literal["intended", "literal"]


class Period(Frozen):
    """A length of time in calendar or working days."""

    amount: int = Field(ge=0, le=3650)
    unit: Literal["calendar_days", "working_days"]


class Reading(Frozen):
    """One interpretation of a deadline's bound."""

    bound: Bound | None = Field(description="at_most: answer by the due; at_least: not before it; None: no bound.")
    note: str


class RuleBase(Frozen):
    """What every rule carries: a stable id, labels and the clause it enforces."""

    id: Id
    label: Label
    clause: Clause
    note: str | None = None


def _rule_models() -> dict[str, type]:
    """Each registered kind's model, built on the types above (a kind defines its model with its decision)."""
    from .judge.kinds import KINDS

    built = {}
    for name, kind in KINDS.items():
        model = _BUILT.get(name)
        if model is None:
            model = _BUILT[name] = kind.define_model(sys.modules[__name__])
            # importable (and so picklable) from here, whatever function made it
            model.__module__, model.__qualname__ = __name__, model.__name__
            globals()[model.__name__] = model
        built[name] = model
    return built


def _rule_union(models: dict[str, type]):
    return Annotated[Union[tuple(models.values())], Field(discriminator="kind")]


_BUILT: dict[str, type] = {}
_MODELS = _rule_models()
DeadlineRule, OrderRule, ObligationRule, ChannelRule = (_MODELS[name] for name in
                                                         ("deadline", "order", "obligation", "channel"))
Rule = _rule_union(_MODELS)


# --- compensation ------------------------------------------------------------------------------


class FactCondition(Frozen):
    """A fact that must be true."""

    fact: Id
    clause_ref: str | None = None


class AllCondition(Frozen):
    """Every sub-condition must hold."""

    all: tuple["Condition", ...] = Field(min_length=1)


class AnyCondition(Frozen):
    """At least one sub-condition must hold."""

    any: tuple["Condition", ...] = Field(min_length=1)


class NotCondition(Frozen):
    """The sub-condition must not hold."""

    not_: "Condition" = Field(alias="not")


Condition = Union[FactCondition, AllCondition, AnyCondition, NotCondition]


class Compensation(Frozen):
    """When a beneficiary is compensated (a condition tree over facts) and how."""

    section_ar: str
    condition: Condition
    conditions: tuple[Item, ...] = Field(description="The clauses the condition tree is built from.")
    procedure: tuple[Item, ...] = ()
    reading: str | None = None
    note: str | None = None


class Complaints(Frozen):
    """How complaints and disputes are received and settled."""

    section_ar: str
    channels: tuple[Id, ...] = ()
    handler: Label | None = None
    items: tuple[Item, ...] = ()
    unspecified: tuple[str, ...] = Field((), description="What the text leaves open (deadline, escalation...).")
    note: str | None = None


class SatisfactionMethod(Item):
    """One way satisfaction is measured; `period` as written, None where the text gives none."""

    period: str | None = None


# --- the policy --------------------------------------------------------------------------------


class NotEncoded(Frozen):
    """A passage of the source deliberately not encoded, with the reason."""

    ref: str
    text_ar: str
    reason: str
    line: int | None = Field(None, ge=1, description="Line of the passage in docs/sources/<id>.ar.txt.")
    end_line: int | None = Field(None, ge=1, description="Last line, where the passage runs over several lines.")


class Policy(PolicyLookup, Frozen):
    """One version of an association's policy, complete."""

    id: Id
    version: str = "1"
    effective_from: dt.date | None = None
    audience: Literal["beneficiaries", "general_assembly_members"]
    association: Association
    document: Document
    approval: Approval | None = None
    # a factory, not Calendar(): an instance in the class body would build every schema at import (~80 ms);
    # the JSON Schema still shows the default, made only when a schema is asked for
    calendar: Calendar = Field(default_factory=Calendar, json_schema_extra=lambda schema: schema.setdefault(
        "default", Calendar().model_dump(mode="json")))
    statement_ar: str | None = Field(None, description="Heading of the operative part, where the source has one.")
    channels: tuple[Channel, ...] = ()
    channels_section_ar: str | None = None
    tools: tuple[Item, ...] = ()
    tools_section_ar: str | None = None
    services: tuple[Item, ...] = ()
    service_practices: tuple[Item, ...] = ()
    steps: tuple[Step, ...] = ()
    steps_section_ar: str | None = None
    events: tuple[Definition, ...] = Field((), description="Event ids this policy adds.")
    facts: tuple[Definition, ...] = Field((), description="Fact ids this policy adds.")
    extra_channels: tuple[Definition, ...] = Field((), description="Channel ids this policy adds.")
    rules: tuple[Rule, ...] = ()
    compensation: Compensation | None = None
    complaints: Complaints | None = None
    relationship: tuple[Item, ...] = ()
    information_duties: tuple[Item, ...] = ()
    satisfaction: tuple[SatisfactionMethod, ...] = ()
    responsibilities: tuple[Passage, ...] = ()
    not_encoded: tuple[NotEncoded, ...] = ()

    # the versions before this one; not including itself keeps == and pickling free of cycles
    _earlier: tuple["Policy", ...] = PrivateAttr(default=())



def rebuild_rules() -> None:
    """Follow the registry of kinds (policykit.judge.kinds.registered): the rule union and the policy."""
    global Rule
    Rule = _rule_union(_rule_models())
    # the field's annotation was resolved when the class was made: point it at the new union, then rebuild
    Policy.model_fields["rules"].annotation = tuple[Rule, ...]
    Policy.model_rebuild(force=True)
    for name in [name for name in _BUILT if name not in _MODELS]:  # a kind no longer registered
        if name not in _registered_names():
            globals().pop(_BUILT.pop(name).__name__, None)


def _registered_names() -> set[str]:
    from .judge.kinds import KINDS

    return set(KINDS)
