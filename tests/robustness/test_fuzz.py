"""Property-based fuzzing: arbitrary and near-valid policies and cases; only a Verdict or PolicykitError comes out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings, strategies as st

from policykit.case import load_case
from policykit.diagnostics import PolicykitError
from policykit.engine import evaluate
from policykit.loader import load_policy_file
from policykit.source import load_file, parse
from policykit.verdict import Verdict

ROOT = Path(__file__).resolve().parents[2]
POLICY_FILES = sorted((ROOT / "policies").glob("*.yaml"))
CASE_FILES = sorted((ROOT / "examples").glob("*/*.yaml"))
AS_OF = dt.datetime(2025, 6, 1, tzinfo=dt.timezone(dt.timedelta(hours=3)))
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.function_scoped_fixture])

JUNK_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
    st.sampled_from(["", "\u202e\u200f", "\x00", "💥" * 10, "ـــ", "1446-09-30H", "1446-13-01 هـ", "2025-02-30",
                     "9999-12-31T23:59:59-12:00", "0001-01-01", "2025-03-02T25:61", "2025-03-02T09:00:00+25:00",
                     "NaN", "-1", "1e309", "request_received", "phone", "approved", "working_days"]),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(data: Any, path: tuple = ()) -> list[tuple]:
    """Every path into nested dicts and lists."""
    out = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            out.extend(_paths(value, (*path, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out.extend(_paths(value, (*path, index)))
    return out


def _parent(data: Any, path: tuple) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def mutated(draw: st.DrawFn, data: Any) -> Any:
    """`data` with one to three mutations: drop, retype, rename, duplicate or insert."""
    data = yaml.safe_load(yaml.safe_dump(data, allow_unicode=True))  # a private deep copy
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, last = _parent(data, path), path[-1]
        op = draw(st.sampled_from(["drop", "retype", "rename", "duplicate", "insert"]))
        if op == "drop":
            del parent[last]
        elif op == "retype":
            parent[last] = draw(JUNK_VALUES)
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = parent.pop(last)
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(parent[last])
        elif op == "insert" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["kind", "id", "at", "type", "subject", "extends", "versions", "x"]))] = \
                draw(JUNK_VALUES)
    return data


@st.composite
def odd_valid_instant(draw: st.DrawFn) -> str:
    """A valid `at` in one of the accepted spellings: offsets far from Riyadh's, bare dates, Hijri dates."""
    from hijridate import Gregorian

    moment = draw(st.datetimes(min_value=dt.datetime(2023, 1, 1), max_value=dt.datetime(2026, 12, 31)))
    form = draw(st.sampled_from(["offset", "naive", "date", "hijri", "hijri_ar", "utc"]))
    if form == "offset":
        minutes = draw(st.integers(-12 * 60, 14 * 60))
        zone = dt.timezone(dt.timedelta(minutes=minutes))
        return moment.replace(tzinfo=zone).isoformat()
    if form == "utc":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if form == "naive":
        return moment.isoformat(timespec="minutes")
    if form == "date":
        return moment.date().isoformat()
    hijri = Gregorian(moment.year, moment.month, moment.day).to_hijri()
    text = f"{hijri.year:04d}-{hijri.month:02d}-{hijri.day:02d}"
    return f"{text}H" if form == "hijri" else f"{text} هـ"


@st.composite
def reshuffled_case(draw: st.DrawFn, data: dict) -> dict:
    """A case kept valid in shape: events retimed, reordered, repeated or dropped; facts flipped or unknown."""
    data = yaml.safe_load(yaml.safe_dump(data, allow_unicode=True))
    events = data.get("events") or []
    for event in events:
        if draw(st.booleans()):
            event["at"] = draw(odd_valid_instant())
    if events and draw(st.booleans()):
        events.append(dict(draw(st.sampled_from(events))))
    if len(events) > 1 and draw(st.booleans()):
        events.pop(draw(st.integers(0, len(events) - 1)))
    data["events"] = draw(st.permutations(events))
    for fact in ("association_caused_harm", "investigation_minutes_approved", "final_ruling_issued"):
        choice = draw(st.sampled_from(["keep", "true", "false", "null"]))
        if choice != "keep":
            data.setdefault("facts", {})[fact] = {"true": True, "false": False, "null": None}[choice]
    return data


