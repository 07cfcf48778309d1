"""schemathesis against the live server (real uvicorn on 127.0.0.1): no 5xx, every answer matches its schema.

Bounded: a few examples per operation, so that the run takes seconds. The schema is the committed document
(test_openapi.py checks that it is the one the server serves)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

if os.environ.get("CI", "").lower() != "true":
    pytest.importorskip("schemathesis", reason="schemathesis is not installed: pip install '.[all,test]'")
import schemathesis  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis import checks  # noqa: E402

# 20 per operation keeps the run to seconds; POLICYKIT_SCHEMATHESIS_EXAMPLES=150 (about 5 minutes) for a longer look
MAX_EXAMPLES = int(os.environ.get("POLICYKIT_SCHEMATHESIS_EXAMPLES", "20"))
# what the service promises: never a 5xx, and every answer (status, media type, headers, body) as documented;
# positive_data_acceptance is left out: a schema-valid body may still name an unknown policy or case (a 422)
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_headers_conformance, checks.response_schema_conformance]
BINARY_EXPORTS = ("application/jsonl", "application/vnd.apache.parquet",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@schemathesis.serializer(*BINARY_EXPORTS)
def _as_bytes(ctx, value):
    """Exports of the binary media types are sent as the bytes generated for them (the server must refuse or
    judge them, never fail)."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


DOCUMENT = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json").read_text(encoding="utf-8"))
schema = schemathesis.openapi.from_dict(DOCUMENT)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_answers_match_their_schema(case, server):
    case.call_and_validate(base_url=server.url, headers=server.auth, checks=CHECKS, timeout=30)
