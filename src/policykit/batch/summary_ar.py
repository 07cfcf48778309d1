"""The end-of-batch summary in Arabic (`--lang ar`): the same figures as Summary.render, labelled in Arabic."""

from __future__ import annotations

from ..report import labels


def render_arabic(summary) -> str:
    """The summary's lines in Arabic; ids, numbers and file names stay as they are."""
    d = summary.to_dict()
    lines = [f"الصفوف المقروءة: {d['rows_read']}، الحالات: {d['cases']}، في {d['seconds']} ث"
             + (f" ({d['events_per_second']} حدث/ث)" if d["events_per_second"] else "")]
    statuses = "، ".join(f"{labels.status(k, 'ar')} {v}" for k, v in d["cases_by_status"].items())
    lines.append("الحالات حسب الوضع: " + (statuses or "لا يوجد"))
    if d["most_breached_rules"]:
        lines.append("أكثر القواعد مخالفة: " + "، ".join(f"{rule} {n}" for rule, n in d["most_breached_rules"]))
    for unit, value in d["median_lateness"].items():
        lines.append(f"وسيط التأخير: {value:g} {labels.UNIT.get(unit, {}).get('ar', unit)}")
    if summary.unknown_columns:
        lines.append("أعمدة غير معروفة تم تجاهلها: " + "، ".join(summary.unknown_columns))
    if summary.rejected:
        lines.append(f"صفوف مرفوضة: {summary.rejected} (انظر {summary.rejects_path})")
    if summary.out:
        lines.append(f"كُتبت الأحكام في {summary.out}")
    if summary.report:
        lines.append(f"كُتب تقرير التدقيق في {summary.report}")
    return "\n".join(lines) + "\n"
