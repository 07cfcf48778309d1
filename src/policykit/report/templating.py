"""The jinja2 environment for HTML output: templates from the package, autoescaping always on."""

from __future__ import annotations

import functools

import jinja2


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared environment; autoescape is forced on for every template, whatever its name.

    Its `visible` filter shows control and bidi characters escaped (`\\u202e`), as every other output shows a case
    id: escaping markup does not stop an override from making an id read backwards on the page."""
    from ..neutralise import terminal

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("policykit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["visible"] = terminal
    return env


def render_template(name: str, **context) -> str:
    """Render a packaged template with `context`."""
    return environment().get_template(name).render(**context)
