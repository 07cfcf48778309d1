"""The decision service: an HTTP API for systems and a web page for officers, on FastAPI."""

from __future__ import annotations


def create_app(*args, **kwargs):
    """The ASGI app (see policykit.service.app.create_app)."""
    from .app import create_app as create

    return create(*args, **kwargs)
