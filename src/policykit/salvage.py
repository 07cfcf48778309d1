"""The parts of an invalid policy that do validate, so that reference checks can still run on them."""

from __future__ import annotations

import functools
import types
import typing
from typing import Any

from pydantic import TypeAdapter, ValidationError

from .model import Policy


def partial_policy(data: Any) -> Policy:
    """A Policy holding only the sections (and list items) of `data` that validate, for reference checks."""
    values: dict[str, Any] = {}
    if not isinstance(data, dict):
        return Policy.model_construct()
    for name, field in Policy.model_fields.items():
        key = field.alias or name
        if key not in data:
            continue
        adapter = _field_adapter(Policy, name)
        raw = data[key]
        try:
            values[name] = adapter.validate_python(raw)
            continue
        except ValidationError:
            pass
        if isinstance(raw, list) and name in _ITEM_TYPES:
            items = []
            for item in raw:
                try:
                    items.append(_item_adapter(name).validate_python(item))
                except ValidationError:
                    # the fields that do validate still get their references checked; a hole keeps indexes
                    items.append(_salvage(_ITEM_TYPES[name], item))
            values[name] = tuple(items)
    return Policy.model_construct(**values)


_ITEM_TYPES = {
    name: typing.get_args(field.annotation)[0]
    for name, field in Policy.model_fields.items()
    if typing.get_origin(field.annotation) is tuple
}


@functools.lru_cache(maxsize=None)
def _item_adapter(section: str) -> TypeAdapter:
    return TypeAdapter(_ITEM_TYPES[section])


def _salvage(item_type: Any, raw: Any) -> Any:
    """An unvalidated model holding only the fields of `raw` that validate on their own, or None."""
    if not isinstance(raw, dict):
        return None
    cls = _member_for(item_type, raw)
    if cls is None:
        return None
    values = {}
    for name, field in cls.model_fields.items():
        key = field.alias or name
        if key in raw:
            try:
                values[name] = _field_adapter(cls, name).validate_python(raw[key])
            except ValidationError:
                pass
    return cls.model_construct(**values)


def _member_for(item_type: Any, raw: dict) -> Any:
    """The model class of a (possibly tagged-union) item type that `raw` is meant to be."""
    members = _models_in(item_type)
    if len(members) == 1:
        return members[0]
    for cls in members:
        kind = cls.model_fields.get("kind")
        if kind is not None and raw.get("kind") in typing.get_args(kind.annotation):
            return cls
    return None


def _models_in(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _models_in(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _models_in(arg)]
    return [tp] if isinstance(tp, type) and hasattr(tp, "model_fields") else []


@functools.lru_cache(maxsize=None)
def _field_adapter(cls: Any, name: str) -> TypeAdapter:
    field = cls.model_fields[name]
    annotation = typing.Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
    return TypeAdapter(annotation)
