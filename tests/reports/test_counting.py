"""The one plural helper: counts agree with their nouns as an Arabic officer writes them."""

import pytest

from policykit.counting import count


@pytest.mark.parametrize("number, noun, expected", [
    (1, "working_days", "يوم عمل واحد"), (2, "working_days", "يوما عمل"), (3, "working_days", "٣ أيام عمل"),
    (10, "working_days", "١٠ أيام عمل"), (11, "working_days", "١١ يوم عمل"), (15, "working_days", "١٥ يوم عمل"),
    (1, "calendar_days", "يوم واحد"), (2, "calendar_days", "يومان"), (3, "calendar_days", "٣ أيام"),
    (11, "calendar_days", "١١ يوماً"), (14, "calendar_days", "١٤ يوماً"), (100, "calendar_days", "١٠٠ يوم"),
    (103, "calendar_days", "١٠٣ أيام"), (111, "calendar_days", "١١١ يوماً"), (0, "working_days", "٠ يوم عمل"),
])
def test_arabic_counts(number, noun, expected):
    assert count(number, noun, "ar") == expected


def test_english_counts():
    assert count(1, "working_days", "en") == "1 working day"
    assert count(2, "working_days", "en") == "2 working days"
    assert count(1, "calendar_days", "en") == "1 calendar day"
