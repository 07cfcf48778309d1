"""`list`, `show`, `schema` and `coverage` through policykit.cli.main."""

import io
import json

import pytest
import yaml

from policykit.cli import main
from policykit.schema import policy_schema

FIVE = ["green_energy", "saddad", "khairat_albaha", "harif", "suqya"]


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_list_shows_the_five():
    code, out, err = run("list")
    assert code == 0 and err == ""
    rows = out.splitlines()
    assert [r.split()[0] for r in rows] == FIVE
    assert "general-assembly members" in rows[2] and "Khairat Al-Baha" in rows[2]
    assert "v1" in rows[3]


def test_list_arabic_and_json():
    code, out, _ = run("list", "--lang", "ar")
    assert code == 0 and "جمعية حارف للأسر المنتجة بالمنطقة الشرقية" in out and "أعضاء الجمعية العمومية" in out
    code, out, _ = run("list", "--format", "json")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == FIVE
    assert rows[2]["audience"] == "general_assembly_members"


def test_show_harif_in_english_reads_the_whole_policy():
    code, out, err = run("show", "harif", "--lang", "en")
    assert code == 0 and err == ""
    for expected in ("Harif for Productive Families", "Channels", "Handling steps", "Rules",
                     "respond_within_15_working_days", "[ت-٦]", "within 15 working days", "Compensation",
                     "any of", "association_caused_harm", "Complaints", "The follow-up committee",
                     "Satisfaction measurement", "none given", "Responsibilities", "Not encoded",
                     "«تحدد المدة للرد على الطلب بمدة لا تتجاوز (١٥) يوم عمل من تاريخ اكتمال الطلب.»"):
        assert expected in out, expected
    assert "Traceback" not in out


def test_show_in_arabic_uses_arabic_labels():
    code, out, _ = run("show", "suqya", "--lang", "ar")
    assert code == 0
    assert "الخدمات" in out and "سقيا الحاج والمعتمر" in out
    assert "لم يُذكر" in out  # no approval stated
    assert "Approval" not in out and "Handling steps" not in out


def test_show_green_energy_names_both_dates_and_reading():
    code, out, _ = run("show", "green_energy")
    out = " ".join(out.split())
    assert "١٣ / ١ / ١٤٤٢ هـ . الموافق ٢٦ / ١ / ٢٠٢١ م" in out and "1442-01-13" in out
    assert "bound as written: at_least" in out and "default: intended" in out


@pytest.mark.parametrize("fmt,parse", [("json", json.loads), ("yaml", yaml.safe_load)])
def test_show_machine_formats_round_trip(fmt, parse, tmp_path):
    code, out, _ = run("show", "harif", "--format", fmt)
    assert code == 0
    data = parse(out)
    assert data["id"] == "harif" and data["rules"][0]["id"] == "respond_within_15_working_days"
    assert data["compensation"]["condition"]["all"][1]["any"][0]["fact"] == "investigation_minutes_approved"
    path = tmp_path / f"harif_copy.{ 'json' if fmt == 'json' else 'yaml'}"
    path.write_text(out, encoding="utf-8")
    code, again, err = run("show", str(path), "--format", fmt)
    assert code == 0 and err == "" and parse(again) == data


def test_schema_command_prints_the_schema():
    code, out, _ = run("schema")
    assert code == 0 and json.loads(out) == policy_schema()


def test_unknown_policy_is_exit_2_with_hint():
    code, out, err = run("show", "harf")
    assert code == 2 and out == ""
    assert "unknown-policy" in err and "harif" in err and "Traceback" not in err


def test_each_with_a_limit_is_refused_at_the_limit(tmp_path):
    """An obligation on every occurrence (`each`) takes no `before` (docs/semantics.md §6): one located line."""
    from pathlib import Path

    text = (Path(__file__).parents[2] / "policies" / "harif.yaml").read_text(encoding="utf-8")
    assert text.count("  each: true\n") == 1
    text = text.replace("  each: true\n", "  each: true\n  before: case_closed\n")
    line = text.splitlines().index("  before: case_closed") + 1
    path = tmp_path / "harif_limited.yaml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run("show", str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"{path}:{line}:3: invalid-value: ") and "'before' cannot be combined with 'each'" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_show_harif_says_every_complaint_is_owed_handling():
    code, out, _ = run("show", "harif", "--lang", "en")
    assert code == 0 and "after every Complaint received, Complaint decided is owed" in out
    code, out, _ = run("show", "harif", "--lang", "ar")
    assert code == 0 and "عند كل «" in out


def test_bad_format_is_usage_error():
    code, _, err = run("show", "harif", "--format", "pdf")
    assert code == 2 and "usage" in err


def test_no_command_is_a_usage_error_on_one_line():
    """Bare `policykit`: the help on stdout and, like every usage error, one line on stderr, exit 2."""
    code, out, err = run()
    assert code == 2 and "COMMAND" in out
    assert err.count("\n") == 1 and err.startswith("usage: policykit: a command is required (list, show,")


def test_coverage_command():
    code, out, _ = run("coverage")
    assert code == 0
    for pid in FIVE:
        assert f"{pid}: 100.0 %" in out
    code, out, _ = run("coverage", "harif", "--format", "json")
    report = json.loads(out)[0]
    assert report["percent"] == 100.0 and report["misplaced"] == []
    assert {line["status"] for line in report["lines"]} == {"encoded", "not_encoded"}


def test_coverage_command_fails_on_a_forgotten_line(tmp_path):
    text = (tmp_path / "x").parent.joinpath("copy.yaml")
    from policykit.loader import policies_dir
    original = (policies_dir() / "harif.yaml").read_text(encoding="utf-8")
    trimmed = original.split("not_encoded:")[0]
    text.write_text(trimmed, encoding="utf-8")
    code, out, _ = run("coverage", str(text), "--missing-only")
    assert code == 1
    assert "missing" in out and "الصفحة ١ من ٤" in out


def test_committed_coverage_page_is_current():
    from pathlib import Path
    from policykit.commands.coverage import coverage_markdown
    page = Path(__file__).resolve().parents[2] / "docs" / "coverage.md"
    assert page.read_text(encoding="utf-8") == coverage_markdown(), \
        "regenerate with: policykit coverage --format markdown > docs/coverage.md"
