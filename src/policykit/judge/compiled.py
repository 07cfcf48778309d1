"""`compile_policy(policy, reading)`: one policy version's rules with their kinds, calendar and event labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..calendar import WorkCalendar, calendar_for
from .kinds import kind_of
from .table import Compiled

if TYPE_CHECKING:  # only read: a policy record (policykit.records) serves as well
    from ..model import Policy

READINGS = ("intended", "literal")


@dataclass(frozen=True)
class CompiledPolicy:
    """One policy version compiled under one reading: its rules, calendar and event labels."""

    policy: Policy
    reading: str | None
    rules: tuple[Compiled, ...]
    calendar: WorkCalendar
    labels: dict[str, dict[str, str]]


def compile_rule(rule, reading: str | None = None) -> Compiled:
    """One model rule with its kind and matchers; deadlines take `reading` or their default reading."""
    return kind_of(rule).compile(rule, reading)


_COMPILED: dict[tuple[int, str | None], tuple[object, CompiledPolicy]] = {}


def check_reading(reading: str | None) -> None:
    """ValueError unless `reading` is None (each deadline's default) or one of READINGS."""
    if reading is not None and reading not in READINGS:
        raise ValueError(f"unknown reading '{reading}' (expected one of {', '.join(READINGS)})")


def compile_policy(policy: Policy, reading: str | None = None) -> CompiledPolicy:
    """The compiled form of one policy version under `reading` (None: each deadline's default); cached."""
    check_reading(reading)
    key = (id(policy), reading)
    cached = _COMPILED.get(key)
    if cached is not None and cached[0] is policy:
        return cached[1]
    labels = {d.id: {"ar": d.label.ar, "en": d.label.en} for d in policy.events}
    compiled = CompiledPolicy(policy, reading, tuple(compile_rule(r, reading) for r in policy.rules),
                              calendar_for(policy.calendar), labels)
    if len(_COMPILED) > 256:
        _COMPILED.clear()
    _COMPILED[key] = (policy, compiled)
    return compiled
