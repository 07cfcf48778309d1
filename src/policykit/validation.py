"""Turn pydantic validation errors into located diagnostics with stable codes and hints."""

from __future__ import annotations

import functools
import typing
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

from .diagnostics import Diagnostic, Path, did_you_mean, key_shown
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
                     prefix: Path = (), echo_values: bool = False) -> list[Diagnostic]:
    """One diagnostic per pydantic error, located in `doc`, most specific union branch only.

    Input values are echoed only with `echo_values` (policy files): a case file may hold personal
    data, so its errors name the type received, never the value.
    """
    out: list[Diagnostic] = []
    seen: set[tuple] = set()
    data = doc_data(doc, prefix)
    errors = [{**e, "_tags": _tag_positions(e["loc"], data)} for e in error.errors(include_url=False)]
    for err in _drop_empty_after_failure(_prune_union_noise(errors)):
        path = (*prefix, *_data_path(err["loc"], doc_data(doc, prefix)))
        code = _CODES.get(err["type"], "wrong-type")
        err["msg"] = err["msg"].removeprefix("Value error, ")  # a validator's own sentence, as pydantic words it
        message = err["msg"]
        hint = None
        if err["type"] == "extra_forbidden":
            key = path[-1] if path else ""
            message = f"unknown key {_key_text(key)}"
            hint = did_you_mean(str(key), _fields_at(model, _schema_path(path[len(prefix):])))
        elif err["type"] == "missing":
            message = f"required key '{path[-1]}' is missing" if path else "required key missing"
        elif err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            path, message, hint = _tag_problem(err, path, model, prefix)
        elif code in ("wrong-type", "invalid-value", "out-of-range", "invalid-date"):
            message = f"{err['msg']} (got {_describe(err.get('input'), echo_values)})"
        key = (code, path)
        if key in seen:
            continue
        seen.add(key)
        out.append(Diagnostic(code, message, doc.span(path), path, hint))
    return _drop_echoes(out)


def _tag_problem(err: dict, path: Path, model: Any, prefix: Path) -> tuple[Path, str, str | None]:
    """Point a discriminated-union error at its tag key (e.g. a rule's `kind`)."""
    ctx = err.get("ctx") or {}
    tag_key = str(ctx.get("discriminator", "'kind'")).strip("'")
    expected = _expected_tags(_at(model, path[len(prefix):]), tag_key)
    choices = ", ".join(expected)
    if err["type"] == "union_tag_not_found":
        return (*path, tag_key), f"required key '{tag_key}' is missing (one of: {choices})", None
    tag = _short_text(ctx.get("tag", ""))
    return (*path, tag_key), f"unknown {tag_key} '{tag}' (expected one of: {choices})", did_you_mean(tag, expected)


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
    from .judge.kinds import KINDS

    return part[:1].isupper() or "[" in part or part in KINDS


def _prune_union_noise(errors: list[dict], start: int = 0) -> list[dict]:
    """For untagged unions keep only the errors of the closest branch, level by level."""
    groups: dict[tuple, dict[str, list[dict]]] = {}
    kept: list[dict] = []
    for err in errors:
        loc = tuple(err["loc"])
        tag_at = next((i for i in err["_tags"] if i >= start), None)
        if tag_at is None:
            kept.append(err)
            continue
        groups.setdefault(loc[:tag_at], {}).setdefault(loc[tag_at], []).append(err)
    for prefix, branches in groups.items():
        depth = len(prefix)
        best = min(branches.values(), key=lambda errs: (_shape_misfits(errs, depth), len(errs)))
        kept.extend(_prune_union_noise(best, depth + 1))
    return kept


def _tag_positions(loc: Iterable[Any], data: Any) -> tuple[int, ...]:
    """Indexes of `loc` that name a union branch (a model class), not a key of the data."""
    tags = []
    current = data
    for i, part in enumerate(loc):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        elif isinstance(part, str) and part[:1].isupper():
            tags.append(i)  # the data is unchanged: the branch is tried on the same value
        else:
            current = None
    return tuple(tags)


def _shape_misfits(errors: list[dict], tag_at: int) -> int:
    """Keys the branch lacks or does not know, right under the branch: how badly its shape fits."""
    return sum(1 for e in errors if len(e["loc"]) == tag_at + 2 and e["type"] in ("extra_forbidden", "missing")
               or len(e["loc"]) == tag_at + 1)


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


def _at(model: Any, path: Path) -> Any:
    current = model
    for part in path:
        current = _step(current, part)
        if current is None:
            return None
    return current


def _expected_tags(tp: Any, tag_key: str) -> list[str]:
    """The literal values the union members accept for their tag field."""
    tags: list[str] = []
    for candidate in _flatten(tp):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel) and tag_key in candidate.model_fields:
            tags.extend(str(v) for v in typing.get_args(candidate.model_fields[tag_key].annotation))
    return tags


def _drop_echoes(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """A misspelt key yields 'unknown key' and 'missing key'; keep the one with the hint."""
    suggested = {(d.path[:-1], d.hint) for d in diagnostics if d.code == "unknown-key" and d.hint}
    return [d for d in diagnostics
            if not (d.code == "missing-key" and d.path and (d.path[:-1], f"did you mean '{d.path[-1]}'?") in suggested)]


def _drop_empty_after_failure(errors: list[dict]) -> list[dict]:
    """'too short' on a list whose items failed is a consequence, not a problem of its own."""
    failing = [tuple(e["loc"]) for e in errors]
    return [e for e in errors
            if not (e["type"] == "too_short"
                    and any(len(loc) > len(e["loc"]) and loc[:len(e["loc"])] == tuple(e["loc"]) for loc in failing))]


def _step(tp: Any, part: str | int) -> Any:
    for candidate in _flatten(tp):
        if isinstance(part, int):
            args = typing.get_args(candidate)
            if typing.get_origin(candidate) in (tuple, list) and args:
                return args[0]
        elif isinstance(candidate, type) and issubclass(candidate, BaseModel):
            for name, field in candidate.model_fields.items():
                if part in (name, field.alias):
                    return _annotation(candidate, name, field.annotation)
    return None


def _annotation(model: type, name: str, annotation: Any) -> Any:
    """A field's type; models build lazily (defer_build), so a self-referencing one may still be a forward ref."""
    if isinstance(annotation, (str, typing.ForwardRef)):
        return _type_hints(model).get(name, annotation)
    return annotation


@functools.lru_cache(maxsize=None)
def _type_hints(model: type) -> dict[str, Any]:
    return typing.get_type_hints(model, include_extras=True)


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


def _describe(value: Any, echo: bool) -> str:
    """The value received (policy files) or only its type (case data, which may be personal)."""
    if echo:
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return _TYPE_NAMES.get(type(value), "a value")


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "a boolean", type(None): "null",
               list: "a list", dict: "a mapping"}




def _key_text(key: Any) -> str:
    """A key quoted when it looks like one; other text (a line of some unrelated file) is not repeated."""
    return f"'{key}'" if key_shown(key) else "(not shown: it does not look like a key)"


def _short_text(value: Any, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
