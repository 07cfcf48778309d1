"""Shared fixtures of the policy tests."""

from __future__ import annotations

import pytest

from policykit import loader


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private cache directory, and no in-process memo hiding what the disk cache does."""
    root = tmp_path / "cache"
    monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(root))
    loader._loaded.clear()
    yield root
    loader._loaded.clear()
