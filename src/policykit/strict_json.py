"""JSON read strictly, as every reader of policykit takes it: a key given twice and NaN or Infinity are refused
(Python's json takes the last of a repeated key, losing the first value, and reads NaN, which JSON has not)."""

from __future__ import annotations

import json
from typing import Any


class RepeatedKey(ValueError):
    """A JSON object holding one key twice (JSON allows it; read last-one-wins, the first value would be lost)."""


def unique_object(pairs: list) -> dict:
    """An object's pairs as a dict; RepeatedKey when a key is given twice."""
    found = dict(pairs)
    if len(found) != len(pairs):
        raise RepeatedKey("a key appears twice")
    return found


def no_constant(name: str):
    """NaN, Infinity and -Infinity are not JSON values."""
    raise ValueError(f"{name} is not JSON")


def loads(text: str | bytes) -> Any:
    """`text` as JSON data; ValueError (json.JSONDecodeError with its position) when it is not plain JSON,
    RepeatedKey when an object holds a key twice, RecursionError when nested past Python's depth."""
    return json.loads(text, object_pairs_hook=unique_object, parse_constant=no_constant)


def loads_line(line: bytes) -> tuple[Any, list[str]]:
    """One JSONL line as json reads it (a repeated key's last value kept), and the keys its top-level object
    gives more than once, at the cost of plain json.loads when no key can repeat.

    Why that is sound: when no quote is followed by whitespace, every key's closing quote is followed by its
    colon, so each key anywhere in the line (nested ones too) makes one `":`, and a string value may make more;
    as many `":` as the object has keys then means no key was repeated and none is nested.  Any other line (a
    nested object, spacing after a key, `":` inside a value, a repeated key) takes the counting pass."""
    data = json.loads(line)
    if isinstance(data, dict) and (line.count(b'":') != len(data) or _quote_then_space(line)):
        return data, _top_level_repeats(line)
    return data, []


def _top_level_repeats(line: bytes) -> list[str]:
    """The keys the line's outermost object gives more than once (json calls the hook on it last)."""
    found: list[list[str]] = []

    def hook(pairs: list) -> dict:
        seen: dict[str, int] = {}
        for key, _ in pairs:
            seen[key] = seen.get(key, 0) + 1
        found.append([key for key, count in seen.items() if count > 1])
        return dict(pairs)

    json.loads(line, object_pairs_hook=hook)
    return found[-1] if found else []


def _quote_then_space(line: bytes) -> bool:
    return b'" ' in line or b'"\t' in line or b'"\r' in line or b'"\n' in line
