"""The verdict as one self-contained HTML page (inline CSS and SVG, no network), printable on A4."""

from __future__ import annotations

from importlib import resources

from markupsafe import Markup

from .labels import WORDS
from .templating import render_template
from .dates import both_dates
from .labels import event as event_label
from .timeline import render_timeline, timeline_events
from .view import build_view, version_used


def stylesheet() -> str:
    """The report stylesheet, inlined into every page."""
    return (resources.files("policykit.report") / "templates" / "base.css").read_text(encoding="utf-8")


def words(lang: str) -> dict[str, str]:
    """Every report word in `lang`, for templates."""
    return {key: value[lang] for key, value in WORDS.items()}


def render(verdict, policy, lang: str, case=None) -> str:
    """The HTML report of `verdict` in `lang`; the SVG is built from escaped parts, so it is marked safe."""
    view = build_view(verdict, policy, lang)
    policy = version_used(policy, verdict)
    return render_template(
        "verdict.html.j2",
        v=view,
        w=words(lang),
        css=Markup(stylesheet()),
        timeline=Markup(render_timeline(verdict, policy, lang, case)),
        events=[{"number": number, "label": event_label(event, policy, lang),
                 "when": f"{both_dates(at.date(), lang)} {at:%H:%M}"}
                for number, at, event in timeline_events(verdict, policy, case)],
    )
