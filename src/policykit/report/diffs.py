"""A policy diff rendered as text, Markdown, HTML or JSON, in English or Arabic."""

from __future__ import annotations

from markupsafe import Markup

from ..compare import SECTIONS
from ..diff import PolicyDiff, Strictness
from ..neutralise import json_document, terminal
from . import labels
from .markdown import cell
from .matrix import display
from .rtl import markdown_page

FORMATS = ("text", "markdown", "json", "html")
SIGN = {"added": "+", "removed": "-", "changed": "~"}
ARROW = {"ar": "←", "en": "→"}  # from the old value to the new one, in the reading direction
WORDS = {
    "relative_to": {"ar": "{b} مقارنةً بـ {a}", "en": "{b} relative to {a}"},
    "no_differences": {"ar": "لا فروق", "en": "no differences"},
    "stricter": {"ar": "أي مهلتي الرد أشد", "en": "Which response deadline is stricter"},
    # Arabic says what happened by its verbal noun, which agrees with no item: «الشكاوى (محذوف)» and «سياسة …
    # (محذوف)» wanted محذوفة, an item's gender the diff does not know
    "added": {"ar": "إضافة", "en": "added"},
    "removed": {"ar": "حذف", "en": "removed"},
    "changed": {"ar": "تعديل", "en": "changed"},
    "reading": {"ar": "{reading}", "en": "{reading} reading"},
    "section": {"ar": "القسم", "en": "Section"},
    "item": {"ar": "البند", "en": "Item"},
    "change": {"ar": "التغيير", "en": "Change"},
    "title": {"ar": "الفروق بين سياستين", "en": "Differences between two policies"},
}


def render_diff(result: PolicyDiff, fmt: str = "text", lang: str = "en") -> str:
    """The diff in `fmt` (text, markdown, html, json); words in `lang`."""
    if fmt == "json":
        return json_document(result.to_json())
    if fmt == "html":
        return _html(result, lang)
    markdown = fmt == "markdown"
    w = lambda key, **kw: WORDS[key][lang].format(**kw)  # noqa: E731
    clean = cell if markdown else terminal
    title = w("relative_to", a=clean(result.a), b=clean(result.b))
    lines = [f"# {title}" if markdown else title]
    if not result.changes:
        lines.append(w("no_differences"))
    for section, changes in result.by_section().items():
        heading = SECTIONS.get(section, {}).get(lang, section)
        lines += ["", f"## {heading}" if markdown else f"{heading}:"]
        for change in changes:
            detail = _detail(change, _in_words(result, change, lang), lang, markdown)
            lines.append(f"- {SIGN[change.change]} {detail}" if markdown else f"  {SIGN[change.change]} {detail}")
    lines += ["", f"## {w('stricter')}" if markdown else f"{w('stricter')}:"]
    for verdict in result.deadline:
        text = strictness_text(verdict, result.a, result.b, lang)
        lines.append(f"- {cell(text)}" if markdown else f"  {terminal(text)}")
    text = "\n".join(lines) + "\n"
    return markdown_page(text, lang) if markdown else text


def _in_words(result: PolicyDiff, change, lang: str) -> tuple:
    """A changed value of A and of B as people read it: a deadline in words, a mismatched approval flagged."""
    if change.change != "changed" or result.matrix is None:
        return change.a, change.b
    from .board import in_words, values_in

    values_of, (pid_a, pid_b) = values_in(result.matrix), result.matrix.policies
    row = next((r for r in result.matrix.rows if (r.section, r.item) == (change.section, change.item)), change)
    return in_words(row, pid_a, change.a, values_of, lang), in_words(row, pid_b, change.b, values_of, lang)


def _detail(change, values: tuple, lang: str, markdown: bool) -> str:
    label = cell(change.label[lang]) if markdown else terminal(change.label[lang])
    if change.change == "changed":
        a, b = display(values[0], markdown=markdown) or "∅", display(values[1], markdown=markdown) or "∅"
        return f"{label}: {a} {ARROW[lang]} {b}"
    return f"{label} ({WORDS[change.change][lang]})"


def strictness_text(verdict: Strictness, name_a: str, name_b: str, lang: str) -> str:
    """`<reading>: <stricter policy> — <why>`; the why in Arabic is built from the same figures as the English."""
    winner = {"a": name_a, "b": name_b}.get(verdict.stricter, verdict.stricter)
    reading = WORDS["reading"][lang].format(reading=labels.reading(verdict.reading, lang) if lang == "ar"
                                            else verdict.reading)
    if lang != "ar":
        return f"{reading}: {winner} — {verdict.reason}"
    word = {"same": "متساويتان", "incomparable": "لا تقبلان المقارنة"}.get(verdict.stricter, winner)
    return f"{reading}: {word} — {_arabic_reason(verdict, name_a, name_b)}"


def _arabic_reason(verdict: Strictness, name_a: str, name_b: str) -> str:
    left, right = verdict.a, verdict.b
    if left is None or right is None:
        return f"لا توجد مهلة رد في {name_a if left is None else name_b}"
    if left == right:
        return "المهلة والحد والقراءة نفسها"
    left_caps, right_caps = left.bound == "at_most", right.bound == "at_most"
    if left_caps != right_caps:
        return f"{name_b if left_caps else name_a} لا تضع حداً أعلى لموعد الرد"
    if not left_caps:
        return "لا تضع أيٌّ منهما حداً أعلى لموعد الرد"

    def side(name, s):
        return f"{name} {labels.amount(s.typical_calendar_days, 'calendar_days', 'ar')} عادةً " \
               f"({labels.amount(s.amount, s.unit, 'ar')})"

    reason = f"{side(name_a, left)}، و{side(name_b, right)}"
    if left.starts != right.starts:  # as the English reason says: the two periods do not run from one event
        reason += (f"؛ مع ملاحظة أن المهلتين تبدآن من حدثين مختلفين («{labels.event(left.starts, None, 'ar')}» "
                   f"و«{labels.event(right.starts, None, 'ar')}»)")
    return reason


def _html(result: PolicyDiff, lang: str) -> str:
    from .html import stylesheet
    from .templating import render_template

    w = {key: value[lang] for key, value in WORDS.items()}
    sections = [{"title": SECTIONS.get(section, {}).get(lang, section),
                 "changes": [{"sign": SIGN[c.change], "kind": c.change, "word": WORDS[c.change][lang],
                              "label": c.label[lang], "a": display(a) if c.change == "changed" else "",
                              "b": display(b) if c.change == "changed" else ""}
                             for c in changes for a, b in [_in_words(result, c, lang)]]}
                for section, changes in result.by_section().items()]
    return render_template("diff.html.j2", lang=lang, direction="rtl" if lang == "ar" else "ltr", w=w,
                           title=w["relative_to"].format(a=result.a, b=result.b), sections=sections,
                           arrow=ARROW[lang],
                           strictness=[strictness_text(v, result.a, result.b, lang) for v in result.deadline],
                           css=Markup(stylesheet()))
