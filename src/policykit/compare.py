"""The side-by-side matrix of what each policy promises: one row per item, one column per policy."""

from __future__ import annotations

import datetime as dt
import functools
import statistics
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from .model import DeadlineRule, Policy
from .policy_labels import HEADINGS
from .vocabulary import CHANNELS, EVENTS

REFERENCE_YEAR = 2025
TYPICAL_METHOD = {
    "en": f"median, over a trigger on every working day of {REFERENCE_YEAR}, of the calendar days from the trigger "
          f"to the due (Sun–Thu work week, Saudi public holidays from holidays.SaudiArabia, roll-forward included)",
    "ar": f"الوسيط لعدد الأيام التقويمية من بداية المهلة حتى موعدها، إذا بدأت المهلة في كل يوم عمل من عام "
          f"{REFERENCE_YEAR} (أسبوع العمل من الأحد إلى الخميس مع العطل الرسمية السعودية)",
}
_SHARED_HEADINGS = ("approval", "channels", "tools", "steps", "compensation", "complaints", "satisfaction",
                    "services")
# The policy's own sections keep the headings `show` uses; only the matrix's extra rows are named here.
SECTIONS = {
    "general": {"ar": "عام", "en": "General"},
    **{key: HEADINGS[key] for key in _SHARED_HEADINGS},
    "step_events": {"ar": "الأحداث التي تغطيها خطوات التعامل", "en": "Events the handling steps cover"},
    "deadline": {"ar": "مهلة الرد", "en": "Response deadline"},
    "rules": {"ar": "القواعد المطبقة", "en": "Rules enforced"},
    "sections": {"ar": "أقسام السياسة", "en": "Policy sections"},
}


@dataclass(frozen=True)
class Row:
    """One item compared across policies; `values` maps policy id to a JSON value (true/false for membership)."""

    section: str
    item: str
    label: dict[str, str]
    values: dict[str, Any]
    membership: bool = False
    # a value as people read it, by policy id then language, where the value itself is an id formula or
    # one language's words (not part of the JSON, which keeps the values)
    words: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        """The row as in `compare --format json`."""
        return {"section": self.section, "item": self.item, "label": dict(self.label), "values": dict(self.values)}


@dataclass(frozen=True)
class Matrix:
    """Every row for the compared policies, in section order."""

    policies: list[str]
    rows: list[Row] = field(default_factory=list)

    def to_json(self) -> dict:
        """`{"policies": [...], "rows": [...]}` (SPEC-level contract of `compare --format json`)."""
        return {"policies": list(self.policies), "rows": [row.to_json() for row in self.rows]}

    def section(self, name: str) -> list[Row]:
        """The rows of one section."""
        return [row for row in self.rows if row.section == name]


def compare(policies: Iterable[Policy]) -> Matrix:
    """The comparison matrix of `policies`, columns in the order given."""
    policies = list(policies)
    ids = [p.id for p in policies]
    rows: list[Row] = []
    for build in (_general, _approval, _sections, _channels, _tools, _steps, _step_events, _deadline, _rules,
                  _compensation, _complaints, _satisfaction, _services):
        rows.extend(build(policies))
    return Matrix(ids, rows)


def _row(section: str, item: str, en: str, ar: str, policies: list[Policy], value) -> Row:
    return Row(section, item, {"ar": ar, "en": en}, {p.id: value(p) for p in policies})


# The handling steps several documents share, worded for what they have in common: each policy's own label
# carries its wording (one's «not less than two weeks», harif's «agreed means of contact»), which a row
# ticked for every policy must not claim for all of them.
SHARED_STEP_LABELS = {
    "receive_courteously": {"ar": "حسن الاستقبال والإجابة",
                            "en": "Receive the applicant courteously and answer their questions"},
    "verify_submitted_data": {"ar": "اكتمال البيانات المطلوبة",
                              "en": "Make sure the data and information the request needs are complete"},
    "refer_unclear_to_social_researcher": {
        "ar": "الإحالة للبحث الاجتماعي",
        "en": "Where the procedures are unclear to the applicant, refer them to the social research officer"},
    "sign_data_declaration": {"ar": "التوقيع على صحة البيانات",
                              "en": "The applicant signs that the data is correct and that they answer for it"},
    "inform_of_committee_and_answer": {"ar": "الإبلاغ بالعرض على اللجنة",
                                       "en": "Tell the applicant the request goes to the committee, which answers it"},
}


