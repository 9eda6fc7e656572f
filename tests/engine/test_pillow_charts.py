"""Live curves as pictures and as plotly charts: shared axes, where the lines land, NaN gaps,
change and manual-step markers."""
import io

import numpy as np
from PIL import Image

from gan_core.views import plotly_charts, style, ticks
from gan_core.views.pillow_charts import SCALE, curve_image, overlay_image, png
from gan_core.views.style import COLOURS, PALETTE


def rgb(name):
    return np.array([int(COLOURS[name][i:i + 2], 16) for i in (1, 3, 5)])


def columns_with(img, colour, tol=30):
    """x positions (in shown pixels) of columns holding a pixel of `colour`."""
    a = np.asarray(img).astype(int)
    hit = (np.abs(a - colour).sum(-1) < tol)
    return np.unique(np.nonzero(hit)[1] // SCALE), hit


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
    sent = Image.open(io.BytesIO(png(curve_image(h, ["d_grad_norm"], log_y=True, height=200))))
    assert sent.format == "PNG" and sent.mode == "P" and sent.size == (560 * SCALE, 200 * SCALE)
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


def drawn_axes(history, names, smoothing=0.0, log_y=False):
    """The axes both chart paths get for these curves (style.chart_axes)."""
    lines = [style.line(history["step"], history[n], smoothing, log_y) for n in names]
    return style.chart_axes(lines, smoothing > 0, log_y)


def test_plotly_ticks_are_the_shared_routine_s_with_whole_log_labels():
    steps = np.arange(1, 2001)
    h = {"step": steps, "d_grad_norm": 3 * np.exp(-steps / 500), "g_grad_norm": np.full(2000, 0.2)}
    fig = plotly_charts.curves(h, ["d_grad_norm", "g_grad_norm"], 0.6, log_y=True)
    x, y = drawn_axes(h, ["d_grad_norm", "g_grad_norm"], 0.6, log_y=True)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.tickmode == "array"
    assert list(fig.layout.yaxis.tickvals) == list(y.ticks)
    assert list(fig.layout.yaxis.ticktext) == ["0.05", "0.1", "0.2", "0.5", "1", "2"]  # not 5, 2
    assert list(fig.layout.yaxis.range) == y.plotly_range
    assert list(fig.layout.xaxis.ticktext) == list(x.labels) == ["500", "1,000", "1,500", "2,000"]
    over = plotly_charts.overlay({"a": (steps, h["d_grad_norm"])}, log_y=True)
    assert list(over.layout.yaxis.ticktext) == list(ticks.value_axis(
        style.line(steps, h["d_grad_norm"], 0.6, True)[2], log=True).labels)


def test_empty_and_all_zero_charts_have_no_negative_or_repeated_ticks():
    empty = {"step": np.zeros(0, np.int64), "duplicate_pct": np.zeros(0)}
    fig = plotly_charts.curves(empty, ["duplicate_pct"])
    assert fig.layout.yaxis.showticklabels is False and list(fig.layout.yaxis.tickvals) == []
    assert drawn_axes(empty, ["duplicate_pct"]) == (None, None)  # the picture: "no data yet"
    zero = {"step": np.array([0]), "duplicate_pct": np.array([0.0])}
    fig = plotly_charts.curves(zero, ["duplicate_pct"])
    x, y = drawn_axes(zero, ["duplicate_pct"])  # what the picture draws
    assert list(fig.layout.xaxis.ticktext) == list(x.labels) == ["0", "1"]  # not 0 0 0 1 1 1
    assert list(fig.layout.yaxis.range) == [y.lo, y.hi] == [0, 1]
    assert not any(label.startswith("-") for label in y.labels)
    nan = {"step": np.arange(5), "fcd": np.full(5, np.nan)}
    assert drawn_axes(nan, ["fcd"])[1] is None
    assert plotly_charts.curves(nan, ["fcd"]).layout.yaxis.showticklabels is False


def test_manual_steps_are_a_shaded_band_in_both_charts():
    steps = np.arange(1, 1001)
    h = {"step": steps, "d_loss": np.full(1000, 0.7)}
    events = [(500, {"lr_d": 0.002}), (800, {"manual": "D x100", "until": 900})]
    fig = plotly_charts.curves(h, ["d_loss"], events=events)
    rect = [sh for sh in fig.layout.shapes if sh.type == "rect"]
    assert [(r.x0, r.x1) for r in rect] == [(800, 900)]
    assert [a.text for a in fig.layout.annotations] == ["lr_d=0.002", "D x100"]
    img = np.asarray(curve_image(h, ["d_loss"], events=events, width=400, height=200)).astype(int)
    left, width = 62, 400 - 62 - 14
    band = (np.abs(img[60 * SCALE] - [255, 243, 224]) < 12).all(-1)  # amber over white
    cols = np.nonzero(band)[0] // SCALE
    assert abs(cols.min() - (left + 0.8 * width)) <= 2
    assert abs(cols.max() - (left + 0.9 * width)) <= 2


def test_the_recent_window_keeps_the_last_steps():
    h = {"step": np.arange(1, 18001), "d_loss": np.arange(18000.0)}
    last = style.recent(h, 1000)
    assert last["step"][0] == 17001 and last["step"][-1] == 18000 and len(last["d_loss"]) == 1000
    assert style.recent(h, None) is h and style.recent(h, 100_000)["step"][0] == 1
