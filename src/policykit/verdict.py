"""The result types every evaluation path returns: findings, required actions, verdicts (SPEC §7).

They are plain frozen dataclasses, so that building and writing a verdict needs no pydantic (importing it is most of
a `policykit check`'s start-up). pydantic still validates them and gives their JSON Schema, on demand: the
`model_*` methods keep the pydantic-style API (validated by `TypeAdapter`, imported only when called)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Literal

FindingStatus = Literal["met", "breached", "pending", "not_applicable", "undetermined"]
CaseStatus = Literal["compliant", "non_compliant", "in_progress", "undetermined"]
CompensationStatus = Literal["eligible", "not_eligible", "undetermined", "not_covered"]

_result = dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
_ADAPTERS: dict[type, Any] = {}


class Out:
    """Base of result types: immutable; pydantic validates them with unknown keys rejected."""

    __slots__ = ()
    __pydantic_config__ = {"extra": "forbid", "use_attribute_docstrings": True}

    @classmethod
    def trusted(cls, **fields):
        """Built by the engine from checked data, without validation (tests validate what it builds)."""
        return cls(**fields)

    @classmethod
    def model_validate(cls, data: Any):
        """Validated from plain data (pydantic's `TypeAdapter`); a `pydantic.ValidationError` when it does not fit."""
        return _adapter(cls).validate_python(data)

    @classmethod
    def model_json_schema(cls) -> dict:
        """The JSON Schema of this result type."""
        return _adapter(cls).json_schema()

    def model_dump(self, mode: str = "python") -> dict:
        """The fields as plain data (every value is already JSON-ready, so both modes give the same)."""
        return _plain(self)

    def model_dump_json(self) -> str:
        """The fields as compact JSON, non-ASCII text kept as written."""
        return json.dumps(_plain(self), ensure_ascii=False, separators=(",", ":"))

    def model_copy(self, update: dict | None = None):
        """A copy with some fields replaced (not validated)."""
        return dataclasses.replace(self, **(update or {}))


@_result
class Text(Out):
    """A message in both languages."""

    ar: str
    en: str


@_result
class ClauseRef(Out):
    """The clause a finding enforces: reference and verbatim Arabic text."""

    ref: str
    text_ar: str


@_result
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
    late_by: dict[str, int] | None = None
    """How late, in the rule's unit."""
    not_before: str | None = None
    """Under an at-least reading: the earliest compliant instant."""
    reading: str | None = None
    """The reading of the deadline that was applied."""
    evidence: list[int] = dataclasses.field(default_factory=list)
    """Indices (file order) of deciding events."""
    explanation: Text
    would_decide: list[str] = dataclasses.field(default_factory=list)
    """For undetermined: what would decide it."""


@_result
class RequiredAction(Out):
    """What must happen next on a case, and by when."""

    event: str
    due: str | None
    """The due instant; for an overdue action the due that passed; null when open-ended."""
    rule: str
    label: Text
    clause: ClauseRef
    overdue: bool = False
    """The due passed at as_of and the event has not happened: still owed."""
    at_risk: bool = False
    """Pending and inside the warning window (never for an action without a due, nor an overdue one)."""
    before: str | None = None
    """For an order rule: the later event type this step must come before."""


@_result
class CompensationResult(Out):
    """The compensation condition tree evaluated with three-valued logic."""

    status: CompensationStatus
    unknown_facts: list[str] = dataclasses.field(default_factory=list)
    clauses: list[ClauseRef] = dataclasses.field(default_factory=list)
    explanation: Text | None = None


@_result
class Note(Out):
    """An observation that does not change the case status (e.g. a channel the policy does not offer)."""

    code: str
    message: Text
    event_index: int | None = None


@_result
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
    notes: list[Note] = dataclasses.field(default_factory=list)

    def to_json_dict(self) -> dict:
        """The SPEC §7 JSON object."""
        return _plain(self)

    def to_json_line(self) -> str:
        """The SPEC §7 JSON object as one line of compact text (`json.dumps(to_json_dict(), separators=(",", ":"),
        ensure_ascii=False)`, without the copy; orjson writes it when installed, the batch extra has it)."""
        return json_text(self)


def json_text(value) -> str:
    """A result object (or a list of them, or plain JSON data) as compact JSON text, the way `to_json_line`
    writes it: a verdict line is these texts of its parts, put together in its field order."""
    encoder = _orjson if _orjson is not _NOT_LOADED else _load_orjson()
    if encoder is not None:
        return encoder.dumps(value).decode()
    return _LINE_ENCODER.encode(value)


def json_bytes(value) -> bytes:
    """`json_text(value)` encoded in UTF-8."""
    encoder = _orjson if _orjson is not _NOT_LOADED else _load_orjson()
    if encoder is not None:
        return encoder.dumps(value)
    return _LINE_ENCODER.encode(value).encode()


def _fields(value: Out) -> dict:
    """One result object as a dict of its fields; the C encoder walks the lists and the nested results."""
    return {name: getattr(value, name) for name in _field_names(type(value))}


_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_fields)
_NOT_LOADED = object()
_orjson = _NOT_LOADED  # imported at the first JSON line (batch, the service), not by `check` (uuid, platform: 2 ms)


def _load_orjson():
    """orjson, which encodes the result dataclasses as _LINE_ENCODER does, several times faster (tests compare the
    two); None when not installed."""
    global _orjson
    try:
        import orjson as _orjson
    except ImportError:
        _orjson = None
    return _orjson


def _plain(value):
    if isinstance(value, Out):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(field.name for field in dataclasses.fields(cls))
    return names


def _adapter(cls: type):
    adapter = _ADAPTERS.get(cls)
    if adapter is None:
        from pydantic import TypeAdapter

        adapter = _ADAPTERS[cls] = TypeAdapter(cls)
    return adapter
