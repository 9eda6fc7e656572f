"""Axis ranges, tick values and tick labels: one routine for the plotly charts and the pictures.

Rules (issue 15): a log axis labels every tick with its whole value ("0.5", not "5"); no two
ticks read the same; an axis without finite data has no ticks; a series that is never negative
gets an axis that is never negative (all zeros: [0, 1]); a step axis has whole steps only.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

PAD = 0.05  # of the data's span, above and below, so a line does not run along the frame


@dataclass(frozen=True)
class Axis:
    """One chart axis: its range (data units, log axes too) and labelled ticks inside it."""

    lo: float
    hi: float
    ticks: tuple[float, ...]
    labels: tuple[str, ...]
    log: bool = False

    @property
    def plotly_range(self) -> list[float]:
        """The range as plotly wants it: log10 of the ends for a log axis."""
        return [math.log10(self.lo), math.log10(self.hi)] if self.log else [self.lo, self.hi]


def _clean(x: float) -> float:
    """Drop float noise (0.30000000000000004 -> 0.3) and negative zero."""
    return float(f"{x:.12g}") + 0.0


def linear_ticks(lo: float, hi: float, n: int = 5, integer: bool = False) -> list[float]:
    """About `n` round values (1, 2 or 5 times a power of ten apart) within [lo, hi]; whole
    numbers only when `integer`. [] for an empty or non-finite range."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return []
    mag = 10.0 ** math.floor(math.log10((hi - lo) / max(n - 1, 1)))
    steps = [m * mag for m in (10, 5, 2, 1) if not integer or m * mag >= 1] or [1.0]

    def first_last(step: float) -> tuple[int, int]:
        return math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)

    step = min(steps, key=lambda st: abs(first_last(st)[1] - first_last(st)[0] + 1 - n))
    a, b = first_last(step)
    return [_clean(k * step) for k in range(a, b + 1)]


def log_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    """Powers of ten within [lo, hi] (0 < lo < hi), every other one or sparser past `n`;
    with 2 and 5 times them when the range spans under two decades; evenly spaced values when
    even those give fewer than two ticks (a narrow range)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or not 0 < lo < hi:
        return []
    d0, d1 = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    if math.log10(hi / lo) < 2:
        mults: tuple[int, ...] = (1, 2, 5)
        stride = 1
    else:  # decades inside the range: d0 + 1 .. d1 - 1 and maybe the ends
        mults, stride = (1,), max(1, math.ceil((d1 - d0 - 1) / n))
    ticks = [float(f"{m}e{d}") for d in range(d0, d1 + 1) if d % stride == 0 for m in mults]
    ticks = [t for t in ticks if lo <= t <= hi]
    return ticks if len(ticks) >= 2 else linear_ticks(lo, hi, 4)


def tick_label(value: float, digits: int = 6) -> str:
    """A tick's whole value, short: "0.5", "2", "1,500", "1e4", "2.5e-4" (up to `digits`
    significant digits; scientific below 0.001 and from 10,000 up)."""
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e4:
        decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
        return _strip(f"{value:,.{decimals}f}")
    mantissa, exp = f"{value:.{digits - 1}e}".split("e")
    return f"{_strip(mantissa)}e{int(exp)}"


def _strip(text: str) -> str:
    """'0.500' -> '0.5', '2.00' -> '2', '1,500' stays."""
    return text.rstrip("0").rstrip(".") if "." in text else text


def tick_labels(values: Sequence[float], integer: bool = False) -> list[str]:
    """Labels for ticks, no two alike: as short as possible, more digits only when two
    ticks would otherwise read the same. Whole numbers (steps) with thousands separators."""
    if integer:
        return [f"{v:,.0f}" for v in values]
    for digits in range(3, 13):
        labels = [tick_label(v, digits) for v in values]
        if len(set(labels)) == len(labels):
            return labels
    return labels


def value_range(values: np.ndarray, log: bool = False) -> tuple[float, float] | None:
    """The range an axis shows for `values`: their span padded by PAD (in log10 units on a
    log axis), never below 0 for a series that never is; all zeros -> (0, 1); a constant ->
    +-10 %; None when nothing finite (or, on a log axis, nothing positive) is left."""
    v = np.asarray(values, np.float64).ravel()
    v = v[np.isfinite(v) & (v > 0)] if log else v[np.isfinite(v)]
    if len(v) == 0:
        return None
    lo, hi = float(v.min()), float(v.max())
    if log:
        a, b = math.log10(lo), math.log10(hi)
        pad = (b - a) * PAD if b > a else 0.5
        return 10 ** (a - pad), 10 ** (b + pad)
    if lo == hi:
        if lo == 0:
            return 0.0, 1.0
        pad = abs(lo) * 0.1
    else:
        pad = (hi - lo) * PAD
    new_lo, new_hi = lo - pad, hi + pad
    if lo >= 0:
        new_lo = max(new_lo, 0.0)
    if hi <= 0:
        new_hi = min(new_hi, 0.0)
    return new_lo, new_hi


def value_axis(values: np.ndarray, log: bool = False, n: int = 6) -> Axis | None:
    """The value (y) axis for everything a chart draws: range, ticks and labels. None when
    there is nothing to draw (the chart then shows no ticks at all)."""
    span = value_range(values, log)
    if span is None:
        return None
    lo, hi = span
    ticks = log_ticks(lo, hi, n) if log else linear_ticks(lo, hi, n)
    return Axis(lo, hi, tuple(ticks), tuple(tick_labels(ticks)), log)


def step_axis(steps: np.ndarray, n: int = 5) -> Axis | None:
    """The step (x) axis: the steps' span, at least one step wide, with whole-step ticks."""
    s = np.asarray(steps, np.float64)
    s = s[np.isfinite(s)]
    if len(s) == 0:
        return None
    lo, hi = float(s.min()), float(s.max())
    hi = max(hi, lo + 1)
    ticks = linear_ticks(lo, hi, n, integer=True)
    return Axis(lo, hi, tuple(ticks), tuple(tick_labels(ticks, integer=True)))
