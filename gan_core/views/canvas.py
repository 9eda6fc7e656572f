"""The drawing canvas: a plotly chart whose selection events draw points (ui/drawing.py).

Streamlit's `st.plotly_chart(on_select=...)` reports the points a click, a box or a lasso
selects, never a bare position; so the canvas is covered by a dense grid of faint candidate
points (trace CANDIDATES), one within a few pixels of any click, and a selection of them says
where to draw. The drawn points (trace DRAWN) are coloured by mode, as data/drawn.py finds them.

A click selects a point only while the chart's drag mode is "pan" (Streamlit 1.67 sets plotly's
clickmode to "event" under "lasso" and "select", to "event+select" otherwise), so the drawing
tool picks the drag mode: DRAG_MODES.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..data.shapes import CANVAS

STEP = 0.05  # candidate spacing: 61 x 61 points, ~8 px apart on a 520 px canvas, closer than
# plotly's 20 px pick distance, so every click lands on one; a lasso fills a region at this
# spacing, which data/drawn.py links into one mode at the default spread (0.12)
CANDIDATES, DRAWN = 0, 1  # trace numbers (a selection names its points' trace)
# tool -> plotly drag mode: "pan" on fixed axes moves nothing, and lets a click select
DRAG_MODES = {"click": "pan", "lasso": "lasso", "box": "select", "erase": "lasso"}
MODE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#17becf", "#bcbd22", "#7f7f7f")  # plotly's qualitative palette, by mode


def candidates() -> np.ndarray:
    """The candidate points `(61 * 61, 2)`, on a grid of STEP from -CANVAS to CANVAS, rounded
    so a point drawn on them reads as 0.35, not 0.35000000000000003."""
    axis = np.round(np.arange(-CANVAS, CANVAS + STEP / 2, STEP), 3)
    gx, gy = np.meshgrid(axis, axis)
    return np.stack([gx.ravel(), gy.ravel()], 1)


def mode_colour(mode: int) -> str:
    return MODE_COLOURS[mode % len(MODE_COLOURS)]


def canvas_figure(points: np.ndarray, modes: np.ndarray | None, tool: str = "click",
                  height: int = 540) -> go.Figure:
    """The canvas with `points` drawn, coloured by `modes`. `tool` (DRAG_MODES): "click"
    selects the candidate under a click; "lasso" and "erase" the points inside a lasso, "box"
    inside a box."""
    grid = candidates()
    faint = dict(size=4, color="#b0b0b0", opacity=0.45)
    named = modes is not None and len(points) > 0
    colours = [mode_colour(int(m)) for m in modes] if modes is not None and named else None
    labels = [f"mode {int(m)}" for m in modes] if modes is not None and named else None
    fig = go.Figure([
        go.Scatter(x=grid[:, 0], y=grid[:, 1], mode="markers", marker=faint, hoverinfo="none",
                   name="canvas", selected=dict(marker=dict(opacity=0.45)),
                   unselected=dict(marker=dict(opacity=0.45))),
        go.Scatter(x=points[:, 0], y=points[:, 1], mode="markers", name="drawn",
                   marker=dict(size=9, color=colours or "#1f77b4",
                               line=dict(width=0.5, color="white")),
                   text=labels, hovertemplate="%{text}<extra></extra>" if labels else None,
                   hoverinfo=None if labels else "none",
                   selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=1.0))),
    ])
    axis = dict(range=[-CANVAS - 0.1, CANVAS + 0.1], fixedrange=True, showgrid=False,
                zeroline=True, zerolinecolor="#e0e0e0", ticks="", dtick=0.5)
    fig.update_layout(height=height, margin=dict(l=30, r=10, t=10, b=30), showlegend=False,
                      dragmode=DRAG_MODES[tool], hovermode="closest",
                      xaxis=axis, yaxis=dict(axis, scaleanchor="x", scaleratio=1),
                      plot_bgcolor="white")
    return fig
