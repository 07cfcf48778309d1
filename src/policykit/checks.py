"""Reference checks on a validated policy: small generators that each yield diagnostics."""

from __future__ import annotations

from typing import Iterable, Iterator

from .diagnostics import Diagnostic, Path, did_you_mean
from .judge.kinds import KINDS
from .model import (AllCondition, AnyCondition, Condition, DeadlineRule, EventPattern, FactCondition, NotCondition,
                    Policy)
from .source import Document
from .vocabulary import CHANNELS, EVENTS, FACTS


def indexed(items: Iterable) -> Iterator[tuple[int, object]]:
    """(index, item) pairs, skipping the holes a partially valid policy leaves for invalid items."""
    return ((index, item) for index, item in enumerate(items) if item is not None)


def _ids(items: Iterable) -> set[str]:
    return {item_id for _, item in indexed(items) if (item_id := getattr(item, "id", None)) is not None}


def known_events(policy: Policy) -> set[str]:
    """Canonical event ids plus those the policy defines."""
    return set(EVENTS) | _ids(policy.events)


def known_channels(policy: Policy) -> set[str]:
    """Canonical channel ids plus those the policy defines."""
    return set(CHANNELS) | _ids(policy.extra_channels)


def known_facts(policy: Policy) -> set[str]:
    """Canonical fact ids plus those the policy defines."""
    return set(FACTS) | _ids(policy.facts)


def check_policy(policy: Policy, doc: Document) -> list[Diagnostic]:
    """Every reference problem in one policy version."""
    out: list[Diagnostic] = []
    for check in (_unique_ids, _event_refs, _channel_refs, _fact_refs, _deadline_readings):
        for code, message, path, hint in check(policy):
            out.append(Diagnostic(code, message, doc.span(path), path, hint))
    return out


def check_versions(versions: list[Policy], doc: Document) -> list[Diagnostic]:
    """Versions must have distinct names and strictly increasing effective dates."""
    out: list[Diagnostic] = []
    for index in range(1, len(versions)):
        prev, cur = versions[index - 1], versions[index]
        path = ("versions", index - 1)
        if cur.effective_from is None or (prev.effective_from and cur.effective_from <= prev.effective_from):
            out.append(Diagnostic("invalid-version", "each version needs an effective_from later than the one before",
                                  doc.span((*path, "effective_from")), (*path, "effective_from")))
        if cur.version == prev.version:
            out.append(Diagnostic("invalid-version", f"version '{cur.version}' repeats the previous version name",
                                  doc.span((*path, "version")), (*path, "version")))
    return out


Found = Iterator[tuple[str, str, Path, str | None]]


def _unique_ids(policy: Policy) -> Found:
    for section in ("channels", "tools", "services", "service_practices", "steps", "rules", "relationship",
                    "information_duties", "satisfaction", "events", "facts", "extra_channels"):
        seen: set[str] = set()
        for index, item in indexed(getattr(policy, section)):
            item_id = getattr(item, "id", None)
            if item_id is None:
                continue
            if item_id in seen:
                yield "duplicate-id", f"id '{item_id}' is used twice in {section}", (section, index, "id"), None
            seen.add(item_id)


def _patterns(policy: Policy) -> Iterator[tuple[EventPattern, Path]]:
    """Every event a rule names — its kind's pattern roles and bare event references — with its path."""
    for index, rule in indexed(policy.rules):
        kind = KINDS.get(getattr(rule, "kind", None))
        if kind is None:
            continue
        for name in kind.roles:
            pattern = getattr(rule, name, None)
            if pattern is not None:
                yield pattern, ("rules", index, name)
        for name in kind.references:
            target = getattr(rule, name, None)
            if target is not None:
                yield EventPattern(event=target), ("rules", index, name)


def _event_refs(policy: Policy) -> Found:
    events = known_events(policy)
    for pattern, path in _patterns(policy):
        if pattern.event not in events:
            yield ("unresolved-reference", f"unknown event '{pattern.event}'", path,
                   did_you_mean(pattern.event, events))
    for index, step in indexed(policy.steps):
        for j, event in enumerate(getattr(step, "events", ())):
            if event not in events:
                yield ("unresolved-reference", f"unknown event '{event}'", ("steps", index, "events", j),
                       did_you_mean(event, events))


def _channel_refs(policy: Policy) -> Found:
    channels = known_channels(policy)
    for index, channel in indexed(policy.channels):
        if getattr(channel, "id", None) is not None and channel.id not in channels:
            yield ("unresolved-reference", f"channel '{channel.id}' is neither canonical nor in extra_channels",
                   ("channels", index, "id"), did_you_mean(channel.id, channels))
    if policy.complaints:
        for index, cid in enumerate(policy.complaints.channels):
            if cid not in channels:
                yield ("unresolved-reference", f"unknown channel '{cid}'", ("complaints", "channels", index),
                       did_you_mean(cid, channels))


def _fact_refs(policy: Policy) -> Found:
    if policy.compensation is None:
        return
    facts = known_facts(policy)
    for fact, path in _condition_facts(policy.compensation.condition, ("compensation", "condition")):
        if fact not in facts:
            yield "unresolved-reference", f"unknown fact '{fact}'", path, did_you_mean(fact, facts)


def _condition_facts(cond: Condition, path: Path) -> Iterable[tuple[str, Path]]:
    if isinstance(cond, FactCondition):
        yield cond.fact, (*path, "fact")
    elif isinstance(cond, AllCondition):
        for i, sub in enumerate(cond.all):
            yield from _condition_facts(sub, (*path, "all", i))
    elif isinstance(cond, AnyCondition):
        for i, sub in enumerate(cond.any):
            yield from _condition_facts(sub, (*path, "any", i))
    elif isinstance(cond, NotCondition):
        yield from _condition_facts(cond.not_, (*path, "not"))


def _deadline_readings(policy: Policy) -> Found:
    for index, rule in indexed(policy.rules):
        readings = getattr(rule, "readings", None)
        if isinstance(rule, DeadlineRule) and readings is not None:
            for name in ("intended", "literal"):
                if name not in readings:
                    yield ("missing-key", f"deadline needs a '{name}' reading", ("rules", index, "readings"), None)
