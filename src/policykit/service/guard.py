"""ASGI middleware in front of the app: Bearer tokens on /v1/, the request body limit, and loopback's guard."""

from __future__ import annotations

import hmac

from ..diagnostics import PolicykitError
from .errors import INTERNAL_ERROR, ServiceError, answer
from .settings import is_loopback


class Guard:
    """Refuses /v1/ requests without a configured token (401), bodies over the limit (413), requests past the
    number answered at once (503 overloaded, with Retry-After: uvicorn's own `limit_concurrency` answers a plain-text
    503), and, when no token is configured, requests that a page on another site could have a local browser send
    (403)."""

    def __init__(self, app, tokens: tuple[str, ...], max_body_bytes: int, max_concurrent: int = 1000) -> None:
        self.app = app
        self.tokens = tuple(token.encode("utf-8") for token in tokens)
        self.max_body_bytes = max_body_bytes
        self.max_concurrent = max_concurrent
        self.busy = 0  # requests being answered (one event loop: no lock needed)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if not self.tokens:
            refusal = self.open_refusal(scope, headers)
            if refusal is not None:
                await self.refuse(scope, receive, send, 403, *refusal)
                return
        elif scope["path"].startswith("/v1/") and not self.allowed(headers.get(b"authorization")):
            await self.refuse(scope, receive, send, 401, "unauthorized", "a valid 'Authorization: Bearer <token>' "
                              "header is required", {"WWW-Authenticate": "Bearer"})
            return
        length = headers.get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = -1
            if declared > self.max_body_bytes:
                await self.refuse(scope, receive, send, 413, "body-too-large", self.too_large())
                return
        if self.busy >= self.max_concurrent and scope["path"] != "/healthz":  # liveness is still told
            await self.refuse(scope, receive, send, 503, "overloaded", f"the service is answering "
                              f"{self.max_concurrent} requests, as many as it takes at once")
            return
        self.busy += 1
        try:
            await self.answer(scope, receive, send)
        finally:
            self.busy -= 1

    async def answer(self, scope, receive, send) -> None:
        """The app's answer, the body counted against its limit; HEAD answered as GET without the body."""
        overflow = Overflow(self.too_large())
        if scope["method"] == "HEAD":  # answered as GET, without the body (FastAPI routes GET alone: HEAD was 405)
            scope, send = {**scope, "method": "GET"}, headless(send)
        try:
            await self.app(scope, overflow.receive(receive, self.max_body_bytes), overflow.send(scope, send))
        except Exception:  # noqa: BLE001 - errors.install answered the 500 and logged the exception's type
            # Starlette raises it again once answered, and uvicorn would print its traceback, whose messages may
            # quote input (personal data): it ends here
            if not overflow.started:
                await self.refuse(scope, receive, send, 500, "internal-error", INTERNAL_ERROR)

    def allowed(self, header: bytes | None) -> bool:
        """Whether the Authorization header carries one of the tokens."""
        return bearer_ok(self.tokens, header)

    @staticmethod
    def open_refusal(scope, headers: dict) -> tuple[str, str] | None:
        """With no token (loopback only), what a web page elsewhere could otherwise make a local browser do:
        a request under another host name (DNS rebinding) or from another site's page is refused."""
        host = headers.get(b"host", b"").decode("latin-1").lower()
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        if not is_loopback(name):
            return "forbidden-host", "with no token configured the service answers loopback host names only"
        origin = headers.get(b"origin")
        if origin is not None and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            own = {f"http://{host}", f"https://{host}"}
            if origin.decode("latin-1").lower() not in own:
                return "cross-origin", "a request from another site's page is refused"
        return None

    def too_large(self) -> str:
        return f"the request body is larger than the limit of {self.max_body_bytes} bytes"

    @staticmethod
    async def refuse(scope, receive, send, status: int, code: str, message: str, headers: dict | None = None):
        response = answer(status, PolicykitError.single(code, message), headers)
        await response(scope, receive, send)


class Overflow:
    """A request body counted as it arrives (one sent without a length): past the limit, the answer is 413.

    Raising from `receive` is not enough: FastAPI reads a model endpoint's body itself and turns any failure
    there into a 400 "not JSON"; so once the limit is passed, whatever the app answers is replaced by the 413."""

    def __init__(self, message: str) -> None:
        self.message, self.exceeded, self.replaced = message, False, False
        self.started = False  # whether an answer has begun

    def receive(self, receive, limit: int):
        """`receive` counting the body's bytes, raising 413 past `limit`."""
        seen = 0

        async def wrapped():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    self.exceeded = True
                    raise ServiceError.of(413, "body-too-large", self.message)
            return message

        return wrapped

    def send(self, scope, send):
        """`send`, answering the 413 instead of the app's response once the body passed the limit."""

        async def wrapped(message):
            if self.replaced:
                return
            if message["type"] == "http.response.start":
                self.started = True
            if self.exceeded and message["type"] == "http.response.start":
                self.replaced = True
                refusal = answer(413, PolicykitError.single("body-too-large", self.message))
                await refusal(scope, None, send)
                return
            await send(message)

        return wrapped


def headless(send):
    """`send` for a HEAD request: the answer's status and headers (its Content-Length too), no body."""

    async def wrapped(message):
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return wrapped


def bearer_ok(tokens: tuple[bytes, ...], header: bytes | None) -> bool:
    """Whether `Bearer <token>` names one of `tokens`; every token is compared in constant time."""
    if not header or not header[:7].lower() == b"bearer ":
        return False
    given = header[7:].strip()
    found = False
    for token in tokens:  # no early exit: the time taken does not tell which token nearly matched
        found |= hmac.compare_digest(given, token)
    return found
