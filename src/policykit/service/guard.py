"""ASGI middleware in front of the app: Bearer tokens on /v1/, the request body limit, and loopback's guard."""

from __future__ import annotations

import hmac

from ..diagnostics import PolicykitError
from .errors import ServiceError, answer


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class Guard:
    """Refuses /v1/ requests without a configured token (401), bodies over the limit (413), and, when no token is
    configured, requests that a page on another site could have a local browser send (403)."""

    def __init__(self, app, tokens: tuple[str, ...], max_body_bytes: int) -> None:
        self.app = app
        self.tokens = tuple(token.encode("utf-8") for token in tokens)
        self.max_body_bytes = max_body_bytes

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
        await self.app(scope, self.bounded(receive), send)

    def allowed(self, header: bytes | None) -> bool:
        """Whether the Authorization header carries one of the tokens."""
        return bearer_ok(self.tokens, header)

    @staticmethod
    def open_refusal(scope, headers: dict) -> tuple[str, str] | None:
        """With no token (loopback only), what a web page elsewhere could otherwise make a local browser do:
        a request under another host name (DNS rebinding) or from another site's page is refused."""
        host = headers.get(b"host", b"").decode("latin-1").lower()
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        if name not in LOOPBACK_NAMES:
            return "forbidden-host", "with no token configured the service answers loopback host names only"
        origin = headers.get(b"origin")
        if origin is not None and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            own = {f"http://{host}", f"https://{host}"}
            if origin.decode("latin-1").lower() not in own:
                return "cross-origin", "a request from another site's page is refused"
        return None

    def too_large(self) -> str:
        return f"the request body is larger than the limit of {self.max_body_bytes} bytes"

    def bounded(self, receive):
        """`receive` counting the body's bytes, raising 413 past the limit (a body sent without a length)."""
        seen = 0

        async def wrapped():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise ServiceError.of(413, "body-too-large", self.too_large())
            return message

        return wrapped

    @staticmethod
    async def refuse(scope, receive, send, status: int, code: str, message: str, headers: dict | None = None):
        response = answer(status, PolicykitError.single(code, message), headers)
        await response(scope, receive, send)


def bearer_ok(tokens: tuple[bytes, ...], header: bytes | None) -> bool:
    """Whether `Bearer <token>` names one of `tokens`; every token is compared in constant time."""
    if not header or not header[:7].lower() == b"bearer ":
        return False
    given = header[7:].strip()
    found = False
    for token in tokens:  # no early exit: the time taken does not tell which token nearly matched
        found |= hmac.compare_digest(given, token)
    return found
