"""GET /docs: Swagger UI served from the service itself (fastapi-offline's copy), never from a CDN.

FastAPI's own /docs loads Swagger UI's script from jsdelivr: a page that stays blank on a network without the
internet, and a third-party script on the page where an engineer types the bearer token."""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
# Swagger UI needs its one inline start-up script; everything it loads comes from this service
CSP = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " \
      "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def routes(app: FastAPI) -> None:
    """/docs and the files it loads (a fixed folder of the installed package, read by Starlette's StaticFiles)."""
    app.mount(ASSETS, StaticFiles(directory=str(files("fastapi_offline") / "static")), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request):
        root = request.scope.get("root_path", "")
        answer = get_swagger_ui_html(openapi_url=f"{root}/openapi.json", title=f"{app.title} — API",
                                     swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
                                     swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
                                     swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
                                     # no badge fetched from validator.swagger.io
                                     swagger_ui_parameters={"validatorUrl": None})
        answer.headers["Content-Security-Policy"] = CSP
        return answer
