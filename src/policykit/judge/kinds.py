"""The registry of rule kinds: every path that needs to know the kinds reads them here."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from .channel import CHANNEL
from .deadline import DEADLINE
from .obligation import OBLIGATION
from .order import ORDER
from .table import Kind

KINDS: dict[str, Kind] = {kind.name: kind for kind in (DEADLINE, ORDER, OBLIGATION, CHANNEL)}


@contextmanager
def registered(kind: Kind) -> Iterator[Kind]:
    """A kind defined outside this package (a test-only one, say) known to every path while the block runs:
    policies may use it, and the policy model is rebuilt with it (and without it after)."""
    KINDS[kind.name] = kind
    _rebuild()
    try:
        yield kind
    finally:
        del KINDS[kind.name]
        _rebuild()


def _rebuild() -> None:
    import sys

    model = sys.modules.get("policykit.model")
    if model is not None:
        model.rebuild_rules()


def kind_of(rule) -> Kind:
    """The kind of a model rule (or of its record), by its `kind` discriminator."""
    try:
        return KINDS[rule.kind]
    except KeyError:
        raise TypeError(f"no rule kind {rule.kind!r}") from None
