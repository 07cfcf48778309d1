"""The jinja2 environment for HTML output: templates from the package, autoescaping always on."""

from __future__ import annotations

import functools

import jinja2

from ..neutralise import html_page


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared environment; autoescape is forced on for every template, whatever its name (control and bidi
    characters are made visible on the whole page, by `render_template`)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("policykit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def render_template(name: str, **context) -> str:
    """Render a packaged template with `context`; control and bidi characters of its text shown, not obeyed."""
    return html_page(environment().get_template(name).render(**context))
