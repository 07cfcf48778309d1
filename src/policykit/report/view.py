"""A verdict turned into display-ready strings in one language, shared by the text, markdown and HTML reports."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from . import labels
from ..findings_text import missing_words
from .dates import compact_instant, format_instant


@dataclass(frozen=True)
class FindingView:
    """One finding as the reports show it."""

    rule: str
    label: str
    kind: str
    status: str
    status_label: str
    clause_ref: str
    clause_text_ar: str
    trigger_at: str
    due: str
    fulfilled_at: str
    late_by: str
    reading: str
    explanation: str
    would_decide: list[str] = field(default_factory=list)
    due_compact: str = ""
    # what the two dates are for this kind of rule (an order rule's is the event that decided it)
    trigger_word: str = ""
    fulfilled_word: str = ""


@dataclass(frozen=True)
class ActionView:
    """One required action as the reports show it."""

    event: str
    event_label: str
    label: str
    due: str
    rule: str
    clause_ref: str
    at_risk: bool
    rule_label: str = ""
    overdue: bool = False
    before_label: str = ""
    """For an order rule's step: the label of the later event it must come before."""

    def flags(self, lang: str) -> str:
        """The action's markers as text: overdue or at risk, and the step it must come before."""
        marks = []
        if self.overdue:
            marks.append(f"({labels.word('overdue', lang)})")
        elif self.at_risk:
            marks.append(f"({labels.word('at_risk', lang)})")
        if self.before_label:
            marks.append(f"({labels.word('before_step', lang)} {self.before_label})")
        return " ".join(marks)


@dataclass(frozen=True)
class VerdictView:
    """The whole verdict as the reports show it."""

    lang: str
    case_id: str
    policy_id: str
    policy_version: str
    association: str
    policy_title: str
    as_of: str
    status: str
    status_label: str
    reading: str
    findings: list[FindingView]
    actions: list[ActionView]
    compensation_status: str
    compensation_label: str
    compensation_unknown: list[str]
    compensation_explanation: str
    notes: list[str]
    # the clauses the compensation answer rests on, as (ref, verbatim Arabic): for an eligible harif case the
    # conditions and then the negotiation step (ث-٤) — what the JSON form's `clauses` carries
    compensation_clauses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def direction(self) -> str:
        """Text direction of the language."""
        return "rtl" if self.lang == "ar" else "ltr"


def version_used(policy, verdict):
    """The version of `policy` the verdict was decided under (the policy itself when it is not found)."""
    for version in getattr(policy, "versions", (policy,)):
        if version.version == verdict.policy_version:
            return version
    return policy


def build_view(verdict, policy, lang: str) -> VerdictView:
    """The display strings of `verdict` in `lang` ('ar' or 'en')."""
    if lang not in ("ar", "en"):
        raise ValueError(f"unsupported language {lang!r}")
    policy = version_used(policy, verdict)
    association = getattr(policy, "association", None)
    document = getattr(policy, "document", None)
    compensation = verdict.compensation
    return VerdictView(
        lang=lang,
        case_id=verdict.case_id,
        policy_id=verdict.policy,
        policy_version=verdict.policy_version,
        association=getattr(association.name, lang) if association else verdict.policy,
        policy_title=getattr(document.title, lang) if document else "",
        as_of=format_instant(verdict.as_of, lang),
        status=verdict.status,
        status_label=labels.status(verdict.status, lang),
        reading=labels.reading(verdict.reading, lang),
        findings=[_finding(f, lang) for f in verdict.findings],
        actions=[_action(a, policy, lang) for a in verdict.required_actions],
        compensation_status=compensation.status,
        compensation_label=labels.status(compensation.status, lang, "compensation"),
        compensation_unknown=[labels.fact(f, policy, lang) for f in compensation.unknown_facts],
        compensation_explanation=getattr(compensation.explanation, lang) if compensation.explanation else "",
        notes=[getattr(note.message, lang) for note in verdict.notes],
        compensation_clauses=[(clause.ref, clause.text_ar) for clause in compensation.clauses],
    )


def _finding(finding, lang: str) -> FindingView:
    return FindingView(
        rule=finding.rule,
        label=getattr(finding.label, lang),
        kind=labels.kind(finding.kind, lang),
        status=finding.status,
        status_label=labels.status(finding.status, lang),
        clause_ref=finding.clause.ref,
        clause_text_ar=finding.clause.text_ar,
        trigger_at=format_instant(finding.trigger_at, lang),
        due=format_instant(finding.due, lang),
        fulfilled_at=format_instant(finding.fulfilled_at, lang),
        late_by=labels.late_by(finding.late_by, lang),
        reading=labels.reading(finding.reading, lang),
        explanation=getattr(finding.explanation, lang),
        would_decide=[missing_words(item, lang) for item in finding.would_decide],
        due_compact=compact_instant(finding.due),
        trigger_word=labels.trigger_word(finding.kind, lang),
        fulfilled_word=labels.fulfilled_word(finding.kind, lang),
    )


def _action(action, policy, lang: str) -> ActionView:
    return ActionView(
        event=action.event,
        event_label=labels.event(action.event, policy, lang),
        label=getattr(action.label, lang),
        due=format_instant(action.due, lang),
        rule=action.rule,
        clause_ref=action.clause.ref,
        at_risk=action.at_risk,
        rule_label=_rule_label(action.rule, policy, lang),
        overdue=action.overdue,
        before_label=labels.event(action.before, policy, lang) if action.before else "",
    )


def cleaned(value, clean):
    """`value` (a view, a list or a string) with `clean` applied to every string in it, for one output target."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [cleaned(item, clean) for item in value]
    if isinstance(value, tuple):
        return tuple(cleaned(item, clean) for item in value)
    if dataclasses.is_dataclass(value):
        return dataclasses.replace(value, **{f.name: cleaned(getattr(value, f.name), clean)
                                             for f in dataclasses.fields(value) if f.init})
    return value


def _rule_label(rule_id: str, policy, lang: str) -> str:
    """A rule's label in `lang` (its id when the policy does not have it)."""
    try:
        return getattr(policy.rule(rule_id).label, lang)
    except (KeyError, AttributeError):
        return rule_id
