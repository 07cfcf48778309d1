"""Case files (SPEC §3): the model of a case and its events, and a loader that locates every problem."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from .diagnostics import Diagnostic, Path, PolicykitError, did_you_mean, shown
from .limits import check_events
from .source import Document, load_file
from .timeparse import TimeFormatError, parse_instant, zone
from .vocabulary import CHANNEL_ATTRIBUTES, CHANNELS, EVENT_ATTRIBUTES, EVENTS, FACTS

if TYPE_CHECKING:
    from .model import Policy

CASE_KEYS = ("case_id", "policy", "facts", "events", "subject")
# attributes an event defined by a policy (not canonical) may carry
_EXTRA_EVENT_ATTRIBUTES: dict[str, tuple[str, ...] | None] = {"channel": None}


@dataclass(frozen=True, slots=True)
class Event:
    """One timestamped event of a case; `index` is its position in the file (0-based)."""

    index: int
    type: str
    at: dt.datetime
    attrs: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        """The value of attribute `name`, or None when the event does not carry it."""
        return self.attrs.get(name)


@dataclass(frozen=True)
class Case:
    """A case: its facts and its events ordered by instant (file order kept for ties). `subject` is never kept."""

    case_id: str
    events: tuple[Event, ...]
    facts: Mapping[str, bool | None] = field(default_factory=dict)
    policy_ref: str | None = None
    policy: "Policy | None" = field(default=None, repr=False, compare=False)
    source: str = "<case>"

    @property
    def first_event(self) -> Event | None:
        """The earliest event, or None for a case with no events."""
        return self.events[0] if self.events else None


@dataclass(frozen=True)
class Vocabulary:
    """The ids a case may use with one policy: canonical ones plus those the policy adds."""

    events: frozenset[str]
    channels: frozenset[str]
    facts: frozenset[str]
    timezone: str = "Asia/Riyadh"

    @classmethod
    def of(cls, policy: "Policy | None") -> "Vocabulary":
        """The vocabulary of `policy` (canonical only when None)."""
        if policy is None:
            return cls(frozenset(EVENTS), frozenset(CHANNELS), frozenset(FACTS))
        return cls(frozenset(EVENTS) | {d.id for d in policy.events},
                   frozenset(CHANNELS) | {d.id for d in policy.extra_channels},
                   frozenset(FACTS) | {d.id for d in policy.facts},
                   policy.calendar.timezone)


def load_case(path: str | os.PathLike, policy: "Policy | str | os.PathLike | None" = None, *,
              records: bool = False) -> Case:
    """Read a case file (YAML or JSON) and validate it against its policy (`policy` overrides the file's).

    With `records`, a policy named by id or path may come from the cache as plain records (policykit.records), as
    `policykit check` reads it: without importing pydantic."""
    doc = load_file(path)
    return case_from_document(doc, policy, records=records, case_dir=os.path.dirname(os.path.abspath(path)))


def case_from_data(data: Any, policy: "Policy | str | None" = None, name: str = "<case>") -> Case:
    """A case from already-parsed data (e.g. a JSON body); errors are located by data path.

    With no case file, the data's own `policy:` may name only a bundled id or a file of a POLICYKIT_POLICY_PATH
    directory (SPEC §15); `policy` given here is the caller's choice and may be any path."""
    return case_from_document(Document(data, name, {}), policy)


def case_from_document(doc: Document, policy: "Policy | str | os.PathLike | None" = None, *,
                       records: bool = False, case_dir: str | None = None) -> Case:
    """Validate a parsed case document against its policy and build the Case.

    `case_dir` is the directory of the case file the document was read from (None: it came from no file)."""
    data = doc.data
    if not isinstance(data, dict):
        raise PolicykitError.single("wrong-type", "a case file must be a mapping", doc.span(()))
    errors: list[Diagnostic] = []
    for key in data:
        if key not in CASE_KEYS:
            errors.append(Diagnostic("unknown-key", f"unknown key {shown(key, 'key')}", doc.span((key,)), (key,),
                                     did_you_mean(str(key), CASE_KEYS)))
    if data.get("subject") is not None and not isinstance(data["subject"], dict):
        # the value itself is never shown: it may hold personal data
        errors.append(Diagnostic("wrong-type", "'subject' must be a mapping (its content is never read)",
                                 doc.span(("subject",)), ("subject",)))
    resolved = _resolve_policy(doc, policy, records, case_dir)
    vocab = Vocabulary.of(resolved)
    case_id = _case_id(doc, errors)
    facts = _facts(doc, vocab, errors)
    events = _events(doc, vocab, errors)
    if errors:
        raise PolicykitError(errors)
    ref = data.get("policy")
    return Case(case_id=case_id, events=tuple(sorted(events, key=lambda e: e.at)), facts=facts,
                policy_ref=str(ref) if ref is not None else None, policy=resolved, source=doc.file)


def _resolve_policy(doc: Document, override: Any, records: bool, case_dir: str | None) -> "Policy | None":
    from .records import PolicyLookup

    if isinstance(override, PolicyLookup):  # a policy model or its record
        return override
    from .loader import case_policy, load_policy, load_policy_records

    load = load_policy_records if records else load_policy
    if override is not None:
        return load(override)
    ref = doc.data.get("policy")
    if ref is None:
        raise PolicykitError.single("missing-key", "required key 'policy' is missing (or pass --policy)",
                                    doc.span(()), hint="name a bundled policy id or a policy file")
    if not isinstance(ref, str):
        raise PolicykitError.single("wrong-type", "'policy' must be a policy id or a file path",
                                    doc.span(("policy",)), ("policy",))
    try:
        target, within = case_policy(ref, case_dir)
        return load(target, within)
    except PolicykitError as exc:
        first = exc.first
        if first.code == "unknown-policy" or first.span is None:
            # about the case's own `policy:` line (refused, unknown, missing), not about a policy file's content
            raise PolicykitError.single(first.code, first.message, doc.span(("policy",)), ("policy",),
                                        first.hint) from None
        raise


def _case_id(doc: Document, errors: list[Diagnostic]) -> str:
    value = doc.data.get("case_id")
    if value is None:
        errors.append(Diagnostic("missing-key", "required key 'case_id' is missing", doc.span(())))
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)) or str(value).strip() == "":
        errors.append(Diagnostic("wrong-type", "'case_id' must be a non-empty string",
                                 doc.span(("case_id",)), ("case_id",)))
        return ""
    return str(value).strip()  # as batch and live sessions key a case: "H-1 " is case H-1 on every path


