"""Shared helpers: the bench log generator, imported from bench/ (tests use small logs only)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _loggen():
    spec = importlib.util.spec_from_file_location("loggen", ROOT / "bench" / "loggen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def loggen():
    """The bench/loggen.py module."""
    return _loggen()


@pytest.fixture(scope="module", autouse=True)
def replays_need_no_tolerance():
    """These tests replay histories weeks long without advance(): the live clock's lead tolerance (one day by
    default, tested in tests/robustness/test_live_store.py) is lifted for them."""
    import os

    before = os.environ.get("POLICYKIT_MAX_EVENT_LEAD_SECONDS")
    os.environ["POLICYKIT_MAX_EVENT_LEAD_SECONDS"] = str(400 * 365 * 86_400)
    yield
    if before is None:
        del os.environ["POLICYKIT_MAX_EVENT_LEAD_SECONDS"]
    else:
        os.environ["POLICYKIT_MAX_EVENT_LEAD_SECONDS"] = before
