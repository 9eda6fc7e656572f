"""Shared by the benchmarks: seeding, a machine peak, and analytic FLOP counts."""
from __future__ import annotations

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def matmul_peak_gflops(n: int = 2048, reps: int = 10) -> float:
    """Achieved GFLOP/s of a large float32 matmul: this machine's practical peak."""
    a = tf.random.normal([n, n])
    b = tf.random.normal([n, n])
    f = tf.function(lambda a, b: tf.reduce_sum(tf.matmul(a, b)))
    f(a, b).numpy()
    t = time.perf_counter()
    for _ in range(reps):
        f(a, b).numpy()
    return 2 * n**3 * reps / (time.perf_counter() - t) / 1e9


def forward_flops(model: keras.Model) -> float:
    """Multiply-adds x2 of one sample's forward pass through Dense/Conv layers."""
    total = 0.0
    for layer in model.layers:
        inner = getattr(layer, "layer", layer)  # SpectralNormalization wraps a layer
        if isinstance(inner, keras.layers.Dense):
            total += 2 * inner.kernel.shape[0] * inner.kernel.shape[1]
        elif isinstance(inner, keras.layers.Conv2DTranspose):
            k = inner.kernel.shape  # (kh, kw, out, in)
            h, w = layer.input.shape[1:3]
            total += 2 * k[0] * k[1] * k[2] * k[3] * h * w
        elif isinstance(inner, keras.layers.Conv2D):
            k = inner.kernel.shape  # (kh, kw, in, out)
            h, w = layer.output.shape[1:3]
            total += 2 * k[0] * k[1] * k[2] * k[3] * h * w
    return total


def gan_step_flops(g: keras.Model, d: keras.Model, batch: int) -> float:
    """One D update (G forward on B, D forward+backward on 2B) and one G update (G and D
    forward+backward on B); backward ~ 2x forward."""
    gf, df = forward_flops(g), forward_flops(d)
    return batch * (gf + 3 * 2 * df) + batch * (3 * gf + 3 * df)


def seed(s: int = 0) -> None:
    keras.utils.set_random_seed(s)
    np.random.seed(s)
