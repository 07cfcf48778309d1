"""The case timeline as an inline SVG: findings on a time axis, dues, closed days shaded, breaches marked."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from html import escape

from . import labels
from .dates import both_dates, holiday_name, is_closed, parse_instant

WIDTH = 760
LABEL_WIDTH = 230
ROW_HEIGHT = 34
AXIS_HEIGHT = 46
MARGIN = 14
MAX_SHADED_DAYS = 800
MAX_EVENT_MARKERS = 1000  # a case may hold 10,000 events: the picture draws this many, the list below them all
COLOURS = {"met": "#1b7f3b", "breached": "#c62828", "pending": "#b26a00", "undetermined": "#5c6bc0",
           "not_applicable": "#9e9e9e"}


@dataclass(frozen=True)
class Mark:
    """One instant on a finding's row."""

    at: dt.datetime
    role: str  # trigger, fulfilled or due
    event: str | None


def render_timeline(verdict, policy, lang: str, case=None) -> str:
    """An SVG figure of the case's events and the verdict's dated findings; a placeholder when nothing is dated."""
    rows = [(finding, _marks(finding, policy)) for finding in verdict.findings]
    rows = [(finding, marks) for finding, marks in rows if marks]
    as_of = parse_instant(verdict.as_of)
    events = timeline_events(verdict, policy, case)
    instants = [mark.at for _, marks in rows for mark in marks] + [at for _, at, _ in events]
    if not instants:
        return _empty_figure(lang)
    tz = instants[0].tzinfo
    start = min(instants).astimezone(tz).date() - dt.timedelta(days=1)
    end = max(instants).astimezone(tz).date() + dt.timedelta(days=2)
    if as_of is not None and as_of.astimezone(tz).date() <= end + dt.timedelta(days=7):
        end = max(end, as_of.astimezone(tz).date() + dt.timedelta(days=1))
    axis = _Axis(start, end, tz, rtl=(lang == "ar"))
    height = AXIS_HEIGHT + ROW_HEIGHT * (len(rows) + 1) + 2 * MARGIN + 18
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" font-family="inherit" font-size="13" direction="{"rtl" if lang == "ar" else "ltr"}">',
        f"<title>{escape(labels.word('timeline', lang))}</title>",
    ]
    parts += _closed_days(axis, policy, height, lang)
    parts += _ticks(axis, height, lang)
    parts += _events_row(axis, events, policy, lang)
    for index, (finding, marks) in enumerate(rows, start=1):
        parts += _row(axis, index, finding, marks, policy, lang)
    if as_of is not None and axis.start_dt <= as_of <= axis.end_dt:
        x = axis.x(as_of)
        parts.append(f'<line x1="{x:.1f}" y1="{MARGIN}" x2="{x:.1f}" y2="{height - MARGIN}" stroke="#333" '
                     f'stroke-width="1.5" stroke-dasharray="2 3"><title>{escape(labels.word("as_of", lang))}'
                     f'</title></line>')
    parts.append(_legend(height, lang))
    parts.append("</svg>")
    return "\n".join(parts)


def timeline_events(verdict, policy, case=None) -> list[tuple[int, dt.datetime, str]]:
    """(number, instant, event id) in time order, numbered from 1: every case event up to as_of when the case
    is given, else the distinct ones the findings reveal."""
    if case is not None:
        as_of = parse_instant(verdict.as_of)
        shown = [e for e in case.events if as_of is None or e.at <= as_of]
        return [(number, e.at, e.type) for number, e in enumerate(shown, start=1)]
    seen: dict[tuple[dt.datetime, str], None] = {}
    for finding in verdict.findings:
        for mark in _marks(finding, policy):
            if mark.event and mark.role != "due":
                seen.setdefault((mark.at, mark.event), None)
    ordered = sorted(seen, key=lambda pair: pair[0])
    return [(number, at, event) for number, (at, event) in enumerate(ordered, start=1)]


