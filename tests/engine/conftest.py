"""Shared helpers for the engine tests: fixture policies and a case builder."""

from __future__ import annotations

from pathlib import Path

import pytest

from policykit.case import case_from_data
from policykit.loader import load_policy

FIXTURES = Path(__file__).parents[1] / "fixtures" / "policies"


@pytest.fixture(scope="session")
def mini():
    """A harif-like policy with two versions (15 then 10 working days) and an extra closure."""
    return load_policy(FIXTURES / "mini.yaml")


@pytest.fixture(scope="session")
def mini_four():
    """A policy shaped like the four: calendar-day window written as a minimum, obligations."""
    return load_policy(FIXTURES / "mini_four.yaml")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The folder of fixture policies."""
    return FIXTURES


@pytest.fixture(scope="session")
def make_case():
    """A builder of validated cases from (type, at, attrs) tuples or event dicts."""

    def build(policy, events, facts=None, case_id="T-1"):
        rows = [e if isinstance(e, dict) else {"type": e[0], "at": e[1], **(e[2] if len(e) > 2 else {})}
                for e in events]
        return case_from_data({"case_id": case_id, "facts": facts or {}, "events": rows}, policy)

    return build
