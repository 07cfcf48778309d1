"""Lint rules: each fires where it should and stays quiet where it should not."""

import io
import json
from pathlib import Path

import pytest

from policykit.cli import main
from policykit.lint import RULES, lint_policies, lint_policy
from policykit.loader import load_policy

FIXTURES = Path(__file__).parent / "fixtures"
DEFECTS = FIXTURES / "policy_defects.yaml"
CLEAN = FIXTURES / "policy_clean.yaml"


def codes(findings):
    return {f.code for f in findings}


def test_rule_codes_are_stable_kebab_case_and_unique():
    names = [r.code for r in RULES]
    assert len(names) == len(set(names))
    assert all(name == name.lower() and " " not in name and "_" not in name for name in names)
    assert {"approval-date-mismatch", "approval-date-missing", "ambiguous-deadline-bound", "section-missing",
            "unspecified-period", "unused-definition", "copied-title", "audience-mismatch"} <= set(names)


def test_clean_policy_has_no_findings():
    assert lint_policy(CLEAN, peers=[]) == []


def test_defective_policy_triggers_each_rule_at_its_line():
    found = lint_policy(DEFECTS, peers=[])
    assert {"approval-date-mismatch", "copied-title", "ambiguous-deadline-bound", "unspecified-period",
            "unused-definition", "audience-mismatch"} <= codes(found)
    text = DEFECTS.read_text(encoding="utf-8").splitlines()
    by_code = {f.code: f for f in found}
    assert "date_hijri" in text[by_code["approval-date-mismatch"].line - 1]
    assert "as_written" in text[by_code["ambiguous-deadline-bound"].line - 1]
    unused = sorted(f.line for f in found if f.code == "unused-definition")
    assert [text[n - 1].strip().split(":")[0].strip("- {") for n in unused] == ["id", "id", "id"]
    assert all(f.file.endswith("policy_defects.yaml") for f in found)


def test_section_missing_names_the_peers_that_have_it():
    harif = load_policy("harif")
    found = [f for f in lint_policy(CLEAN, peers=[harif]) if f.code == "section-missing"]
    assert found and all("harif" in f.message for f in found)
    assert any("compensation" in f.message for f in found)


def test_approval_missing_and_incomplete():
    assert "approval-date-missing" in codes(lint_policy("tests/fixtures/policies/mini.yaml", peers=[]))
    assert "approval-date-missing" not in codes(lint_policy(CLEAN, peers=[]))


def test_the_real_defects_of_the_five():
    by_policy = {}
    for finding in lint_policies([]):
        by_policy.setdefault(finding.policy, set()).add(finding.code)
    assert {"approval-date-mismatch", "copied-title"} <= by_policy["green_energy"]
    assert "approval-date-missing" in by_policy["saddad"] and "approval-date-missing" in by_policy["khairat_albaha"]
    for pid in ("green_energy", "saddad", "khairat_albaha", "suqya"):
        assert "ambiguous-deadline-bound" in by_policy[pid]
    assert "ambiguous-deadline-bound" not in by_policy["harif"]
    assert "unspecified-period" in by_policy["harif"]
    for pid in ("green_energy", "saddad", "khairat_albaha", "suqya"):
        assert "section-missing" in by_policy[pid]


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_json_shape_and_exit_codes():
    code, out, _ = run_cli("lint", "--format", "json", str(DEFECTS))
    assert code == 1
    rows = json.loads(out)
    assert rows and all(set(r) == {"policy", "code", "severity", "message", "file", "line", "source_line", "text",
                                   "suggestion"} for r in rows)
    code, out, _ = run_cli("lint", str(CLEAN))
    assert code == 0 and "section-missing" in out  # warnings only, against the bundled peers


def test_cli_exit_zero_without_errors_and_two_on_bad_input(tmp_path):
    code, out, _ = run_cli("lint", "harif")
    assert code == 0 and "unspecified-period" in out
    code, _, err = run_cli("lint", "no_such_policy")
    assert code == 2 and "unknown-policy" in err
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    code, _, err = run_cli("lint", str(broken))
    assert code == 2 and "broken.yaml:" in err and "Traceback" not in err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_cli_all_bundled_exits_one_because_of_real_errors(fmt):
    code, out, _ = run_cli("lint", "--format", fmt)
    assert code == 1 and "approval-date-mismatch" in out


def test_bundled_policies_are_named_the_same_wherever_installed_or_run(tmp_path, monkeypatch):
    from policykit.lint.driver import lint_policies

    monkeypatch.chdir(tmp_path)  # outside the checkout, as after a plain `pip install .`
    files = {f.file for f in lint_policies(["harif"])}
    assert files == {"policies/harif.yaml"}


# --- issue 13: the drafting defects of the five documents, each with its source line, text and correction ---

