import numpy as np
import pytest

from gan_core.views import plotly_charts as pc
from gan_core.views import style, ticks


def history(n: int = 5) -> dict[str, np.ndarray]:
    steps = np.arange(1, n + 1)
    return {"step": steps, "d_loss": np.linspace(1.0, 0.5, n), "g_loss": np.linspace(2.0, 3.0, n)}


def test_curves_draw_one_named_coloured_line_per_metric():
    h = history()
    fig = pc.curves(h, ["d_loss", "g_loss"], title="Losses")
    assert [t.name for t in fig.data] == ["D loss", "G loss"]
    assert [t.line.color for t in fig.data] == [style.COLOURS["d_loss"], style.COLOURS["g_loss"]]
    np.testing.assert_array_equal(fig.data[0].x, h["step"])
    np.testing.assert_allclose(fig.data[1].y, h["g_loss"])
    assert fig.layout.title.text == "Losses" and fig.layout.xaxis.title.text == "step"
    x = ticks.step_axis(h["step"])
    assert list(fig.layout.xaxis.range) == x.plotly_range
    assert list(fig.layout.xaxis.tickvals) == list(x.ticks)
    assert list(fig.layout.xaxis.ticktext) == list(x.labels)


def test_smoothed_curves_keep_the_raw_series_faint_behind_the_line():
    h = history(50)
    fig = pc.curves(h, ["d_loss"], smoothing=0.9)
    raw, smooth = fig.data
    assert raw.opacity == 0.25 and raw.showlegend is False and raw.hoverinfo == "skip"
    np.testing.assert_allclose(raw.y, h["d_loss"])
    np.testing.assert_allclose(smooth.y, style.smooth(h["d_loss"], 0.9))
    assert smooth.name == "D loss" and raw.line.color == smooth.line.color


def test_a_log_axis_drops_values_it_cannot_show():
    h = history()
    h["d_loss"] = np.array([1.0, 0.0, -1.0, 10.0, 100.0])
    fig = pc.curves(h, ["d_loss"], log_y=True)
    assert fig.layout.yaxis.type == "log"
    np.testing.assert_array_equal(fig.data[0].y, [1.0, np.nan, np.nan, 10.0, 100.0])


def test_long_curves_are_decimated_to_the_chart_width():
    n = 10_000
    h = {"step": np.arange(1, n + 1), "d_loss": np.ones(n)}
    fig = pc.curves(h, ["d_loss"])
    assert len(fig.data[0].x) <= style.MAX_POINTS and fig.data[0].x[-1] == n


def test_curves_mark_live_changes_and_manual_steps():
    h = history(100)
    events = [(30, {"lr_d": 0.002}), (60, {"manual": "D x10", "until": 70})]
    fig = pc.curves(h, ["d_loss"], events=events)
    line, band = fig.layout.shapes
    assert (line.type, line.x0, line.x1, line.line.dash) == ("line", 30, 30, "dot")
    assert (band.type, band.x0, band.x1, band.fillcolor) == ("rect", 60, 70, pc.SPAN_FILL)
    assert [a.text for a in fig.layout.annotations] == ["lr_d=0.002", "D x10"]


def test_an_empty_history_is_an_empty_chart_without_ticks():
    fig = pc.curves({"step": np.zeros(0), "d_loss": np.zeros(0)}, ["d_loss"])
    assert len(fig.data[0].x) == 0
    assert list(fig.layout.xaxis.tickvals) == [] and fig.layout.xaxis.showticklabels is False


def test_overlay_draws_each_run_in_its_palette_colour_in_order():
    steps = np.arange(1, 11)
    series = {f"run {i}": (steps, np.full(10, float(i))) for i in range(6)}
    fig = pc.overlay(series, title="D(G(z))")
    assert [t.name for t in fig.data] == list(series)
    colours = [t.line.color for t in fig.data]
    assert colours[:5] == list(style.PALETTE) and colours[5] == style.PALETTE[0]  # wraps
    np.testing.assert_allclose(fig.data[3].y, 3.0)  # smoothing keeps a constant
    values = np.arange(10, dtype=float) ** 2
    fig = pc.overlay({"a": (steps, values)}, smoothing=0.6)
    np.testing.assert_allclose(fig.data[0].y, style.smooth(values, 0.6))


@pytest.mark.parametrize("poor", [[1, 2, 0], None])
def test_mode_bars_stack_counted_on_uncounted_with_the_balanced_line(poor):
    fig = pc.mode_bars([3, 0, 5], poor, ["0", "1", "2"], "Samples per mode",
                       expected=4.0 if poor else None)
    assert fig.layout.barmode == "stack" and fig.layout.xaxis.type == "category"
    good = fig.data[0]
    assert (good.type, list(good.x), list(good.y), good.name) == ("bar", ["0", "1", "2"],
                                                                   [3, 0, 5], "high quality")
    if poor is None:
        assert len(fig.data) == 1 and fig.layout.shapes == ()
        return
    assert list(fig.data[1].y) == poor and fig.data[1].name == "off-mode"
    (line,) = fig.layout.shapes
    assert (line.y0, line.y1, line.xref, line.x0, line.x1) == (4.0, 4.0, "paper", 0, 1)
