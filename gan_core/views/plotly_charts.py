"""Plotly charts: the interactive versions of the curves, the 2D Lab and the mode bars. Pure
functions of snapshots and histories (tests/engine/test_lab_view.py, test_ticks.py)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import plotly.graph_objects as go

from ..run_state import Snapshot
from . import marks, ticks
from .style import COLOURS, FAKE, FIELD_RGB, LABELS, PALETTE, REAL, chart_axes, line


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    """One validation pass: building from dicts is several times faster than add_* calls and
    update_layout, which re-validate on every call (bench/ui_tick.py)."""
    return go.Figure(data=traces, layout=layout)


def _axis_layout(axis: ticks.Axis | None, title: str = "") -> dict:
    """A plotly axis with ticks.py's range, tick values and labels (plotly's own log ticks
    drop the decade: "5, 2" for 0.5, 0.2); no ticks at all when there is nothing to draw."""
    out: dict = dict(title=dict(text=title))
    if axis is None:
        return dict(out, range=[0, 1], tickmode="array", tickvals=[], showticklabels=False)
    return dict(out, type="log" if axis.log else "linear", range=axis.plotly_range,
                tickmode="array", tickvals=list(axis.ticks), ticktext=list(axis.labels))


SPAN_FILL = "rgba(255,160,0,0.16)"  # manual steps: a light amber band under the curves
MARK_TEXT = "#666"
LABEL_PX, PLOT_PX = 6.5, 520  # rough width of a label character and of a plot, for staggering


def _mark_shapes(events: Iterable[tuple[int, dict]], x: ticks.Axis | None
                 ) -> tuple[list[dict], list[dict]]:
    """Plotly shapes and labels for the events (marks.py): a dotted line for a live change, a
    shaded band for manual steps; labels on up to three rows so neighbours do not overlap."""
    if x is None:
        return [], []
    shown = marks.marks(events, x.lo, x.hi)
    starts = [(m.start - x.lo) / (x.hi - x.lo) for m in shown]
    places = marks.place_labels(starts, [len(m.text) * LABEL_PX / PLOT_PX for m in shown], 1.0)
    shapes, notes = [], []
    for m, start, (left, row) in zip(shown, starts, places):
        if m.end is None:
            shapes.append(dict(type="line", x0=m.start, x1=m.start, y0=0, y1=1, yref="paper",
                               line=dict(color="#999", dash="dot", width=1)))
        else:
            shapes.append(dict(type="rect", x0=m.start, x1=m.end, y0=0, y1=1, yref="paper",
                               fillcolor=SPAN_FILL, line=dict(width=0), layer="below"))
        notes.append(dict(x=m.start, y=1, yref="paper", yshift=-14 * row, text=m.text,
                          showarrow=False, font=dict(size=11, color=MARK_TEXT), yanchor="top",
                          xanchor="left" if left >= start else "right"))
    return shapes, notes


def curves(history: dict[str, np.ndarray], names: Sequence[str], smoothing: float = 0.0,
           log_y: bool = False, title: str = "", events: Iterable[tuple[int, dict]] = (),
           height: int = 300) -> go.Figure:
    """Line chart of metric series against step, with live changes marked as dotted lines and
    manual steps as shaded bands (marks.py)."""
    traces: list[dict] = []
    lines = [line(history["step"], history[name], smoothing, log_y) for name in names]
    for name, (s, v, sm) in zip(names, lines):
        colour = COLOURS.get(name)
        if smoothing > 0:
            traces.append(dict(type="scatter", x=s, y=v, mode="lines", opacity=0.25,
                               line=dict(color=colour, width=1), showlegend=False,
                               hoverinfo="skip"))
        traces.append(dict(type="scatter", x=s, y=sm, mode="lines",
                           name=LABELS.get(name, name), line=dict(color=colour, width=2)))
    x, y = chart_axes(lines, smoothing > 0, log_y)
    shapes, notes = _mark_shapes(events, x)
    return _figure(traces, _step_layout(title, height, x, y, shapes=shapes, annotations=notes))


def overlay(series: dict[str, tuple[np.ndarray, np.ndarray]], title: str = "",
            smoothing: float = 0.6, log_y: bool = False, height: int = 340) -> go.Figure:
    """One metric of several runs on one chart: {run name: (steps, values)}."""
    traces = []
    lines = [line(steps, values, smoothing, log_y) for steps, values in series.values()]
    for i, (name, (s, _, sm)) in enumerate(zip(series, lines)):
        traces.append(dict(type="scatter", x=s, y=sm, mode="lines", name=name,
                           line=dict(color=PALETTE[i % len(PALETTE)], width=2)))
    x, y = chart_axes(lines, False, log_y)
    return _figure(traces, _step_layout(title, height, x, y))


def _step_layout(title: str, height: int, x: ticks.Axis | None, y: ticks.Axis | None,
                 **extra) -> dict:
    return dict(title=dict(text=title), height=height, margin=dict(l=10, r=10, t=40, b=10),
                xaxis=_axis_layout(x, "step"), yaxis=_axis_layout(y),
                legend=dict(orientation="h", y=-0.2),
                uirevision="keep", **extra)  # keep the user's zoom across live updates


# D's heatmap (style.FIELD_RGB): drawn opaque, so the colour bar shows exactly the plot's colours.
FIELD_SCALE = [[i / (len(FIELD_RGB) - 1), "rgb({},{},{})".format(*rgb)]
               for i, rgb in enumerate(FIELD_RGB)]
MESH_JUMP = 0.08  # of the view's width: a grid line breaks where G sends neighbours this far apart
ARROW = 0.07  # of the view's width: the drawn length of the longest arrows (see arrow_xy)
ARROW_FULL_PCT = 90  # arrows at or above this percentile of |grad| are drawn at full length
FONT = 16  # the 2D Lab is read from the back of a room


def mesh_xy(manifold: np.ndarray, max_jump: float) -> np.ndarray:
    """The image of a side x side latent grid (row-major, as latent.latent_grid) as polylines
    along its rows and columns, NaN-separated for one plotly trace. A segment whose ends land
    more than `max_jump` apart is left out: G tears the grid there (it jumps between modes),
    and drawing the segment would be a chord across empty space, not part of a mesh."""
    side = int(round(np.sqrt(len(manifold))))
    grid = np.asarray(manifold[: side * side], np.float64).reshape(side, side, 2)
    lines = [grid[i] for i in range(side)] + [grid[:, j] for j in range(side)]
    parts = []
    for ln in lines:
        far = np.linalg.norm(np.diff(ln, axis=0), axis=1) > max_jump
        for piece in np.split(ln, np.nonzero(far)[0] + 1):
            if len(piece) > 1:
                parts.append(np.vstack([piece, [np.nan, np.nan]]))
    return np.concatenate(parts) if parts else np.zeros((0, 2))


def arrow_xy(start: np.ndarray, vec: np.ndarray, length: float) -> tuple[np.ndarray, float]:
    """Arrows from `start` along `vec` with V heads, as NaN-separated segments for one trace,
    and the |vec| drawn at full `length`: the ARROW_FULL_PCT percentile. Length grows with |vec|
    up to it, and longer ones are drawn at full length, so a few large gradients do not shrink
    the rest to dots."""
    norm = np.linalg.norm(vec, axis=1)
    full = float(np.percentile(norm, ARROW_FULL_PCT)) if len(norm) else 0.0
    if full <= 0:
        return np.zeros((0, 2)), 0.0
    scale = np.minimum(norm, full) / full * length / np.maximum(norm, 1e-12)
    drawn = vec * scale[:, None]
    tip = start + drawn
    back = -drawn * 0.35  # head: two strokes 35 % of the arrow long, 25 degrees off its line
    left, right = tip + _rotate(back, 25), tip + _rotate(back, -25)
    gap = np.full_like(start, np.nan)
    return np.stack([start, tip, left, gap, tip, right, gap], 1).reshape(-1, 2), full


def _rotate(v: np.ndarray, degrees: float) -> np.ndarray:
    """2D vectors (N, 2) turned anticlockwise by `degrees`."""
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return np.stack([v[:, 0] * c - v[:, 1] * s, v[:, 0] * s + v[:, 1] * c], 1)


def lab_view(snapshot: Snapshot, real: np.ndarray | None, bounds: Sequence[float], show: set[str],
             probability: bool = True, height: int | None = None, max_fake: int = 1000,
             legend_at: str = "right") -> go.Figure:
    """GAN Lab's picture: D's heatmap, real and generated points, G's gradient arrows and the
    generator's image of a latent grid (the manifold), each toggled by name in `show`. No
    `height`: the chart fills the height its page gives it. The legend sits outside the axes,
    at their right (with the colour bar) or above them (`legend_at="top"`, narrow columns)."""
    x0, x1, y0, y1 = bounds
    traces: list[dict] = []
    f = snapshot.field
    if "heatmap" in show and "d" in f:
        traces.append(dict(type="heatmap", x=f["xs"], y=f["ys"], z=f["d"], zsmooth="best",
                           colorscale=FIELD_SCALE, zmin=0 if probability else None,
                           zmax=1 if probability else None, colorbar=dict(
                               title=dict(text="D(x)" if probability else "D score",
                                          font=dict(size=FONT)), tickfont=dict(size=FONT),
                               len=0.45, y=0, yanchor="bottom", x=1.02, xanchor="left")))
    if "manifold" in show and "manifold" in f:
        xy = mesh_xy(f["manifold"], MESH_JUMP * (x1 - x0))
        traces.append(dict(type="scatter", x=xy[:, 0], y=xy[:, 1], mode="lines",
                           name="G's image of a<br>latent grid",
                           line=dict(color="rgba(110,40,170,0.6)", width=1.5)))
    if "real" in show and real is not None:
        traces.append(dict(type="scatter", x=real[:, 0], y=real[:, 1], mode="markers",
                           name="real", marker=dict(color=REAL, size=5, opacity=0.6)))
    if "fake" in show and snapshot.points is not None:
        pts = snapshot.points[:max_fake]
        traces.append(dict(type="scatter", x=pts[:, 0], y=pts[:, 1], mode="markers",
                           name="generated", marker=dict(color=FAKE, size=6, opacity=0.9, line=dict(
                               color="white", width=0.5))))  # an edge: orange on red shows
    if "arrows" in show and "arrow_vec" in f:
        seg, full = arrow_xy(f["arrow_from"], f["arrow_vec"], ARROW * (x1 - x0))
        name = f"G's push: length ∝ |∇|,<br>full length = |∇| ≥ {full:.2g}"
        traces.append(dict(type="scatter", x=seg[:, 0], y=seg[:, 1], mode="lines", name=name,
                           line=dict(color="#111", width=1.5)))
    legend = (dict(x=1.02, xanchor="left", y=1, yanchor="top") if legend_at == "right" else
              dict(orientation="h", x=1, xanchor="right", y=1.01, yanchor="bottom"))
    return _figure(traces, dict(
        margin=dict(l=10, r=10, t=40, b=10), legend=dict(legend, font=dict(size=FONT)),
        xaxis=dict(range=[x0, x1], constrain="domain", tickfont=dict(size=FONT)),
        yaxis=dict(range=[y0, y1], scaleanchor="x", scaleratio=1, tickfont=dict(size=FONT)),
        uirevision="keep", title=dict(text=f"step {snapshot.step:,}", font=dict(size=FONT + 4)),
        **({"height": height} if height else {})))


def mode_bars(good: Sequence[int], poor: Sequence[int] | None, labels: Sequence[str],
              title: str = "", expected: float | None = None,
              names: tuple[str, str] = ("high quality", "off-mode"),
              y_title: str = "samples") -> go.Figure:
    """One bar per mode (or class): the counted samples, stacked on the uncounted ones when
    given, with a dotted line at the count a perfectly balanced generator would reach."""
    x = list(labels)
    traces = [dict(type="bar", x=x, y=list(good), name=names[0], marker=dict(color="#2ca02c"))]
    if poor is not None:
        traces.append(dict(type="bar", x=x, y=list(poor), name=names[1],
                           marker=dict(color="#d3d3d3")))
    shapes = []
    if expected is not None:
        shapes.append(dict(type="line", xref="paper", x0=0, x1=1, y0=expected, y1=expected,
                           line=dict(color="#555", dash="dot", width=1)))
    return _figure(traces, dict(
        barmode="stack", height=280, title=dict(text=title), margin=dict(l=10, r=10, t=40, b=10),
        legend=dict(orientation="h", y=-0.25), yaxis=dict(title=dict(text=y_title)),
        xaxis=dict(type="category"), shapes=shapes))


def class_probabilities(probs: Sequence[float], labels: Sequence[str],
                        highlight: int | None = None, height: int = 260) -> go.Figure:
    """A classifier's probability per class, on a fixed 0-1 axis (so bars visibly move as
    the sample changes); `highlight`: the class a direction walks towards, in orange."""
    colours = [FAKE if i == highlight else PALETTE[0] for i in range(len(labels))]
    traces = [dict(type="bar", x=list(labels), y=[float(p) for p in probs],
                   marker=dict(color=colours), hovertemplate="%{x}: %{y:.2f}<extra></extra>")]
    return _figure(traces, dict(
        height=height, margin=dict(l=10, r=10, t=30, b=10), showlegend=False,
        title=dict(text="the classifier reads G(z) as"), xaxis=dict(type="category"),
        yaxis=dict(range=[0, 1], title=dict(text="probability"))))
