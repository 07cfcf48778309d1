"""The lint rules, one small generator each; the driver adds policy, file and line."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterator

from hijridate import Gregorian, Hijri

from ..compare import SECTION_PRESENCE
from ..counting import arabic_digits
from ..model import DeadlineRule
from .registry import RULES, Problem, rule

__all__ = ["RULES"]

MINIMUM_BOUND = "لا تقل عن"
# services are an encoding of suqya's goals, and approval has its own rule (approval-date-missing)
NOT_SECTIONS = {"services", "approval"}
PERIODIC = re.compile(r"دوري")
OTHER_POLICY_NAME = re.compile(r"(?<!ال)سياسة\s+(\S+(?:\s+\S+){0,3})")
AUDIENCE_WORDS = {
    "beneficiaries": {
        "المستخدم (user)": re.compile(r"(?<!\w)(?:ال|لل|بال|وال)?مستخدم(?:ين|ون)?(?!\w)"),
        "العضو/الأعضاء (member)": re.compile(r"(?<!\w)(?:ال|لل|وال)?(?:عضو|اعضاء|أعضاء)(?!\w)"),
    },
    "general_assembly_members": {
        "المستفيد (beneficiary)": re.compile(r"(?<!\w)(?:ال|لل|بال|وال)?مستفيد(?:ين|ون)?(?!\w)"),
        "طالب الدعم (support applicant)": re.compile(r"طالب\s+الدعم"),
        "المستخدم (user)": re.compile(r"(?<!\w)(?:ال|لل|بال|وال)?مستخدم(?:ين|ون)?(?!\w)"),
        "المساهمين (shareholders)": re.compile(r"(?<!\w)(?:ال)?مساهمين(?!\w)"),
    },
}


def clause_texts(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """Every (path, text_ar) of a clause in the raw policy data, in file order."""
    if isinstance(data, dict):
        if isinstance(data.get("text_ar"), str):
            yield (*path, "text_ar"), data["text_ar"]
        for key, value in data.items():
            if key != "text_ar":
                yield from clause_texts(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from clause_texts(value, (*path, index))


@rule("approval-date-mismatch", "error", "The Hijri and the Gregorian approval dates are not the same day.")
def approval_date_mismatch(ctx) -> Iterator[Problem]:
    """Hijri date converted with hijridate (Umm al-Qura) must equal the Gregorian one; the likely slip named."""
    approval = ctx.policy.approval
    if not approval or not approval.date_hijri or not approval.date_gregorian:
        return
    year, month, day = (int(part) for part in approval.date_hijri.split("-"))
    where = _clause_line(approval.clause)
    try:
        hijri_as_gregorian = Hijri(year, month, day).to_gregorian()
    except (OverflowError, ValueError) as exc:
        yield Problem(f"Hijri approval date {approval.date_hijri} is not a valid Umm al-Qura date ({exc})",
                      ("approval", "date_hijri"), where, approval.date_as_written)
        return
    gregorian = approval.date_gregorian
    if dt.date(hijri_as_gregorian.year, hijri_as_gregorian.month, hijri_as_gregorian.day) != gregorian:
        back = Gregorian(gregorian.year, gregorian.month, gregorian.day).to_hijri()
        slip = _likely_slip((year, month, day), (back.year, back.month, back.day))
        yield Problem(
            f"approval dates disagree: {approval.date_hijri} AH (Umm al-Qura) is {hijri_as_gregorian.isoformat()}, "
            f"but the document gives {gregorian.isoformat()}, which is {back.isoformat()} AH"
            + (f"; likely slip: {slip}" if slip else ""), ("approval", "date_hijri"), where,
            approval.date_as_written,
            f"{arabic_digits(back.day)} / {arabic_digits(back.month)} / {arabic_digits(back.year)} هـ "
            f"الموافق {arabic_digits(gregorian.day)} / {arabic_digits(gregorian.month)} / "
            f"{arabic_digits(gregorian.year)} م")


def _likely_slip(written: tuple[int, int, int], right: tuple[int, int, int]) -> str | None:
    """The one part of a Hijri date written wrong (month ١ for ٦), when only one part is."""
    names = ("year", "month", "day")
    wrong = [i for i in range(3) if written[i] != right[i]]
    if len(wrong) != 1:
        return None
    i = wrong[0]
    return f"the Hijri {names[i]} written {arabic_digits(written[i])} for {arabic_digits(right[i])}"


def _clause_line(clause) -> int | None:
    return clause.line if clause is not None else None


@rule("approval-date-missing", "warning", "No approval date, or an incomplete one.")
def approval_date_missing(ctx) -> Iterator[Problem]:
    """No approval at all, no usable date, or a date the document leaves partly blank."""
    approval = ctx.policy.approval
    if approval is None:
        yield Problem("the document states no board approval (no body, meeting or date)", ("id",),
                      suggestion="اعتمد مجلس الإدارة هذه السياسة في اجتماعه (…) المنعقد بتاريخ … هـ الموافق … م")
        return
    where, written = _clause_line(approval.clause), approval.date_as_written
    if not (approval.date_hijri or approval.date_gregorian):
        kind = "only a year" if approval.year_gregorian else "no complete date"
        yield Problem(f"the approval gives {kind}" + (f" (as written: «{written}»)" if written else ""),
                      ("approval",), where, written, "the day, month and year of the meeting, Hijri and Gregorian")
    elif not approval.complete:
        yield Problem(f"the approval date is incomplete (as written: «{written}»)", ("approval", "date_as_written"),
                      where, written, "the day, month and year of the meeting, Hijri and Gregorian")


@rule("ambiguous-deadline-bound", "error",
      "A response window written with a minimum bound («لا تقل عن»): read literally it promises no answer time.")
def ambiguous_deadline_bound(ctx) -> Iterator[Problem]:
    """Deadlines written as a minimum («لا تقل عن») where a maximum is evidently meant."""
    for index, item in enumerate(ctx.policy.rules):
        if not isinstance(item, DeadlineRule):
            continue
        if item.bound_as_written == "at_least" or MINIMUM_BOUND in item.as_written:
            chosen = item.readings.get(item.default_reading)
            bound = chosen.bound if chosen else None
            yield Problem(
                f"rule {item.id} (clause {item.clause.ref}, source line {item.clause.line}) is written «{item.as_written}»: "
                f"a minimum, not a maximum; the default reading '{item.default_reading}' treats it as {bound}",
                ("rules", index, "as_written"), item.clause.line, item.as_written,
                item.as_written.replace(MINIMUM_BOUND, "لا تتجاوز"))


@rule("section-missing", "warning",
      "A section that other bundled policies have and this one lacks, or one of the shared template's it lacks.")
def section_missing(ctx) -> Iterator[Problem]:
    """Sections some bundled peer has and this policy lacks."""
    for name, (english, arabic, has) in SECTION_PRESENCE.items():
        if name in NOT_SECTIONS or has(ctx.policy):
            continue
        holders = [peer.id for peer in ctx.peers if has(peer)]
        if holders:
            yield Problem(f"no {english.lower()} section («{arabic}»); present in {', '.join(holders)}", ("id",),
                          suggestion=f"{arabic}:")
    from .source_rules import template_sections_missing

    yield from template_sections_missing(ctx)


@rule("unspecified-period", "warning", "A duty with no period where one is needed.")
def unspecified_period(ctx) -> Iterator[Problem]:
    """A «periodic» satisfaction method with no period; complaints with no handling deadline."""
    for index, method in enumerate(ctx.policy.satisfaction):
        if method.period is None and PERIODIC.search(method.clause.text_ar):
            yield Problem(f"satisfaction method {method.id} is periodic («{method.clause.text_ar}», clause "
                          f"{method.clause.ref}) but no period is given", ("satisfaction", index))
    complaints = ctx.policy.complaints
    if complaints is not None:
        timed = any(isinstance(r, DeadlineRule) and r.trigger.event == "complaint_received"
                    for r in ctx.policy.rules)
        if not timed:
            yield Problem("complaints are received and handled, but no deadline for handling or settling them is "
                          "given", ("complaints",))


@rule("unused-definition", "warning", "A channel, event or fact the policy defines and never references.")
def unused_definition(ctx) -> Iterator[Problem]:
    """Channel, event or fact ids the policy adds but nothing uses."""
    policy = ctx.policy
    used_channels = {c.id for c in policy.channels} | set(policy.complaints.channels if policy.complaints else ())
    used_events = {e for step in policy.steps for e in step.events} | set(_rule_events(policy))
    used_facts = set(_condition_facts(policy.compensation.condition)) if policy.compensation else set()
    for field, used in (("extra_channels", used_channels), ("events", used_events), ("facts", used_facts)):
        for index, definition in enumerate(getattr(policy, field)):
            if definition.id not in used:
                yield Problem(f"{field[:-1].replace('extra_', '')} '{definition.id}' is defined but never referenced",
                              (field, index))


@rule("copied-title", "error", "The approval sentence names a policy other than this one.")
def copied_title(ctx) -> Iterator[Problem]:
    """A «سياسة …» named in the approval sentence that is not this policy's title."""
    approval = ctx.policy.approval
    if not approval or not approval.clause:
        return
    title_words = ctx.policy.document.title.ar.split()
    for match in OTHER_POLICY_NAME.finditer(approval.clause.text_ar):
        named = match.group(0)
        if title_words[:2] != named.split()[:2]:
            yield Problem(f"the approval sentence (source line {approval.clause.line}) approves «{named}…», "
                          f"not this policy «{ctx.policy.document.title.ar}»", ("approval", "clause", "text_ar"),
                          approval.clause.line, named, ctx.policy.document.title.ar)


