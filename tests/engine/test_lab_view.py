"""The 2D Lab's picture: mesh, arrows, colours and legend, checked on hand-made fields."""
import numpy as np
import pytest

from gan_core import Snapshot, Trainer, observer
from gan_core.views import plotly_charts


def polylines(xy):
    """NaN-separated polylines -> list of (n, 2) arrays."""
    breaks = np.nonzero(np.isnan(xy[:, 0]))[0]
    pieces = [p[~np.isnan(p[:, 0])] for p in np.split(xy, breaks + 1)]
    return [p for p in pieces if len(p)]


def test_mesh_runs_along_grid_rows_and_columns_and_breaks_at_jumps():
    ax = np.array([0.0, 0.1, 0.2])
    gx, gy = np.meshgrid(ax, ax)  # latent.latent_grid's order: row i has y = ax[i]
    grid = np.stack([gx.ravel(), gy.ravel()], 1)
    lines = polylines(plotly_charts.mesh_xy(grid, max_jump=0.5))
    assert len(lines) == 6  # 3 rows + 3 columns, no chords between them
    assert np.allclose(lines[0], [[0, 0], [0.1, 0], [0.2, 0]])  # row 0
    assert np.allclose(lines[3], [[0, 0], [0, 0.1], [0, 0.2]])  # column 0
    grid[8] = [5.0, 5.0]  # G throws one grid point far away: its two segments are left out
    lines = polylines(plotly_charts.mesh_xy(grid, max_jump=0.5))
    assert all(np.linalg.norm(np.diff(ln, axis=0), axis=1).max() <= 0.5 for ln in lines)
    assert sum(len(ln) - 1 for ln in lines) == 12 - 2


def test_arrows_have_heads_and_lengths_grow_with_the_gradient_up_to_the_90th_percentile():
    start = np.zeros((10, 2))
    vec = np.stack([np.arange(1.0, 11.0), np.zeros(10)], 1)  # |grad| 1..10, pointing along +x
    seg, full = plotly_charts.arrow_xy(start, vec, length=2.0)
    assert full == pytest.approx(9.1)  # np.percentile(1..10, 90)
    arrows = seg.reshape(10, 7, 2)  # start, tip, head, gap, tip, head, gap
    tips = arrows[:, 1, 0]
    assert tips[0] == pytest.approx(2.0 / 9.1) and tips[-2] == pytest.approx(2.0 * 9 / 9.1)
    assert tips[-1] == pytest.approx(2.0)  # |grad| 10 is past the 90th percentile: full length
    head = 0.35 * 2.0  # the longest arrow's head strokes, 25 degrees either side of its line
    assert arrows[-1, 2] == pytest.approx([2 - head * np.cos(np.radians(25)),
                                           -head * np.sin(np.radians(25))])
    assert arrows[-1, 5] == pytest.approx([2 - head * np.cos(np.radians(25)),
                                           head * np.sin(np.radians(25))])
    assert plotly_charts.arrow_xy(start, np.zeros((10, 2)), 1.0)[0].shape == (0, 2)  # no push


def test_heatmap_is_red_for_fake_blue_for_real_and_the_legend_is_outside_the_axes():
    side = 4
    field = {"xs": np.linspace(-1, 1, side), "ys": np.linspace(-1, 1, side),
             "d": np.full((side, side), 0.5, np.float32), "manifold": np.zeros((9, 2)),
             "arrow_from": np.zeros((3, 2)), "arrow_vec": np.ones((3, 2))}
    snapshot = Snapshot(step=7, points=np.zeros((3, 2)), field=field)
    fig = plotly_charts.lab_view(snapshot, np.ones((5, 2)), (-1, 1, -1, 1), {"heatmap", "arrows"})
    heat = fig.data[0]
    red, blue = heat.colorscale[0][1], heat.colorscale[-1][1]  # zmin 0 = "fake", zmax 1 = "real"
    r0, _, b0 = map(int, red[4:-1].split(","))
    r1, _, b1 = map(int, blue[4:-1].split(","))
    assert (heat.zmin, heat.zmax) == (0, 1) and r0 > b0 and b1 > r1
    assert fig.layout.legend.x >= 1  # right of the axes, beside the colour bar
    assert heat.colorbar.x >= 1
    assert "|∇| ≥ 1.4" in fig.data[1].name  # the arrows' length legend: |(1, 1)| = 1.41
    top = plotly_charts.lab_view(snapshot, None, (-1, 1, -1, 1), {"real"}, height=380, legend_at="top")
    assert top.layout.legend.y >= 1 and top.layout.height == 380


def test_a_2d_snapshot_has_an_80_by_80_heatmap_and_a_41_by_41_mesh(tiny, runs_dir):
    t = Trainer(tiny, runs_dir)
    snapshot = t.observer.snapshot(0)
    assert snapshot.field["d"].shape == (observer.FIELD_SIDE, observer.FIELD_SIDE) == (80, 80)
    assert snapshot.field["manifold"].shape == (41 * 41, 2)
