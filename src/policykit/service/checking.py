"""POST /v1/check: a case body judged by `evaluate`, with a decision id and provenance, and logged."""

from __future__ import annotations

import datetime as dt

from .. import __version__
from ..case import Case, case_from_document
from ..config import Settings, load_settings
from ..diagnostics import PolicykitError
from ..engine import evaluate
from ..model import Policy
from ..source import Document
from ..timeparse import TimeFormatError, parse_instant, zone
from ..verdict import Verdict
from . import policies
from .bodies import fast_document, mapping, with_positions
from .decisions import DecisionLog, new_decision_id
from .responses import dumps_with

READINGS = ("intended", "literal")


def read_case(raw: bytes) -> Case:
    """The case of a request body (JSON or YAML); its `policy:` must be a bundled id (a path is refused)."""
    return with_positions(raw, _case_of, fast_document(raw))


def _case_of(doc: Document) -> Case:
    data = mapping(doc, "a case")
    if "policy" not in data:
        raise PolicykitError.single("missing-key", "required key 'policy' is missing", doc.span(()),
                                    hint=f"name a bundled policy: {', '.join(policies.known_ids())}")
    chosen = policies.policy(data["policy"], ("policy",), doc.span(("policy",)))
    return case_from_document(doc, chosen)


def instant(text: str | None, policy: Policy, name: str) -> dt.datetime:
    """A query instant (ISO 8601, date or Hijri) local to the policy's zone; now when absent."""
    tz = zone(policy.calendar.timezone)
    if text is None or text == "":
        return dt.datetime.now(tz).replace(microsecond=0)
    return instant_in(text, tz, name)


def instant_in(text: str, tz: dt.tzinfo, name: str) -> dt.datetime:
    """An instant a request gives (ISO 8601, date or Hijri) local to `tz`; a bad one is `invalid-date` at `name`."""
    try:
        return parse_instant(text, tz)
    except TimeFormatError as exc:
        raise PolicykitError.single("invalid-date", str(exc), path=(name,)) from None


def reading_of(text: str | None) -> str | None:
    """The `reading` query value, checked."""
    if text is None or text == "":
        return None
    if text not in READINGS:
        raise PolicykitError.single("invalid-value", "reading must be 'intended' or 'literal'", path=("reading",))
    return text


def provenance(policy: Policy) -> dict:
    """What decided a verdict: the policy's digest and policykit's version."""
    return {"policy_digest": policies.digest(policy), "policykit_version": __version__}


class Decision:
    """A verdict with its decision id and provenance, as the service answers it."""

    __slots__ = ("verdict", "case", "decision_id", "provenance")

    def __init__(self, verdict: Verdict, case: Case | None, policy: Policy, log: DecisionLog) -> None:
        self.verdict, self.case = verdict, case
        self.decision_id, self.provenance = new_decision_id(), provenance(policy)
        log.record(self.decision_id, self.provenance["policy_digest"], verdict.case_id, verdict.status)

    def to_json(self) -> bytes:
        """The SPEC §7 verdict plus `decision_id` and `provenance`, encoded."""
        return dumps_with(self.verdict, {"decision_id": self.decision_id, "provenance": self.provenance})


def check(raw: bytes, as_of: str | None, reading: str | None, log: DecisionLog,
          settings: Settings | None = None) -> Decision:
    """The decision on a case body, logged under a new decision id; `settings` (the service's, read once at its
    start) give the default reading and the at-risk window."""
    case = read_case(raw)
    policy = case.policy
    settings = settings or load_settings()
    # the settings given whole: with no reading in them, evaluate() read the configuration again, then and there
    verdict = evaluate(policy, case, instant(as_of, policy, "as_of"), reading_of(reading), settings=settings)
    return Decision(verdict, case, policy, log)

