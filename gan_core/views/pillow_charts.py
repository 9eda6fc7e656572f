"""Line charts drawn as pictures (pillow): the live curves while a run trains.

An interactive plotly chart costs the browser a redraw every time the page updates, even when
its data did not change (bench/NOTES.md, 15); a picture costs a swap when it changes and
nothing otherwise. Same series, colours, smoothing and decimation as plotly_charts.curves.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

from . import marks
from .style import COLOURS, LABELS, PALETTE, chart_axes, line
from .ticks import Axis

SCALE = 2  # drawn at twice the size it is shown: crisp on a projector and a high-DPI laptop
GRID, AXIS_TEXT, EVENT = (232, 232, 232), (90, 90, 90), (150, 150, 150)
SPAN, MARK_TEXT = (255, 160, 0, 40), (100, 100, 100)  # manual steps: as plotly_charts.SPAN_FILL


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size * SCALE)


def curve_image(history: dict[str, np.ndarray], names: Sequence[str], smoothing: float = 0.0,
                log_y: bool = False, title: str = "", events: Iterable[tuple[int, dict]] = (),
                width: int = 560, height: int = 300) -> Image.Image:
    """The chart plotly_charts.curves draws, as a picture `width` x `height` (times SCALE)."""
    lines = {LABELS.get(name, name): (COLOURS.get(name, "#444444"), history["step"], history[name])
             for name in names}
    return lines_image(lines, smoothing, smoothing > 0, log_y, title, events, width, height)


def overlay_image(series: dict[str, tuple[np.ndarray, np.ndarray]], title: str = "",
                  smoothing: float = 0.6, log_y: bool = False, width: int = 760,
                  height: int = 340) -> Image.Image:
    """The chart plotly_charts.overlay draws (one metric of several runs), as a picture."""
    lines = {name: (PALETTE[i % len(PALETTE)], steps, values)
             for i, (name, (steps, values)) in enumerate(series.items())}
    return lines_image(lines, smoothing, False, log_y, title, (), width, height)


def lines_image(lines: dict[str, tuple[str, np.ndarray, np.ndarray]], smoothing: float,
                faint_raw: bool, log_y: bool, title: str, events: Iterable[tuple[int, dict]],
                width: int, height: int) -> Image.Image:
    """{legend label: ("#rrggbb", steps, values)} as decimated, smoothed lines against step;
    `faint_raw` adds the unsmoothed values as a faint line under each. Axes and marks as
    plotly_charts.curves draws them (style.chart_axes, marks.py)."""
    s = SCALE
    img = Image.new("RGB", (width * s, height * s), "white")
    draw = ImageDraw.Draw(img, "RGBA")
    series = [(name, colour, *line(steps, values, smoothing, log_y))
              for name, (colour, steps, values) in lines.items()]
    x, y = chart_axes([sr[2:] for sr in series], faint_raw, log_y)
    box = Box(62 * s, 34 * s, width * s - 76 * s, height * s - 92 * s)
    draw.text((box.left, 8 * s), title, fill=(30, 30, 30), font=_font(16))
    if x is None or y is None:
        draw.text((box.left, height * s // 2), "no data yet", fill=AXIS_TEXT, font=_font(12))
        return img
    plot = Plot(box, x, y)
    _draw_axes(draw, plot, width * s)
    _draw_marks(draw, plot, events)
    for _, colour, steps, raw, smoothed in series:
        rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
        if faint_raw:
            _polyline(draw, plot.px(steps), plot.py(raw), rgb + (64,), s)
        _polyline(draw, plot.px(steps), plot.py(smoothed), rgb + (255,), 2 * s)
    _draw_legend(draw, [(name, colour) for name, colour, *_ in series], box.left, height * s)
    return img


@dataclass(frozen=True)
class Box:
    """The plot area in picture pixels."""

    left: int
    top: int
    width: int
    height: int


@dataclass(frozen=True)
class Plot:
    """Maps steps and values to picture pixels through the chart's axes."""

    box: Box
    x: Axis
    y: Axis

    def px(self, steps: npt.ArrayLike) -> np.ndarray:
        b, x = self.box, np.asarray(steps, np.float64)
        return b.left + (x - self.x.lo) / (self.x.hi - self.x.lo) * b.width

    def py(self, values: npt.ArrayLike) -> np.ndarray:
        b, (lo, hi) = self.box, self.y.plotly_range
        with np.errstate(all="ignore"):
            v = np.asarray(values, np.float64)
            v = np.log10(v) if self.y.log else v
        return b.top + (hi - v) / (hi - lo) * b.height


