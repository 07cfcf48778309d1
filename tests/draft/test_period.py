"""The response period a draft reads from a clause: counts in figures and words, one week or month unwritten."""

import pytest

from policykit.draft.period import find_period

HARIF_SIX = "تحدد المدة للرد على الطلب بمدة {} من تاريخ اكتمال الطلب."


@pytest.mark.parametrize("phrase,amount,unit,bound", [
    ("لا تتجاوز (١٥) يوم عمل", 15, "working_days", "at_most"),
    ("لا تتجاوز عشرة أيام عمل", 10, "working_days", "at_most"),
    ("خلال مدة لا تقل عن أسبوعين", 14, "calendar_days", "at_least"),
    # a single week or month has no number: it was no deadline at all (the clause became a plain step)
    ("لا تتجاوز أسبوعاً واحداً", 7, "calendar_days", "at_most"),
    ("لا تتجاوز أسبوعاً", 7, "calendar_days", "at_most"),
    ("لا تتجاوز شهراً", 30, "calendar_days", "at_most"),
    ("لا تقل عن يوم واحد", 1, "calendar_days", "at_least"),
])
def test_the_period_as_written(phrase, amount, unit, bound):
    found = find_period(HARIF_SIX.format(phrase))
    assert (found.amount, found.unit, found.bound, found.trigger) == (amount, unit, bound, "request_completed")
    assert found.as_written.startswith(phrase)


def test_the_unit_the_text_counts_in_is_kept_for_the_note():
    assert find_period(HARIF_SIX.format("لا تتجاوز شهراً")).written_unit == "month"
    assert find_period(HARIF_SIX.format("خلال مدة لا تقل عن أسبوعين")).written_unit == "week"
    assert find_period(HARIF_SIX.format("لا تتجاوز (١٥) يوم عمل")).written_unit == "day"


def test_a_word_that_only_names_a_unit_is_no_period():
    assert find_period("تقديم الخدمة في يوم العمل المناسب للمستفيد") is None
    assert find_period("استقبال المستفيد بلباقة واحترام") is None