def _events_row(axis: "_Axis", events, policy, lang: str) -> list[str]:
    y = MARGIN + AXIS_HEIGHT + ROW_HEIGHT / 2
    title = {"ar": "الأحداث", "en": "Events"}[lang]
    label_x = WIDTH - MARGIN if lang == "ar" else MARGIN
    out = [f'<g class="events"><text x="{label_x}" y="{y + 4:.1f}" font-weight="bold">{escape(title)}</text>']
    placed: tuple[list[float], list[float]] = ([], [])  # each level's markers, sorted by x
    step = -15 if axis.rtl else 15
    for number, at, event in events[:MAX_EVENT_MARKERS]:
        x, level = _free_spot(axis.x(at), placed, step)
        bisect.insort(placed[level], x)
        cy = y - 7 + level * 14
        name = f"{number}. {labels.event(event, policy, lang)}: {both_dates(at.date(), lang)} {at:%H:%M}"
        out.append(f'<g class="event" data-event="{escape(event)}"><circle cx="{x:.1f}" cy="{cy:.1f}" r="7" '
                   f'fill="#0b5d7a"/><text x="{x:.1f}" y="{cy + 3.5:.1f}" text-anchor="middle" font-size="9" '
                   f'fill="#fff" direction="ltr">{number}</text><title>{escape(name)}</title></g>')
    if len(events) > MAX_EVENT_MARKERS:
        more = len(events) - MAX_EVENT_MARKERS
        words = {"ar": f"أحداث أخرى لم تُرسم، وهي في القائمة أدناه: {more}",
                 "en": f"{more} more events not drawn; the list below has them all"}[lang]
        out.append(f'<text x="{label_x}" y="{y + 20:.1f}" font-size="11">+{more}<title>{escape(words)}</title></text>')
    out.append("</g>")
    return out


def _free_spot(x: float, placed: tuple[list[float], list[float]], step: float) -> tuple[float, int]:
    """A position near `x` on one of two levels where no placed marker overlaps; shift along time if both are taken.

    Markers of one level are 15 apart or more, so only the two nearest a position can overlap it: each test is a
    bisection, not a scan of every marker (which made a case of a few thousand events take hours to draw).
    """
    while True:
        for level in (0, 1):
            row = placed[level]
            at = bisect.bisect_left(row, x)
            if all(abs(x - px) >= 15 for px in row[max(at - 1, 0):at + 1]):
                return x, level
        x += step


def _marks(finding, policy) -> list[Mark]:
    trigger_event, fulfil_event = _events_of(finding.rule, policy)
    marks = []
    for role, value, event in (("trigger", finding.trigger_at, trigger_event),
                               ("fulfilled", finding.fulfilled_at, fulfil_event),
                               ("due", finding.due, None)):
        moment = parse_instant(value)
        if moment is not None:
            marks.append(Mark(moment, role, event))
    return marks


def _events_of(rule_id: str, policy) -> tuple[str | None, str | None]:
    """The events behind a finding's trigger_at and fulfilled_at, as the rule's kind names them."""
    from ..judge.kinds import KINDS

    try:
        rule = policy.rule(rule_id)
    except (KeyError, AttributeError):
        return None, None
    kind = KINDS.get(getattr(rule, "kind", None))
    return kind.mark_events(rule) if kind is not None else (None, None)


class _Axis:
    """Maps instants to x positions; right-to-left for Arabic."""

    def __init__(self, start: dt.date, end: dt.date, tz, rtl: bool) -> None:
        self.start, self.end, self.tz, self.rtl = start, end, tz, rtl
        self.start_dt = dt.datetime.combine(start, dt.time(), tz)
        self.end_dt = dt.datetime.combine(end, dt.time(), tz)
        self.left = MARGIN if rtl else LABEL_WIDTH
        self.right = WIDTH - LABEL_WIDTH if rtl else WIDTH - MARGIN
        self.span = (self.end_dt - self.start_dt).total_seconds()

    def x(self, moment: dt.datetime) -> float:
        """The x position of an instant, clamped to the axis."""
        share = (moment - self.start_dt).total_seconds() / self.span
        share = min(max(share, 0.0), 1.0)
        offset = share * (self.right - self.left)
        return self.right - offset if self.rtl else self.left + offset

    def day_x(self, day: dt.date) -> tuple[float, float]:
        """Left edge and width of a whole local day."""
        a = self.x(dt.datetime.combine(day, dt.time(), self.tz))
        b = self.x(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), self.tz))
        return min(a, b), abs(b - a)

    def days(self):
        """Every day on the axis."""
        day = self.start
        while day < self.end:
            yield day
            day += dt.timedelta(days=1)


def _closed_days(axis: _Axis, policy, height: int, lang: str) -> list[str]:
    calendar = getattr(policy, "calendar", None)
    if calendar is None or (axis.end - axis.start).days > MAX_SHADED_DAYS:
        return []
    out = []
    for day in axis.days():
        if not is_closed(day, calendar):
            continue
        x, w = axis.day_x(day)
        name = holiday_name(day, calendar)
        title = both_dates(day, lang) + (f" — {name}" if name else "")
        fill = "#f3d9b1" if name else "#e6e6e6"
        out.append(f'<rect class="closed" x="{x:.1f}" y="{MARGIN}" width="{w:.1f}" height="{height - 2 * MARGIN - 18}"'
                   f' fill="{fill}"><title>{escape(title)}</title></rect>')
    return out


