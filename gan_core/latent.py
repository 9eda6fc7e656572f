"""Noise vectors from seeds, and paths between them."""
from __future__ import annotations

import numpy as np


def noise(seed: int, n: int, z_dim: int) -> np.ndarray:
    """`n` standard-normal vectors, the same for the same seed on every machine."""
    return np.random.default_rng(seed).standard_normal((n, z_dim)).astype(np.float32)


def lerp(a: np.ndarray, b: np.ndarray, frames: int) -> np.ndarray:
    """Straight line from a to b, `frames` points including both ends."""
    t = np.linspace(0.0, 1.0, frames, dtype=np.float32)[:, None]
    return (1 - t) * a[None] + t * b[None]


def slerp(a: np.ndarray, b: np.ndarray, frames: int) -> np.ndarray:
    """Great-circle path (White 2016): keeps the norm typical of Gaussian noise, which a
    straight line through the low-density centre does not."""
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    t = np.linspace(0.0, 1.0, frames)[:, None]
    norms = np.linalg.norm(a64) * np.linalg.norm(b64)
    omega = np.arccos(np.clip(np.dot(a64, b64) / norms, -1.0, 1.0)) if norms > 0 else 0.0
    so = np.sin(omega)
    if so < 1e-6:
        # Parallel or opposite (half of all pairs when z_dim is 1): no one great circle
        # through both, and dividing by sin(omega) would blow up; take the straight line.
        return lerp(a, b, frames)
    return (np.sin((1 - t) * omega) / so * a64[None]
            + np.sin(t * omega) / so * b64[None]).astype(np.float32)


def latent_grid(z_dim: int, side: int = 21, extent: float = 2.5) -> np.ndarray:
    """A side x side grid over the first two latent dimensions (others 0): the 2D Lab's
    'generator manifold' shows where G sends this grid."""
    axis = np.linspace(-extent, extent, side, dtype=np.float32)
    gx, gy = np.meshgrid(axis, axis)
    z = np.zeros((side * side, z_dim), np.float32)
    z[:, 0] = gx.ravel()
    if z_dim > 1:
        z[:, 1] = gy.ravel()
    return z
