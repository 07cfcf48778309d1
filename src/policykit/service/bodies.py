"""Request bodies to plain data: JSON read fast, YAML (or JSON with a mistake) read with positions for errors."""

from __future__ import annotations

from typing import Any

from ..diagnostics import PolicykitError
from ..source import Document, decode, parse
from .responses import loads

BODY = "<body>"


def fast_document(raw: bytes) -> Document | None:
    """The body as JSON, without positions; None when it is not plain JSON (then `located_document` reads it)."""
    try:
        data = loads(raw)
    except ValueError:
        return None
    return Document(data, BODY, {})


def located_document(raw: bytes) -> Document:
    """The body read as YAML (JSON included) with the line and column of every node; errors are located."""
    return parse(decode(raw, BODY), BODY)


def with_positions(raw: bytes, build, fast: Document | None):
    """`build(document)`, from the fast reading when it succeeds; an error is rebuilt on the located reading
    so that it carries lines and columns."""
    if fast is not None:
        try:
            return build(fast)
        except PolicykitError:
            pass
    return build(located_document(raw))


def mapping(doc: Document, what: str) -> dict[str, Any]:
    """The document's data, which must be a mapping."""
    if not isinstance(doc.data, dict):
        raise PolicykitError.single("wrong-type", f"{what} must be a JSON object", doc.span(()))
    return doc.data
