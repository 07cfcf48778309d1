"""The phrases of the end-of-batch summary, in English and Arabic (`--lang`); ids, numbers and paths as they are."""

from __future__ import annotations

PHRASES = {
    "en": {"read": "{rows} rows read, {cases} cases in {seconds} s", "speed": " ({eps} events/s)",
           "by_status": "cases by status: ", "none": "none", "sep": ", ", "most": "most breached: ",
           "median": "median lateness: {value} {unit}", "median_of": "median lateness: {amount}", "unknown": "ignored unknown columns: ",
           "rejected": "rejected rows: {n} (see {path})", "out": "verdicts written to {out}",
           "incomplete": "incomplete cases (undetermined: rows rejected): {n}",
           "report": "audit report written to {report}",
           "report_of": "audit report of {cases} cases written to {report}",
           "hidden": "ignored {n} more unknown column{s}{where}, not named: not plain identifiers, they may be "
                     "personal data",
           "at_one": " (column {positions})", "at_many": " (columns {positions})", "more": " … and {n} more"},
    "ar": {"read": "الصفوف المقروءة: {rows}، الحالات: {cases}، في {seconds} ث", "speed": " ({eps} حدث/ث)",
           "by_status": "الحالات حسب الوضع: ", "none": "لا يوجد", "sep": "، ", "most": "أكثر القواعد مخالفة: ",
           "median": "وسيط التأخير: {value} {unit}", "median_of": "وسيط التأخير: {amount}", "unknown": "أعمدة غير معروفة تم تجاهلها: ",
           "rejected": "صفوف مرفوضة: {n} (انظر {path})", "out": "كُتبت الأحكام في {out}",
           "incomplete": "حالات ناقصة (غير محسومة لرفض بعض صفوفها): {n}",
           "report": "كُتب تقرير التدقيق في {report}",
           "report_of": "كُتب تقرير التدقيق في {report} (عدد الحالات: {cases})",
           "hidden": "تم تجاهل {n} من الأعمدة غير المعروفة الأخرى{where}، ولم تُذكر أسماؤها: ليست معرّفات بسيطة وقد "
                     "تكون بيانات شخصية",
           "at_one": " (العمود {positions})", "at_many": " (الأعمدة {positions})", "more": " … و{n} غيرها"},
}


def status_word(status: str, lang: str) -> str:
    """A case status as the summary prints it (the id in English, its label in Arabic)."""
    if lang == "en":
        return status
    from ..report import labels

    return labels.status(status, lang)


def unit_word(unit: str, lang: str) -> str:
    """A lateness unit as the summary prints it."""
    if lang == "en":
        return unit.replace("_", " ")
    from ..report import labels

    return labels.UNIT.get(unit, {}).get(lang, unit)
