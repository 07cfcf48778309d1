"""The channel kind: an event's channel must equal the value recorded on another event (its first), when one was."""

from __future__ import annotations

from .. import findings_text as say
from .status import BREACHED, MET, NOT_APPLICABLE, UNDETERMINED
from .table import Branch, Compiled, Kind, unknown


class Channel(Kind, name="channel", label=("وسيلة التواصل", "channel"), model="ChannelRule"):
    """An event must use the channel recorded on the first occurrence of another event (e.g. the agreed channel).

    The means of contact the beneficiary chose, used for a later event."""

    roles = ("event",)
    references = ("must_equal_event",)
    marks = ("must_equal_event", "event")
    closing = False

    def fields(self, base) -> dict:
        """The event, its attribute, and where the agreed value is recorded."""
        return {"event": base.Pattern, "attribute": (base.Id, "channel"), "must_equal_event": base.Id,
                "must_equal_attribute": base.Id}

    def decide(self, r: Compiled, q) -> list[Branch]:
        """Undecidable or absent event; nothing agreed; channel unrecorded; as agreed; another channel."""
        rule = r.rule
        hit = q.find(r["event"])
        reference = q.find(r["must_equal_event"])
        agreed = q.value(reference, rule.must_equal_attribute)
        used = q.value(hit, rule.attribute)
        judged = lambda: {"trigger_at": reference.at, "fulfilled_at": hit.at, "evidence": (reference, hit),  # noqa: E731
                          "used": used, "agreed": agreed}
        return [
            Branch(hit.unknown, UNDETERMINED, unknown, lambda: {"would_decide": q.missing(hit)}),
            Branch(hit.absent, NOT_APPLICABLE, lambda s: say.not_triggered(s.label(r["event"]))),
            Branch(q.none(agreed), NOT_APPLICABLE,
                   lambda s: say.nothing_agreed(s.label(rule.must_equal_event), rule.must_equal_attribute),
                   lambda: {"evidence": (reference,)}),
            Branch(q.none(used), UNDETERMINED, unknown,
                   lambda: {**judged(), "would_decide": q.lacking(hit, r["event"].event, rule.attribute)}),
            Branch(used == agreed, MET, lambda s: say.channel_met(s.used), judged),
            Branch(True, BREACHED, lambda s: say.channel_breached(s.used, s.agreed), judged),
        ]

    def describe(self, rule, lang, pattern, event) -> str:
        """'X through the channel recorded at Y, when one was'."""
        if lang == "ar":
            return (f"«{pattern(rule.event, lang)}» عبر «{say.attribute_label(rule.must_equal_attribute)[0]}» "
                    f"المسجلة عند «{event(rule.must_equal_event, lang)}»، إن سُجّلت")
        return (f"{pattern(rule.event, lang)} uses the {rule.attribute} equal to the {rule.must_equal_attribute} "
                f"recorded at {event(rule.must_equal_event, lang)}, when one was recorded")


CHANNEL = Channel()
