"""Renderers of a verdict for people and machines; each format is its own module, imported on demand."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..case import Case
    from ..model import Policy
    from ..verdict import Verdict

FORMATS = {
    "json": "json_out",
    "text": "text",
    "markdown": "markdown",
    "html": "html",
}
LANGS = ("ar", "en")


def render_verdict(verdict: "Verdict", policy: "Policy", fmt: str = "text", lang: str = "en",
                   case: "Case | None" = None) -> str:
    """The verdict rendered as `fmt` (text, json, markdown, html) in `lang` (ar, en).

    `case`, when given, lets the HTML timeline show every event (its type and time only, never attributes).
    """
    module = importlib.import_module(f"policykit.report.{FORMATS[fmt]}")
    if fmt == "html":
        return module.render(verdict, policy, lang, case=case)
    if fmt == "markdown":
        from .rtl import markdown_page

        return markdown_page(module.render(verdict, policy, lang), lang)
    return module.render(verdict, policy, lang)
