"""Plain read-only copies of validated policy models, so that a warm `policykit check` never imports pydantic.

policy_cache keeps each validated policy twice: as the pydantic model (for `load_policy`) and as records made here.
A record has the same attribute names and values as the model it copies and knows that model's name; the engine
and the reports only read attributes, so they take either (importing pydantic is most of a check's start-up)."""

from __future__ import annotations

import datetime as dt
from typing import Any


class Record:
    """One model instance's fields as attributes, read-only, with the model's name (`model_name(record)`)."""

    __slots__ = ("__dict__", "_model")

    def __init__(self, model: str, fields: dict[str, Any]) -> None:
        object.__setattr__(self, "_model", model)
        self.__dict__.update(fields)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._model} record is read-only")

    def __reduce__(self):
        return type(self), (self._model, self.__dict__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record):
            return NotImplemented
        return self._model == other._model and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((self._model, *self.__dict__.values()))

    def __repr__(self) -> str:
        return f"{self._model}({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"


class PolicyLookup:
    """What the engine asks of a policy, shared by the pydantic `Policy` and its record."""

    __slots__ = ()

    @property
    def versions(self) -> tuple:
        """Every version of this policy, oldest first (just this one when unversioned)."""
        return (*self._earlier, self)

    def in_force_on(self, day: dt.date):
        """The version in force on `day`: the latest whose effective_from is not after it."""
        chosen = self.versions[0]
        for version in self.versions:
            if version.effective_from is None or version.effective_from <= day:
                chosen = version
        return chosen

    def rule(self, rule_id: str):
        """The rule with this id."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


class PolicyRecord(PolicyLookup, Record):
    """A policy version as a record, carrying its earlier versions like the model does."""

    __slots__ = ("_earlier",)

    def __init__(self, model: str, fields: dict[str, Any], earlier: tuple["PolicyRecord", ...] = ()) -> None:
        super().__init__(model, fields)
        object.__setattr__(self, "_earlier", earlier)

    def __reduce__(self):
        return type(self), (self._model, self.__dict__, self._earlier)


def model_name(value: Any) -> str:
    """The name of the model a value is, or copies (e.g. 'FactCondition')."""
    return value._model if isinstance(value, Record) else type(value).__name__


def record_of(value: Any) -> Any:
    """A validated model (and everything in it) as records; other values as they are, containers copied."""
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        copied = {name: record_of(getattr(value, name)) for name in fields}
        if isinstance(value, PolicyLookup):
            return PolicyRecord(type(value).__name__, copied, tuple(record_of(v) for v in value._earlier))
        return Record(type(value).__name__, copied)
    if isinstance(value, tuple):
        return tuple(record_of(item) for item in value)
    if isinstance(value, list):
        return [record_of(item) for item in value]
    if isinstance(value, dict):
        return {key: record_of(item) for key, item in value.items()}
    return value
