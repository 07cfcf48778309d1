"""The durable-rules ruleset is the live classifier: its answer for an event equals what the rules' own matchers
say (a match, or an undecidable candidate that lacks an attribute), on every bundled policy and both versions of
the test fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policykit.live.ruleset import DurableClassifier, rule_roles
from policykit.loader import bundled_ids, load_policy

ROOT = Path(__file__).resolve().parents[2]
POLICIES = [*bundled_ids(), str(ROOT / "tests" / "fixtures" / "policies" / "mini.yaml")]


def _matcher_answer(roles, event_type: str, attrs: dict) -> frozenset:
    """(rule id, role) of every pattern the event matches or could match, from Matcher.test alone."""
    from policykit.case import Event
    import datetime as dt

    event = Event(0, event_type, dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc), attrs)
    return frozenset((rule_id, role) for rule_id, role, matcher in roles if matcher.test(event) is not False)


@pytest.mark.parametrize("policy_ref", POLICIES)
def test_the_ruleset_answers_what_the_matchers_answer(policy_ref):
    policy = load_policy(policy_ref)
    roles = rule_roles(policy)
    classifier = DurableClassifier(policy)
    types = sorted({matcher.event for _, _, matcher in roles} | {"request_received", "unrelated_event"})
    names = sorted({name for _, _, matcher in roles for name, _ in matcher.where} | {"channel"})
    values = sorted({value for _, _, matcher in roles for _, value in matcher.where} | {"phone", "other"})

    @settings(max_examples=150, deadline=None, derandomize=True)
    @given(st.sampled_from(types), st.dictionaries(st.sampled_from(names), st.sampled_from(values), max_size=3))
    def check(event_type, attrs):
        assert classifier.classify(event_type, attrs) == _matcher_answer(roles, event_type, attrs)

    check()
    # every pattern with attributes, with each of them missing in turn: the ruleset alone says "re-judge"
    for rule_id, role, matcher in roles:
        for name, _ in matcher.where:
            attrs = {other: value for other, value in matcher.where if other != name}
            assert (rule_id, role) in classifier.classify(matcher.event, attrs)
