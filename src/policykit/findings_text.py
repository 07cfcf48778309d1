"""The bilingual (Arabic/English) explanations a finding carries; wording only, no judgement."""

from __future__ import annotations

import datetime as dt
import re

from .counting import arabic_digits, count
from .timeparse import clock
from .verdict import Text
from .vocabulary import CHANNELS, EVENTS

# the attributes a sentence may name, by their Arabic words (never the English id inside Arabic)
ATTRIBUTES = {"channel": ("القناة", "channel"), "agreed_channel": ("الوسيلة المتفق عليها للتواصل", "agreed channel"),
              "outcome": ("نتيجة الطلب", "outcome")}
# the attribute values a sentence may name, by their words
VALUES: dict[str, dict[str, str]] = {"approved": {"ar": "القبول", "en": "approved"},
                                     "rejected": {"ar": "الرفض", "en": "rejected"}}
_MISSING = re.compile(r"^(?P<event>[a-z][a-z0-9_]*)\.(?P<attr>[a-z][a-z0-9_]*) \(event #(?P<index>\d+)\)$")


def event_label(event: str, extra: dict[str, dict[str, str]] | None = None) -> tuple[str, str]:
    """(ar, en) label of an event id, canonical or policy-defined."""
    found = EVENTS.get(event) or (extra or {}).get(event)
    if found:
        return found["ar"], found["en"]
    return event, event


def when(instant: dt.datetime | None, tz: dt.tzinfo) -> str:
    """A local instant as `YYYY-MM-DD HH:MM` for prose (seconds and their fraction when it has a fraction)."""
    if instant is None:
        return "-"
    local = instant.astimezone(tz)
    return f"{local:%Y-%m-%d} {clock(local)}"


def channel_label(channel: str) -> tuple[str, str]:
    """(ar, en) label of a channel id (the id itself for one the vocabulary lacks)."""
    found = CHANNELS.get(channel)
    return (found["ar"], found["en"]) if found else (channel, channel)


