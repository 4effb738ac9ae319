"""Counts in messages read as English: one row, two rows."""

from textladder.words import agree, count


def test_count_is_singular_for_one_and_plural_otherwise():
    assert count(1, "row") == "1 row"
    assert count(0, "row") == "0 rows"
    assert count(2_500, "class", "classes") == "2,500 classes"
    assert agree(1, "has", "have") == "has" and agree(3, "has", "have") == "have"