def _ticks(axis: _Axis, height: int, lang: str) -> list[str]:
    total = (axis.end - axis.start).days
    step = 1 if total <= 21 else 7 if total <= 120 else 30
    out = []
    y_axis = MARGIN + AXIS_HEIGHT - 10
    out.append(f'<line x1="{axis.left}" y1="{y_axis}" x2="{axis.right}" y2="{y_axis}" stroke="#555"/>')
    for index, day in enumerate(axis.days()):
        if index % step:
            continue
        x, w = axis.day_x(day)
        centre = x + w / 2
        text = f"{day.day}/{day.month}" if step < 30 else f"{day.month}/{day.year % 100:02d}"
        out.append(f'<line x1="{centre:.1f}" y1="{y_axis - 4}" x2="{centre:.1f}" y2="{y_axis + 4}" stroke="#555"/>')
        out.append(f'<text x="{centre:.1f}" y="{y_axis - 8}" text-anchor="middle" direction="ltr" fill="#333">'
                   f'{escape(text)}<title>{escape(both_dates(day, lang))}</title></text>')
    return out


def _row(axis: _Axis, index: int, finding, marks: list[Mark], policy, lang: str) -> list[str]:
    y = MARGIN + AXIS_HEIGHT + index * ROW_HEIGHT + ROW_HEIGHT / 2
    colour = COLOURS.get(finding.status, "#444")
    label = getattr(finding.label, lang)
    label_x = WIDTH - MARGIN if lang == "ar" else MARGIN
    anchor = "start"
    out = [f'<g class="finding {escape(finding.status)}" data-rule="{escape(finding.rule)}">',
           f'<text x="{label_x}" y="{y + 4:.1f}" text-anchor="{anchor}" fill="{colour}">'
           f'{escape(_shorten(label, 34 if lang == "ar" else 29))}<title>{escape(label)} — {escape(labels.status(finding.status, lang))}'
           f'</title></text>']
    by_role = {mark.role: mark for mark in marks}
    trigger, due, fulfilled = by_role.get("trigger"), by_role.get("due"), by_role.get("fulfilled")
    if trigger and due:
        a, b = sorted((axis.x(trigger.at), axis.x(due.at)))
        out.append(f'<rect x="{a:.1f}" y="{y - 5:.1f}" width="{max(b - a, 1):.1f}" height="10" rx="3" '
                   f'fill="{colour}" fill-opacity="0.18" stroke="{colour}" stroke-opacity="0.5"/>')
    if due:
        x = axis.x(due.at)
        out.append(f'<line class="due" x1="{x:.1f}" y1="{y - 12:.1f}" x2="{x:.1f}" y2="{y + 12:.1f}" '
                   f'stroke="{colour}" stroke-width="2"><title>{escape(labels.word("due", lang))}: '
                   f'{escape(both_dates(due.at.date(), lang))} {due.at:%H:%M}</title></line>')
    if trigger:
        out.append(_dot(axis.x(trigger.at), y, "#ffffff", colour, trigger, policy, lang))
    if fulfilled:
        out.append(_dot(axis.x(fulfilled.at), y, colour, colour, fulfilled, policy, lang))
    if finding.status == "breached":
        where = fulfilled or due or trigger
        x = axis.x(where.at)
        out.append(f'<path class="breach" d="M{x - 7:.1f},{y - 7:.1f} L{x + 7:.1f},{y + 7:.1f} M{x + 7:.1f},'
                   f'{y - 7:.1f} L{x - 7:.1f},{y + 7:.1f}" stroke="#c62828" stroke-width="3"/>')
    out.append("</g>")
    return out


def _dot(x: float, y: float, fill: str, stroke: str, mark: Mark, policy, lang: str) -> str:
    name = labels.event(mark.event, policy, lang) if mark.event else labels.word(
        "trigger_at" if mark.role == "trigger" else "fulfilled_at", lang)
    when = f"{both_dates(mark.at.date(), lang)} {mark.at:%H:%M}"
    return (f'<circle class="{mark.role}" cx="{x:.1f}" cy="{y:.1f}" r="5.5" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="2"><title>{escape(name)}: {escape(when)}</title></circle>')


def _legend(height: int, lang: str) -> str:
    y = height - MARGIN + 4
    items = [("○", labels.word("trigger_at", lang)), ("●", labels.word("fulfilled_at", lang)),
             ("|", labels.word("due", lang)), ("✕", labels.status("breached", lang)),
             ("▮", labels.word("closed_day", lang))]
    text = "   ".join(f"{symbol} {name}" for symbol, name in items)
    x = WIDTH - MARGIN if lang == "ar" else MARGIN
    return f'<text class="legend" x="{x}" y="{y}" fill="#444">{escape(text)}</text>'


def _empty_figure(lang: str) -> str:
    message = {"ar": "لا توجد تواريخ لعرضها", "en": "No dated findings to show"}[lang]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 {WIDTH} 40" width="100%">'
            f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" fill="#666">{escape(message)}</text></svg>')


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
