"""What a conditional run adds around its models: which classes to ask for, and asking.

A conditional generator (models._conditional_generator) takes noise and a class id. Here:
the classes a batch of samples asks for when nobody chose them (every class in turn), the
per-class grid (one row per class, the same noise in each column), blends between two
classes for interpolation, and `generate`, which feeds any of these to a live, kept or
recorded generator alike.
"""
from __future__ import annotations

import keras
import numpy as np

from . import latent

MAX_GRID_ROWS = 16  # classes the snapshot grid shows, one row each (more would not fit a screen)
GRID_COLUMNS = 8  # noise vectors per row


def in_turn(n: int, n_classes: int) -> np.ndarray:
    """`n` class ids 0, 1, ..., n_classes - 1, 0, 1, ...: every class equally often."""
    return (np.arange(n) % max(n_classes, 1)).astype(np.int32)


def grid_rows(n_classes: int) -> int:
    """Rows of the per-class grid: one per class, at most MAX_GRID_ROWS."""
    return min(n_classes, MAX_GRID_ROWS)


def grid(n_classes: int, z_dim: int, seed: int,
         cols: int = GRID_COLUMNS) -> tuple[np.ndarray, np.ndarray]:
    """(z, classes) of the per-class grid, row by row: row r asks for class r, and column c
    holds the same noise in every row, so a column shows one z drawn as each class."""
    rows = grid_rows(n_classes)
    z = np.tile(latent.noise(seed, cols, z_dim), (rows, 1))
    return z, np.repeat(np.arange(rows, dtype=np.int32), cols)


def blend(a: int, b: int, frames: int, n_classes: int) -> np.ndarray:
    """Class weights (frames, n_classes) going in equal steps from all `a` to all `b`: what
    `generate` turns into a straight path between the two classes' embeddings."""
    t = np.linspace(0.0, 1.0, frames, dtype=np.float32)
    weights = np.zeros((frames, n_classes), np.float32)
    weights[:, a] += 1 - t
    weights[:, b] += t
    return weights


def is_conditional(g: keras.Model) -> bool:
    """Whether generator `g` takes a class (two inputs: noise and class id)."""
    return len(g.inputs) == 2


def generate(g: keras.Model, z: np.ndarray, classes: np.ndarray | None = None) -> np.ndarray:
    """G(z) in model space. For a conditional G, `classes` are class ids (N,), or class
    weights (N, n_classes) (a blend: G's layers after the embedding read the weighted mean
    of the classes' embeddings); None asks for every class in turn (`in_turn`). An
    unconditional G ignores `classes`."""
    z = np.asarray(z, np.float32)
    if not is_conditional(g):
        return g(z, training=False).numpy()
    table = g.get_layer("class_embedding").embeddings
    if classes is None:
        classes = in_turn(len(z), int(table.shape[0]))
    classes = np.asarray(classes)
    if classes.ndim == 1:
        return g([z, classes.astype(np.int32)[:, None]], training=False).numpy()
    embedded = keras.ops.matmul(classes.astype(np.float32), table)
    joined = keras.ops.concatenate([z, embedded], axis=1)
    return keras.ops.convert_to_numpy(g.get_layer("generator_body")(joined, training=False))