EXPECTED_DEFECTS = [
    ("khairat_albaha", "misspelling", 15, "الداء", "الأداء"),
    ("suqya", "misspelling", 13, "التصدير", "التقصير"),
    ("harif", "misspelling", 58, "وابقاع", "وإيقاع"),
    ("harif", "misspelling", 44, "اللجابة", "الإجابة"),
    ("saddad", "broken-word", 106, "طال ب", "طالب"),
    ("suqya", "misspelling", 5, "سقىيا", "سقيا"),
    ("khairat_albaha", "misspelling", 26, "لوقتته", "لوقته"),
    ("khairat_albaha", "wrong-term", 48, "المساهمين", "الأعضاء"),
    ("suqya", "wrong-term", 44, "المستخدمين", "المستفيدين"),
    ("green_energy", "copied-title", 72, "سياسة إستبيان رأي المستفيدين بالجمعية", "سياسة تنظيم العلاقة مع المستفيدين"),
    ("saddad", "approval-date-missing", 113, "...../ 6 / 10 / 2022", None),
    ("khairat_albaha", "approval-date-missing", 9, "لعام ٢٠٢٣ م", None),
]


@pytest.fixture(scope="module")
def five():
    return lint_policies([])


def needs_dictionary(text: str) -> None:
    """Skip (fail in CI) where a finding needs the Arabic word list of the `spelling` extra."""
    import os

    from policykit.template.spelling import dictionary

    if text in ("وابقاع", "اللجابة") and not dictionary():
        assert os.environ.get("CI") != "true", "pyspellchecker (the `spelling` extra) is missing in CI"
        pytest.skip("needs pyspellchecker: pip install 'policykit[spelling]'")


@pytest.mark.parametrize("policy, code, line, text, suggestion", EXPECTED_DEFECTS)
def test_each_drafting_defect_is_found_with_its_line_text_and_correction(five, policy, code, line, text, suggestion):
    needs_dictionary(text)
    hits = [f for f in five if (f.policy, f.code, f.source_line) == (policy, code, line) and f.text == text]
    assert hits, [(f.code, f.source_line, f.text) for f in five if f.policy == policy]
    if suggestion is not None:
        assert hits[0].suggestion == suggestion
    else:
        assert hits[0].suggestion


def test_the_hijri_slip_is_named(five):
    found = next(f for f in five if f.policy == "green_energy" and f.code == "approval-date-mismatch")
    assert found.source_line == 72 and "month written ١ for ٦" in found.message
    assert found.suggestion.startswith("١٣ / ٦ / ١٤٤٢ هـ")


def test_sections_missing_in_both_directions(five):
    harif = [f.message for f in five if f.policy == "harif" and f.code == "section-missing"]
    assert any("«الأهداف التفصيلية»" in m for m in harif)  # the template against harif
    assert not any("«ويتم التعامل" in m for m in harif)  # harif's ت- is the template's handling section
    ge = [f.message for f in five if f.policy == "green_energy" and f.code == "section-missing"]
    assert any("compensation" in m for m in ge)  # harif against the template


def test_table_of_contents_against_the_headings(five):
    toc = [f for f in five if f.policy == "green_energy" and f.code == "toc-mismatch"]
    assert {f.source_line for f in toc} >= {9, 12, 13, 14, 15}
    assert any("names no heading" in f.message and f.text == "اعتماد مجلس الإدارة" for f in toc)
    saddad = [f for f in five if f.policy == "saddad" and f.code == "toc-mismatch"]
    assert [f.source_line for f in saddad] == [23]


def test_counts_read_each_line_once_with_headings_and_without_the_contents(five):
    # green_energy: the table of contents (lines 12-14) is not counted, the headings are scanned, and a
    # clause cited by a step and by a rule counts once
    found = next(f for f in five if f.policy == "green_energy" and f.code == "audience-mismatch")
    from policykit.template.corpus import bundled_outlines

    outline = bundled_outlines()["green_energy"]
    toc = {e.line.number for e in outline.toc}
    expected = sum(1 for line in outline.lines if line.number not in toc and "مستخدم" in line.text.replace("المستخدمة", ""))
    assert f"{expected} line(s)" in found.message


def test_no_false_misspellings_in_the_five(five):
    # words that only differ by a proclitic or a pronoun («والتي», «علاقتنا») are the document's style
    flagged = {(f.policy, f.text) for f in five if f.code == "misspelling"}
    assert ("suqya", "والتي") not in flagged and ("suqya", "علاقتنا") not in flagged
    assert ("saddad", "معاملته") not in flagged


def test_a_source_that_cannot_be_read_is_said(tmp_path):
    policy = tmp_path / "nosrc.yaml"
    policy.write_text("id: nosrc\naudience: beneficiaries\nassociation:\n  name: {ar: جمعية, en: An association}\n"
                      "document:\n  source_file: nowhere/none.ar.txt\n  title: {ar: سياسة, en: Policy}\n",
                      encoding="utf-8")
    found = [f for f in lint_policy(policy, peers=[]) if f.code == "source-unread"]
    assert len(found) == 1 and "nowhere/none.ar.txt" in found[0].message
    assert "source-unread" not in codes(lint_policy(CLEAN, peers=[]))