# The same for the rules: khairat_albaha's «Member informed…» is not harif's, nor harif's «التأكد من البيانات» theirs.
SHARED_RULE_LABELS = {
    "inform_before_decision": {"ar": "الإبلاغ قبل القرار", "en": "Applicant informed before the decision"},
    "verify_before_committee": {"ar": "التحقق قبل اللجنة",
                                "en": "Data verified before referral to the committee"},
}


def _membership(section: str, policies: list[Policy], items_of, canonical_order: Iterable[str] = (),
                shared_labels: dict[str, dict[str, str]] | None = None) -> list[Row]:
    """One true/false row per item id any policy has; canonical ids first, then in order of appearance. An id
    the policies label differently takes its `shared_labels` entry, so the row does not depend on which
    policy comes first."""
    labels: dict[str, dict[str, str]] = {}
    order = list(canonical_order)
    for policy in policies:
        for item_id, label in items_of(policy):
            if item_id in labels and labels[item_id] != label and item_id in (shared_labels or {}):
                labels[item_id] = dict(shared_labels[item_id])
            labels.setdefault(item_id, label)
            if item_id not in order:
                order.append(item_id)
    present = {p.id: {item_id for item_id, _ in items_of(p)} for p in policies}
    return [Row(section, item_id, labels[item_id], {p.id: item_id in present[p.id] for p in policies}, True)
            for item_id in order if item_id in labels]


def _label_pairs(items) -> list[tuple[str, dict[str, str]]]:
    return [(item.id, {"ar": item.label.ar, "en": item.label.en}) for item in items]


def _general(policies: list[Policy]) -> list[Row]:
    return [
        _row("general", "association", "Association", "الجمعية", policies, lambda p: p.association.name.ar),
        _row("general", "audience", "Audience", "الفئة المخاطبة", policies, lambda p: p.audience),
        _row("general", "title", "Title", "العنوان", policies, lambda p: p.document.title.ar),
        _row("general", "version", "Version in force", "الإصدار", policies, lambda p: p.version),
    ]


def _approval(policies: list[Policy]) -> list[Row]:
    def field_of(name):
        return lambda p: (getattr(p.approval, name) if p.approval else None)

    def iso(name):
        return lambda p: (getattr(p.approval, name).isoformat()
                          if p.approval and getattr(p.approval, name) else None)

    return [
        _row("approval", "date_as_written", "Approval date as written", "تاريخ الاعتماد كما ورد", policies,
             field_of("date_as_written")),
        _row("approval", "date_hijri", "Approval date (Hijri)", "تاريخ الاعتماد (هجري)", policies,
             field_of("date_hijri")),
        _row("approval", "date_gregorian", "Approval date (Gregorian)", "تاريخ الاعتماد (ميلادي)", policies,
             iso("date_gregorian")),
        _row("approval", "complete", "Approval date complete", "تاريخ الاعتماد مكتمل", policies,
             lambda p: bool(p.approval and p.approval.complete and (p.approval.date_hijri
                                                                   or p.approval.date_gregorian))),
    ]


SECTION_PRESENCE = {
    "channels": ("Channels", "قنوات التواصل", lambda p: bool(p.channels)),
    "tools": ("Tools", "أدوات التواصل", lambda p: bool(p.tools)),
    "steps": ("Handling steps", "التعامل مع المستفيدين", lambda p: bool(p.steps)),
    "services": ("Services catalogue", "الخدمات", lambda p: bool(p.services)),
    "compensation": ("Compensation", "التعويض", lambda p: p.compensation is not None),
    "complaints": ("Complaints", "الشكاوى", lambda p: p.complaints is not None),
    "relationship": ("Building the relationship", "بناء العلاقة", lambda p: bool(p.relationship)),
    "information_duties": ("Information duties", "تزويد المستفيد بالمعلومات", lambda p: bool(p.information_duties)),
    "satisfaction": ("Satisfaction measurement", "قياس الرضا", lambda p: bool(p.satisfaction)),
    "responsibilities": ("Responsibilities", "المسؤوليات", lambda p: bool(p.responsibilities)),
    "approval": ("Board approval", "اعتماد مجلس الإدارة", lambda p: p.approval is not None),
}


def _sections(policies: list[Policy]) -> list[Row]:
    return [Row("sections", name, {"ar": ar, "en": en}, {p.id: has(p) for p in policies}, True)
            for name, (en, ar, has) in SECTION_PRESENCE.items()]


