"""The comparison claims for a ticked policy only what its own document says."""

import itertools

from policykit.compare import SHARED_STEP_LABELS, compare
from policykit.loader import bundled_ids, load_policy


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


def test_row_labels_do_not_depend_on_the_column_order():
    ids = ["green_energy", "khairat_albaha", "harif"]
    labels = [{item: row.label for item, row in step_rows(*order).items()} for order in itertools.permutations(ids)]
    assert all(each == labels[0] for each in labels)


def test_policies_that_word_a_step_alike_keep_their_own_label():
    rows = step_rows("green_energy", "saddad")
    assert "not less than two weeks" in rows["inform_of_committee_and_answer"].label["en"]
    assert set(SHARED_STEP_LABELS) <= set(step_rows(*bundled_ids()))
    assert all(len(label["ar"].split()) <= 4 for label in SHARED_STEP_LABELS.values())
