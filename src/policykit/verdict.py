"""The result types every evaluation path returns: findings, required actions, verdicts (SPEC §7)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FindingStatus = Literal["met", "breached", "pending", "not_applicable", "undetermined"]
CaseStatus = Literal["compliant", "non_compliant", "in_progress", "undetermined"]
CompensationStatus = Literal["eligible", "not_eligible", "undetermined", "not_covered"]


class Out(BaseModel):
    """Base of result types: immutable, unknown keys rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    @classmethod
    def trusted(cls, **fields):
        """Built by the engine from checked data, without validation: validating builds pydantic's schemas (~40 ms
        of every `policykit check`); tests/scenarios and tests/engine/test_properties.py validate what it builds."""
        return cls.model_construct(**fields)


class Text(Out):
    """A message in both languages."""

    ar: str
    en: str


class ClauseRef(Out):
    """The clause a finding enforces: reference and verbatim Arabic text."""

    ref: str
    text_ar: str


class Finding(Out):
    """The judgement of one rule on one case."""

    rule: str
    kind: str
    status: FindingStatus
    label: Text
    clause: ClauseRef
    trigger_at: str | None = None
    due: str | None = None
    fulfilled_at: str | None = None
    late_by: dict[str, int] | None = Field(None, description="How late, in the rule's unit.")
    not_before: str | None = Field(None, description="Under an at-least reading: the earliest compliant instant.")
    reading: str | None = Field(None, description="The reading of the deadline that was applied.")
    evidence: list[int] = Field(default_factory=list, description="Indices (file order) of deciding events.")
    explanation: Text
    would_decide: list[str] = Field(default_factory=list, description="For undetermined: what would decide it.")


class RequiredAction(Out):
    """What must happen next on a case, and by when."""

    event: str
    due: str | None
    rule: str
    label: Text
    clause: ClauseRef
    at_risk: bool = False


class CompensationResult(Out):
    """The compensation condition tree evaluated with three-valued logic."""

    status: CompensationStatus
    unknown_facts: list[str] = Field(default_factory=list)
    clauses: list[ClauseRef] = Field(default_factory=list)
    explanation: Text | None = None


class Note(Out):
    """An observation that does not change the case status (e.g. a channel the policy does not offer)."""

    code: str
    message: Text
    event_index: int | None = None


class Verdict(Out):
    """The whole evaluation of one case against one policy version at one instant."""

    case_id: str
    policy: str
    policy_version: str
    as_of: str
    reading: str | None = None
    status: CaseStatus
    findings: list[Finding]
    required_actions: list[RequiredAction]
    compensation: CompensationResult
    notes: list[Note] = Field(default_factory=list)

    def to_json_dict(self) -> dict:
        """The SPEC §7 JSON object (what model_dump(mode="json") gives, without building a serializer)."""
        return _plain(self)


def _plain(value):
    if isinstance(value, Out):
        return {name: _plain(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def case_status(statuses: list[str]) -> CaseStatus:
    """SPEC §7: breached > undetermined > pending > compliant."""
    if "breached" in statuses:
        return "non_compliant"
    if "undetermined" in statuses:
        return "undetermined"
    if "pending" in statuses:
        return "in_progress"
    return "compliant"
