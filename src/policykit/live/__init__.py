"""Live sessions: events fed as they happen, classified by a durable-rules ruleset, judged over columns."""

from __future__ import annotations

import importlib.util

from ..diagnostics import PolicykitError


class MissingDependency(PolicykitError, ImportError):
    """An optional dependency is not installed (a PolicykitError, and an ImportError for `try: import`)."""


if importlib.util.find_spec("durable") is None:
    # durable-rules ships as source only: installing it needs a C compiler (README, "Live sessions")
    raise MissingDependency.single("missing-dependency", "live sessions need durable-rules",
                                   hint="pip install 'policykit[live]' (durable-rules builds from source: it needs "
                                        "a C compiler)") from None

from .changes import Change, ChangeList, PostedChanges  # noqa: E402
from .columnar import LiveSession  # noqa: E402

__all__ = ["Change", "ChangeList", "LiveSession", "PostedChanges"]
