"""Compensation: the policy's condition tree over case facts, in three-valued logic (true/false/unknown)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from .records import model_name
from .verdict import ClauseRef, CompensationResult, Text
from .vocabulary import FACTS

if TYPE_CHECKING:
    from .model import Compensation, Condition

Truth = bool | None


def truth(condition: Condition, facts: Mapping[str, bool | None]) -> tuple[Truth, list[str]]:
    """The value of `condition` and, when unknown, the absent facts that would decide it."""
    kind = model_name(condition)  # a model or its record alike
    if kind == "FactCondition":
        value = facts.get(condition.fact)
        return value, ([] if value is not None else [condition.fact])
    if kind == "NotCondition":
        value, unknown = truth(condition.not_, facts)
        return (None if value is None else not value), unknown
    parts = condition.all if kind == "AllCondition" else condition.any
    decisive = kind == "AnyCondition"  # the value that settles the whole: True for any, False for all
    results = [truth(part, facts) for part in parts]
    if any(value is decisive for value, _ in results):
        return decisive, []
    if all(value is not None for value, _ in results):
        return not decisive, []
    unknown: list[str] = []
    for value, names in results:
        unknown.extend(n for n in names if n not in unknown)
    return None, unknown


def assess(compensation: Compensation | None, facts: Mapping[str, bool | None]) -> CompensationResult:
    """eligible / not_eligible / undetermined (naming unknown facts) / not_covered (policy silent)."""
    if compensation is None:
        return CompensationResult.trusted(status="not_covered", explanation=Text.trusted(
            ar="لا تتناول سياسة الجمعية التعويض.", en="The policy says nothing about compensation."))
    value, unknown = truth(compensation.condition, facts)
    clauses = [ClauseRef.trusted(ref=item.clause.ref, text_ar=item.clause.text_ar) for item in compensation.conditions]
    if value is True:
        text = Text.trusted(ar="شروط التعويض متحققة، ويُتفاوض مع المستفيد على التعويض.",
                    en="The compensation conditions hold; compensation is then negotiated with the beneficiary.")
        # what follows eligibility is the policy's procedure (harif ث-٤, the negotiation): cite it with the conditions
        steps = [ClauseRef.trusted(ref=item.clause.ref, text_ar=item.clause.text_ar)
                 for item in getattr(compensation, "procedure", None) or ()]
        return CompensationResult.trusted(status="eligible", clauses=clauses + steps, explanation=text)
    if value is False:
        text = Text.trusted(ar="شروط التعويض غير متحققة.", en="The compensation conditions do not hold.")
        return CompensationResult.trusted(status="not_eligible", clauses=clauses, explanation=text)
    # both languages name the facts by their words, not their ids (the ids are in unknown_facts)
    named = {lang: (", " if lang == "en" else "، ").join(
        (f"«{FACTS[f]['ar']}»" if lang == "ar" else f"'{FACTS[f]['en']}'") if f in FACTS else f for f in unknown)
        for lang in ("ar", "en")}
    text = Text.trusted(ar=f"لا يمكن الحكم قبل معرفة: {named['ar']}.",
                en=f"Cannot decide until these facts are known: {named['en']}.")
    return CompensationResult.trusted(status="undetermined", unknown_facts=unknown, clauses=clauses, explanation=text)
