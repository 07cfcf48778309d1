"""Policies by bundled id only (a request never names a path), each with its digest for provenance."""

from __future__ import annotations

import functools
import hashlib
import time

from ..diagnostics import PolicykitError, Span, did_you_mean
from ..loader import bundled_ids, load_policy
from ..model import Policy


@functools.lru_cache(maxsize=1)
def known_ids() -> tuple[str, ...]:
    """The bundled policy ids a request may name."""
    return tuple(bundled_ids())


def is_known(policy_id: object) -> bool:
    """Whether `policy_id` is a bundled id (anything else, a path included, is not)."""
    return isinstance(policy_id, str) and policy_id in known_ids()


def policy(policy_id: object, where: tuple = (), span: Span | None = None) -> Policy:
    """The bundled policy `policy_id`; an unknown id or a path is a located `unknown-policy`/`policy-path-refused`."""
    if is_known(policy_id):
        return _held(policy_id)
    text = policy_id if isinstance(policy_id, str) else ""
    if "/" in text or "\\" in text or text.endswith((".yaml", ".yml", ".json")):
        raise PolicykitError.single("policy-path-refused", "the service names policies by bundled id only, "
                                    "never by path", span, where, hint=f"bundled: {', '.join(known_ids())}")
    hint = did_you_mean(text, known_ids()) if text else None
    raise PolicykitError.single("unknown-policy", "no bundled policy with this id", span, where,
                                hint or f"bundled: {', '.join(known_ids())}")


RECHECK_S = 2.0  # how often a held policy's files are checked for an edit (load_policy hashes them: ~0.2 ms)
_HELD: dict[str, tuple[Policy, float]] = {}


def _held(policy_id: str) -> Policy:
    """The loaded policy, kept between requests and re-read through load_policy at most every RECHECK_S."""
    now = time.monotonic()
    held = _HELD.get(policy_id)
    if held is None or now - held[1] > RECHECK_S:
        held = _HELD[policy_id] = (load_policy(policy_id), now)
    return held[0]


_DIGESTS: dict[int, tuple[Policy, str]] = {}


def digest(loaded: Policy) -> str:
    """`sha256:` of the policy's canonical JSON (every version), computed once per loaded policy."""
    held = _DIGESTS.get(id(loaded))
    if held is None or held[0] is not loaded:
        text = loaded.model_dump_json()
        held = _DIGESTS[id(loaded)] = (loaded, "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest())
    return held[1]

