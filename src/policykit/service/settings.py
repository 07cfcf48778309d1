"""What a service process is configured with: tokens, store, limits, decision log."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import PolicykitError, Span

MiB = 1024 * 1024
DEFAULT_STORE = "policykit-sessions"  # a directory in the working directory, one SQLite file per session
DEFAULT_DECISION_LOG = "policykit-decisions.jsonl"
DEFAULT_JOBS_DIR = "policykit-jobs"  # `serve`'s batch jobs, kept across restarts (the library's default: a temp dir)


@dataclass(frozen=True)
class ServiceSettings:
    """One service's configuration; every field has a safe default."""

    tokens: tuple[str, ...] = ()
    store: str = DEFAULT_STORE
    max_body_bytes: int = 10 * MiB
    time_limit_s: float = 30.0
    max_concurrent: int = 1000  # requests answered at once; one more is 503 overloaded (uvicorn's own is plain text)
    decision_log: str | None = DEFAULT_DECISION_LOG
    jobs_dir: str | None = None  # None: a temporary folder, removed (with its jobs) when the service stops


def read_tokens(file: str | None, env: dict | None = None) -> tuple[str, ...]:
    """Tokens from `file` (one per line; blank lines and `#` comments skipped) and POLICYKIT_TOKENS (commas)."""
    env = os.environ if env is None else env
    tokens: list[str] = []
    if file:
        text = _tokens_text(file)
        tokens += [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    tokens += [part.strip() for part in env.get("POLICYKIT_TOKENS", "").split(",") if part.strip()]
    short = [t for t in tokens if len(t) < 16]
    if short:
        raise PolicykitError.single("weak-token", f"{len(short)} token(s) shorter than 16 characters",
                                    Span(str(file) if file else "POLICYKIT_TOKENS"),
                                    hint="use long random tokens, e.g. python -c 'import secrets; "
                                         "print(secrets.token_urlsafe(32))'")
    return tuple(dict.fromkeys(tokens))


def _tokens_text(file: str) -> str:
    """The tokens file's text, only from a regular file that nobody but its owner (the user, or root) can write:
    anyone who can write it can give themselves a token."""
    import stat

    from ..source import decode, open_regular

    try:
        fd = open_regular(str(file))
    except PolicykitError:
        raise PolicykitError.single("file-unreadable", "cannot read the tokens file", Span(str(file))) from None
    with open(fd, "rb") as handle:
        info = os.fstat(handle.fileno())  # what was checked is what is read
        getuid = getattr(os, "getuid", None)
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) or (getuid is not None and info.st_uid not in (getuid(), 0)):
            raise PolicykitError.single("tokens-file-unsafe", "the tokens file can be written by others than its "
                                        "owner, or is another user's: whoever can write it can give themselves a "
                                        "token; not read", Span(str(file)),
                                        hint="make it the service user's own file: chmod 600")
        raw = handle.read(MiB + 1)
    if len(raw) > MiB:
        raise PolicykitError.single("file-too-large", f"the tokens file is larger than {MiB} bytes", Span(str(file)))
    try:
        return decode(raw, str(file))  # a BOM (Notepad) is not part of the first token
    except PolicykitError:
        raise PolicykitError.single("file-unreadable", "cannot read the tokens file (not UTF-8 text)",
                                    Span(str(file))) from None


def is_loopback(host: str) -> bool:
    """Whether `host` (an address, bracketed or not, or a name) is this machine only: `localhost` or a loopback
    address (127.0.0.0/8, ::1); any other name may resolve anywhere, one starting with "127." included."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False


def check_binding(host: str, tokens: tuple[str, ...]) -> None:
    """Refuse to listen beyond loopback with no token: the API would be open to the network."""
    if not tokens and not is_loopback(host):
        raise PolicykitError.single("no-token", f"refusing to listen on {host} with no token configured",
                                    Span("--host"), hint="pass --tokens FILE or set POLICYKIT_TOKENS, "
                                                         "or listen on 127.0.0.1")
