"""What policy B adds, removes and changes relative to policy A, section by section, and whose deadline is stricter."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .compare import Matrix, compare, response_deadline, typical_calendar_days
from .model import Policy


@dataclass(frozen=True)
class Change:
    """One difference: an item B adds or removes, or a value B changes."""

    section: str
    item: str
    label: dict[str, str]
    change: str  # added, removed or changed
    a: Any = None
    b: Any = None


@dataclass(frozen=True)
class DeadlineSide:
    """A response deadline as it works in practice under one reading."""

    rule: str
    as_written: str
    amount: int
    unit: str
    bound: str | None
    typical_calendar_days: int
    starts: str | None = None  # the event the period counts from


@dataclass(frozen=True)
class Strictness:
    """Which response deadline is stricter under one reading, and why."""

    reading: str
    a: DeadlineSide | None
    b: DeadlineSide | None
    stricter: str  # a, b, same or incomparable
    reason: str


@dataclass(frozen=True)
class PolicyDiff:
    """Every difference of B relative to A."""

    a: str
    b: str
    changes: list[Change] = field(default_factory=list)
    deadline: list[Strictness] = field(default_factory=list)
    # the two-column matrix the changes come from: its rows put a changed value in words (the unit of a
    # length that did not change itself); not part of the JSON, which keeps the raw values
    matrix: Matrix | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict:
        """The JSON form of `diff --format json`."""
        return {name: value for name, value in asdict(self).items() if name != "matrix"}

    def by_section(self) -> dict[str, list[Change]]:
        """Changes grouped by section, in matrix order."""
        grouped: dict[str, list[Change]] = {}
        for change in self.changes:
            grouped.setdefault(change.section, []).append(change)
        return grouped


def diff(a: Policy, b: Policy) -> PolicyDiff:
    """The differences of `b` relative to `a`."""
    b_key = b.id if b.id != a.id else f"{b.id} (B)"
    matrix = compare([a, b if b_key == b.id else b.model_copy(update={"id": b_key})])
    changes = []
    for row in matrix.rows:
        before, after = row.values[a.id], row.values[b_key]
        if before == after:
            continue
        if row.membership:
            changes.append(Change(row.section, row.item, row.label, "added" if after else "removed"))
        else:
            changes.append(Change(row.section, row.item, row.label, "changed", before, after))
    names = (a.id, b.id) if a.id != b.id else (f"{a.id}@{a.version}", f"{b.id}@{b.version}")
    return PolicyDiff(*names, changes, [_strictness(a, b, reading, names) for reading in ("intended", "literal")],
                      matrix)


def deadline_side(policy: Policy, reading: str) -> DeadlineSide | None:
    """The response deadline of `policy` under `reading` (its default when the rule lacks that reading)."""
    rule = response_deadline(policy)
    if rule is None:
        return None
    chosen = rule.readings.get(reading) or rule.readings.get(rule.default_reading)
    bound = chosen.bound if chosen else rule.bound_as_written
    return DeadlineSide(rule.id, rule.as_written, rule.period.amount, rule.period.unit, bound,
                        typical_calendar_days(policy, rule.period.amount, rule.period.unit), rule.trigger.event)


def _strictness(a: Policy, b: Policy, reading: str, names: tuple[str, str]) -> Strictness:
    name_a, name_b = names
    left, right = deadline_side(a, reading), deadline_side(b, reading)
    if left is None or right is None:
        missing = name_a if left is None else name_b
        return Strictness(reading, left, right, "incomparable", f"{missing} has no response deadline")
    if left == right:
        return Strictness(reading, left, right, "same", "the same deadline, bound and reading")
    left_caps, right_caps = left.bound == "at_most", right.bound == "at_most"
    if left_caps != right_caps:
        winner = "a" if left_caps else "b"
        loser = name_b if left_caps else name_a
        return Strictness(reading, left, right, winner,
                          f"{loser} sets no upper bound on the answer under the {reading} reading")
    if not left_caps:
        return Strictness(reading, left, right, "incomparable",
                          "neither sets an upper bound on the answer under the " + reading + " reading")
    if left.typical_calendar_days == right.typical_calendar_days:
        return Strictness(reading, left, right, "same",
                          f"both typically allow {left.typical_calendar_days} calendar days")
    winner = "a" if left.typical_calendar_days < right.typical_calendar_days else "b"
    reason = (f"{name_a} typically allows {left.typical_calendar_days} calendar days "
              f"({left.amount} {left.unit.replace('_', ' ')}), {name_b} {right.typical_calendar_days} "
              f"({right.amount} {right.unit.replace('_', ' ')})")
    if left.starts != right.starts:
        reason += f"; note they count from different events ({left.starts} vs {right.starts})"
    return Strictness(reading, left, right, winner, reason)
