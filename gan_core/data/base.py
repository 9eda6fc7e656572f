"""The one interface every dataset offers the engine, the diagnostics and the UI."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..errors import DatasetError


@dataclass(frozen=True, eq=False)
class Dataset:
    """A training set held in memory.

    `pool` holds the training samples: float32 points `(N, 2)` for 2D data, or uint8 images
    `(N, H, W, C)`. Images are kept as uint8 (4x less memory) and scaled to [-1, 1] inside
    the compiled step; `sample` returns model-space values for numpy users.
    """

    name: str
    kind: Literal["points", "images"]
    pool: np.ndarray
    labels: np.ndarray | None = None  # int class per sample, when known
    centers: np.ndarray | None = None  # centres of a 2D mixture's Gaussians
    std: float | None = None  # per-Gaussian std of a 2D mixture
    modes: np.ndarray | None = None  # the mode of each centre when several make one (a drawn
    # set's clusters, data/drawn.py); None: each centre is a mode
    class_names: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # what a loader could not read, with the reason
    notes: tuple[str, ...] = ()  # what a loader changed: cropped, resized, a channel dropped
    description: str = ""

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of one sample: `(2,)` or `(H, W, C)`."""
        return tuple(self.pool.shape[1:])

    def report(self, max_lines: int | None = None) -> list[str]:
        """What was skipped or changed in the data, one line each, for a CLI or a page to show;
        past `max_lines`, a last line says how many more there are."""
        lines = list(self.notes) + [f"skipped {s}" for s in self.skipped]
        if max_lines is not None and len(lines) > max_lines:
            lines = lines[:max_lines - 1] + [f"... and {len(lines) - max_lines + 1:,} more"]
        return lines

    @property
    def n_classes(self) -> int:
        """Classes the labels name (0..max), 0 for unlabelled data."""
        return int(self.labels.max()) + 1 if self.labels is not None and len(self.labels) else 0

    @property
    def is_mixture(self) -> bool:
        return self.centers is not None and self.std is not None

    @property
    def mixture(self) -> tuple[np.ndarray, float] | None:
        """(mode centres, per-mode std) of a 2D mixture; None for other data."""
        return (self.centers, self.std) if self.centers is not None and self.std is not None \
            else None

    def to_model(self, raw: np.ndarray) -> np.ndarray:
        """Pool values -> the model's space (images in [-1, 1])."""
        if self.kind == "images":
            return raw.astype(np.float32) / 127.5 - 1.0
        return raw.astype(np.float32)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """`n` training samples in model space, drawn with replacement."""
        idx = rng.integers(0, len(self.pool), size=n)
        return self.to_model(self.pool[idx])

    def bounds(self) -> tuple[float, float, float, float]:
        """x0, x1, y0, y1 of a square view that holds the 2D data with a margin."""
        lo = np.percentile(self.pool, 0.5, axis=0)
        hi = np.percentile(self.pool, 99.5, axis=0)
        centre = (lo + hi) / 2
        half = float(max(hi - lo)) / 2 * 1.35 + 0.1
        return (centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half)


def images_to_uint8(x: np.ndarray, source: str = "images") -> np.ndarray:
    """Any (N, H, W[, C]) numeric array -> uint8 (N, H, W, C), scaled by its own range.
    DatasetError if a value is not finite: one NaN would make the range, so every image, NaN."""
    x = np.asarray(x)
    if x.ndim == 3:
        x = x[..., None]
    if x.dtype == np.uint8:
        return x
    with np.errstate(over="ignore"):  # beyond float32 becomes Inf: refused just below
        x = x.astype(np.float32)
    if not np.isfinite(x).all():
        raise DatasetError(f"{source}: {int(np.size(x) - np.isfinite(x).sum()):,} pixel value(s) "
                           f"are NaN, Inf or beyond float32's range; fix or drop those images")
    lo, hi = float(x.min()), float(x.max())
    if lo >= 0 and hi <= 1.0:
        scaled = x * 255.0
    elif lo >= -1.0 and hi <= 1.0:
        scaled = (x + 1.0) * 127.5
    else:
        scaled = (x - lo) / max(hi - lo, 1e-8) * 255.0
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
