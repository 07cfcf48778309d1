"""Turn pydantic validation errors into located diagnostics with stable codes and hints."""

from __future__ import annotations

import typing
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

from .diagnostics import Diagnostic, Path, did_you_mean
from .source import Document

_CODES = {
    "extra_forbidden": "unknown-key",
    "missing": "missing-key",
    "literal_error": "invalid-value",
    "enum": "invalid-value",
    "string_pattern_mismatch": "invalid-value",
    "union_tag_invalid": "invalid-value",
    "union_tag_not_found": "missing-key",
    "too_short": "invalid-value",
    "too_long": "invalid-value",
    "string_too_short": "invalid-value",
    "string_too_long": "invalid-value",
    "greater_than_equal": "out-of-range",
    "less_than_equal": "out-of-range",
    "greater_than": "out-of-range",
    "less_than": "out-of-range",
    "date_from_datetime_parsing": "invalid-date",
    "date_parsing": "invalid-date",
    "date_type": "invalid-date",
    "value_error": "invalid-value",
}


def diagnostics_from(error: ValidationError, doc: Document, model: type[BaseModel],
                     prefix: Path = ()) -> list[Diagnostic]:
    """One diagnostic per pydantic error, located in `doc`, most specific union branch only."""
    out: list[Diagnostic] = []
    seen: set[tuple] = set()
    for err in _prune_union_noise(error.errors(include_url=False)):
        path = (*prefix, *_data_path(err["loc"], doc_data(doc, prefix)))
        code = _CODES.get(err["type"], "wrong-type")
        message = err["msg"]
        hint = None
        if err["type"] == "extra_forbidden":
            key = path[-1] if path else ""
            message = f"unknown key '{key}'"
            hint = did_you_mean(str(key), _fields_at(model, _schema_path(path[len(prefix):])))
        elif err["type"] == "missing":
            message = f"required key '{path[-1]}' is missing" if path else "required key missing"
        elif code == "wrong-type" or code == "invalid-value":
            message = f"{err['msg']} (got {_short(err.get('input'))})"
        key = (code, path)
        if key in seen:
            continue
        seen.add(key)
        out.append(Diagnostic(code, message, doc.span(path), path, hint))
    return out


def _data_path(loc: Iterable[Any], data: Any) -> Path:
    """Follow pydantic's loc through the data, dropping union branch tags that are not keys."""
    out: list[str | int] = []
    current = data
    parts = list(loc)
    for i, part in enumerate(parts):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        elif isinstance(part, str) and i < len(parts) - 1 and _is_branch_tag(part):
            continue
        else:
            current = None
        out.append(part)
    return tuple(out)


def _is_branch_tag(part: str) -> bool:
    return part[:1].isupper() or "[" in part or part in {"deadline", "order", "obligation", "channel"}


def _prune_union_noise(errors: list[dict]) -> list[dict]:
    """For untagged unions keep only the errors of the branch with the fewest (the closest fit)."""
    groups: dict[tuple, dict[str, list[dict]]] = {}
    kept: list[dict] = []
    for err in errors:
        loc = tuple(err["loc"])
        tag_at = next((i for i, p in enumerate(loc) if isinstance(p, str) and p[:1].isupper()), None)
        if tag_at is None:
            kept.append(err)
            continue
        groups.setdefault(loc[:tag_at], {}).setdefault(loc[tag_at], []).append(err)
    for branches in groups.values():
        kept.extend(min(branches.values(), key=len))
    return kept


def doc_data(doc: Document, prefix: Path) -> Any:
    """The data below `prefix` in `doc`."""
    current = doc.data
    for part in prefix:
        current = current[part]
    return current


def _schema_path(path: Path) -> Path:
    return path[:-1]


def _fields_at(model: Any, path: Path) -> list[str]:
    """Field names (and aliases) of the model reached by following `path` from `model`."""
    current: Any = model
    for part in path:
        current = _step(current, part)
        if current is None:
            return []
    return _names(current)


def _step(tp: Any, part: str | int) -> Any:
    for candidate in _flatten(tp):
        if isinstance(part, int):
            args = typing.get_args(candidate)
            if typing.get_origin(candidate) in (tuple, list) and args:
                return args[0]
        elif isinstance(candidate, type) and issubclass(candidate, BaseModel):
            for name, field in candidate.model_fields.items():
                if part in (name, field.alias):
                    return field.annotation
    return None


def _flatten(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _flatten(typing.get_args(tp)[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return [x for arg in typing.get_args(tp) for x in _flatten(arg)]
    return [tp]


def _names(tp: Any) -> list[str]:
    names: list[str] = []
    for candidate in _flatten(tp):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            for name, field in candidate.model_fields.items():
                names.append(field.alias or name)
    return names


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
