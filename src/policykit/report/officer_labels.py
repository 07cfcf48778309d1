"""Words of the officer's exports and of the audit report, in Arabic and English (new keys beside labels.WORDS)."""

from __future__ import annotations

from .labels import WORDS

EXPORT_WORDS = {
    "case_id": {"ar": "رقم الحالة", "en": "Case"},
    "cases_sheet": {"ar": "الحالات", "en": "Cases"},
    "findings_sheet": {"ar": "النتائج", "en": "Findings"},
    "breached_rules": {"ar": "القواعد المخالفة", "en": "Breached rules"},
    "most_late": {"ar": "أطول تأخير", "en": "Longest lateness"},
    "late_amount": {"ar": "مقدار التأخير", "en": "Late by (number)"},
    "late_unit": {"ar": "وحدة التأخير", "en": "Unit"},
    "clause_ref": {"ar": "رقم البند", "en": "Clause"},
    "rejected_rows": {"ar": "صفوف مرفوضة", "en": "Rejected rows"},
    "overdue": {"ar": "متأخر", "en": "overdue"},
    "by": {"ar": "قبل", "en": "by"},
    "before_event": {"ar": "قبل", "en": "before"},
    "no_due": {"ar": "دون موعد", "en": "no due date"},
    "audit_title": {"ar": "تقرير تدقيق الالتزام بالسياسة", "en": "Policy compliance audit"},
    "cases_by_status": {"ar": "الحالات حسب الوضع", "en": "Cases by status"},
    "breaches_per_rule": {"ar": "المخالفات حسب القاعدة", "en": "Breaches per rule"},
    "lateness_distribution": {"ar": "توزيع التأخير", "en": "Lateness distribution"},
    "monthly_trend": {"ar": "الحالات حسب شهر البدء ونسبة المخالفة", "en": "Cases by month of trigger, and breach rate"},
    "breach_rate": {"ar": "نسبة المخالفة", "en": "breach rate"},
    "earlier_months": {"ar": "آخر {shown} شهراً؛ لم تُعرض حالات الأشهر الأقدم (عددها {hidden})",
                       "en": "the last {shown} months; {hidden} cases of earlier months not shown"},
    "cases": {"ar": "الحالات", "en": "cases"},
    "breach_share": {"ar": "نسبة المخالفة", "en": "Breach rate"},
    "total_cases": {"ar": "عدد الحالات", "en": "Cases"},
    "breached_cases": {"ar": "حالات فيها مخالفة", "en": "Cases with a breach"},
    "incomplete_cases": {"ar": "حالات ناقصة البيانات", "en": "Incomplete cases"},
    "incomplete_note": {"ar": "حالات رُفض بعض صفوفها، فحكمها غير محسوم حتى تُصحَّح", "en":
                        "Cases with rejected rows: undetermined until the rows are corrected"},
    "none": {"ar": "لا يوجد", "en": "None"},
    # under a heading of cases: «لا يوجد» would not agree with the feminine plural «حالات»
    "no_cases": {"ar": "لا توجد حالات", "en": "No cases"},
    "no_data": {"ar": "لا توجد بيانات", "en": "No data"},  # an empty chart
    "most_overdue": {"ar": "أكثر الحالات المفتوحة تأخراً", "en": "Most overdue open cases"},
    # counted in calendar days from the earliest passed due, whatever the rule's unit: said so, since the
    # workbook's lateness of the same case is in the rule's unit (٢٥ يوم عمل beside 34 here)
    "days_overdue": {"ar": "أيام التأخر (تقويمية)", "en": "Calendar days overdue"},
    "month": {"ar": "الشهر", "en": "Month"},
    "count": {"ar": "العدد", "en": "Count"},
    "and_more": {"ar": "وحالات أخرى:", "en": "and more:"},
    "source_file": {"ar": "ملف الأحكام", "en": "Verdicts file"},
}


def export_word(key: str, lang: str) -> str:
    """A word of the exports in `lang` (the report words of labels.WORDS too)."""
    table = EXPORT_WORDS if key in EXPORT_WORDS else WORDS
    return table[key][lang]
