"""The exported JSON Schema is current, valid, and accepts every bundled policy file as written."""

import json
from pathlib import Path

import jsonschema
import pytest

from policykit.loader import policies_dir
from policykit.schema import policy_schema, policy_schema_text
from policykit.source import load_file

FIVE = ["green_energy", "saddad", "khairat_albaha", "harif", "suqya"]
COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "policy.schema.json"


@pytest.fixture(scope="module")
def validator():
    schema = policy_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def as_json(data):
    return json.loads(json.dumps(data, default=str))


def test_committed_schema_is_current():
    assert COMMITTED.read_text(encoding="utf-8") == policy_schema_text(), \
        "regenerate with: policykit schema > docs/policy.schema.json"


@pytest.mark.parametrize("pid", FIVE)
def test_bundled_policy_validates(validator, pid):
    data = as_json(load_file(policies_dir() / f"{pid}.yaml").data)
    assert [e.message for e in validator.iter_errors(data)] == []


def test_schema_rejects_what_the_loader_rejects(validator):
    data = as_json(load_file(policies_dir() / "harif.yaml").data)
    data["colour"] = "green"
    assert not validator.is_valid(data)
    data = as_json(load_file(policies_dir() / "harif.yaml").data)
    data["rules"][0]["period"]["unit"] = "weeks"
    assert not validator.is_valid(data)
    data = as_json(load_file(policies_dir() / "harif.yaml").data)
    data["rules"][0]["trigger"] = "Request Completed"
    assert not validator.is_valid(data)


def test_event_pattern_accepts_string_or_mapping(validator):
    data = as_json(load_file(policies_dir() / "suqya.yaml").data)
    data["rules"][0]["trigger"] = {"event": "referred_to_committee"}
    assert validator.is_valid(data)
