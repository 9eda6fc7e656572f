"""numpy -> pictures: tiled sample grids (PNG) and animations (GIF). Pure functions."""
from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image

from .style import FIELD_RGB

REAL_RGB, FAKE_RGB = (170, 170, 170), (230, 110, 20)


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Model-space images in [-1, 1] -> uint8."""
    return np.clip(np.rint((np.asarray(images) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def tile(images: np.ndarray, cols: int | None = None, pad: int = 1) -> np.ndarray:
    """(N, H, W, C) uint8 -> one (rows*H, cols*W, C) uint8 mosaic with `pad` pixels between."""
    n, h, w, c = images.shape
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    out = np.full((rows * (h + pad) + pad, cols * (w + pad) + pad, c), 40, np.uint8)
    for i in range(n):
        r, q = divmod(i, cols)
        top, left = pad + r * (h + pad), pad + q * (w + pad)
        out[top: top + h, left: left + w] = images[i]
    return out


def display_scale(side: int, target: int = 48) -> int:
    """An integer upscale so a tile is at least about `target` pixels wide."""
    return max(1, target // side)


def png_bytes(image: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image.squeeze(-1) if image.shape[-1] == 1 else image).save(buf, format="PNG")
    return buf.getvalue()


def gif_bytes(frames: list[np.ndarray], ms_per_frame: int = 150) -> bytes:
    """An animated, looping GIF of equally-sized uint8 frames."""
    pics = [Image.fromarray(f.squeeze(-1) if f.shape[-1] == 1 else f) for f in frames]
    buf = io.BytesIO()
    pics[0].save(buf, format="GIF", save_all=True, append_images=pics[1:],
                 duration=ms_per_frame, loop=0)
    return buf.getvalue()


def scatter_image(points: np.ndarray, bounds: tuple[float, float, float, float],
                  real: np.ndarray | None = None, size: int = 240, dot: int = 2) -> np.ndarray:
    """A quick raster of 2D points (real in grey, generated in orange), `dot` pixels square:
    GIF frames and live views need no plotting library. Returns uint8 (size, size, 3)."""
    img = np.full((size, size, 3), 255, np.uint8)
    _dots(img, real, bounds, REAL_RGB, dot)
    _dots(img, points, bounds, FAKE_RGB, dot)
    return img


def field_image(field: dict, points: np.ndarray | None, real: np.ndarray | None,
                bounds: tuple[float, float, float, float], probability: bool = True,
                size: int = 720, dot: int = 5) -> np.ndarray:
    """The 2D Lab's main picture as pixels, for a projector: D's heatmap (`field["d"]` on the
    grid `field["xs"]` x `field["ys"]`, which spans `bounds`) in style.FIELD_RGB, real points in
    grey and generated ones in orange. Scores are probabilities when `probability`, else
    stretched from their lowest (red) to their highest (blue), as the 2D Lab's colour bar does.
    Returns uint8 (size, size, 3); row 0 is the top of the view."""
    d = np.asarray(field["d"], np.float64)
    if not probability:
        lo, hi = np.nanmin(d), np.nanmax(d)
        d = (d - lo) / (hi - lo) if hi > lo else np.full_like(d, 0.5)
    d = np.clip(np.nan_to_num(d, nan=0.5), 0.0, 1.0)[::-1]  # the grid's row 0 is the bottom
    img = _colour(_bilinear(d, size), np.asarray(FIELD_RGB, np.float64))
    _dots(img, real, bounds, REAL_RGB, dot - 1, shift=-((dot - 1) // 2))
    _dots(img, points, bounds, (255, 255, 255), dot + 2, shift=-(dot // 2) - 1)  # an edge
    _dots(img, points, bounds, FAKE_RGB, dot, shift=-(dot // 2))  # (orange on red shows)
    return img


def _bilinear(grid: np.ndarray, size: int) -> np.ndarray:
    """`grid` resampled to (size, size), its corner values on the picture's corner pixels."""
    def axis(n: int) -> tuple[np.ndarray, np.ndarray]:
        t = np.linspace(0, n - 1, size)
        i = np.minimum(t.astype(int), n - 2)
        return i, (t - i)
    (r, rw), (c, cw) = axis(grid.shape[0]), axis(grid.shape[1])
    top = grid[r][:, c] * (1 - cw) + grid[r][:, c + 1] * cw
    bottom = grid[r + 1][:, c] * (1 - cw) + grid[r + 1][:, c + 1] * cw
    return top * (1 - rw[:, None]) + bottom * rw[:, None]


def _colour(values: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Values in [0, 1] -> uint8 RGB, linear between equally spaced colour anchors."""
    pos = values * (len(anchors) - 1)
    j = np.minimum(pos.astype(int), len(anchors) - 2)
    f = (pos - j)[..., None]
    return np.round(anchors[j] * (1 - f) + anchors[j + 1] * f).astype(np.uint8)


def _dots(img: np.ndarray, pts: np.ndarray | None, bounds: tuple[float, float, float, float],
          colour: tuple[int, int, int], dot: int, shift: int = 0) -> None:
    """Paint `dot`-pixel squares with their top-left corner `shift` pixels right and down of
    `pts` (data coordinates in `bounds`; a negative shift centres them) onto `img`, in place,
    clipped at its edges. Points outside `bounds` are not drawn."""
    if pts is None:
        return
    size = img.shape[0]
    x0, x1, y0, y1 = bounds
    pts = pts[np.isfinite(pts).all(1)]
    col = ((pts[:, 0] - x0) / (x1 - x0) * (size - 1)).astype(int)
    row = ((y1 - pts[:, 1]) / (y1 - y0) * (size - 1)).astype(int)
    ok = (col >= 0) & (col < size) & (row >= 0) & (row < size)
    col, row = col[ok] + shift, row[ok] + shift
    for dr in range(dot):
        for dc in range(dot):
            img[np.clip(row + dr, 0, size - 1), np.clip(col + dc, 0, size - 1)] = colour


def enlarge(mosaic: np.ndarray, scale: int) -> np.ndarray:
    """Enlarge a mosaic by an integer factor (nearest neighbour): crisp pixels on a projector."""
    return mosaic.repeat(scale, axis=0).repeat(scale, axis=1) if scale > 1 else mosaic


def label_rows(mosaic: np.ndarray, names: list[str], rows: int, width: int | None = None) -> np.ndarray:
    """`mosaic` (uint8, `rows` equal rows of tiles) with a white column on its left naming
    each row (a conditional run's per-class grid: one class per row). The text is sized to
    the row, Pillow's built-in font (no font file needed)."""
    from PIL import ImageDraw, ImageFont

    h = mosaic.shape[0] / rows
    font = ImageFont.load_default(size=max(8, int(h * 0.45)))
    width = width or 8 + max(int(font.getlength(n)) for n in names)
    canvas = Image.new("RGB", (width + mosaic.shape[1], mosaic.shape[0]), "white")
    pic = mosaic.squeeze(-1) if mosaic.shape[-1] == 1 else mosaic
    canvas.paste(Image.fromarray(pic).convert("RGB"), (width, 0))
    draw = ImageDraw.Draw(canvas)
    for r, name in enumerate(names[:rows]):
        draw.text((width - 4, (r + 0.5) * h), name, fill=(40, 40, 40), font=font, anchor="rm")
    return np.asarray(canvas)
