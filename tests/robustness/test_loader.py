"""Loader unit tests: resolution, extends, versions, every problem reported, round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from policykit.diagnostics import Diagnostic, PolicykitError, Span, did_you_mean, format_path
from policykit.loader import bundled_ids, load_policy, load_policy_file, merge, resolve
from policykit.model import Policy
from policykit.source import parse

ROOT = Path(__file__).resolve().parents[2]
VALID = ROOT / "tests" / "fixtures" / "invalid" / "policies" / "_valid.yaml"


def _problems(path: Path) -> list[tuple[str, tuple]]:
    with pytest.raises(PolicykitError) as info:
        load_policy_file(path)
    return [(d.code, d.path) for d in info.value.diagnostics]


def _write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_ids_are_the_five():
    """The five associations load by id."""
    assert set(bundled_ids()) == {"green_energy", "saddad", "khairat_albaha", "harif", "suqya"}
    for pid in bundled_ids():
        assert load_policy(pid).id == pid


def test_unknown_id_suggests_the_closest():
    """A misspelt id: unknown-policy with a did-you-mean."""
    with pytest.raises(PolicykitError) as info:
        resolve("sadad")
    assert info.value.first.code == "unknown-policy"
    assert info.value.first.hint == "did you mean 'saddad'?"


def test_a_path_is_not_mistaken_for_an_id(tmp_path):
    """Anything with a suffix or a slash is a path, even when no such file exists."""
    assert resolve(tmp_path / "x.yaml") == tmp_path / "x.yaml"
    with pytest.raises(PolicykitError) as info:
        load_policy(tmp_path / "x.yaml")
    assert info.value.first.code == "file-not-found"


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    """Three independent defects (unknown key, unknown event, bad kind) give three diagnostics."""
    text = VALID.read_text(encoding="utf-8")
    text = text.replace("complaints:", "complaint:").replace("trigger: request_completed", "trigger: nope")
    text = text.replace("kind: order", "kind: ordr")
    codes = _problems(_write(tmp_path, text))
    assert ("unknown-key", ("complaint",)) in codes
    assert ("unresolved-reference", ("rules", 0, "trigger")) in codes
    assert ("invalid-value", ("rules", 1, "kind")) in codes
    assert len(codes) == 3


def test_reference_checks_skip_only_the_invalid_item(tmp_path):
    """An invalid channel item does not hide a reference problem in a valid rule, and indexes stay true."""
    text = VALID.read_text(encoding="utf-8").replace("  - id: interview\n", "  - id: Interview\n", 1)
    text = text.replace("then: decision_notified", "then: decision_notifed")
    codes = _problems(_write(tmp_path, text))
    assert codes == [("invalid-value", ("channels", 0, "id")), ("unresolved-reference", ("rules", 1, "then"))]


def test_union_errors_name_the_branch_meant(tmp_path):
    """A condition tree with a typo deep inside reports that typo only, with its hint."""
    text = VALID.read_text(encoding="utf-8").replace("{fact: final_ruling_issued}", "{fct: final_ruling_issued}")
    with pytest.raises(PolicykitError) as info:
        load_policy_file(_write(tmp_path, text))
    (only,) = info.value.diagnostics
    assert only.code == "unknown-key"
    assert only.path == ("compensation", "condition", "all", 1, "any", 1, "fct")
    assert only.hint == "did you mean 'fact'?"


def test_policy_values_are_echoed_but_case_values_are_not(tmp_path):
    """Policy files are public documents: a bad value is quoted to help the author."""
    text = VALID.read_text(encoding="utf-8").replace("audience: beneficiaries", "audience: everyone")
    with pytest.raises(PolicykitError) as info:
        load_policy_file(_write(tmp_path, text))
    assert "(got 'everyone')" in info.value.first.message


def test_extends_merges_lists_by_id_and_reports_positions_in_the_child(tmp_path):
    """A child overriding one rule of its base; an error in the child points into the child file."""
    base = VALID.read_text(encoding="utf-8").replace("id: sample", "id: base")
    _write(tmp_path, base, "base.yaml")
    child = _write(tmp_path, "extends: base\nid: child\nrules:\n  - id: inform_before_decision\n"
                             "    first: applicant_informed\n    then: decision_notifid\n", "child.yaml")
    with pytest.raises(PolicykitError) as info:
        load_policy_file(child)
    assert info.value.first.span == Span(str(child), 6, 5)
    child.write_text(child.read_text().replace("decision_notifid", "decision_notified"))
    loaded = load_policy_file(child)
    assert loaded.id == "child" and len(loaded.rules) == 2


def test_versions_pick_the_one_in_force(tmp_path):
    """Each version validates; in_force_on picks by effective_from."""
    import datetime as dt

    text = VALID.read_text(encoding="utf-8") + (
        "versions:\n  - version: \"2\"\n    effective_from: 2024-01-01\n    rules:\n"
        "      - id: respond_within_15_working_days\n        period: {amount: 10, unit: working_days}\n")
    policy = load_policy_file(_write(tmp_path, text))
    assert [v.version for v in policy.versions] == ["1", "2"]
    assert policy.in_force_on(dt.date(2023, 6, 1)).rules[0].period.amount == 15
    assert policy.in_force_on(dt.date(2024, 6, 1)).rules[0].period.amount == 10


def test_an_error_in_a_version_layer_is_located_in_that_layer(tmp_path):
    """A bad value introduced by versions[0] points at the version's line."""
    text = VALID.read_text(encoding="utf-8") + (
        "versions:\n  - version: \"2\"\n    effective_from: 2024-01-01\n    audience: everybody\n")
    with pytest.raises(PolicykitError) as info:
        load_policy_file(_write(tmp_path, text))
    last_line = len(text.splitlines())
    assert info.value.first.code == "invalid-value" and info.value.first.span.line == last_line


