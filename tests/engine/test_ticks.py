"""Axis ticks and chart marks, checked against values worked out by hand."""
import numpy as np
import pytest

from gan_core.views.marks import Mark, marks, place_labels
from gan_core.views.ticks import (
    linear_ticks,
    log_ticks,
    step_axis,
    tick_label,
    tick_labels,
    value_axis,
    value_range,
)


def test_linear_ticks_are_round_and_inside_the_range():
    assert linear_ticks(0.83, 1.47, 6) == [0.9, 1.0, 1.1, 1.2, 1.3, 1.4]
    assert linear_ticks(0, 8000) == [0, 2000, 4000, 6000, 8000]
    assert linear_ticks(-3.2, 7.1) == [-2, 0, 2, 4, 6]
    assert linear_ticks(0, 1, 6) == [0, 0.2, 0.4, 0.6, 0.8, 1]
    assert linear_ticks(0.1, 0.3, 3) == [0.1, 0.2, 0.3]  # no 0.30000000000000004
    assert linear_ticks(1, 1) == [] and linear_ticks(np.nan, 1) == [] and linear_ticks(2, 1) == []


def test_integer_ticks_never_repeat_a_step():
    assert linear_ticks(0, 1, 5, integer=True) == [0, 1]  # not 0, 0.2, ... read "0 0 0 1 1 1"
    assert linear_ticks(0, 3, 5, integer=True) == [0, 1, 2, 3]
    assert linear_ticks(17000, 18000, 5, integer=True) == [17000, 17200, 17400, 17600, 17800,
                                                           18000]


def test_log_ticks_are_decades_or_1_2_5_under_two_decades():
    assert log_ticks(0.004, 30) == [0.01, 0.1, 1, 10]
    assert log_ticks(0.5, 3) == [0.5, 1, 2]
    assert log_ticks(0.15, 12) == [0.2, 0.5, 1, 2, 5, 10]
    assert log_ticks(0.08, 2e4) == [0.1, 1, 10, 100, 1000, 1e4]
    assert log_ticks(1e-6, 1e6) == [1e-6, 1e-4, 1e-2, 1, 1e2, 1e4, 1e6]  # every other decade
    assert log_ticks(0.3, 0.45) == [0.3, 0.35, 0.4, 0.45]  # narrow: evenly spaced, still labelled
    assert log_ticks(0, 1) == [] and log_ticks(1, 1) == []


def test_labels_carry_the_whole_value_once():
    assert tick_labels(log_ticks(0.15, 12)) == ["0.2", "0.5", "1", "2", "5", "10"]
    assert tick_labels(log_ticks(0.08, 2e4)) == ["0.1", "1", "10", "100", "1,000", "1e4"]
    assert tick_labels([10000, 11000, 12000]) == ["1e4", "1.1e4", "1.2e4"]  # not "1e4" x3
    assert tick_labels([1.0001, 1.0002]) == ["1.0001", "1.0002"]  # more digits when needed
    assert [tick_label(v) for v in (0, -0.4, 0.001, 5e-4, 2.5e-4, 1500)] == [
        "0", "-0.4", "0.001", "5e-4", "2.5e-4", "1,500"]
    assert tick_labels([0, 1000, 2000], integer=True) == ["0", "1,000", "2,000"]


def test_empty_and_all_nan_series_have_no_axis():
    assert value_axis(np.zeros(0)) is None
    assert value_axis(np.full(5, np.nan)) is None
    assert value_axis(np.array([0.0, -1.0, np.nan]), log=True) is None  # nothing positive
    assert step_axis(np.zeros(0)) is None


def test_a_series_that_is_never_negative_gets_no_negative_tick():
    zeros = value_axis(np.zeros(8))  # the near-duplicates axis of a healthy run
    assert (zeros.lo, zeros.hi) == (0, 1)
    assert zeros.ticks == (0, 0.2, 0.4, 0.6, 0.8, 1) and zeros.labels[0] == "0"
    pct = value_axis(np.array([0.0, 0.0, 0.4]))  # was -0.4 .. 0.4
    assert pct.lo == 0 and min(pct.ticks) == 0 and not any(t.startswith("-") for t in pct.labels)
    assert value_range(np.array([12.5, 100.0])) == (8.125, 104.375)  # 5 % of 87.5 each side
    assert value_range(np.array([-2.0, -1.0]))[1] == -0.95
    assert value_range(np.array([-1.0, 0.0]))[1] == 0  # never positive: no positive padding
    assert value_range(np.array([3.0, 3.0])) == pytest.approx((2.7, 3.3))  # a constant: +-10 %


def test_step_axis_at_step_zero_reads_0_and_1():
    axis = step_axis(np.array([0]))
    assert (axis.lo, axis.hi, axis.labels) == (0, 1, ("0", "1"))
    assert step_axis(np.arange(1, 18001)).labels == ("5,000", "10,000", "15,000")


def test_log_value_axis_range_is_in_decades():
    axis = value_axis(np.array([0.2, 0.5, 3.0]), log=True)
    assert axis.labels == ("0.2", "0.5", "1", "2")
    assert axis.plotly_range == pytest.approx([np.log10(0.2) - 0.059, np.log10(3) + 0.059],
                                              abs=1e-3)


def test_manual_spans_of_one_kind_that_touch_are_one_mark():
    events = [(100, {"lr_d": 0.002}),
              (500, {"manual": "D x100", "until": 600}), (600, {"manual": "D x100", "until": 700}),
              (700, {"manual": "G x5", "until": 705}), (900, {"manual": "G x5", "until": 905})]
    assert marks(events, 0, 1000) == [Mark(100, None, "lr_d=0.002"), Mark(500, 700, "D x200"),
                                      Mark(700, 705, "G x5"), Mark(900, 905, "G x5")]
    # a window of the last steps: the moment before it is gone, a span into it is clipped
    assert marks(events, 650, 1000) == [Mark(650, 700, "D x200"), Mark(700, 705, "G x5"),
                                        Mark(900, 905, "G x5")]
    assert marks([(3, {"manual": "D x1"})], 0, 10) == [Mark(3, None, "D x1")]  # no end: a line


def test_labels_that_would_overlap_take_another_row_and_stay_inside():
    assert place_labels([0, 5, 50, 95], [10, 10, 10, 10], right=100) == [
        (0, 0), (5, 1), (50, 0), (85, 0)]  # the last one turns left of its mark
    assert [row for _, row in place_labels([0, 1, 2, 3], [10] * 4, 100, rows=3)] == [0, 1, 2, 0]
