"""Every failure as `{"errors": [{code, message, path, line, col}]}` with its 4xx status, never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..diagnostics import Diagnostic, PolicykitError, Span, format_path
from .bodies import BodyRefused
from .responses import JSON

log = logging.getLogger("policykit.service")

# diagnostic codes answered with something other than 422
STATUS_OF_CODE = {"unknown-session": 404, "unknown-case": 404, "unknown-job": 404, "not-found": 404,
                  "unauthorized": 401, "body-too-large": 413, "file-too-large": 413, "timeout": 503, "overloaded": 503,
                  # the service's own disk (the batch jobs folder, a session's store) or database: its trouble, to
                  # be tried again, never the caller's input (a 422 tells a client not to send it again)
                  "output-unwritable": 503, "store-unavailable": 503, "store-write-failed": 503,
                  "store-locked": 503, "store-corrupt": 503, "store-unreadable": 503}
# how long a client is told to wait before trying a 503 again (Retry-After, seconds): a restarted database or a
# freed disk is back within seconds, and a client retrying at once would only add to the load
RETRY_AFTER_S = 5
INTERNAL_ERROR = "internal error; this is a bug in policykit, not in your input"
CODE_OF_STATUS = {401: "unauthorized", 404: "not-found", 405: "method-not-allowed", 406: "not-acceptable",
                  413: "body-too-large", 415: "unsupported-media-type", 422: "invalid-input"}


class ServiceError(Exception):
    """An error answered with `status` and the diagnostics of `error`."""

    def __init__(self, status: int, error: PolicykitError, headers: dict | None = None) -> None:
        super().__init__(error.render())
        self.status, self.error, self.headers = status, error, headers

    @classmethod
    def of(cls, status: int, code: str, message: str, path: tuple = ()) -> "ServiceError":
        """An error with one diagnostic."""
        return cls(status, PolicykitError.single(code, message, path=path))


def error_item(diagnostic: Diagnostic) -> dict:
    """One located error; a diagnostic's hint joins its message (the file name of a request body is left out)."""
    span = diagnostic.span
    message = diagnostic.message + (f"; {diagnostic.hint}" if diagnostic.hint else "")
    return {"code": diagnostic.code, "message": message,
            "path": format_path(diagnostic.path) or None,
            "line": span.line if span else None, "col": span.col if span else None}


def error_body(error: PolicykitError) -> dict:
    """The errors object of a PolicykitError (at most 100 diagnostics)."""
    return {"errors": [error_item(d) for d in error.diagnostics[:100]]}


def status_for(error: PolicykitError) -> int:
    """422 for invalid input, unless the first diagnostic's code says otherwise."""
    return STATUS_OF_CODE.get(error.first.code, 422) if error.diagnostics else 422


# what a client is told of the service's own storage failing: its code and what it means for the request; the
# driver's words (a database's host and port, a socket's path, a file's name) go to the server's log only
STORAGE_SAID = {"store-unavailable": "the service's sessions store cannot be reached",
                "store-write-failed": "the service's sessions store could not be written",
                "store-locked": "the session's store is held by another process",
                "store-corrupt": "the session's store cannot be read",
                "store-unreadable": "the session's store could not be opened"}


def for_client(error: PolicykitError, request: Request) -> PolicykitError:
    """`error` as a client is answered it: a storage failure without the server's details, which are logged."""
    code = error.first.code if error.diagnostics else None
    if code not in STORAGE_SAID:
        return error
    route = request.scope.get("route")
    log.warning("%s on %s %s: %s", code, request.method, getattr(route, "path", None) or "(no route)",
                error.first.message)
    return PolicykitError.single(code, f"{STORAGE_SAID[code]}; nothing of the request was acknowledged")


def answer(status: int, error: PolicykitError, headers: dict | None = None) -> JSON:
    """The error response; a 503 says when to try again (Retry-After)."""
    if status == 503:
        headers = {"Retry-After": str(RETRY_AFTER_S), **(headers or {})}
    return JSON(error_body(error), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Handlers that turn every exception into the error shape."""

    @app.exception_handler(ServiceError)
    async def _service(request: Request, exc: ServiceError) -> JSON:
        return answer(exc.status, exc.error, exc.headers)

    @app.exception_handler(PolicykitError)
    async def _policykit(request: Request, exc: PolicykitError) -> JSON:
        return answer(status_for(exc), for_client(exc, request))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSON:
        # pydantic's `input` (the offending value, possibly personal) and `ctx` are left out
        items = []
        for problem in exc.errors()[:100]:
            if problem.get("type") == "json_invalid":  # a body that is not JSON: located in the body, not a path
                items.append(_not_json(problem, getattr(exc, "body", None)))
                continue
            where = [part for part in problem.get("loc", ()) if part not in ("body", "query", "path", "header")]
            items.append(Diagnostic(_validation_code(problem), str(problem.get("msg", "invalid value")),
                                    path=tuple(where)))
        return answer(422, PolicykitError(items or [Diagnostic("invalid-input", "invalid request")]))

    @app.exception_handler(BodyRefused)
    async def _refused(request: Request, exc: BodyRefused) -> JSON:
        return answer(422, exc.error)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSON:
        if exc.status_code == 400:  # FastAPI's answer to a body that is not JSON: invalid input, as SPEC §11 says
            return answer(422, PolicykitError.single("invalid-json", "the body is not valid JSON"))
        code = CODE_OF_STATUS.get(exc.status_code, "http-error")
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        status = exc.status_code if 400 <= exc.status_code < 500 else 422
        headers = getattr(exc, "headers", None)
        if status == 405 and headers and "GET" in headers.get("Allow", "").split(", "):
            headers = {**headers, "Allow": headers["Allow"] + ", HEAD"}  # the Guard answers HEAD as GET
        return answer(status, PolicykitError.single(code, message), headers)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSON:
        # the exception's message may quote input: only its type is logged, and nothing of it is answered; the
        # route's template, not the path, which holds ids (and any control character sent in them)
        route = request.scope.get("route")
        log.error("internal error %s on %s %s", type(exc).__name__, request.method,
                  getattr(route, "path", None) or "(no route)")
        return answer(500, PolicykitError.single("internal-error", INTERNAL_ERROR))


def _not_json(problem: dict, body) -> Diagnostic:
    """FastAPI's JSON decode error (its `loc` holds the character offset in the body) at its line and column."""
    where = problem.get("loc", ())
    offset = where[-1] if where and isinstance(where[-1], int) else None
    reason = (problem.get("ctx") or {}).get("error")  # json's own reason ("Expecting value"): never the input
    message = "the body is not valid JSON" + (f": {reason}" if isinstance(reason, str) else "")
    if offset is None or not isinstance(body, str):
        return Diagnostic("invalid-json", message)
    line = body.count("\n", 0, offset) + 1
    return Diagnostic("invalid-json", message, Span("<body>", line, offset - body.rfind("\n", 0, offset)))


def _validation_code(problem: dict) -> str:
    kind = str(problem.get("type", ""))
    if kind == "missing":
        return "missing-key"
    if kind == "extra_forbidden":
        return "unknown-key"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "wrong-type"
    return "invalid-value"
