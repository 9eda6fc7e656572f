import numpy as np
import pytest

from gan_core import diagnostics as dg

CENTERS = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])


def test_mixture_metrics_hand_computed():
    # 3 samples on mode 0, 1 on mode 1 (all within 3 std), 1 far from everything.
    x = np.array([[0.01, 0], [0, 0.02], [-0.01, 0], [10.0, 0.01], [5.0, 5.0]])
    m = dg.mixture_metrics(x, CENTERS, std=0.01)
    assert m["modes_captured"] == 2 and m["modes_total"] == 4
    assert m["high_quality_pct"] == pytest.approx(80.0)
    p = np.array([0.75, 0.25])  # histogram of the high-quality samples
    assert m["reverse_kl"] == pytest.approx(float(np.sum(p * np.log(p * 4))))
    assert m["mode_counts"] == [3, 1, 0, 0]


def test_three_std_boundary_and_extremes():
    on_edge = np.array([[0.03, 0.0]])  # exactly 3 std: high quality
    assert dg.mixture_metrics(on_edge, CENTERS, 0.01)["high_quality_pct"] == 100.0
    assert dg.mixture_metrics(np.array([[0.031, 0.0]]), CENTERS, 0.01)["modes_captured"] == 0
    balanced = np.repeat(CENTERS, 5, axis=0)
    assert dg.mixture_metrics(balanced, CENTERS, 0.01)["reverse_kl"] == pytest.approx(0.0)
    one = np.repeat(CENTERS[:1], 5, axis=0)
    assert dg.mixture_metrics(one, CENTERS, 0.01)["reverse_kl"] == pytest.approx(np.log(4))


def test_verdicts():
    steps = [0, 1000, 2000, 3000]
    full = [10, 10, 10, 10]
    assert "All 4 modes covered" in dg.verdict(steps, [full] * 4)
    collapse = [[10, 10, 10, 10], [10, 10, 10, 10], [20, 20, 0, 0], [30, 10, 0, 0]]
    assert dg.verdict(steps, collapse).startswith("Collapsed to 2 of 4 modes since step 2,000")
    hop = [[40, 0, 0, 0], [0, 40, 0, 0], [0, 0, 40, 0], [0, 0, 0, 40], [40, 0, 0, 0]]
    assert dg.verdict(list(range(5)), hop).startswith("Mode hopping: the most-covered mode changed 4 times")
    assert dg.verdict([], []) == "No snapshot yet."
