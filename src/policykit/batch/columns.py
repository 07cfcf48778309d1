"""The columns a batch log may carry: case id, event type, time, event attributes and facts."""

from __future__ import annotations

from dataclasses import dataclass

from ..vocabulary import EVENT_ATTRIBUTES, FACTS

CASE_ID, TYPE, AT, LINE = "case_id", "type", "at", "line"
REQUIRED = (CASE_ID, TYPE, AT)
ATTRIBUTES: tuple[str, ...] = tuple(sorted({a for attrs in EVENT_ATTRIBUTES.values() for a in attrs}))


@dataclass(frozen=True)
class LogColumns:
    """Which columns of a log are read, and which are ignored (named in the summary)."""

    attributes: tuple[str, ...]
    facts: tuple[str, ...]
    unknown: tuple[str, ...]

    @property
    def known(self) -> tuple[str, ...]:
        """Every column the batch reads, in a fixed order."""
        return REQUIRED + self.attributes + self.facts


def classify(names: list[str], policy_facts: tuple[str, ...] = (),
             policy_attributes: tuple[str, ...] = ()) -> LogColumns:
    """Split a log's column names (as the file has them, without the reader's line column) into attributes,
    facts and unknown columns."""
    attribute_ids = set(ATTRIBUTES) | set(policy_attributes)
    fact_ids = set(FACTS) | set(policy_facts)
    attributes = tuple(n for n in names if n in attribute_ids)
    facts = tuple(n for n in names if n in fact_ids)
    unknown = tuple(n for n in names if n not in attribute_ids | fact_ids and n not in REQUIRED)
    return LogColumns(attributes, facts, unknown)


def column_name(name: str) -> str:
    """A log's column name as batch reads it: without the spaces around it (an Excel header 'case_id ' is case_id)."""
    return name.strip()


def keys_of(rows: list[dict]) -> list[str]:
    """Every key of the rows, in the order first met, the line column's name left out (a key named like it is
    ignored, not mistaken for it)."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    names.pop(LINE, None)
    return list(names)
