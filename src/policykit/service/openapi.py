"""The OpenAPI document of the service: FastAPI's, plus the bearer scheme and the case body's schema.

`python -m policykit.service.openapi > docs/openapi.json` writes the committed copy (a test keeps it current)."""

from __future__ import annotations

import json
import sys
import tempfile


def schema_of(app) -> dict:
    """The app's OpenAPI document, built once."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        from .models import CaseBody

        schema = get_openapi(title=app.title, version=app.version, description=app.description,
                             routes=app.routes)
        components = schema.setdefault("components", {})
        components.setdefault("securitySchemes", {})["bearer"] = {"type": "http", "scheme": "bearer"}
        case = CaseBody.model_json_schema(ref_template="#/components/schemas/{model}")
        components["schemas"].update(case.pop("$defs", {}))
        components["schemas"]["CaseBody"] = case
        for path, operations in schema["paths"].items():
            if path.startswith("/v1/"):
                for operation in operations.values():
                    operation["security"] = [{"bearer": []}]
        app.openapi_schema = schema
    return app.openapi_schema


def document() -> dict:
    """The document of a default service (built on throw-away directories)."""
    from .app import create_app
    from .settings import ServiceSettings

    with tempfile.TemporaryDirectory(prefix="policykit-openapi-") as root:
        guard = create_app(ServiceSettings(store=f"{root}/sessions", decision_log=None, jobs_dir=f"{root}/jobs"))
        found = guard.app.openapi()
        guard.app.state.service.close()
    return found


def generator() -> dict:
    """The versions of the libraries that write the document (their output differs between releases)."""
    from importlib.metadata import version

    return {"fastapi": version("fastapi"), "pydantic": version("pydantic")}


def text() -> str:
    """The document as committed: indented UTF-8 JSON, naming the fastapi and pydantic that wrote it."""
    found = document()
    found["info"]["x-generated-with"] = generator()
    return json.dumps(found, ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    sys.stdout.write(text())
