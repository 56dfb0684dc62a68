from __future__ import annotations

from cookbook_harness.compare import differences, normalise


def test_multiset_ignores_order_but_counts_duplicates() -> None:
    assert normalise([{"id": 2}, {"id": 1}], "multiset") == [{"id": 1}, {"id": 2}]
    assert normalise([1, 1, 2], "multiset") != normalise([1, 2], "multiset")


def test_set_ignores_duplicates() -> None:
    assert normalise([1, 1, 2], "set") == normalise([2, 1], "set")


def test_exact_keeps_order() -> None:
    assert differences({"r": [1, 2]}, {"r": [2, 1]}, {})
    assert not differences({"r": [1, 2]}, {"r": [2, 1]}, {"r": "multiset"})


def test_differences_name_missing_and_unexpected_items() -> None:
    [problem] = differences(
        {"r": [{"id": 1}, {"id": 2}]}, {"r": [{"id": 1}, {"id": 3}]}, {"r": "multiset"}
    )
    assert 'missing {"id":2}' in problem
    assert 'unexpected {"id":3}' in problem


def test_differences_name_missing_and_extra_fields() -> None:
    assert differences({"a": 1}, {"b": 1}, {}) == [
        "output.a is missing",
        "output.b is not part of the contract",
    ]
    assert differences({"a": 1}, [1], {}) == ["output must be an object, got [1]"]
