"""What a curve chart marks on its step axis: live setting changes and manual steps.

A run's events are `(step, change)` pairs (RunState.events). A live edit of a setting is
`(step, {"lr_d": 0.002})`: a dotted line at that step. Steps trained from the Step buttons
are `(start, {"manual": "D x100", "until": start + 100})`: a shaded span over the steps they
trained, labelled "D x100"; spans of one kind that touch (Step pressed again and again) are
drawn as one ("D x300"). Both chart paths (figures, curve_image) draw these marks.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

_COUNT = re.compile(r"^(?P<kind>.*) x(?P<n>[\d,]+)$")  # "D x100" -> kind "D", 100 steps


@dataclass(frozen=True)
class Mark:
    """A moment (`end` None: a live change) or a span of steps (manual steps) on a chart."""

    start: float
    end: float | None
    text: str


def change_text(change: dict[str, Any]) -> str:
    """'lr_d=0.002, loss=wgan' for a live change."""
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in change.items())


def _kind(text: str) -> str | None:
    m = _COUNT.match(text)
    return m["kind"] if m else None


def _merged(events: Iterable[tuple[int, dict[str, Any]]]) -> list[Mark]:
    """Marks in step order, touching manual spans of one kind joined into one."""
    out: list[Mark] = []
    for step, change in sorted(events, key=lambda e: e[0]):
        if "manual" not in change:
            out.append(Mark(step, None, change_text(change)))
            continue
        text = str(change["manual"])
        end = change.get("until")
        end = float(end) if end is not None else None
        prev = out[-1] if out else None
        kind = _kind(text)
        if (prev is not None and prev.end is not None and end is not None and kind is not None
                and _kind(prev.text) == kind and prev.end == step):
            out[-1] = Mark(prev.start, end, f"{kind} x{int(end - prev.start):,}")
        else:
            out.append(Mark(step, end, text))
    return out


def marks(events: Iterable[tuple[int, dict[str, Any]]], lo: float, hi: float) -> list[Mark]:
    """The events' marks that show on a step axis from `lo` to `hi`, spans clipped to it."""
    shown = []
    for m in _merged(events):
        end = m.start if m.end is None else m.end
        if end < lo or m.start > hi:
            continue
        if m.end is None:
            shown.append(m)
        else:
            shown.append(Mark(max(m.start, lo), min(m.end, hi), m.text))
    return shown


def place_labels(starts: Sequence[float], widths: Sequence[float], right: float,
                 rows: int = 3) -> list[tuple[float, int]]:
    """(left edge, row) of each mark's label, 0 = top row: right of its mark, or left of it
    when it would run past `right` (the plot's edge); labels that would overlap go on different
    rows. Any unit (pixels, fractions of the axis); `starts` in ascending order. Past `rows`
    rows, the row whose last label ends first."""
    ends = [float("-inf")] * rows
    out = []
    for start, width in zip(starts, widths):
        left = start if start + width <= right else start - width
        free = [r for r in range(rows) if ends[r] <= left]
        row = free[0] if free else min(range(rows), key=lambda r: ends[r])
        ends[row] = left + width
        out.append((left, row))
    return out
