"""Lint holds a policy to its source: a misquotation, a wrong clause reference or an unmarked interpretation
is a finding, and the five bundled policies have none."""

import re
import shutil
from pathlib import Path

import pytest

from policykit.lint import lint_policies, lint_policy

ROOT = Path(__file__).resolve().parents[2]
FIDELITY_CODES = {"quotation-not-in-source", "clause-ref-mismatch", "interpretation-unmarked"}
DEADLINE_CLAUSE = ("ref: ت-٦\n    text_ar: تحدد المدة للرد على الطلب بمدة لا تتجاوز (١٥) يوم عمل من تاريخ اكتمال "
                   "الطلب.\n    section_ar: 'ت- التعامل مع المستفيدين:'\n    line: 54\n  trigger")


def harif_copy(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    """harif's policy beside a copy of its source, with `old` replaced by `new` (which must change it)."""
    (tmp_path / "docs" / "sources").mkdir(parents=True)
    shutil.copy(ROOT / "docs" / "sources" / "harif.ar.txt", tmp_path / "docs" / "sources" / "harif.ar.txt")
    text = (ROOT / "policies" / "harif.yaml").read_text(encoding="utf-8")
    changed = re.sub(r"^id: harif$", "id: harif_copy", text, count=1, flags=re.M).replace(old, new, count)
    assert changed.count("harif_copy") == 1 and changed.replace("harif_copy", "harif") != text
    path = tmp_path / "harif_copy.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


def fidelity(path):
    return [f for f in lint_policy(path, peers=[]) if f.code in FIDELITY_CODES]


def test_the_unchanged_copy_has_no_fidelity_finding(tmp_path):
    path = harif_copy(tmp_path, "note: Name in Arabic", "note: The name in Arabic")
    assert fidelity(path) == []


def test_the_five_bundled_policies_quote_and_cite_their_sources_exactly():
    assert [f.render() for f in lint_policies([]) if f.code in FIDELITY_CODES] == []


def test_a_clause_misquoted_on_its_line_is_an_error_with_the_line_as_correction(tmp_path):
    path = harif_copy(tmp_path, DEADLINE_CLAUSE, DEADLINE_CLAUSE.replace("(١٥)", "(15)"))
    [finding] = fidelity(path)
    assert (finding.code, finding.severity, finding.source_line) == ("quotation-not-in-source", "error", 54)
    assert "text_ar" in path.read_text(encoding="utf-8").splitlines()[finding.line - 1]
    assert finding.suggestion.startswith("تحدد المدة للرد على الطلب بمدة لا تتجاوز (١٥)")


def test_a_clause_cited_at_the_wrong_line_is_an_error(tmp_path):
    path = harif_copy(tmp_path, DEADLINE_CLAUSE, DEADLINE_CLAUSE.replace("line: 54", "line: 52"))
    found = fidelity(path)
    assert {f.code for f in found} == {"quotation-not-in-source", "clause-ref-mismatch"}
    assert any("another line" in f.message for f in found)


@pytest.mark.parametrize("old,new", [
    ("as_written: لا تتجاوز (١٥) يوم عمل من تاريخ اكتمال الطلب", "as_written: لا تتجاوز ١٥ يوم عمل"),
    ("steps_section_ar: 'ت- التعامل مع المستفيدين:'", "steps_section_ar: 'ت- التعامل مع المستفيد:'"),
    # a long Arabic string anywhere is a quotation: here the association's name
    ("name: {ar: جمعية حارف للأسر المنتجة بالمنطقة الشرقية,", "name: {ar: جمعية حارف للأسر المنتجة في المنطقة الشرقية,"),
])
def test_text_recorded_as_written_must_be_in_the_source(tmp_path, old, new):
    path = harif_copy(tmp_path, old, new)
    [finding] = fidelity(path)
    assert finding.code == "quotation-not-in-source" and finding.severity == "error"
    assert path.read_text(encoding="utf-8").splitlines()[finding.line - 1].strip().startswith(new.split(":")[0])


def test_a_clause_reference_with_another_item_number_is_an_error(tmp_path):
    path = harif_copy(tmp_path, DEADLINE_CLAUSE, DEADLINE_CLAUSE.replace("ref: ت-٦", "ref: ت-٩"))
    [finding] = fidelity(path)
    assert (finding.code, finding.severity, finding.suggestion) == ("clause-ref-mismatch", "error", "ت-٦")
    assert "item ٦" in finding.message


def test_a_clause_reference_with_another_section_letter_is_an_error(tmp_path):
    path = harif_copy(tmp_path, DEADLINE_CLAUSE, DEADLINE_CLAUSE.replace("ref: ت-٦", "ref: ث-٦"))
    found = fidelity(path)
    assert [(f.code, f.suggestion) for f in found] == [("clause-ref-mismatch", "ت-٦")]
    assert "section «ت»" in found[0].message


def test_one_reference_citing_two_places_is_an_error(tmp_path):
    # القنوات of the other four documents are unnumbered; here harif's item ٥ cited as ٤ for the email channel
    old = "- id: email\n  label: {ar: البريد الإلكتروني, en: Email}\n  clause:\n    ref: أ-٥"
    path = harif_copy(tmp_path, old, old.replace("أ-٥", "أ-٤"))
    found = fidelity(path)
    assert {f.code for f in found} == {"clause-ref-mismatch"}
    assert any("cites line 31 here but line 30 elsewhere" in f.message for f in found)


def test_a_compensation_tree_without_its_reading_is_unmarked(tmp_path):
    text = (ROOT / "policies" / "harif.yaml").read_text(encoding="utf-8")
    reading = re.search(r"^  reading: 'ث-١\.\.ث-٣.*\n", text, flags=re.M).group(0)
    path = harif_copy(tmp_path, reading, "")
    [finding] = fidelity(path)
    assert (finding.code, finding.severity) == ("interpretation-unmarked", "warning")
    assert path.read_text(encoding="utf-8").splitlines()[finding.line - 1].startswith("compensation:")


def test_a_deadline_length_the_text_does_not_write_needs_a_note(tmp_path):
    old = ("  note: Unambiguous as written; both readings are the same. Working days as policykit's default "
           "calendar counts them (docs/semantics.md §3; the document does not define them).\n")
    path = harif_copy(tmp_path, "period: {amount: 15, unit: working_days}\n", "period: {amount: 21, unit: "
                      "calendar_days}\n")
    assert fidelity(path) == []  # the rule's note marks the reading
    path = harif_copy(tmp_path / "unmarked", old, "")
    assert fidelity(path) == []  # 15 is the number written
    text = path.read_text(encoding="utf-8").replace("period: {amount: 15, unit: working_days}",
                                                    "period: {amount: 21, unit: calendar_days}")
    path.write_text(text, encoding="utf-8")
    [finding] = fidelity(path)
    assert finding.code == "interpretation-unmarked" and "21 calendar days" in finding.message


def test_a_length_is_the_number_written_only_as_a_whole_number(tmp_path):
    old = ("  note: Unambiguous as written; both readings are the same. Working days as policykit's default "
           "calendar counts them (docs/semantics.md §3; the document does not define them).\n")
    path = harif_copy(tmp_path, old, "")
    text = path.read_text(encoding="utf-8").replace("period: {amount: 15, unit: working_days}",
                                                    "period: {amount: 1, unit: working_days}")
    path.write_text(text, encoding="utf-8")
    [finding] = fidelity(path)  # «(١٥)» is fifteen, not one
    assert finding.code == "interpretation-unmarked" and "counts 1 working days" in finding.message