def test_merge_removes_items_marked_remove():
    """`remove: true` drops an inherited list item by id."""
    base = {"rules": [{"id": "a", "x": 1}, {"id": "b", "x": 2}]}
    assert merge(base, {"rules": [{"id": "a", "remove": True}]}) == {"rules": [{"id": "b", "x": 2}]}
    assert merge(base, {"rules": [{"id": "b", "x": 3}]})["rules"][1] == {"id": "b", "x": 3}


def test_diagnostic_rendering():
    """The one-line form, with path and hint; control characters escaped; long paths clipped."""
    diag = Diagnostic("unknown-key", "unknown key 'x'", Span("f.yaml", 3, 5), ("rules", 0, "x"), "did you mean 'y'?")
    assert diag.render() == "f.yaml:3:5: unknown-key: unknown key 'x' (at rules[0].x); did you mean 'y'?"
    odd = Diagnostic("c", "two\nlines", Span("f", 1, 1), ("a\nb",) + (0,) * 200)
    assert len(odd.render().splitlines()) == 1 and len(odd.render()) < 700
    assert format_path(("a", 1, "b")) == "a[1].b"
    assert did_you_mean("harf", ["harif", "saddad"]) == "did you mean 'harif'?"
    assert did_you_mean("zzzz", ["harif"]) is None


def test_diagnostics_sort_by_position():
    """PolicykitError orders its diagnostics by file, line, column."""
    err = PolicykitError([Diagnostic("b", "m", Span("f", 9, 1)), Diagnostic("a", "m", Span("f", 2, 7))])
    assert [d.span.line for d in err.diagnostics] == [2, 9]


def test_spans_follow_keys_and_items():
    """The path->span table points at keys (for mappings) and at items (for lists)."""
    doc = parse("a:\n  b: [1, 2]\n  c:\n    - x: 1\n", "t.yaml")
    assert doc.span(("a", "b")) == Span("t.yaml", 2, 3)
    assert doc.span(("a", "b", 1)) == Span("t.yaml", 2, 10)
    assert doc.span(("a", "c", 0, "x")) == Span("t.yaml", 4, 7)
    assert doc.span(("a", "missing")) == Span("t.yaml", 1, 1)


