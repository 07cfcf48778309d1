"""The comparison claims for a ticked policy only what its own document says."""

import io
import itertools
import json
from pathlib import Path

import pytest

from policykit.cli import main
from policykit.compare import SHARED_RULE_LABELS, SHARED_STEP_LABELS, compare
from policykit.loader import bundled_ids, load_policy

ROOT = Path(__file__).resolve().parents[2]


def step_rows(*ids):
    return {row.item: row for row in compare([load_policy(pid) for pid in ids]).section("steps")}


def test_a_shared_step_row_does_not_claim_one_policy_s_wording_for_another():
    rows = step_rows(*bundled_ids())
    informed = rows["inform_of_committee_and_answer"]
    assert all(informed.values.values())  # every document has the step ...
    # ... but only four write «لا تقل عن أسبوعين» and only harif the agreed means of contact
    assert "two weeks" not in informed.label["en"] and "agreed" not in informed.label["en"]
    assert "at submission" not in rows["verify_submitted_data"].label["en"]  # harif: before the beneficiary leaves
    assert "member" not in rows["receive_courteously"].label["en"]


@pytest.mark.parametrize("section", ["steps", "rules"])
def test_row_labels_do_not_depend_on_the_column_order(section):
    ids = ["green_energy", "khairat_albaha", "harif"]
    labels = [{row.item: row.label for row in compare([load_policy(pid) for pid in order]).section(section)}
              for order in itertools.permutations(ids)]
    assert all(each == labels[0] for each in labels)
    assert "Member" not in labels[0].get("inform_before_decision", {}).get("en", "")


def test_policies_that_word_a_step_alike_keep_their_own_label():
    rows = step_rows("green_energy", "saddad")
    assert "not less than two weeks" in rows["inform_of_committee_and_answer"].label["en"]
    assert set(SHARED_STEP_LABELS) <= set(step_rows(*bundled_ids()))
    assert all(len(label["ar"].split()) <= 4 for label in [*SHARED_STEP_LABELS.values(), *SHARED_RULE_LABELS.values()])


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue()


def test_diff_reads_the_deadline_in_words_as_compare_does():
    code, text = run_cli("diff", "green_energy", "harif")
    assert code == 0
    assert "Length: 14 calendar days → 15 working days" in text  # was «14 → 15»: a day apart, seemingly
    assert "Counted from: Referred to the committee → Request completed" in text
    assert "Bound as written: at least (lower bound) → at most (upper bound)" in text
    assert "2021-01-26 ⚠ does not match the Hijri date given with it" in text
    _, arabic = run_cli("diff", "green_energy", "harif", "--lang", "ar", "--format", "markdown")
    assert "١٤ يوماً ← ١٥ يوم عمل" in arabic
    _, html = run_cli("diff", "green_energy", "harif", "--format", "html")
    assert "15 working days" in html and "Request completed" in html and "calendar_days" not in html


def test_diff_gives_a_changed_length_the_unit_that_did_not_change(tmp_path):
    text = (ROOT / "policies" / "harif.yaml").read_text(encoding="utf-8")
    shorter = text.replace("period: {amount: 15, unit: working_days}", "period: {amount: 10, unit: working_days}")
    path = tmp_path / "harif10.yaml"
    path.write_text(shorter.replace("id: harif\n", "id: harif10\n", 1), encoding="utf-8")
    _, out = run_cli("diff", "harif", str(path))
    assert "Length: 15 working days → 10 working days" in out and "Unit:" not in out


def test_diff_json_keeps_the_raw_values():
    _, out = run_cli("diff", "green_energy", "harif", "--format", "json")
    data = json.loads(out)
    assert set(data) == {"a", "b", "changes", "deadline"}
    length = next(c for c in data["changes"] if c["section"] == "deadline" and c["item"] == "amount")
    assert (length["a"], length["b"]) == (14, 15)


def test_compensation_and_complaints_read_in_the_reader_s_language():
    _, english = run_cli("compare", "green_energy", "harif")
    assert ("| Conditions |  | The association caused the harm AND (Investigation committee minutes approved OR "
            "A final or judicial ruling issued) |") in english
    assert "| Handled by |  | The follow-up committee |" in english
    _, arabic = run_cli("compare", "green_energy", "harif", "--lang", "ar", "--format", "html")
    assert "ثبوت تسبب الجمعية في الضرر و(محضر لجنة التحقيق والمتابعة معتمد أو صدور حكم قضائي أو حكم نهائي)" in arabic
    assert "التفاوض مع المستفيد" in arabic and "Negotiate" not in arabic and "association_caused_harm" not in arabic
    _, changes = run_cli("diff", "saddad", "harif", "--lang", "ar")
    assert "التفاوض مع المستفيد" in changes and "Negotiate" not in changes
    _, data = run_cli("compare", "harif", "--format", "json")
    rows = {(r["section"], r["item"]): r["values"]["harif"] for r in json.loads(data)["rows"]}
    assert rows[("compensation", "condition")] == ("association_caused_harm AND (investigation_minutes_approved OR "
                                                   "final_ruling_issued)")
    assert rows[("complaints", "handler")] == "لجنة المتابعة"


def test_the_audience_reads_in_words_for_people():
    _, english = run_cli("compare", "saddad", "khairat_albaha")
    assert "| Audience | beneficiaries | general-assembly members |" in english
    _, arabic = run_cli("compare", "saddad", "khairat_albaha", "--lang", "ar", "--format", "html")
    assert "أعضاء الجمعية العمومية" in arabic and "general_assembly_members" not in arabic
    _, data = run_cli("compare", "khairat_albaha", "--format", "csv")
    assert "general_assembly_members" in data  # CSV and JSON keep the id


def test_the_documented_matrix_is_what_compare_prints():
    _, printed = run_cli("compare")
    page = (ROOT / "docs" / "comparison.md").read_text(encoding="utf-8")
    assert printed in page  # the page is the command's output (headed by names), after its generated-by line