def pattern_label(event: tuple[str, str], where: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    """(ar, en) label of an event pattern: the event's, with the attribute values it must carry."""
    if not where:
        return event
    ar = "، ".join(f"{attribute_label(k)[0]}: {VALUES.get(v, {}).get('ar', v)}" for k, v in where)
    en = ", ".join(f"{attribute_label(k)[1]}: {VALUES.get(v, {}).get('en', v)}" for k, v in where)
    return f"{event[0]} ({ar})", f"{event[1]} ({en})"


def attribute_label(name: str) -> tuple[str, str]:
    """(ar, en) words for an event attribute."""
    return ATTRIBUTES.get(name, (name, name))


def counted(number: int, unit_name: str) -> tuple[str, str]:
    """(ar, en) `number` of a period unit, the noun agreeing with the count."""
    return count(number, unit_name, "ar"), count(number, unit_name, "en")


def text(ar: str, en: str) -> Text:
    """A Text from its two languages."""
    return Text.trusted(ar=ar, en=en)


def not_triggered(trigger: tuple[str, str]) -> Text:
    """The rule's trigger or condition did not occur."""
    return text(f"لم يقع «{trigger[0]}»، فلا تنطبق القاعدة.",
                f"'{trigger[1]}' did not occur, so the rule does not apply.")


def unknown(what: list[str]) -> Text:
    """A needed attribute is missing; in Arabic the attribute and event by their words, not their ids."""
    listed = "، ".join(_missing_ar(item) for item in what)
    return text(f"لا يمكن الحكم: بيانات ناقصة ({listed}).",
                f"Cannot decide: missing data ({', '.join(what)}).")


def missing_words(item: str, lang: str) -> str:
    """One `would_decide` entry for a reader: in Arabic by the attribute's and event's words."""
    return _missing_ar(item) if lang == "ar" else item


def _missing_ar(item: str) -> str:
    """`decision_notified.outcome (event #6)` as «نتيجة الطلب» في «إبلاغ المستفيد بالقبول أو الرفض» (الحدث رقم ٦)."""
    found = _MISSING.match(item)
    if not found:
        return item
    return (f"«{attribute_label(found['attr'])[0]}» في «{event_label(found['event'])[0]}» "
            f"(الحدث رقم {arabic_digits(int(found['index']))})")


def deadline_met(ful: tuple[str, str], at: str, due: str) -> Text:
    """Fulfilled at or before the due."""
    return text(f"تم «{ful[0]}» في {at} قبل نهاية المهلة {due}.",
                f"'{ful[1]}' at {at}, on or before the due {due}.")


def deadline_late(ful: tuple[str, str], at: str, due: str, late: int, unit_name: str) -> Text:
    """Fulfilled after the due."""
    ar_late, en_late = counted(late, unit_name)
    return text(f"تم «{ful[0]}» في {at} بعد انتهاء المهلة في {due}، والتأخير: {ar_late}.",
                f"'{ful[1]}' at {at}, {en_late} after the due {due}.")


def deadline_overdue(ful: tuple[str, str], due: str, late: int, unit_name: str) -> Text:
    """Not fulfilled and the due has passed."""
    ar_late, en_late = counted(late, unit_name)
    return text(f"لم يتم «{ful[0]}» وقد انتهت المهلة في {due} (التأخير: {ar_late}).",
                f"'{ful[1]}' has not happened and the due {due} has passed ({en_late} late).")


def deadline_closed_late(ful: tuple[str, str], due: str, closed_at: str, late: int, unit_name: str) -> Text:
    """Not fulfilled, and the case closed after the due: late up to the closure, which stops the clock."""
    ar_late, en_late = counted(late, unit_name)
    return text(f"أُغلقت الحالة في {closed_at} بعد انتهاء المهلة في {due} دون «{ful[0]}» "
                f"(التأخير حتى الإغلاق: {ar_late}).",
                f"The case was closed at {closed_at}, after the due {due}, without '{ful[1]}' ({en_late} late at the "
                "closure).")


def closed_unfulfilled(ful: tuple[str, str], closed_at: str) -> Text:
    """The case was closed while still owed."""
    return text(f"أُغلقت الحالة في {closed_at} دون «{ful[0]}».",
                f"The case was closed at {closed_at} without '{ful[1]}'.")


def waiting(ful: tuple[str, str], due: str | None) -> Text:
    """Owed and not yet due."""
    if due is None:
        return text(f"بانتظار «{ful[0]}» (لا مهلة محددة).", f"Waiting for '{ful[1]}' (no time limit).")
    return text(f"بانتظار «{ful[0]}» حتى {due}.", f"Waiting for '{ful[1]}' until {due}.")


def waiting_not_before(ful: tuple[str, str], not_before: str) -> Text:
    """Literal at-least reading, not yet fulfilled: owed, but not before the minimum period ends."""
    return text(f"بانتظار «{ful[0]}»، على ألا يتم قبل {not_before} (لا حد أعلى وفق القراءة الحرفية).",
                f"Waiting for '{ful[1]}', not before {not_before} (no upper limit under the literal reading).")


def waiting_before(first: tuple[str, str], then: tuple[str, str]) -> Text:
    """An order rule's earlier step is owed: neither it nor the later step has happened yet."""
    return text(f"بانتظار «{first[0]}» قبل «{then[0]}».", f"Waiting for '{first[1]}' before '{then[1]}'.")


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
    ar, _ = channel_label(channel)
    return text(f"استُخدمت الوسيلة المتفق عليها («{ar}»).", f"The agreed channel ({channel}) was used.")


def channel_breached(used: str, agreed: str) -> Text:
    """Channel differs from the agreed one."""
    used_ar, agreed_ar = channel_label(used)[0], channel_label(agreed)[0]
    return text(f"استُخدمت وسيلة «{used_ar}» بدل الوسيلة المتفق عليها «{agreed_ar}».",
                f"Channel {used} was used instead of the agreed {agreed}.")


def nothing_agreed(ref: tuple[str, str], attribute: str) -> Text:
    """No reference value recorded."""
    ar, en = attribute_label(attribute)
    return text(f"لم تُسجَّل «{ar}» عند «{ref[0]}»، فلا تنطبق القاعدة.",
                f"No '{attribute}' was recorded at '{ref[1]}', so the rule does not apply.")
