"""numpy -> pictures: tiled sample grids (PNG) and animations (GIF). Pure functions."""
from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image


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
    x0, x1, y0, y1 = bounds
    img = np.full((size, size, 3), 255, np.uint8)
    for pts, colour in ((real, (170, 170, 170)), (points, (230, 110, 20))):
        if pts is None:
            continue
        pts = pts[np.isfinite(pts).all(1)]
        col = ((pts[:, 0] - x0) / (x1 - x0) * (size - 1)).astype(int)
        row = ((y1 - pts[:, 1]) / (y1 - y0) * (size - 1)).astype(int)
        ok = (col >= 0) & (col < size) & (row >= 0) & (row < size)
        for dr in range(dot):
            for dc in range(dot):
                img[np.clip(row[ok] + dr, 0, size - 1), np.clip(col[ok] + dc, 0, size - 1)] = colour
    return img


def enlarge(mosaic: np.ndarray, scale: int) -> np.ndarray:
    """Enlarge a mosaic by an integer factor (nearest neighbour): crisp pixels on a projector."""
    return mosaic.repeat(scale, axis=0).repeat(scale, axis=1) if scale > 1 else mosaic
