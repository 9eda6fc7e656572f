"""2D toy distributions with known modes, so mode collapse can be counted exactly."""
from __future__ import annotations

import numpy as np

from .base import Dataset

POOL = 100_000  # fresh samples per run: effectively infinite for a 2D mixture


def mixture(name: str, centers: np.ndarray, std: float, seed: int, description: str) -> Dataset:
    """Equal-weight isotropic Gaussians at `centers`."""
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(centers), size=POOL)
    points = centers[which] + rng.normal(0.0, std, size=(POOL, 2))
    return Dataset(
        name=name,
        kind="points",
        pool=points.astype(np.float32),
        labels=which.astype(np.int32),
        centers=centers.astype(np.float32),
        std=float(std),
        class_names=tuple(f"mode {i}" for i in range(len(centers))),
        description=description,
    )


def ring8(std: float | None = None, seed: int = 0) -> Dataset:
    """8 Gaussians on the unit circle at angles 2*pi*i/8 (VEEGAN, PacGAN)."""
    angles = 2 * np.pi * np.arange(8) / 8
    centers = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return mixture("ring8", centers, 0.02 if std is None else std, seed,
                   "8 Gaussians on a ring of radius 1")


def grid25(std: float | None = None, seed: int = 0) -> Dataset:
    """25 Gaussians at (-4..4 step 2)^2 (VEEGAN, PacGAN)."""
    axis = np.arange(-4, 5, 2, dtype=np.float64)
    centers = np.array([(x, y) for x in axis for y in axis])
    return mixture("grid25", centers, 0.05 if std is None else std, seed,
                   "25 Gaussians on a 5x5 grid")


def single_gaussian(std: float | None = None, seed: int = 0) -> Dataset:
    """One Gaussian at (1, 1): the simplest thing a GAN can learn."""
    return mixture("single_gaussian", np.array([[1.0, 1.0]]), 0.2 if std is None else std, seed,
                   "one Gaussian centred at (1, 1)")


def spiral(std: float | None = None, seed: int = 0) -> Dataset:
    """A noisy two-turn spiral: a curved 1D manifold, no discrete modes."""
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.uniform(0, 1, POOL)) * 4 * np.pi
    r = t / (4 * np.pi) * 1.5 + 0.1
    pts = np.stack([r * np.cos(t), r * np.sin(t)], 1)
    pts += rng.normal(0, 0.03 if std is None else std, pts.shape)
    return Dataset(name="spiral", kind="points", pool=pts.astype(np.float32),
                   description="a two-turn spiral")


def two_moons(std: float | None = None, seed: int = 0) -> Dataset:
    """Two interleaved half circles (as scikit-learn's make_moons)."""
    rng = np.random.default_rng(seed)
    which = rng.integers(0, 2, POOL)
    t = rng.uniform(0, np.pi, POOL)
    x = np.where(which == 0, np.cos(t), 1 - np.cos(t))
    y = np.where(which == 0, np.sin(t), 0.5 - np.sin(t))
    pts = np.stack([x - 0.5, y - 0.25], 1) + rng.normal(0, 0.05 if std is None else std, (POOL, 2))
    return Dataset(name="two_moons", kind="points", pool=pts.astype(np.float32),
                   labels=which.astype(np.int32), class_names=("upper", "lower"),
                   description="two interleaved half moons")
