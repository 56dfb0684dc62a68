from __future__ import annotations

import pytest

from cookbook_harness.stats import bends, fit_line, summarize


def test_summary_of_runs() -> None:
    s = summarize([10, 12, 11, 50, 9])
    assert (s.median, s.low, s.high, s.n) == (11, 9, 50, 5)
    assert s.q1 == 10
    assert s.q3 == 12
    assert s.spread == pytest.approx(2 / 11)


def test_summary_needs_values() -> None:
    with pytest.raises(ValueError, match="no values"):
        summarize([])


def test_fit_recovers_slope_and_intercept() -> None:
    fit = fit_line([1000, 10000, 100000], [5000 + 3 * x for x in (1000, 10000, 100000)])
    assert fit is not None
    assert fit.slope == pytest.approx(3)
    assert fit.intercept == pytest.approx(5000)
    assert fit.r2 == pytest.approx(1)


def test_fit_needs_two_sizes() -> None:
    assert fit_line([10, 10], [1, 2]) is None


def test_bends_are_where_cost_per_unit_jumps() -> None:
    assert bends([1e3, 1e4, 1e5, 1e6], [5, 5.5, 5.2, 12]) == [1e6]
    assert bends([1e3, 1e4], [5, 2]) == [1e4]
