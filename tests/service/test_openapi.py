"""The OpenAPI document: served at /openapi.json, committed as docs/openapi.json, with every SPEC §11 operation."""

from __future__ import annotations

import json
from pathlib import Path

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
SPEC_OPERATIONS = {
    ("get", "/v1/policies"), ("get", "/v1/policies/{policy_id}"), ("post", "/v1/check"), ("post", "/v1/compare"),
    ("post", "/v1/diff"), ("get", "/v1/lint"), ("put", "/v1/sessions/{name}"),
    ("post", "/v1/sessions/{name}/events"), ("post", "/v1/sessions/{name}/advance"),
    ("get", "/v1/sessions/{name}/cases/{case_id}"), ("get", "/v1/sessions/{name}/actions"),
    ("post", "/v1/batch"), ("get", "/v1/batch/{job}"), ("get", "/healthz")}


def operations(document: dict) -> set[tuple[str, str]]:
    return {(method, path) for path, ops in document["paths"].items() for method in ops}


def test_the_committed_document_is_current(server):
    """Exactly what the service serves when written by the same fastapi and pydantic (releases word schemas
    differently: titles, `additionalProperties`); with others (CI's lowest versions) the same operations and
    schemas."""
    from policykit.service.openapi import generator, text

    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    stale = "docs/openapi.json is stale: python -m policykit.service.openapi > docs/openapi.json"
    if committed["info"].get("x-generated-with") == generator():
        assert COMMITTED.read_text(encoding="utf-8") == text(), stale
    else:
        current = json.loads(text())
        assert operations(committed) == operations(current), stale
        assert set(committed["components"]["schemas"]) == set(current["components"]["schemas"]), stale


def test_the_served_document_has_every_spec_operation(api):
    served = api.get("/openapi.json").json()
    assert SPEC_OPERATIONS <= operations(served)
    assert operations(served) == operations(json.loads(COMMITTED.read_text(encoding="utf-8")))


def test_v1_operations_need_the_bearer_token_and_document_their_errors(api):
    served = api.get("/openapi.json").json()
    for path, ops in served["paths"].items():
        for method, operation in ops.items():
            if path.startswith("/v1/"):
                assert operation["security"] == [{"bearer": []}], (method, path)
                assert {"401", "422"} <= set(operation["responses"]), (method, path)


def test_request_bodies_carry_examples(api):
    served = api.get("/openapi.json").json()
    schemas = served["components"]["schemas"]
    for name in ("CaseBody", "CompareBody", "DiffBody", "SessionBody", "EventsBody", "AdvanceBody"):
        assert schemas[name].get("examples"), name
    assert served["paths"]["/v1/check"]["post"]["requestBody"]["content"]["application/json"]["example"]


def test_the_documented_case_example_is_a_valid_case(api):
    served = api.get("/openapi.json").json()
    example = served["paths"]["/v1/check"]["post"]["requestBody"]["content"]["application/json"]["example"]
    answer = api.post("/v1/check", json=example, params={"as_of": "2025-04-20"})
    assert answer.status_code == 200 and answer.json()["status"] == "non_compliant"
