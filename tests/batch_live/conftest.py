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
