"""Policy records: the plain copies a warm `policykit check` reads instead of pydantic models must judge and
render exactly as the models do, and the cache must never serve a stale or damaged one."""

from __future__ import annotations

import datetime as dt
import io
import json
import pickle
import shutil
from pathlib import Path

import pytest

from policykit import policy_cache
from policykit.case import load_case
from policykit.cli import main
from policykit.engine import evaluate, version_for
from policykit.loader import bundled_ids, load_policy, load_policy_records
from policykit.records import PolicyRecord, Record, model_name, record_of
from policykit.report import render_verdict

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*/*.yaml"))
MINI = ROOT / "tests" / "fixtures" / "policies" / "mini.yaml"


def _as_json(value):
    """A record tree as the JSON data pydantic's `model_dump(mode="json")` gives for the model."""
    if isinstance(value, Record):
        return {name: _as_json(item) for name, item in vars(value).items()}
    if isinstance(value, (tuple, list)):
        return [_as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    return value.isoformat() if isinstance(value, dt.date) else value


@pytest.mark.parametrize("policy_id", bundled_ids())
def test_a_record_carries_every_field_of_every_version(policy_id):
    policy = load_policy(policy_id)
    record = record_of(policy)
    assert isinstance(record, PolicyRecord) and len(record.versions) == len(policy.versions)
    for model, copied in zip(policy.versions, record.versions):
        assert _as_json(copied) == model.model_dump(mode="json")
        assert model_name(copied) == "Policy" and model_name(copied.calendar) == "Calendar"
    assert record.versions[-1] is record


def test_records_are_read_only_comparable_and_survive_pickling():
    record = record_of(load_policy("harif"))
    with pytest.raises(AttributeError, match="read-only"):
        record.id = "other"
    with pytest.raises(AttributeError, match="read-only"):
        record.calendar.timezone = "UTC"
    again = pickle.loads(pickle.dumps(record))
    assert again == record and again is not record and again.versions[-1] is again
    assert hash(again.calendar) == hash(record.calendar)
    assert record.rule(record.rules[0].id) is record.rules[0]
    with pytest.raises(KeyError):
        record.rule("no_such_rule")
    assert record != record_of(load_policy("suqya"))
    assert record.calendar != record_of(load_policy("harif").calendar.model_copy(update={"timezone": "UTC"}))


def test_the_versions_in_force_are_the_same_for_model_and_record():
    policy = load_policy(MINI)
    record = record_of(policy)
    assert len(policy.versions) == 2
    for day in (dt.date(2020, 1, 1), dt.date(2025, 1, 1), dt.date(2030, 1, 1)):
        assert record.in_force_on(day).version == policy.in_force_on(day).version


@pytest.mark.parametrize("case_file", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_every_report_is_the_same_from_a_record(case_file, fmt):
    case = load_case(case_file)
    as_of = "2025-06-01"
    verdict = evaluate(case.policy, case, as_of)
    record = record_of(case.policy)
    from_record = evaluate(record, case, as_of)
    assert from_record == verdict
    for lang in ("ar", "en"):
        expected = render_verdict(verdict, version_for(case.policy, case, as_of), fmt, lang, case=case)
        assert render_verdict(from_record, version_for(record, case, as_of), fmt, lang, case=case) == expected


def test_records_come_from_a_warm_cache_and_never_from_a_stale_one(cache, tmp_path):
    copy = tmp_path / "mini.yaml"
    shutil.copy(MINI, copy)
    cold = load_policy_records(copy)
    assert not isinstance(cold, Record)  # nothing cached yet: the validated model itself
    warm = load_policy_records(copy)
    assert isinstance(warm, PolicyRecord) and warm == record_of(cold)
    copy.write_text(copy.read_text(encoding="utf-8").replace("id: mini\n", "id: mino\n", 1), encoding="utf-8")
    assert policy_cache.read_records(str(copy.resolve())) is None
    assert load_policy_records(copy).id == "mino"


@pytest.mark.parametrize("damage", ["garbage", "records_part", "other_runtime"])
def test_a_damaged_record_entry_is_a_miss(cache, tmp_path, monkeypatch, damage):
    copy = tmp_path / "mini.yaml"
    shutil.copy(MINI, copy)
    expected = load_policy(copy)
    (entry,) = (cache / "policies").glob("*.json")
    if damage == "garbage":
        entry.write_bytes(b"\x80\x05garbage")
    elif damage == "records_part":
        header = json.loads(entry.read_bytes())
        entry.write_text(json.dumps({**header, "policy": "not a policy"}), encoding="utf-8")
    else:
        monkeypatch.setattr(policy_cache, "_FORMAT", -1)
    assert policy_cache.read_records(str(copy.resolve())) is None
    assert load_policy_records(copy) == expected


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_check_prints_the_same_from_a_warm_cache_as_with_none(cache, monkeypatch, fmt):
    def check(case_file) -> tuple[int, str]:
        out = io.StringIO()
        code = main(["check", str(case_file), "--as-of", "2025-06-01", "--format", fmt], out, io.StringIO())
        return code, out.getvalue()

    for case_file in EXAMPLES:
        cold, warm = check(case_file), check(case_file)
        monkeypatch.setenv("POLICYKIT_CACHE_DIR", "off")
        assert check(case_file) == cold == warm, case_file
        monkeypatch.setenv("POLICYKIT_CACHE_DIR", str(cache))
