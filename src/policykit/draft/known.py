"""What the known policies teach a draft: each of their source lines with the elements and rules citing it."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from ..template.align import similarity
from ..template.arabic import stem
from ..template.outline import Line, Outline

# the policy fields whose elements are lists of items citing one source line each
ITEM_FIELDS = ("channels", "tools", "steps", "service_practices", "detailed_goals", "services", "relationship",
               "information_duties", "satisfaction")
PASSAGE_FIELDS = ("preamble", "general_goal", "scope", "responsibilities")
LINE_MATCH = 0.6


@dataclass
class Cited:
    """A known element citing a source line: its policy, field, data (plain) and clause reference."""

    policy: str
    field: str
    data: dict
    heading: str | None


@dataclass
class KnownPolicy:
    """One known policy: its plain data, its source's outline, and what cites each line."""

    id: str
    data: dict
    outline: Outline
    by_line: dict[int, list[Cited]] = field(default_factory=dict)
    rules_by_line: dict[int, list[dict]] = field(default_factory=dict)


def known_policy(policy, outline: Outline) -> KnownPolicy:
    """Index a loaded policy by the source lines its elements cite."""
    data = policy.model_dump(mode="json", by_alias=True, exclude_none=True)
    known = KnownPolicy(policy.id, data, outline)
    document = data.get("document", {})
    for name in ITEM_FIELDS + PASSAGE_FIELDS:
        value = document.get(name) if name in ("detailed_goals", "preamble", "general_goal", "scope") else data.get(name)
        for element in ([value] if isinstance(value, dict) else value or []):
            clause = element.get("clause") or {}
            if clause.get("line"):
                cited = Cited(policy.id, name, element, clause.get("section_ar"))
                for number in range(clause["line"], (clause.get("end_line") or clause["line"]) + 1):
                    known.by_line.setdefault(number, []).append(cited)
    for rule in data.get("rules", []):
        line = rule.get("clause", {}).get("line")
        if line:
            known.rules_by_line.setdefault(line, []).append(rule)
    return known


@dataclass(frozen=True)
class Match:
    """The known line most like a new one, how alike, and what cites it."""

    score: float
    policy: KnownPolicy
    line: Line
    cited: tuple[Cited, ...]
    rules: tuple[dict, ...]


def best_match(line: Line, known: list[KnownPolicy]) -> Match | None:
    """The cited known line most like `line` (at least LINE_MATCH alike), over every known policy."""
    mine = set(_stems(tuple(line.folded)))
    best: Match | None = None
    for policy in known:
        for other in policy.outline.lines:
            cited = policy.by_line.get(other.number)
            if not cited or not mine & set(_stems(tuple(other.folded))):
                continue
            score = similarity(line.folded, other.folded)
            if score >= LINE_MATCH and (best is None or score > best.score):
                best = Match(score, policy, other, tuple(cited), tuple(policy.rules_by_line.get(other.number, ())))
    return best


@functools.lru_cache(maxsize=4096)
def _stems(folded: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(stem(w) for w in folded)


def plain(value: Any) -> Any:
    """A deep copy of plain data."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
