"""Generator and discriminator builders sized from the data's shape.

Only built-in Keras layers, so an exported generator loads with `safe_mode=True` and no
custom objects.
"""
from __future__ import annotations

import math
import threading

import keras
from keras import layers

from .config import RunConfig, check_fits_data

# Keras draws initial weights from one global seeded generator: a seeded build holds this,
# so a model built in another thread at the same time cannot take its numbers.
SEEDING = threading.Lock()


def upsamplings(side: int) -> int:
    """How many stride-2 steps reach `side` from a base of at least 4 (28 -> 2, 32 -> 3, 8 -> 1)."""
    n = 0
    while side % 2 == 0 and side // 2 >= 4:
        side //= 2
        n += 1
    return n


def build_generator(cfg: RunConfig, shape: tuple[int, ...], images: bool) -> keras.Model:
    """z (z_dim,) -> a sample shaped like the data; tanh output for images, linear for points.
    A ConfigError, not a Keras traceback, when the model cannot make that shape."""
    check_fits_data(cfg, shape, images)
    if cfg.model == "dcgan" and images:
        return _dcgan_generator(cfg, shape)
    model = keras.Sequential(name="generator")
    model.add(keras.Input(shape=(cfg.z_dim,)))
    for _ in range(cfg.depth):
        model.add(layers.Dense(cfg.width, activation="relu"))
    model.add(layers.Dense(math.prod(shape), activation="tanh" if images else None))
    model.add(layers.Reshape(shape))
    return model


def build_discriminator(cfg: RunConfig, shape: tuple[int, ...], images: bool) -> keras.Model:
    """A sample -> one raw score (a logit, or a critic value for WGAN/hinge losses). With
    `cfg.pack` > 1 it scores a pack of samples stacked along the last axis (PacGAN)."""
    check_fits_data(cfg, shape, images)
    wrap = layers.SpectralNormalization if cfg.spectral_norm else (lambda layer: layer)
    model = keras.Sequential(name="discriminator")
    model.add(keras.Input(shape=(*shape[:-1], shape[-1] * cfg.pack)))
    if cfg.model == "dcgan" and images:
        for i in range(max(1, upsamplings(shape[0]))):
            model.add(wrap(layers.Conv2D(cfg.width * 2**i, 5, strides=2, padding="same")))
            model.add(layers.LeakyReLU(0.2))
            model.add(layers.Dropout(0.3))
        model.add(layers.Flatten())
    else:
        model.add(layers.Flatten())  # first: an MLP must see the whole image, not one pixel
        for _ in range(cfg.depth):
            model.add(wrap(layers.Dense(cfg.width)))
            model.add(layers.LeakyReLU(0.2))
    model.add(wrap(layers.Dense(1)))
    return model


def _dcgan_generator(cfg: RunConfig, shape: tuple[int, ...]) -> keras.Model:
    """The TensorFlow DCGAN tutorial's generator, generalised: with width 64 on 28x28 it is
    exactly Dense(7*7*256) -> ConvT 128 (stride 1) -> ConvT 64 (stride 2) -> ConvT 1 (stride 2)."""
    side, channels = shape[0], shape[-1]
    n = max(1, upsamplings(side))
    base = side // 2**n
    model = keras.Sequential(name="generator")
    model.add(keras.Input(shape=(cfg.z_dim,)))
    model.add(layers.Dense(base * base * cfg.width * 2**n, use_bias=False))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU(0.2))
    model.add(layers.Reshape((base, base, cfg.width * 2**n)))
    model.add(layers.Conv2DTranspose(cfg.width * 2 ** (n - 1), 5, strides=1, padding="same",
                                     use_bias=False))
    model.add(layers.BatchNormalization())
    model.add(layers.LeakyReLU(0.2))
    for i in range(n - 1):
        model.add(layers.Conv2DTranspose(cfg.width * 2 ** (n - 2 - i), 5, strides=2,
                                         padding="same", use_bias=False))
        model.add(layers.BatchNormalization())
        model.add(layers.LeakyReLU(0.2))
    model.add(layers.Conv2DTranspose(channels, 5, strides=2, padding="same", activation="tanh"))
    return model
