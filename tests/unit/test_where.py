"""The store's one WHERE builder (six places built their filters by hand): a filter is kept when given."""
from emergency.store.where import where


def test_a_false_flag_still_filters_and_an_absent_value_does_not():
    assert where(("drill = ?", False), ("plan = ?", None), ("matter = ?", "")) == (" WHERE drill = ?", [0])


def test_a_condition_without_a_parameter_stands_when_true_only():
    assert where(("closed = 0", True)) == (" WHERE closed = 0", [])
    assert where(("closed = 0", False)) == ("", [])


def test_each_placeholder_gets_the_value_and_nothing_given_is_no_clause():
    assert where(("(event_group = ? OR id = ?)", "g1"), ("seq > ?", 0)) == (
        " WHERE (event_group = ? OR id = ?) AND seq > ?", ["g1", "g1", 0])
    assert where() == ("", [])
