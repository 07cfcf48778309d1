"""The SPEC §7 JSON form of a verdict."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model import Policy
    from ..verdict import Verdict


def render(verdict: "Verdict", policy: "Policy", lang: str) -> str:
    """Indented UTF-8 JSON; labels carry both languages so `lang` does not change it."""
    return json.dumps(verdict.to_json_dict(), ensure_ascii=False, indent=2) + "\n"
