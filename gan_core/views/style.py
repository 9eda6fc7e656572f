"""What both chart paths share (plotly_charts, pillow_charts): labels, colours, and how a
series becomes a line (decimation, smoothing, the recent window, the axes)."""
from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from . import ticks

MAX_POINTS = 300  # per curve: one per ~2 pixels of a chart; the browser repaints every point of
# every live curve when a tick lands (1,000 -> 300: 0.32 -> 0.24 Chromium cores, bench/NOTES.md 13)
LABELS = {"d_loss": "D loss", "g_loss": "G loss", "d_real": "D(x)", "d_fake": "D(G(z))",
          "d_acc_real": "D accuracy on real", "d_acc_fake": "D accuracy on generated",
          "d_grad_norm": "|grad D|", "g_grad_norm": "|grad G|",
          "modes_captured_pct": "modes captured (%)", "high_quality_pct": "high quality (%)",
          "reverse_kl": "reverse KL", "classes_covered_pct": "classes covered (%)",
          "confident_pct": "confidently classified (%)", "class_kl": "class KL",
          "fcd": "FCD", "duplicate_pct": "near-duplicates (%)",
          "within_diversity_pct": "within-class diversity, mean (%)",
          "least_diversity_pct": "least varied class (%)"}
COLOURS = {"d_loss": "#1f77b4", "g_loss": "#ff7f0e", "d_real": "#2ca02c", "d_fake": "#d62728",
           "d_acc_real": "#2ca02c", "d_acc_fake": "#d62728", "d_grad_norm": "#1f77b4",
           "g_grad_norm": "#ff7f0e", "modes_captured_pct": "#1f77b4",
           "high_quality_pct": "#2ca02c", "reverse_kl": "#9467bd", "classes_covered_pct": "#1f77b4",
           "confident_pct": "#2ca02c", "class_kl": "#9467bd", "fcd": "#8c564b",
           "duplicate_pct": "#d62728", "within_diversity_pct": "#2ca02c",
           "least_diversity_pct": "#d62728"}
REAL, FAKE = "#7f7f7f", "#ff7f0e"
# D's heatmap, 0 ("fake") to 1 ("real"): plotly's RdBu without its two darkest ends, mixed 35 %
# with white so the points and arrows over it stay visible. Both the 2D Lab's chart and the
# projector's picture (pillow_images.field_image) use these.
FIELD_RGB = [tuple(round(c + 0.35 * (255 - c)) for c in rgb)
             for rgb in [(178, 24, 43), (214, 96, 77), (244, 165, 130), (253, 219, 199),
                         (247, 247, 247), (209, 229, 240), (146, 197, 222), (67, 147, 195),
                         (33, 102, 172)]]
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b")  # runs compared on one chart


def decimate(steps: np.ndarray, values: np.ndarray, max_points: int = MAX_POINTS
             ) -> tuple[np.ndarray, np.ndarray]:
    """Bucket means: at most `max_points` points, each the mean of a run of steps (NaN-aware),
    so a 100k-step curve is O(n) numpy work and a few KB of JSON."""
    n = len(steps)
    if n <= max_points:
        return steps, values.astype(np.float64)
    size = int(np.ceil(n / max_points))
    m = n // size * size
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN bucket stays NaN
        v = np.nanmean(values[:m].astype(np.float64).reshape(-1, size), axis=1)
        s = steps[size - 1:m:size]
        if m < n:
            s, v = np.append(s, steps[-1]), np.append(v, np.nanmean(values[m:]))
    return s, v


def smooth(values: np.ndarray, weight: float) -> np.ndarray:
    """TensorBoard's debiased exponential moving average; NaNs are skipped, not spread."""
    if weight <= 0 or len(values) == 0:
        return values
    out = np.empty_like(values)
    last, norm = 0.0, 0.0
    for i, v in enumerate(values):
        if np.isfinite(v):
            last = last * weight + (1 - weight) * v
            norm = norm * weight + (1 - weight)
        out[i] = last / norm if norm > 0 else np.nan
    return out


def recent(history: dict[str, np.ndarray], last: int | None) -> dict[str, np.ndarray]:
    """The rows of the last `last` steps of a history (all of it when `last` is None or 0):
    100 manual steps are a sliver of an 18k-step curve, and the whole chart in the last 1,000."""
    steps = history["step"]
    if not last or len(steps) == 0:
        return history
    first = int(np.searchsorted(steps, steps[-1] - last, side="right"))
    return {name: values[first:] for name, values in history.items()}


def line(steps: np.ndarray, values: np.ndarray, smoothing: float, log_y: bool
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What a chart draws of one series: decimated steps, the raw values (non-positive ones
    dropped on a log axis) and the smoothed line. Shared by the plotly and picture paths."""
    s, v = decimate(np.asarray(steps), np.asarray(values))
    if log_y:
        v = np.where(v > 0, v, np.nan)
    return s.astype(np.float64), v, smooth(v, smoothing)


def chart_axes(lines: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]], with_raw: bool,
               log_y: bool) -> tuple[ticks.Axis | None, ticks.Axis | None]:
    """Step and value axes for `lines` (from `line`): the value axis spans the smoothed lines,
    and the raw values too when they are drawn (`with_raw`). None: nothing to draw."""
    if not lines:
        return None, None
    x = ticks.step_axis(np.concatenate([s for s, _, _ in lines]))
    y = ticks.value_axis(np.concatenate([v for _, raw, sm in lines
                                         for v in ((raw, sm) if with_raw else (sm,))]), log_y)
    return x, y


