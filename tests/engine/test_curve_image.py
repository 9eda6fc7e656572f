"""Live curves as pictures: ticks, where the lines land, NaN gaps and change markers."""
import numpy as np

import io

from PIL import Image

from gan_core.curve_image import (SCALE, curve_image, curve_jpeg, log_ticks, nice_ticks,
                                  overlay_image)
from gan_core.figures import COLOURS, PALETTE


def rgb(name):
    return np.array([int(COLOURS[name][i:i + 2], 16) for i in (1, 3, 5)])


def columns_with(img, colour, tol=30):
    """x positions (in shown pixels) of columns holding a pixel of `colour`."""
    a = np.asarray(img).astype(int)
    hit = (np.abs(a - colour).sum(-1) < tol)
    return np.unique(np.nonzero(hit)[1] // SCALE), hit


def test_ticks_are_round_and_inside_the_range():
    assert nice_ticks(0.83, 1.47, 6) == [0.9, 1.0, 1.1, 1.2, 1.3, 1.4]
    assert nice_ticks(0, 8000) == [0, 2000, 4000, 6000, 8000]
    assert nice_ticks(-3.2, 7.1) == [-2.0, 0.0, 2.0, 4.0, 6.0]
    assert log_ticks(0.004, 30) == [0.01, 0.1, 1.0, 10.0]
    assert log_ticks(0.5, 3) == [0.5, 1.0, 2.0]  # under two decades: 2s and 5s too


def test_a_line_goes_up_where_its_values_go_up():
    steps = np.arange(1000)
    h = {"step": steps, "d_loss": np.where(steps < 500, 0.0, 1.0)}
    img = curve_image(h, ["d_loss"], title="t", width=400, height=200)
    _, hit = columns_with(img, rgb("d_loss"))
    hit[-30 * SCALE:] = False  # leave out the legend
    rows, cols = np.nonzero(hit)
    early, late = rows[cols < 150 * SCALE], rows[cols > 300 * SCALE]
    assert len(early) and len(late) and early.mean() > late.mean() + 50 * SCALE  # 1.0 drawn higher


def test_nan_breaks_the_line_and_events_are_marked():
    steps = np.arange(1000)
    v = np.ones(1000)
    v[400:600] = np.nan  # diverged for a while
    h = {"step": steps, "g_loss": v}
    img = curve_image(h, ["g_loss"], events=[(800, {"lr_d": 0.002})], width=400, height=200)
    a = np.asarray(img)[: -30 * SCALE]  # plot area without the legend
    cols, _ = columns_with(a, rgb("g_loss"))
    left, width = 62, 400 - 62 - 14
    gap = (left + 0.45 * width, left + 0.55 * width)
    assert not any(gap[0] < c < gap[1] for c in cols)  # no line across the NaN stretch
    assert any(c < gap[0] for c in cols) and any(c > gap[1] for c in cols)
    grey, _ = columns_with(a, np.array([150, 150, 150]), tol=10)
    assert any(abs(c - (left + 0.8 * width)) <= 2 for c in grey)  # dotted line at step 800


def test_log_scale_drops_non_positive_values_and_empty_history_says_so():
    h = {"step": np.arange(10), "d_grad_norm": np.array([0, -1, 1e-3, 1e-2, 1e-1, 1, 10, 100,
                                                         0, 1.0])}
    img = curve_image(h, ["d_grad_norm"], log_y=True)
    assert np.asarray(img).shape == (300 * SCALE, 560 * SCALE, 3)
    sent = Image.open(io.BytesIO(curve_jpeg(h, ["d_grad_norm"], log_y=True, height=200)))
    assert sent.format == "JPEG" and sent.size == (560 * SCALE, 200 * SCALE)
    empty = curve_image({"step": np.zeros(0), "d_loss": np.zeros(0)}, ["d_loss"], title="x")
    assert (np.asarray(empty) < 250).any()  # the title and "no data yet", not a crash


def test_overlay_draws_each_run_in_its_own_colour():
    steps = np.arange(500)
    img = overlay_image({"run a": (steps, np.sin(steps / 50)), "run b": (steps, steps / 500.0),
                         "run c": (steps, np.full(500, np.nan))}, title="D loss")
    a = np.asarray(img)[: -30 * SCALE]  # without the legend
    for i, expected in ((0, True), (1, True), (2, False)):  # run c has no finite value
        colour = np.array([int(PALETTE[i][k:k + 2], 16) for k in (1, 3, 5)])
        cols, _ = columns_with(a, colour, tol=20)
        assert (len(cols) > 300) == expected
