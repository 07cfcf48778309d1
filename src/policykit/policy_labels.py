"""Words a person reads about a policy, in Arabic and English: section headings, terms, rule sentences."""

from __future__ import annotations

from .findings_text import pattern_label
from .judge.kinds import kind_of
from .model import EventPattern, Rule
from .vocabulary import EVENTS

HEADINGS: dict[str, dict[str, str]] = {
    "association": {"ar": "الجمعية", "en": "Association"},
    "approval": {"ar": "الاعتماد", "en": "Approval"},
    "document": {"ar": "الوثيقة", "en": "Document"},
    "calendar": {"ar": "التقويم", "en": "Calendar"},
    "channels": {"ar": "قنوات التواصل", "en": "Channels"},
    "tools": {"ar": "أدوات التواصل", "en": "Tools"},
    "services": {"ar": "الخدمات", "en": "Services"},
    "service_practices": {"ar": "الممارسات في تقديم الخدمة", "en": "Service practices"},
    "steps": {"ar": "خطوات التعامل", "en": "Handling steps"},
    "rules": {"ar": "القواعد", "en": "Rules"},
    "compensation": {"ar": "التعويض", "en": "Compensation"},
    "complaints": {"ar": "الشكاوى", "en": "Complaints"},
    "relationship": {"ar": "بناء العلاقة", "en": "Relationship commitments"},
    "information_duties": {"ar": "تزويد المستفيد بالمعلومات", "en": "Information duties"},
    "satisfaction": {"ar": "قياس الرضا", "en": "Satisfaction measurement"},
    "responsibilities": {"ar": "المسؤوليات", "en": "Responsibilities"},
    "not_encoded": {"ar": "غير مرمّز", "en": "Not encoded"},
}
WORDS: dict[str, dict[str, str]] = {
    "audience": {"ar": "الفئة", "en": "Audience"},
    "beneficiaries": {"ar": "المستفيدون", "en": "beneficiaries"},
    "general_assembly_members": {"ar": "أعضاء الجمعية العمومية", "en": "general-assembly members"},
    "version": {"ar": "الإصدار", "en": "version"},
    "effective_from": {"ar": "نافذ من", "en": "effective from"},
    "registration": {"ar": "رقم التسجيل", "en": "Registration"},
    "none_stated": {"ar": "لم يُذكر", "en": "none stated in the document"},
    "incomplete": {"ar": "ناقص", "en": "incomplete as written"},
    "not_checkable": {"ar": "لا يُتحقق منه آلياً", "en": "not machine-checkable"},
    "events": {"ar": "الأحداث", "en": "events"},
    "handler": {"ar": "الجهة المختصة", "en": "Handler"},
    "unspecified": {"ar": "غير محدد في النص", "en": "Left unspecified"},
    "procedure": {"ar": "الإجراء", "en": "Procedure"},
    "period": {"ar": "الدورية", "en": "period"},
    "no_period": {"ar": "غير محددة", "en": "none given"},
    "reading": {"ar": "القراءة", "en": "reading"},
    "preamble": {"ar": "تمهيد", "en": "Preamble"},
    "scope": {"ar": "النطاق", "en": "Scope"},
    "general_goal": {"ar": "الهدف العام", "en": "General goal"},
    "detailed_goals": {"ar": "الأهداف التفصيلية", "en": "Detailed goals"},
    "work_week": {"ar": "أيام العمل", "en": "Work week"},
    "holidays": {"ar": "العطل الرسمية", "en": "Holidays"},
    "all": {"ar": "جميع ما يلي", "en": "all of"},
    "any": {"ar": "أحد ما يلي", "en": "any of"},
    "not": {"ar": "ليس", "en": "not"},
    "timezone": {"ar": "التوقيت", "en": "Time zone"},
    "hijri": {"ar": "هـ", "en": "(Hijri)"},
    "english_notes": {"ar": "الملاحظات التفسيرية مدونة في العرض الإنجليزي للسياسة.",
                      "en": ""},
}
# contact fields, weekdays, calendars and rule kinds as an Arabic reader expects them
CONTACT_KINDS: dict[str, dict[str, str]] = {
    "phone": {"ar": "الهاتف", "en": "phone"}, "fax": {"ar": "الفاكس", "en": "fax"},
    "email": {"ar": "البريد الإلكتروني", "en": "email"}, "website": {"ar": "الموقع الإلكتروني", "en": "website"},
    "address": {"ar": "العنوان", "en": "address"},
}
WEEKDAYS: dict[str, dict[str, str]] = {
    "sun": {"ar": "الأحد", "en": "sun"}, "mon": {"ar": "الاثنين", "en": "mon"}, "tue": {"ar": "الثلاثاء", "en": "tue"},
    "wed": {"ar": "الأربعاء", "en": "wed"}, "thu": {"ar": "الخميس", "en": "thu"}, "fri": {"ar": "الجمعة", "en": "fri"},
    "sat": {"ar": "السبت", "en": "sat"},
}
HOLIDAYS: dict[str, dict[str, str]] = {
    "SA": {"ar": "المملكة العربية السعودية", "en": "SA"},
    "none": {"ar": "لا عطل", "en": "none"},
}
TIMEZONES: dict[str, str] = {"Asia/Riyadh": "توقيت الرياض"}



def event_label(event_id: str, lang: str) -> str:
    """The label of a canonical event, else the id."""
    return EVENTS.get(event_id, {}).get(lang, event_id)


def kind_label(rule, lang: str) -> str:
    """The name of a rule's kind in `lang`, as the kind names itself (policykit.judge)."""
    return kind_of(rule).label[lang]


def describe_rule(rule: Rule, lang: str) -> str:
    """One sentence saying what a rule requires, in `lang` (the kind's own sentence)."""
    return kind_of(rule).describe(rule, lang, _pattern, event_label)


def _pattern(pattern: EventPattern, lang: str) -> str:
    ar, en = pattern_label((event_label(pattern.event, "ar"), event_label(pattern.event, "en")),
                           tuple(sorted(pattern.where.items())))
    return ar if lang == "ar" else en
