"""The SPEC §7 JSON form of a verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..neutralise import json_document

if TYPE_CHECKING:
    from ..model import Policy
    from ..verdict import Verdict


def render(verdict: "Verdict", policy: "Policy", lang: str) -> str:
    """Indented UTF-8 JSON; labels carry both languages so `lang` does not change it."""
    return json_document(verdict.to_json_dict())
