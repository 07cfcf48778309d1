"""Request and answer shapes of the API, for validation and for the OpenAPI document (with examples)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from ..verdict import RequiredAction, Verdict

_result = dataclasses.dataclass(frozen=True, kw_only=True)

EXAMPLE_EVENTS = [
    {"case_id": "H-2025-0042", "id": "e1", "type": "request_received", "at": "2025-03-11T09:15:00+03:00",
     "channel": "interview", "agreed_channel": "phone"},
    {"case_id": "H-2025-0042", "id": "e2", "type": "request_completed", "at": "2025-03-13"},
]
EXAMPLE_CASE = {
    "case_id": "H-2025-0042", "policy": "harif", "facts": {"association_caused_harm": True},
    "events": [{"type": "request_received", "at": "2025-03-11T09:15:00+03:00", "channel": "interview",
                "agreed_channel": "phone"},
               {"type": "request_completed", "at": "2025-03-13"},
               {"type": "decision_notified", "at": "2025-04-13T11:00", "outcome": "approved", "channel": "email"}],
}


class Strict(BaseModel):
    """Unknown keys are an error (usually a typo)."""

    model_config = ConfigDict(extra="forbid")


class ErrorItem(Strict):
    """One problem, located where possible (line and column of the request body, or a data path)."""

    code: str
    message: str
    path: str | None
    line: int | None
    col: int | None


class Errors(Strict):
    """Every 4xx answer."""

    errors: list[ErrorItem]


class Health(Strict):
    status: Literal["ok"]
    version: str


class Association(Strict):
    ar: str
    en: str


class PolicySummary(BaseModel):
    """A bundled policy."""

    id: str
    version: str
    association: Association
    audience: str | None = None
    effective_from: str | None = None
    rules: int | None = None


class CaseEvent(BaseModel):
    """An event of a case: `type` and `at`, plus the type's attributes."""

    model_config = ConfigDict(extra="allow")
    type: str
    at: str


class CaseBody(Strict):
    """A case as JSON (YAML is read too); `policy` is a bundled policy id, never a path."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE_CASE]})
    case_id: str
    policy: str
    facts: dict[str, bool | None] = Field(default_factory=dict)
    events: list[CaseEvent] = Field(default_factory=list)
    subject: dict[str, Any] | None = Field(None, description="whatever the association keeps about the person; "
                                                             "never read, echoed or logged")


@_result
class Provenance:
    """What decided a verdict."""

    __pydantic_config__ = {"extra": "forbid"}

    policy_digest: str
    policykit_version: str


@_result
class DecidedVerdict(Verdict):
    """A verdict with its decision id (in the decision log) and provenance."""

    decision_id: str
    provenance: Provenance


class CompareBody(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"policies": ["harif", "saddad"]}]})
    policies: list[str] = Field(min_length=1, max_length=20)


class DiffBody(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"a": "saddad", "b": "harif"}]})
    a: str
    b: str


class Matrix(BaseModel):
    policies: list[str]
    rows: list[dict[str, Any]]


class PolicyDiff(BaseModel):
    a: str
    b: str
    changes: list[dict[str, Any]]
    deadline: list[dict[str, Any]]


class SessionBody(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"policy": "harif"}]})
    policy: str


class Session(Strict):
    name: str
    policy: str
    now: str | None = Field(description="the session's clock: its first advance or, failing that, its first event")
    open_cases: int


class LiveEvent(BaseModel):
    """An event of a case: `case_id`, an optional `id` (a repeat of a stored id is a duplicate), `type`, `at`.

    A case id or an event id may be an integer, read as its digits, as a case file's `case_id` is."""

    model_config = ConfigDict(extra="allow")
    # checked by the session as the library checks them (live.intake.case_key, posted_id), located there
    case_id: Annotated[Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]})]
    id: Annotated[Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]})] = None
    type: str
    at: str


class EventsBody(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"events": EXAMPLE_EVENTS}]})
    events: list[LiveEvent] = Field(max_length=100_000)


class FindingChange(BaseModel):
    rule: str
    to: str
    due: str | None
    from_: str | None = Field(alias="from")


class EventAnswer(Strict):
    case_id: str
    event_id: str | None
    duplicate: bool
    changes: list[FindingChange]
    new_actions: list[RequiredAction]
    """The actions the event made required, each as the case's verdict lists it at that moment."""


class AdvanceBody(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"now": "2025-04-10T00:00:00+03:00"}]})
    now: str


class Passed(Strict):
    case_id: str
    changes: list[FindingChange]


@_result
class CaseAction(RequiredAction):
    """A required action of one open case."""

    case_id: str


class JobAccepted(Strict):
    job: str


class RejectedRow(Strict):
    line: int
    reason: str


class JobState(Strict):
    job: str
    state: Literal["queued", "running", "done", "failed"]
    progress: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    verdicts: list[dict[str, Any]] | None = None
    errors: list[ErrorItem] | None = None

