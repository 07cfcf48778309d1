"""The registry of rule kinds: every path that needs to know the kinds reads them here."""

from __future__ import annotations

from .channel import CHANNEL
from .deadline import DEADLINE
from .obligation import OBLIGATION
from .order import ORDER
from .table import Kind

KINDS: dict[str, Kind] = {kind.name: kind for kind in (DEADLINE, ORDER, OBLIGATION, CHANNEL)}


def register(kind: Kind) -> None:
    """Add a kind (a test-only one, say): policies may then use it once policykit.model is rebuilt with it."""
    KINDS[kind.name] = kind
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
