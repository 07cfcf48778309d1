"""Request bodies to plain data: JSON read fast, YAML (or JSON with a mistake) read with positions for errors."""

from __future__ import annotations

import json
from typing import Any

from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request

from ..diagnostics import Diagnostic, PolicykitError, Span
from ..source import Document, decode, parse
from ..strict_json import RepeatedKey, loads

BODY = "<body>"


def strict_loads(raw: bytes) -> Any:
    """JSON bytes to data, the text read as every request body is (policykit.source.decode: UTF-8 with an optional
    BOM; anything else is a located PolicykitError); ValueError when they are not plain JSON (NaN and Infinity
    included; json.JSONDecodeError with its line and column), RepeatedKey when an object holds a key twice,
    RecursionError when nested past Python's depth."""
    return loads(decode(raw, BODY))


def fast_document(raw: bytes) -> Document | None:
    """The body as JSON, without positions; None when it is not plain JSON, or holds a key twice (then
    `located_document` reads it, and says where)."""
    try:
        data = strict_loads(raw)
    except (ValueError, RecursionError, PolicykitError):
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


class BodyRefused(HTTPException):
    """A JSON body refused before validation, with its located diagnostics (an HTTPException, which FastAPI lets
    through its body reading; errors.install answers it as 422)."""

    def __init__(self, error: PolicykitError) -> None:
        super().__init__(422, "invalid body")
        self.error = error


class StrictRequest(Request):
    """A request whose JSON body is read by strict_loads, as /v1/check reads its own: a key given twice is a located
    duplicate-key (never the last one kept), a BOM is taken and bytes that are not UTF-8 are a located invalid-utf8
    (Starlette's own reader, which this one fell back to, took a BOM and kept the last of a key given twice)."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            raw = await self.body()
            try:
                self._json = strict_loads(raw)
            except RepeatedKey:
                raise BodyRefused(repeated_key_error(raw)) from None
            except PolicykitError as exc:
                raise BodyRefused(exc) from None
            except json.JSONDecodeError as exc:  # json's own reason and position (never the input itself)
                raise BodyRefused(PolicykitError.single("invalid-json", f"the body is not valid JSON: {exc.msg}",
                                                        Span(BODY, exc.lineno, exc.colno))) from None
            except (ValueError, RecursionError):  # NaN or Infinity, or nested past Python's depth
                raise BodyRefused(not_plain_json(raw)) from None
        return self._json


def not_plain_json(raw: bytes) -> PolicykitError:
    """The error of a body json cannot read though it is not malformed (nested past Python's depth, NaN): the
    located reading's own, as /v1/check says it (`too-deep` at its line and column), else invalid-json."""
    try:
        located_document(raw)
    except PolicykitError as exc:
        return exc
    return PolicykitError.single("invalid-json", "the body is not plain JSON (NaN and Infinity are not JSON)")


class StrictJSONRoute(APIRoute):
    """FastAPI's route, reading its JSON body with StrictRequest, as JSON whatever its media type says (`curl -d`
    sends a form's, some clients none; FastAPI reads only `application/json` as JSON)."""

    def get_route_handler(self):
        handler = super().get_route_handler()
        takes_json = self.body_field is not None  # a model body; the routes that read the request themselves keep
        # their media type (the batch export's format is told by it)

        async def strict(request: Request):
            scope = request.scope
            if takes_json and not _json_media(request.headers.get("content-type")):
                scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"content-type"]
                         + [(b"content-type", b"application/json")]}
            return await handler(StrictRequest(scope, request.receive))

        return strict


def _json_media(value: str | None) -> bool:
    media = (value or "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def repeated_key_error(raw: bytes) -> PolicykitError:
    """The located duplicate-key error of a JSON body holding a key twice (the located reading finds it)."""
    try:
        located_document(raw)
    except PolicykitError as exc:
        return exc
    return PolicykitError([Diagnostic("duplicate-key", "a key appears twice in one object")])