def _draw_axes(draw: ImageDraw.ImageDraw, plot: Plot, picture_width: int) -> None:
    """Grid lines and tick labels of both axes, and the step axis' title."""
    s, b, small = SCALE, plot.box, _font(12)
    for t, text in zip(plot.y.ticks, plot.y.labels):
        yy = float(plot.py(np.float64(t)))
        draw.line([(b.left, yy), (b.left + b.width, yy)], fill=GRID, width=s)
        draw.text((b.left - 6 * s, yy), text, fill=AXIS_TEXT, font=small, anchor="rm")
    for t, text in zip(plot.x.ticks, plot.x.labels):
        xx = float(plot.px(np.float64(t)))
        draw.line([(xx, b.top), (xx, b.top + b.height)], fill=GRID, width=s)
        half = draw.textlength(text, font=small) / 2
        xx = min(xx, picture_width - 2 * s - half)  # the last label stays inside the picture
        draw.text((xx, b.top + b.height + 5 * s), text, fill=AXIS_TEXT, font=small, anchor="mt")
    draw.text((b.left + b.width / 2, b.top + b.height + 20 * s), "step", fill=AXIS_TEXT,
              font=small, anchor="mt")


def _draw_marks(draw: ImageDraw.ImageDraw, plot: Plot, events: Iterable[tuple[int, dict]]
                ) -> None:
    """Live changes as dotted lines, manual steps as shaded bands (at least 2 px wide, so a
    few steps in a long run still show); labels on up to three rows."""
    s, b, small = SCALE, plot.box, _font(12)
    shown = marks.marks(events, plot.x.lo, plot.x.hi)
    starts = [float(plot.px(np.float64(m.start))) for m in shown]
    widths = [draw.textlength(m.text, font=small) + 6 * s for m in shown]
    places = marks.place_labels(starts, widths, b.left + b.width)
    bottom = b.top + b.height
    for m, xx, (left, row) in zip(shown, starts, places):
        if m.end is None:
            for y in range(b.top, bottom, 6 * s):
                draw.line([(xx, y), (xx, min(y + 3 * s, bottom))], fill=EVENT, width=s)
        else:
            x1 = max(float(plot.px(np.float64(m.end))), xx + 2 * s)
            draw.rectangle([(xx, b.top), (x1, bottom)], fill=SPAN)
        draw.text((left + 3 * s, b.top + (2 + 14 * row) * s), m.text, fill=MARK_TEXT, font=small)


def _draw_legend(draw: ImageDraw.ImageDraw, entries: Sequence[tuple[str, str]], left: int,
                 picture_height: int) -> None:
    """One short line of each colour and its name, in a row under the axis."""
    s, small = SCALE, _font(12)
    x: float = left
    yy = picture_height - 14 * s
    for name, colour in entries:
        draw.line([(x, yy), (x + 22 * s, yy)], fill=colour, width=2 * s)
        draw.text((x + 27 * s, yy), name, fill=(50, 50, 50), font=small, anchor="lm")
        x += 27 * s + draw.textlength(name, font=small) + 22 * s


def _polyline(draw: ImageDraw.ImageDraw, x: np.ndarray, y: np.ndarray, fill: tuple,
              width: int) -> None:
    """Connected runs of finite points; a NaN (a diverged or non-positive value) breaks the
    line instead of joining across it."""
    ok = np.isfinite(x) & np.isfinite(y)
    start = None
    for i in range(len(ok) + 1):
        if i < len(ok) and ok[i]:
            start = i if start is None else start
            continue
        if start is not None:
            pts = list(zip(x[start:i].tolist(), y[start:i].tolist()))
            if len(pts) > 1:
                draw.line(pts, fill=fill, width=width, joint="curve")
            elif pts:
                draw.point(pts, fill=fill)
            start = None


PNG_COLOURS = 32  # a chart picture's palette: lines, their faint raw traces, grid and text


def png(img: Image.Image) -> bytes:
    """A chart picture as a PNG_COLOURS-colour PNG: 13-20 KB for a 1,120 x 600 curve picture
    where JPEG took 76-113 KB, for 6-7 ms of encoding instead of 2, spent once per picture for
    every viewer of a class (bench/NOTES.md 17)."""
    picture = img.convert("RGB").quantize(PNG_COLOURS, method=Image.Quantize.FASTOCTREE)
    buf = io.BytesIO()
    picture.save(buf, format="PNG")
    return buf.getvalue()
