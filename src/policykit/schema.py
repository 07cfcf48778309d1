"""The JSON Schema of the policy file format, generated from the pydantic model."""

from __future__ import annotations

import json
from typing import Any

from .model import Policy

SCHEMA_ID = "https://policykit.example/policy.schema.json"
# Keys the loader reads before validation (SPEC-level file features, not Policy fields).
_FILE_KEYS = {
    "extends": {"type": "string", "description": "A base policy file (stem or path, relative to this file)."},
    "abstract": {"type": "boolean", "description": "A base that is never loaded on its own."},
    "versions": {"type": "array", "items": {"type": "object"},
                 "description": "Later versions: partial policies merged over the previous one, each with effective_from."},
}


def policy_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a policy file, as the loader accepts it."""
    schema = Policy.model_json_schema(by_alias=True, mode="validation")
    schema["properties"].update(_FILE_KEYS)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def policy_schema_text() -> str:
    """The schema as committed in docs/policy.schema.json."""
    return json.dumps(policy_schema(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