def _facts(doc: Document, vocab: Vocabulary, errors: list[Diagnostic]) -> dict[str, bool | None]:
    raw = doc.data.get("facts")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.append(Diagnostic("wrong-type", "'facts' must be a mapping of fact id to true/false",
                                 doc.span(("facts",)), ("facts",)))
        return {}
    facts: dict[str, bool | None] = {}
    for name, value in raw.items():
        path: Path = ("facts", name)
        if name not in vocab.facts:
            errors.append(Diagnostic("unknown-fact", f"unknown fact {shown(name, 'key')}", doc.span(path), path,
                                     did_you_mean(str(name), vocab.facts)))
        elif value is not None and not isinstance(value, bool):
            errors.append(Diagnostic("wrong-type", f"fact '{name}' must be true, false or null (unknown)",
                                     doc.span(path), path))
        else:
            facts[name] = value
    return facts


def _events(doc: Document, vocab: Vocabulary, errors: list[Diagnostic]) -> list[Event]:
    raw = doc.data.get("events")
    if raw is None:
        errors.append(Diagnostic("missing-key", "required key 'events' is missing", doc.span(())))
        return []
    if not isinstance(raw, list):
        errors.append(Diagnostic("wrong-type", "'events' must be a list", doc.span(("events",)), ("events",)))
        return []
    check_events(len(raw), doc.span(("events",)))
    tz = zone(vocab.timezone)
    events = []
    for index, item in enumerate(raw):
        event = _event(doc, index, item, vocab, tz, errors)
        if event is not None:
            events.append(event)
    return events


def _event(doc: Document, index: int, item: Any, vocab: Vocabulary, tz: dt.tzinfo,
           errors: list[Diagnostic]) -> Event | None:
    base: Path = ("events", index)
    if not isinstance(item, dict):
        errors.append(Diagnostic("wrong-type", "an event must be a mapping with 'type' and 'at'",
                                 doc.span(base), base))
        return None
    before = len(errors)
    kind = item.get("type")
    if kind is None:
        errors.append(Diagnostic("missing-key", "required key 'type' is missing", doc.span(base), base))
    elif not isinstance(kind, str) or kind not in vocab.events:
        errors.append(Diagnostic("unknown-event", f"unknown event type {shown(kind)}", doc.span((*base, "type")),
                                 (*base, "type"), did_you_mean(str(kind), vocab.events)))
    at = _instant(doc, base, item, tz, errors)
    allowed = EVENT_ATTRIBUTES.get(kind, {}) if isinstance(kind, str) and kind in EVENTS else _EXTRA_EVENT_ATTRIBUTES
    attrs: dict[str, str] = {}
    for key, value in item.items():
        if key in ("type", "at"):
            continue
        path: Path = (*base, key)
        if key not in allowed:
            errors.append(Diagnostic("unknown-attribute", f"event {shown(kind)} has no attribute {shown(key, 'key')}",
                                     doc.span(path), path, did_you_mean(str(key), [*allowed, "type", "at"])))
            continue
        if not isinstance(value, str):
            errors.append(Diagnostic("wrong-type", f"attribute '{key}' must be a string id", doc.span(path), path))
            continue
        choices = allowed[key]
        if key in CHANNEL_ATTRIBUTES and value not in vocab.channels:
            errors.append(Diagnostic("unknown-channel", f"unknown channel {shown(value)}", doc.span(path), path,
                                     did_you_mean(value, vocab.channels)))
        elif choices is not None and value not in choices:
            errors.append(Diagnostic("invalid-value", f"{shown(value)} is not one of {', '.join(choices)}",
                                     doc.span(path), path, did_you_mean(value, choices)))
        else:
            attrs[key] = value
    if len(errors) > before or at is None:
        return None
    return Event(index=index, type=kind, at=at, attrs=attrs)


def _instant(doc: Document, base: Path, item: dict, tz: dt.tzinfo, errors: list[Diagnostic]) -> dt.datetime | None:
    if "at" not in item:
        errors.append(Diagnostic("missing-key", "required key 'at' is missing", doc.span(base), base))
        return None
    try:
        return parse_instant(item["at"], tz)
    except TimeFormatError as exc:
        path = (*base, "at")
        errors.append(Diagnostic("invalid-date", str(exc), doc.span(path), path))
        return None
