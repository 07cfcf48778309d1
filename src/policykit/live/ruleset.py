"""A policy compiled into a durable-rules ruleset whose Rete network says which rule roles an event matches."""

from __future__ import annotations

import itertools
import uuid

from ..judge.kinds import kind_of
from ..matching import Matcher
from ..model import Policy

PROBE_SID = "policykit-probe"
_counter = itertools.count()


def rule_roles(policy: Policy) -> list[tuple[str, str, Matcher]]:
    """(rule id, role, matcher) for every event pattern of every rule of every version, as its kind names them;
    case_closed too for the kinds a closure can decide."""
    roles = []
    for version in policy.versions:
        for rule in version.rules:
            kind = kind_of(rule)
            roles.extend((rule.id, role, matcher) for role, matcher in kind.patterns(rule).items())
            if kind.closing:
                roles.append((rule.id, "closed", Matcher("case_closed")))
    return roles


class DurableClassifier:
    """One durable ruleset per instance (unique name: durable's names are process-wide); events are asserted as
    facts under one recycled session id and the state deleted at once, so no ruleset ever holds more than one
    session (durable-rules fails past ~1,024).  Answers are cached per event shape."""

    def __init__(self, policy: Policy) -> None:
        from durable.lang import get_host, m, ruleset, when_all

        self.name = f"policykit_{policy.id}_{next(_counter)}_{uuid.uuid4().hex[:8]}"
        self.roles = rule_roles(policy)
        self.keys = {name for _, _, matcher in self.roles for name, _ in matcher.where}
        self._key_order = sorted(self.keys)
        self._hits: list[tuple[str, str]] = []
        self._cache: dict[tuple, frozenset[tuple[str, str]]] = {}
        with ruleset(self.name):
            for rule_id, role, matcher in self.roles:
                condition = m.type == matcher.event
                for attribute, value in matcher.where:
                    condition = condition & (getattr(m, attribute) == value)
                when_all(condition)(self._action(rule_id, role))
                # an event of the type lacking an attribute the pattern needs: the rule may become undetermined
                for attribute, _ in matcher.where:
                    when_all((m.type == matcher.event) & -getattr(m, attribute))(self._action(rule_id, role))
            # every fact matches something, so its session state exists and can be deleted (durable-rules
            # crashes deleting the state of a fact nothing matched)
            when_all(+m.type)(self._action("", "any"))
        self.host = get_host()

    def _action(self, rule_id: str, role: str):
        def record(c) -> None:
            self._hits.append((rule_id, role))
        record.__name__ = f"{rule_id}__{role}"
        return record

    def classify(self, event_type: str, attrs: dict[str, str]) -> frozenset[tuple[str, str]]:
        """The (rule id, role) pairs whose pattern an event matches, or could match (it lacks an attribute the
        pattern needs: the rule must be re-judged, it may become undetermined) — the ruleset's answer alone."""
        key = (event_type, *[attrs.get(k) for k in self._key_order])
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        from durable.engine import MessageNotHandledException

        self._hits = []
        fact = {"sid": PROBE_SID, "type": event_type, **{k: v for k, v in attrs.items() if v is not None}}
        try:
            self.host.assert_fact(self.name, fact)
        except MessageNotHandledException:
            pass
        finally:
            self.host.delete_state(self.name, PROBE_SID)
        result = frozenset(hit for hit in self._hits if hit[0])
        self._cache[key] = result
        return result

    def affected(self, event_type: str, attrs: dict[str, str]) -> set[str]:
        """Ids of the rules whose judgement an event can change."""
        return {rule_id for rule_id, _ in self.classify(event_type, attrs)}