def _channels(policies: list[Policy]) -> list[Row]:
    def items(policy):
        defined = {d.id: {"ar": d.label.ar, "en": d.label.en} for d in policy.extra_channels}
        return [(c.id, dict(CHANNELS[c.id]) if c.id in CHANNELS else defined.get(c.id, {"ar": c.label.ar,
                                                                                          "en": c.label.en}))
                for c in policy.channels]

    return _membership("channels", policies, items, [c for c in CHANNELS if any(
        c == ch.id for p in policies for ch in p.channels)])


def _tools(policies: list[Policy]) -> list[Row]:
    return _membership("tools", policies, lambda p: _label_pairs(p.tools))


def _steps(policies: list[Policy]) -> list[Row]:
    return _membership("steps", policies, lambda p: _label_pairs(p.steps), shared_labels=SHARED_STEP_LABELS)


def _step_events(policies: list[Policy]) -> list[Row]:
    def items(policy):
        seen = {event for step in policy.steps for event in step.events}
        return [(event, dict(EVENTS.get(event, {"ar": event, "en": event}))) for event in EVENTS if event in seen]

    return _membership("step_events", policies, items)


def response_deadline(policy: Policy) -> DeadlineRule | None:
    """The rule that bounds the answer to a request: the deadline fulfilled by the decision, else the first one."""
    deadlines = [r for r in policy.rules if isinstance(r, DeadlineRule)]
    for rule in deadlines:
        if rule.fulfilled_by.event == "decision_notified":
            return rule
    return deadlines[0] if deadlines else None


def typical_calendar_days(policy: Policy, amount: int, unit: str) -> int:
    """The usual calendar length of a period under the policy's calendar (see TYPICAL_METHOD)."""
    cal = policy.calendar
    return _typical(cal.timezone, tuple(cal.work_week), cal.holidays, tuple(cal.extra_closures), amount, unit)


@functools.lru_cache(maxsize=64)
def _typical(timezone, work_week, holidays, closures, amount: int, unit: str) -> int:
    from .calendar import calendar_for
    from .model import Calendar

    calendar = calendar_for(Calendar(timezone=timezone, work_week=work_week, holidays=holidays,
                                     extra_closures=closures))
    spans = []
    day = dt.date(REFERENCE_YEAR, 1, 1)
    while day.year == REFERENCE_YEAR:
        if calendar.is_working_day(day):
            trigger = dt.datetime.combine(day, dt.time(10), calendar.tz)
            spans.append((calendar.due(trigger, amount, unit).date() - day).days)
        day += dt.timedelta(days=1)
    return int(statistics.median(spans))


def _deadline(policies: list[Policy]) -> list[Row]:
    def of(getter):
        return lambda p: (getter(response_deadline(p)) if response_deadline(p) else None)

    def reading_bound(p):
        rule = response_deadline(p)
        return rule.readings[rule.default_reading].bound if rule and rule.default_reading in rule.readings else None

    def typical(p):
        rule = response_deadline(p)
        return typical_calendar_days(p, rule.period.amount, rule.period.unit) if rule else None

    return [
        _row("deadline", "rule", "Rule id", "معرّف القاعدة", policies, of(lambda r: r.id)),
        _row("deadline", "as_written", "As written", "كما ورد", policies, of(lambda r: r.as_written)),
        _row("deadline", "clause", "Clause", "البند", policies, of(lambda r: r.clause.ref)),
        _row("deadline", "trigger", "Counted from", "تحتسب من", policies, of(lambda r: r.trigger.event)),
        _row("deadline", "fulfilled_by", "Met by", "تستوفى بـ", policies, of(lambda r: r.fulfilled_by.event)),
        _row("deadline", "amount", "Length", "المدة", policies, of(lambda r: r.period.amount)),
        _row("deadline", "unit", "Unit", "الوحدة", policies, of(lambda r: r.period.unit)),
        _row("deadline", "bound_as_written", "Bound as written", "الحد كما ورد", policies,
             of(lambda r: r.bound_as_written)),
        _row("deadline", "default_reading", "Default reading", "القراءة الافتراضية", policies,
             of(lambda r: r.default_reading)),
        _row("deadline", "reading_bound", "Bound under the default reading", "الحد وفق القراءة الافتراضية",
             policies, reading_bound),
        _row("deadline", "typical_calendar_days", "Typical length in calendar days", "المدة المعتادة بالأيام التقويمية",
             policies, typical),
    ]


