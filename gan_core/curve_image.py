"""Line charts drawn as pictures (pillow): the live curves while a run trains.

An interactive plotly chart costs the browser a redraw every time the page updates, even when
its data did not change (bench/NOTES.md, 15); a picture costs a swap when it changes and
nothing otherwise. Same series, colours, smoothing and decimation as figures.curves.
"""
from __future__ import annotations

import io
import math
from typing import Iterable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .figures import COLOURS, LABELS, PALETTE, decimate, smooth

SCALE = 2  # drawn at twice the size it is shown: crisp on a projector and a high-DPI laptop
GRID, AXIS_TEXT, EVENT = (232, 232, 232), (90, 90, 90), (150, 150, 150)


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About `n` round tick values (1, 2 or 5 times a power of ten apart) within [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    mag = 10 ** math.floor(math.log10((hi - lo) / max(n - 1, 1)))

    def count(step: float) -> int:
        return math.floor(hi / step + 1e-9) - math.ceil(lo / step - 1e-9) + 1

    step = min((m * mag for m in (10, 5, 2, 1)), key=lambda st: abs(count(st) - n))
    first = math.ceil(lo / step - 1e-9) * step
    count = int(math.floor((hi - first) / step + 1e-9)) + 1
    return [round(first + i * step, 12) for i in range(count)]


def log_ticks(lo: float, hi: float) -> list[float]:
    """Decades within [lo, hi] (both > 0); 2 and 5 times them when the range is under two
    decades, so a log axis always has labels."""
    decades = range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
    mults = (1,) if math.log10(hi / lo) >= 2 else (1, 2, 5)
    return [m * 10.0 ** d for d in decades for m in mults if lo <= m * 10.0 ** d <= hi]


def label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e4 or abs(value) < 1e-2:
        return f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e")
    return f"{value:,.6g}"


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size * SCALE)


def curve_image(history: dict[str, np.ndarray], names: Sequence[str], smoothing: float = 0.0,
                log_y: bool = False, title: str = "", events: Iterable[tuple[int, dict]] = (),
                width: int = 560, height: int = 300) -> Image.Image:
    """The chart figures.curves draws, as a picture `width` x `height` (times SCALE)."""
    lines = {LABELS.get(name, name): (COLOURS.get(name, "#444444"), history["step"], history[name])
             for name in names}
    return lines_image(lines, smoothing, smoothing > 0, log_y, title, events, width, height)


def overlay_image(series: dict[str, tuple[np.ndarray, np.ndarray]], title: str = "",
                  smoothing: float = 0.6, log_y: bool = False, width: int = 760,
                  height: int = 340) -> Image.Image:
    """The chart figures.overlay draws (one metric of several runs), as a picture."""
    lines = {name: (PALETTE[i % len(PALETTE)], steps, values)
             for i, (name, (steps, values)) in enumerate(series.items())}
    return lines_image(lines, smoothing, False, log_y, title, (), width, height)


def lines_image(lines: dict[str, tuple[str, np.ndarray, np.ndarray]], smoothing: float,
                faint_raw: bool, log_y: bool, title: str, events: Iterable[tuple[int, dict]],
                width: int, height: int) -> Image.Image:
    """{legend label: ("#rrggbb", steps, values)} as decimated, smoothed lines against step;
    `faint_raw` adds the unsmoothed values as a faint line under each."""
    s = SCALE
    img = Image.new("RGB", (width * s, height * s), "white")
    draw = ImageDraw.Draw(img, "RGBA")
    small, big = _font(12), _font(16)
    series = []
    for name, (colour, steps, values) in lines.items():
        steps, values = decimate(np.asarray(steps), np.asarray(values))
        if log_y:
            values = np.where(values > 0, values, np.nan)
        series.append((name, colour, steps.astype(np.float64), values, smooth(values, smoothing)))
    xs = np.concatenate([x for _, _, x, _, _ in series]) if series else np.zeros(0)
    ys = np.concatenate([v for *_, v, sm in series for v in (v, sm)]) if series else np.zeros(0)
    ys = ys[np.isfinite(ys)]
    left, right, top, bottom = 62 * s, 14 * s, 34 * s, 58 * s
    draw.text((left, 8 * s), title, fill=(30, 30, 30), font=big)
    if len(xs) == 0 or len(ys) == 0:
        draw.text((left, height * s // 2), "no data yet", fill=AXIS_TEXT, font=small)
        return img
    x0, x1 = float(xs.min()), float(xs.max())
    x1 = x1 if x1 > x0 else x0 + 1
    y0, y1 = float(ys.min()), float(ys.max())
    if log_y:
        y0, y1 = math.log10(y0), math.log10(y1)
    pad = (y1 - y0) * 0.05 or 0.5
    y0, y1 = y0 - pad, y1 + pad
    pw, ph = width * s - left - right, height * s - top - bottom

    def px(x: np.ndarray) -> np.ndarray:
        return left + (x - x0) / (x1 - x0) * pw

    def py(y: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            y = np.log10(y) if log_y else y
        return top + (y1 - y) / (y1 - y0) * ph

    yticks = log_ticks(10 ** y0, 10 ** y1) if log_y else nice_ticks(y0, y1, 6)
    for t in yticks:
        yy = float(py(np.float64(t)))
        draw.line([(left, yy), (left + pw, yy)], fill=GRID, width=s)
        draw.text((left - 6 * s, yy), label(t), fill=AXIS_TEXT, font=small, anchor="rm")
    for t in nice_ticks(x0, x1):
        xx = float(px(np.float64(t)))
        draw.line([(xx, top), (xx, top + ph)], fill=GRID, width=s)
        text = f"{t:,.0f}"
        half = draw.textlength(text, font=small) / 2
        xx = min(xx, width * s - 2 * s - half)  # the last label stays inside the picture
        draw.text((xx, top + ph + 5 * s), text, fill=AXIS_TEXT, font=small, anchor="mt")
    draw.text((left + pw / 2, top + ph + 20 * s), "step", fill=AXIS_TEXT, font=small,
              anchor="mt")
    for step, change in events:
        if x0 <= step <= x1:
            xx = float(px(np.float64(step)))
            for y in range(top, top + ph, 6 * s):
                draw.line([(xx, y), (xx, min(y + 3 * s, top + ph))], fill=EVENT, width=s)
            text = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                             for k, v in change.items())
            draw.text((xx + 3 * s, top + 2 * s), text, fill=(100, 100, 100), font=small)
    for name, colour, steps, raw, smoothed in series:
        rgb = tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
        if faint_raw:
            _polyline(draw, px(steps), py(raw), rgb + (64,), s)
        _polyline(draw, px(steps), py(smoothed), rgb + (255,), 2 * s)
    x = left
    for name, colour, *_ in series:  # legend, under the axis
        yy = height * s - 14 * s
        draw.line([(x, yy), (x + 22 * s, yy)], fill=colour, width=2 * s)
        draw.text((x + 27 * s, yy), name, fill=(50, 50, 50), font=small, anchor="lm")
        x += 27 * s + draw.textlength(name, font=small) + 22 * s
    return img


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


def jpeg(img: Image.Image) -> bytes:
    """A chart picture as JPEG bytes (quality 85, no chroma subsampling: thin coloured lines
    stay crisp). A 1,120 x 600 PNG took 14-18 ms to encode, JPEG 3 ms: the live curves' server
    time (bench/ui_tick.py) is mostly encoding."""
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85, subsampling=0)
    return buf.getvalue()


def curve_jpeg(*args, **kwargs) -> bytes:
    """curve_image(...) as JPEG bytes."""
    return jpeg(curve_image(*args, **kwargs))