@pytest.mark.parametrize("pid", ["green_energy", "saddad", "khairat_albaha", "harif", "suqya"])
def test_bundled_round_trip(pid):
    """load -> model_dump -> validate -> equal, for every version of every bundled policy."""
    for version in load_policy(pid).versions:
        dumped = version.model_dump(by_alias=True)
        assert Policy.model_validate(dumped) == version
        as_json = version.model_dump_json(by_alias=True)
        assert Policy.model_validate_json(as_json) == version


_IDS = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20)


@st.composite
def generated_policy_yaml(draw: st.DrawFn) -> str:
    """A valid policy built from the fixture base with generated ids, labels, amounts and conditions."""
    data = yaml.safe_load(VALID.read_text(encoding="utf-8"))
    data["id"] = draw(_IDS)
    data["association"]["name"] = {"ar": draw(_TEXT), "en": draw(_TEXT)}
    data["rules"][0]["period"] = {"amount": draw(st.integers(0, 3650)),
                                  "unit": draw(st.sampled_from(["calendar_days", "working_days"]))}
    data["rules"][0]["readings"]["literal"]["bound"] = draw(st.sampled_from(["at_most", "at_least", None]))
    facts = st.sampled_from(["association_caused_harm", "investigation_minutes_approved", "final_ruling_issued"])
    leaf = facts.map(lambda f: {"fact": f})
    tree = st.recursive(leaf, lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
        inner.map(lambda x: {"not": x})), max_leaves=6)
    data["compensation"]["condition"] = draw(tree)
    data["calendar"] = {"extra_closures": sorted(draw(st.sets(st.dates(), max_size=3)))}
    return yaml.safe_dump(data, allow_unicode=True)


@settings(max_examples=40, deadline=None)
@given(text=generated_policy_yaml())
def test_generated_round_trip(text):
    """Generated valid policies survive load -> dump -> validate unchanged."""
    policy = load_policy_file_from_text(text)
    assert Policy.model_validate(policy.model_dump(by_alias=True)) == policy
    assert Policy.model_validate_json(policy.model_dump_json(by_alias=True)) == policy


def load_policy_file_from_text(text: str) -> Policy:
    """Load policy text through the real file loader."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.yaml"
        path.write_text(text, encoding="utf-8")
        return load_policy_file(path)


def test_a_case_file_given_as_a_policy_says_so(tmp_path):
    """One clear line instead of a dozen missing-key errors."""
    path = _write(tmp_path, "case_id: C-1\npolicy: harif\nevents: []\n", "case.yaml")
    with pytest.raises(PolicykitError) as info:
        load_policy_file(path)
    assert [(d.code, d.span.line) for d in info.value.diagnostics] == [("not-a-policy", 1)]


def test_a_policy_file_edited_on_disk_is_reloaded(tmp_path):
    """load_policy caches by path, but an edited file is read again (a long-running process sees the fix)."""
    import os

    path = _write(tmp_path, VALID.read_text(encoding="utf-8"))
    assert load_policy(path).id == "sample"
    path.write_text(path.read_text(encoding="utf-8").replace("id: sample", "id: sample_two"), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10_000_000))
    assert load_policy(path).id == "sample_two"


def test_capitalised_unknown_keys_are_all_reported(tmp_path):
    """Keys that look like model names are still data: neither is mistaken for a union branch and dropped."""
    text = VALID.read_text(encoding="utf-8").replace("complaints:\n", "Foo: 1\nBar: 2\ncomplaints:\n")
    assert _problems(_write(tmp_path, text)) == [("unknown-key", ("Foo",)), ("unknown-key", ("Bar",))]
