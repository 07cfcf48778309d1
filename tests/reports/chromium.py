"""Chromium for the report tests: test_browser.py's helpers, and a marker that skips only outside CI."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest


def _helpers():
    spec = importlib.util.spec_from_file_location("browser_helpers", Path(__file__).with_name("test_browser.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BROWSER = _helpers()
# CI=true: the tests run and fail without Chromium, rather than skip
needs_chromium = pytest.mark.skipif(BROWSER.CHROMIUM is None and os.environ.get("CI") != "true",
                                    reason="Chromium is not installed (apt-get install chromium); .ci/run installs it")


def require() -> None:
    """Fail plainly (in CI) when Chromium is missing."""
    assert BROWSER.CHROMIUM is not None, "CI=true: Chromium must be installed"
