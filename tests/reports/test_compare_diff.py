"""The comparison matrix, its formats, and the diff of two policies."""

import csv
import io
import json
import os
from pathlib import Path

import pytest

from policykit.cli import main
from policykit.compare import compare, typical_calendar_days
from policykit.diff import diff
from policykit.loader import bundled_ids, load_policy

FIXTURES = Path(__file__).parent / "fixtures"


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def five():
    return [load_policy(pid) for pid in bundled_ids()]


def test_json_shape_for_the_five():
    code, out, _ = run_cli("compare", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"policies", "rows"}
    assert data["policies"] == bundled_ids() and len(data["policies"]) == 5
    for row in data["rows"]:
        assert set(row) == {"section", "item", "label", "values"}
        assert set(row["label"]) == {"ar", "en"} and set(row["values"]) == set(data["policies"])
    sections = {row["section"] for row in data["rows"]}
    assert {"general", "channels", "tools", "steps", "deadline", "compensation", "complaints", "satisfaction",
            "services", "approval"} <= sections


def test_membership_rows_are_booleans_that_match_each_policy(five):
    matrix = compare(five)
    for row in matrix.section("channels"):
        for policy in five:
            assert row.values[policy.id] is (row.item in {c.id for c in policy.channels})
    for row in matrix.section("tools"):
        for policy in five:
            assert row.values[policy.id] is (row.item in {t.id for t in policy.tools})
    offered = {c.id for p in five for c in p.channels}
    assert {row.item for row in matrix.section("channels")} == offered


def test_audience_and_deadline_rows(five):
    matrix = compare(five)
    audience = next(r for r in matrix.section("general") if r.item == "audience")
    assert audience.values["khairat_albaha"] == "general_assembly_members"
    assert audience.values["harif"] == "beneficiaries"
    typical = next(r for r in matrix.section("deadline") if r.item == "typical_calendar_days")
    assert typical.values["harif"] == 21  # 15 working days = three Sun–Thu weeks
    assert typical.values["saddad"] == 14
    written = next(r for r in matrix.section("deadline") if r.item == "as_written")
    assert "لا تقل عن" in written.values["suqya"]


def test_typical_length_counts_holidays():
    harif = load_policy("harif")
    assert typical_calendar_days(harif, 5, "working_days") == 7
    assert typical_calendar_days(harif, 14, "calendar_days") == 14
    assert typical_calendar_days(harif, 30, "working_days") > 30 * 7 // 5 - 1


def test_csv_and_html_and_markdown_agree_on_rows(five):
    _, out_csv, _ = run_cli("compare", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out_csv)))
    assert rows[0][:4] == ["section", "item", "label_en", "label_ar"]
    assert len(rows) - 1 == len(compare(five).rows)
    _, out_html, _ = run_cli("compare", "--format", "html", "--lang", "ar")
    assert '<html lang="ar" dir="rtl">' in out_html and out_html.count("<tr data-item=") == len(rows) - 1
    _, out_md, _ = run_cli("compare", "harif", "saddad")
    assert "| Item | Harif (`harif`) | Al-Sadeed (`saddad`) |" in out_md  # associations by name, for a board
    assert "| Length | 15 working days | 14 calendar days |" in out_md  # the deadline in words


def test_compare_bad_input_exits_two():
    code, _, err = run_cli("compare", "harif", "nope")
    assert code == 2 and "unknown-policy" in err
    assert run_cli("compare", "--format", "pdf")[0] == 2


def test_comparison_doc_is_current():
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate_docs", Path(__file__).parent / "generate_docs.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    assert generate.COMPARISON.read_text(encoding="utf-8") == generate.comparison_markdown(), \
        "docs/comparison.md is stale: run python tests/reports/generate_docs.py"
    assert generate.TEMPLATE.read_text(encoding="utf-8") == generate.template_markdown(), \
        "docs/template.md is stale: run python tests/reports/generate_docs.py"
    from policykit.template.spelling import dictionary

    if not dictionary():  # the committed report is made with the `spelling` extra (part of `all`)
        assert os.environ.get("CI") != "true", "pyspellchecker (the `spelling` extra) is missing in CI"
        pytest.skip("docs/lint-report.md needs pyspellchecker: pip install 'policykit[spelling]'")
    assert generate.LINT_REPORT.read_text(encoding="utf-8") == generate.lint_report_markdown(), \
        "docs/lint-report.md is stale: run python tests/reports/generate_docs.py"


def test_diff_of_a_policy_with_itself_is_empty(five):
    for policy in five:
        result = diff(policy, policy)
        assert result.changes == []
        assert all(s.stricter == "same" for s in result.deadline)


def test_diff_is_antisymmetric(five):
    by_id = {p.id: p for p in five}
    forward, backward = diff(by_id["saddad"], by_id["harif"]), diff(by_id["harif"], by_id["saddad"])
    flip = {"added": "removed", "removed": "added", "changed": "changed"}
    assert {(c.section, c.item, flip[c.change]) for c in forward.changes} == \
        {(c.section, c.item, c.change) for c in backward.changes}
    assert any(c.section == "channels" and c.item == "fax" and c.change == "added" for c in forward.changes)


def test_deadline_strictness(five):
    by_id = {p.id: p for p in five}
    result = {s.reading: s for s in diff(by_id["saddad"], by_id["harif"]).deadline}
    assert result["intended"].stricter == "a"  # 14 calendar days beat 15 working days (21 calendar)
    assert result["literal"].stricter == "b"   # read literally, «لا تقل عن» sets no upper bound
    same = {s.reading: s.stricter for s in diff(by_id["saddad"], by_id["suqya"]).deadline}
    assert same == {"intended": "same", "literal": "same"}


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_diff_cli_formats(fmt):
    code, out, _ = run_cli("diff", "green_energy", "harif", "--format", fmt)
    assert code == 0
    if fmt == "json":
        data = json.loads(out)
        assert data["a"] == "green_energy" and data["b"] == "harif" and data["changes"]
    else:
        assert "fax" in out.lower() and "stricter" in out


def test_diff_with_a_file_and_bad_input(tmp_path):
    code, out, _ = run_cli("diff", "harif", str(FIXTURES / "policy_harif_like.yaml"))
    assert code == 0 and "harif_like relative to harif" in out
    assert run_cli("diff", "harif")[0] == 2


def test_diff_between_versions_of_one_policy():
    mini = str(Path(__file__).resolve().parents[1] / "fixtures" / "policies" / "mini.yaml")
    versions = load_policy(mini).versions
    if len(versions) < 2:
        pytest.skip("the versioned fixture has one version")
    first, last = versions[0].version, versions[-1].version
    code, out, _ = run_cli("diff", f"{mini}@{first}", f"{mini}@{last}", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["a"].endswith(f"@{first}") and data["b"].endswith(f"@{last}")
    assert any(c["item"] == "version" for c in data["changes"])
    code, _, err = run_cli("diff", f"{mini}@no-such", mini)
    assert code == 2 and "no version 'no-such'" in err


def test_equivalent_steps_are_no_false_gap_between_harif_and_the_four():
    """Issue 13: harif's ت-١ and ت-٥ are the four's reception and committee steps, so diff does not list them."""
    from policykit.diff import diff
    from policykit.loader import load_policy

    for pid in ("green_energy", "saddad", "khairat_albaha", "suqya"):
        changed = {c.item for c in diff(load_policy(pid), load_policy("harif")).changes if c.section == "steps"}
        assert not changed & {"receive_courteously", "inform_of_committee_and_answer", "verify_submitted_data",
                              "sign_data_declaration"}, changed
