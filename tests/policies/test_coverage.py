"""Clause coverage: every normative line of each source is accounted for, and the check can fail."""

import pytest

from policykit import load_policy
from policykit.coverage import coverage, is_layout, line_content

FIVE = ["green_energy", "saddad", "khairat_albaha", "harif", "suqya"]


@pytest.mark.parametrize("pid", FIVE)
def test_all_accounted_for(pid):
    report = coverage(pid)
    assert report.missing == [], [(m.line, m.text) for m in report.missing]
    assert report.misplaced == []
    assert report.percent == 100.0 and report.complete
    assert len(report.lines) > 40


def test_table_of_contents_is_not_encoded_with_a_reason():
    report = coverage("green_energy")
    toc = [item for item in report.lines if 7 <= item.line <= 15]
    assert toc and {item.status for item in toc} == {"not_encoded"}
    assert all("contents" in item.reason for item in toc)


def test_forgetting_a_section_is_caught():
    harif = load_policy("harif")
    report = coverage(harif.model_copy(update={"satisfaction": harif.satisfaction[:-1]}))
    assert [m.line for m in report.missing] == [97]
    assert report.percent < 100 and not report.complete


def test_forgetting_not_encoded_is_caught():
    harif = load_policy("harif")
    report = coverage(harif.model_copy(update={"not_encoded": ()}))
    assert [m.line for m in report.missing] == [7]


def test_wrong_line_is_misplaced_and_leaves_its_line_missing():
    harif = load_policy("harif")
    tool = harif.tools[0]
    moved = tool.model_copy(update={"clause": tool.clause.model_copy(update={"line": 37})})
    report = coverage(harif.model_copy(update={"tools": (moved, *harif.tools[1:])}))
    assert [m.path for m in report.misplaced] == ["tools[basic_regulations].clause"]
    assert 36 in [m.line for m in report.missing]


def test_a_short_line_needs_its_own_citation():
    # «المقابلة» also occurs inside other clauses; only a citation of its own line accounts for it.
    harif = load_policy("harif")
    report = coverage(harif.model_copy(update={"channels": harif.channels[1:]}))
    assert [m.line for m in report.missing] == [27]


def test_layout_and_markers():
    assert is_layout("") and is_layout("   ") and is_layout("- :") and is_layout("٣")
    assert not is_layout("الخارجي")
    assert line_content("- 2-الاتصالات الهاتفية.") == "الاتصالات الهاتفية."
    assert line_content("  - ✓ تصحيح المفاهيم") == "تصحيح المفاهيم"
    assert line_content("**السديد**  ") == "السديد"
    assert line_content("## تمهيد") == "تمهيد"
    assert line_content("أ- قنوات التواصل مع المستفيدين:") == "أ- قنوات التواصل مع المستفيدين:"