def _dump(data: Any, path: Path) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _policy_data(path: Path) -> dict:
    return load_file(path).data


def _only_own_errors(call) -> Any:
    """Run `call`; a PolicykitError must carry located one-line diagnostics; anything else propagates."""
    try:
        return call()
    except PolicykitError as exc:
        assert exc.diagnostics
        assert all("\n" not in d.render() for d in exc.diagnostics)
        return None


@FUZZ
@given(text=st.text(max_size=300))
def test_arbitrary_text_parses_or_fails_cleanly(text):
    """Any text through the safe parser: data or PolicykitError, nothing else."""
    _only_own_errors(lambda: parse(text, "fuzz.yaml"))


@FUZZ
@given(raw=st.binary(max_size=300))
def test_arbitrary_bytes_as_a_case_file(raw, tmp_path):
    """Any bytes as a case file: a Case or PolicykitError."""
    path = tmp_path / "case.yaml"
    path.write_bytes(raw)
    _only_own_errors(lambda: load_case(path))


@FUZZ
@given(data=st.sampled_from(POLICY_FILES).map(_policy_data).flatmap(mutated))
def test_near_valid_policies_load_or_fail_cleanly(data, tmp_path):
    """A bundled policy with random damage: a Policy or PolicykitError."""
    # written next to the bundled files' base so that `extends` still resolves
    path = _dump(data, tmp_path / "policy.yaml")
    if isinstance(data, dict) and isinstance(data.get("extends"), str):
        base = ROOT / "policies" / f"{data['extends']}.yaml"
        if base.is_file():
            (tmp_path / base.name).write_bytes(base.read_bytes())
    _only_own_errors(lambda: load_policy_file(path))


def _near_valid_case(data: dict) -> st.SearchStrategy:
    return st.one_of(mutated(data), reshuffled_case(data), reshuffled_case(data).flatmap(mutated))


@FUZZ
@given(data=st.sampled_from(CASE_FILES).map(lambda p: load_file(p).data).flatmap(_near_valid_case))
def test_near_valid_cases_evaluate_or_fail_cleanly(data, tmp_path):
    """A bundled example case with random damage: a Verdict (its JSON renders) or PolicykitError."""
    path = _dump(data, tmp_path / "case.yaml")

    def run() -> Verdict:
        case = load_case(path)
        verdict = evaluate(case.policy, case, AS_OF)
        assert isinstance(verdict, Verdict)
        assert verdict.case_id == case.case_id
        verdict.model_dump_json()
        return verdict

    _only_own_errors(run)


def test_the_corpus_is_not_empty():
    """The near-valid strategies have material to mutate."""
    assert len(POLICY_FILES) >= 5 and len(CASE_FILES) >= 5


_EVENT_KEYS = st.sampled_from(["type", "at", "channel", "agreed_channel", "outcome", "id", "subject", "x"])


@settings(max_examples=40, deadline=None)
@example(events=[{"type": []}, {"type": {"a": 1}, "at": "2025-03-02"}])  # found by this test: a crash in post()
@given(events=st.lists(st.dictionaries(_EVENT_KEYS, JUNK_VALUES | st.sampled_from(
    ["request_received", "decision_notified", "2025-03-02", "2025-03-20T10:00", "phone", "approved"]),
    max_size=5), max_size=8))
def test_live_sessions_take_any_event(events):
    """Any event dict posted live: a Change or PolicykitError; verdicts of what was accepted still render."""
    import pytest

    pytest.importorskip("durable")
    from policykit.live import LiveSession

    session = LiveSession("harif", now="2025-03-01T00:00:00+03:00")
    for event in events:
        _only_own_errors(lambda: session.post("C1", event))
    if session.open_cases:
        session.verdict("C1").model_dump_json()
    session.shutdown()