def _rules(policies: list[Policy]) -> list[Row]:
    return _membership("rules", policies, lambda p: [(r.id, {"ar": r.label.ar, "en": r.label.en}) for r in p.rules],
                       shared_labels=SHARED_RULE_LABELS)


CONNECTIVES = {"ar": {"all": " و", "any": " أو ", "not": "ليس "},
               "en": {"all": " AND ", "any": " OR ", "not": "NOT "}}


def condition_words(condition, policy: Policy, lang: str) -> str:
    """A compensation condition tree in words: each fact by its label in `lang`, outer brackets dropped."""
    from .report.labels import fact

    text = _formula(condition, lambda fact_id: fact(fact_id, policy, lang), CONNECTIVES[lang])
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def condition_text(condition) -> str:
    """A compensation condition tree as a readable formula over fact ids."""
    return _formula(condition, lambda fact_id: fact_id, CONNECTIVES["en"])


def _formula(node, name, connectives: dict[str, str]) -> str:
    if hasattr(node, "fact"):
        return name(node.fact)
    if hasattr(node, "all") or hasattr(node, "any"):
        kind = "all" if hasattr(node, "all") else "any"
        return "(" + connectives[kind].join(_formula(child, name, connectives) for child in getattr(node, kind)) + ")"
    return connectives["not"] + _formula(node.not_, name, connectives)


def _compensation(policies: list[Policy]) -> list[Row]:
    def formula(p):
        if p.compensation is None:
            return None
        text = condition_text(p.compensation.condition)
        return text[1:-1] if text.startswith("(") and text.endswith(")") else text

    covered = [p for p in policies if p.compensation is not None]
    condition = _row("compensation", "condition", "Conditions", "الشروط", policies, formula)
    procedure = _row("compensation", "procedure", "Procedure", "الإجراء", policies,
                     lambda p: "; ".join(i.label.en for i in p.compensation.procedure) if p.compensation else None)
    return [
        _row("compensation", "covered", "Compensation covered", "التعويض مشمول", policies,
             lambda p: p.compensation is not None),
        replace(condition, words={p.id: {lang: condition_words(p.compensation.condition, p, lang)
                                         for lang in ("ar", "en")} for p in covered}),
        replace(procedure, words={p.id: {"ar": "؛ ".join(i.label.ar for i in p.compensation.procedure),
                                         "en": procedure.values[p.id]} for p in covered if p.compensation.procedure}),
    ]


def _complaints(policies: list[Policy]) -> list[Row]:
    rows = [_row("complaints", "covered", "Complaints handled", "استقبال الشكاوى مشمول", policies,
                 lambda p: p.complaints is not None),
            replace(_row("complaints", "handler", "Handled by", "الجهة المختصة", policies,
                         lambda p: p.complaints.handler.ar if p.complaints and p.complaints.handler else None),
                    words={p.id: {"ar": p.complaints.handler.ar, "en": p.complaints.handler.en}
                           for p in policies if p.complaints and p.complaints.handler}),
            _row("complaints", "unspecified", "Left unspecified", "ما لم يحدد", policies,
                 lambda p: "; ".join(p.complaints.unspecified) if p.complaints else None)]
    channel_rows = _membership("complaints", policies, lambda p: [
        (c, dict(CHANNELS.get(c, {"ar": c, "en": c}))) for c in (p.complaints.channels if p.complaints else ())])
    return rows + [Row(r.section, f"channel:{r.item}", {"ar": f"قناة الشكوى: {r.label['ar']}",
                                                        "en": f"Complaint channel: {r.label['en']}"},
                       r.values, True) for r in channel_rows]


def _satisfaction(policies: list[Policy]) -> list[Row]:
    rows = _membership("satisfaction", policies, lambda p: _label_pairs(p.satisfaction))
    periods = [_row("satisfaction", f"period:{r.item}", f"Period of: {r.label['en']}", f"دورية: {r.label['ar']}",
                    policies, lambda p, item=r.item: next((m.period for m in p.satisfaction if m.id == item), None))
               for r in rows]
    return rows + [row for row in periods if any(v is not None for v in row.values.values())]


def _services(policies: list[Policy]) -> list[Row]:
    return [_row("services", "count", "Number of services listed", "عدد الخدمات", policies,
                 lambda p: len(p.services))] + _membership("services", policies, lambda p: _label_pairs(p.services))