@rule("audience-mismatch", "info", "Wording that addresses a different audience than the policy's.")
def audience_mismatch(ctx) -> Iterator[Problem]:
    """How many lines of the source (headings included, the table of contents not) use a word for another
    audience (user, member, beneficiary) than the policy's; each line counted once."""
    words = AUDIENCE_WORDS.get(ctx.policy.audience, {})
    lines = _text_lines(ctx)
    for term, pattern in words.items():
        hits = [(number, text) for number, text in lines if pattern.search(text)]
        if hits:
            yield Problem(f"the policy addresses {ctx.policy.audience.replace('_', ' ')} but {len(hits)} line(s) "
                          f"say {term}, first: «{_shorten(hits[0][1])}»", (), hits[0][0],
                          pattern.search(hits[0][1]).group(0))


def _text_lines(ctx) -> list[tuple[int, str]]:
    """(line, text) of the source's title, headings and body, not its table of contents; without a source,
    the distinct clause texts of the policy file (by line)."""
    if ctx.source is not None:
        toc = {e.line.number for e in ctx.source.toc} | ({ctx.source.toc_title.number} if ctx.source.toc_title else set())
        return [(line.number, line.text) for line in ctx.source.lines if line.number not in toc]
    seen: dict[str, int] = {}
    for path, text in clause_texts(ctx.document.data):
        if path[:1] != ("not_encoded",):
            seen.setdefault(text, ctx.document.span(path).line)
    return [(line, text) for text, line in seen.items()]


def _rule_events(policy) -> Iterator[str]:
    for item in policy.rules:
        for name in ("trigger", "fulfilled_by", "first", "then", "when", "require", "before", "event"):
            pattern = getattr(item, name, None)
            if pattern is not None:
                yield pattern.event
        if getattr(item, "must_equal_event", None):
            yield item.must_equal_event


def _condition_facts(condition) -> Iterator[str]:
    if hasattr(condition, "fact"):
        yield condition.fact
    for child in getattr(condition, "all", ()) or getattr(condition, "any", ()):
        yield from _condition_facts(child)
    if hasattr(condition, "not_"):
        yield from _condition_facts(condition.not_)


def _shorten(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


from . import source_rules  # noqa: E402,F401  (registers the rules that read the source document)
from . import fidelity_rules  # noqa: E402,F401  (registers the rules that hold quotations and refs to the source)
