"""The bilingual (Arabic/English) explanations a finding carries; wording only, no judgement."""

from __future__ import annotations

import datetime as dt

from .verdict import Text
from .vocabulary import EVENTS

_UNITS = {
    "working_days": ("يوم عمل", "working day(s)"),
    "calendar_days": ("يوم", "calendar day(s)"),
}


def event_label(event: str, extra: dict[str, dict[str, str]] | None = None) -> tuple[str, str]:
    """(ar, en) label of an event id, canonical or policy-defined."""
    found = EVENTS.get(event) or (extra or {}).get(event)
    if found:
        return found["ar"], found["en"]
    return event, event


def when(instant: dt.datetime | None, tz: dt.tzinfo) -> str:
    """A local instant as `YYYY-MM-DD HH:MM` for prose."""
    if instant is None:
        return "-"
    return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def unit(name: str) -> tuple[str, str]:
    """(ar, en) name of a period unit."""
    return _UNITS.get(name, (name, name))


def text(ar: str, en: str) -> Text:
    """A Text from its two languages."""
    return Text.trusted(ar=ar, en=en)


def not_triggered(trigger: tuple[str, str]) -> Text:
    """The rule's trigger or condition did not occur."""
    return text(f"لم يقع «{trigger[0]}»، فلا تنطبق القاعدة.",
                f"'{trigger[1]}' did not occur, so the rule does not apply.")


def unknown(what: list[str]) -> Text:
    """A needed attribute is missing."""
    listed = "، ".join(what)
    return text(f"لا يمكن الحكم: بيانات ناقصة ({listed}).",
                f"Cannot decide: missing data ({', '.join(what)}).")


def deadline_met(ful: tuple[str, str], at: str, due: str) -> Text:
    """Fulfilled at or before the due."""
    return text(f"تم «{ful[0]}» في {at} قبل نهاية المهلة {due}.",
                f"'{ful[1]}' at {at}, on or before the due {due}.")


def deadline_late(ful: tuple[str, str], at: str, due: str, late: int, unit_name: str) -> Text:
    """Fulfilled after the due."""
    ar_unit, en_unit = unit(unit_name)
    return text(f"تم «{ful[0]}» في {at} بعد انتهاء المهلة {due} بـ {late} {ar_unit}.",
                f"'{ful[1]}' at {at}, {late} {en_unit} after the due {due}.")


def deadline_overdue(ful: tuple[str, str], due: str, late: int, unit_name: str) -> Text:
    """Not fulfilled and the due has passed."""
    ar_unit, en_unit = unit(unit_name)
    return text(f"لم يتم «{ful[0]}» وقد انتهت المهلة في {due} (متأخر {late} {ar_unit}).",
                f"'{ful[1]}' has not happened and the due {due} has passed ({late} {en_unit} late).")


def closed_unfulfilled(ful: tuple[str, str], closed_at: str) -> Text:
    """The case was closed while still owed."""
    return text(f"أُغلقت الحالة في {closed_at} دون «{ful[0]}».",
                f"The case was closed at {closed_at} without '{ful[1]}'.")


def waiting(ful: tuple[str, str], due: str | None) -> Text:
    """Owed and not yet due."""
    if due is None:
        return text(f"بانتظار «{ful[0]}» (لا مهلة محددة).", f"Waiting for '{ful[1]}' (no time limit).")
    return text(f"بانتظار «{ful[0]}» حتى {due}.", f"Waiting for '{ful[1]}' until {due}.")


def too_early(ful: tuple[str, str], at: str, not_before: str) -> Text:
    """Literal at-least reading: fulfilled before the minimum period ended."""
    return text(f"تم «{ful[0]}» في {at} قبل اكتمال المدة الدنيا (لا قبل {not_before}) وفق القراءة الحرفية.",
                f"'{ful[1]}' at {at}, before the minimum period ended (not before {not_before}), "
                "under the literal reading.")


def after_minimum(ful: tuple[str, str], at: str, not_before: str) -> Text:
    """Literal at-least reading: fulfilled after the minimum period."""
    return text(f"تم «{ful[0]}» في {at} بعد اكتمال المدة الدنيا ({not_before}).",
                f"'{ful[1]}' at {at}, after the minimum period ({not_before}).")


def unbounded_met(ful: tuple[str, str], at: str) -> Text:
    """A deadline whose reading sets no bound, fulfilled."""
    return text(f"تم «{ful[0]}» في {at}.", f"'{ful[1]}' at {at}.")


def in_order(first: tuple[str, str], then: tuple[str, str]) -> Text:
    """Order respected."""
    return text(f"وقع «{first[0]}» قبل «{then[0]}».", f"'{first[1]}' came before '{then[1]}'.")


def out_of_order(first: tuple[str, str], then: tuple[str, str], later: bool) -> Text:
    """Order broken: `first` missing or after `then`."""
    if later:
        return text(f"وقع «{then[0]}» قبل «{first[0]}»، والترتيب المطلوب عكس ذلك.",
                    f"'{then[1]}' came before '{first[1]}'; the required order is the reverse.")
    return text(f"وقع «{then[0]}» دون أن يسبقه «{first[0]}».",
                f"'{then[1]}' happened without '{first[1]}' before it.")


def obligation_met(req: tuple[str, str], at: str) -> Text:
    """Obligation fulfilled."""
    return text(f"تم «{req[0]}» في {at}.", f"'{req[1]}' at {at}.")


def obligation_missed_before(req: tuple[str, str], before: tuple[str, str], at: str) -> Text:
    """Obligation with `before`: the limiting event came first."""
    return text(f"وقع «{before[0]}» في {at} دون أن يسبقه «{req[0]}».",
                f"'{before[1]}' happened at {at} without '{req[1]}' before it.")


def channel_met(channel: str) -> Text:
    """Channel as agreed."""
    return text(f"استُخدمت القناة المتفق عليها ({channel}).", f"The agreed channel ({channel}) was used.")


def channel_breached(used: str, agreed: str) -> Text:
    """Channel differs from the agreed one."""
    return text(f"استُخدمت القناة {used} بدل القناة المتفق عليها {agreed}.",
                f"Channel {used} was used instead of the agreed {agreed}.")


def nothing_agreed(ref: tuple[str, str], attribute: str) -> Text:
    """No reference value recorded."""
    return text(f"لم تُسجَّل قيمة «{attribute}» عند «{ref[0]}»، فلا تنطبق القاعدة.",
                f"No '{attribute}' was recorded at '{ref[1]}', so the rule does not apply.")
