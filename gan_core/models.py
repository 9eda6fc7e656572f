"""Generator and discriminator builders sized from the data's shape.

Only built-in Keras layers, so an exported generator loads with `safe_mode=True` and no
custom objects.
"""
from __future__ import annotations

import math
import threading

import keras
from keras import layers

from .config import RunConfig, check_conditional, check_fits_data

# Keras draws initial weights from one global seeded generator: a seeded build holds this,
# so a model built in another thread at the same time cannot take its numbers.
SEEDING = threading.Lock()


def upsamplings(side: int) -> int:
    """How many stride-2 steps reach `side` from a base of at least 4 (28 -> 2, 32 -> 3,
    64 -> 4, 8 -> 1)."""
    n = 0
    while side % 2 == 0 and side // 2 >= 4:
        side //= 2
        n += 1
    return n


def build_generator(cfg: RunConfig, shape: tuple[int, ...], images: bool,
                    n_classes: int = 0) -> keras.Model:
    """z (z_dim,) -> a sample shaped like the data; tanh output for images, linear for points.
    A conditional run's G takes (z, class id) instead (`_conditional_generator`; `n_classes`:
    the data's). A ConfigError, not a Keras traceback, when the model cannot make that shape."""
    check_fits_data(cfg, shape, images)
    if cfg.conditional:
        check_conditional(cfg, images, n_classes)
        return _conditional_generator(cfg, shape, images, n_classes)
    return _generator(cfg, shape, images, cfg.z_dim, "generator")


def _generator(cfg: RunConfig, shape: tuple[int, ...], images: bool, in_dim: int,
               name: str) -> keras.Model:
    """The unconditional generator, from an input of `in_dim` numbers."""
    if cfg.model == "dcgan" and images:
        return _dcgan_generator(cfg, shape, in_dim, name)
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(in_dim,)))
    for _ in range(cfg.depth):
        model.add(layers.Dense(cfg.width, activation="relu"))
    model.add(layers.Dense(math.prod(shape), activation="tanh" if images else None))
    model.add(layers.Reshape(shape))
    return model


def build_discriminator(cfg: RunConfig, shape: tuple[int, ...], images: bool,
                        n_classes: int = 0) -> keras.Model:
    """A sample -> one raw score (a logit, or a critic value for WGAN/hinge losses). With
    `cfg.pack` > 1 it scores a pack of samples stacked along the last axis (PacGAN). A
    conditional run's D also takes the class of each sample in the pack
    (`_projection_discriminator`)."""
    check_fits_data(cfg, shape, images)
    wrap = layers.SpectralNormalization if cfg.spectral_norm else (lambda layer: layer)
    if cfg.conditional:
        check_conditional(cfg, images, n_classes)
        return _projection_discriminator(cfg, shape, images, n_classes, wrap)
    model = _discriminator_trunk(cfg, shape, images, wrap, "discriminator")
    model.add(wrap(layers.Dense(1)))
    return model


def _discriminator_trunk(cfg: RunConfig, shape: tuple[int, ...], images: bool, wrap,
                         name: str) -> keras.Sequential:
    """D up to its last hidden features (what the final Dense(1) reads)."""
    model = keras.Sequential(name=name)
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
    return model


def _dcgan_generator(cfg: RunConfig, shape: tuple[int, ...], in_dim: int,
                     name: str) -> keras.Model:
    """The TensorFlow DCGAN tutorial's generator, generalised: with width 64 on 28x28 it is
    exactly Dense(7*7*256) -> ConvT 128 (stride 1) -> ConvT 64 (stride 2) -> ConvT 1 (stride 2).
    On 64x64 colour (width w) it is the DCGAN paper's shape, 4x4 -> 8 -> 16 -> 32 -> 64 with
    channels halving from 16w, plus the tutorial's stride-1 layer at 4x4."""
    side, channels = shape[0], shape[-1]
    n = max(1, upsamplings(side))
    base = side // 2**n
    # Under a strategy, batch statistics over the global batch, not each replica's share.
    sync = cfg.strategy != "default"
    model = keras.Sequential(name=name)
    model.add(keras.Input(shape=(in_dim,)))
    model.add(layers.Dense(base * base * cfg.width * 2**n, use_bias=False))
    model.add(layers.BatchNormalization(synchronized=sync))
    model.add(layers.LeakyReLU(0.2))
    model.add(layers.Reshape((base, base, cfg.width * 2**n)))
    model.add(layers.Conv2DTranspose(cfg.width * 2 ** (n - 1), 5, strides=1, padding="same",
                                     use_bias=False))
    model.add(layers.BatchNormalization(synchronized=sync))
    model.add(layers.LeakyReLU(0.2))
    for i in range(n - 1):
        model.add(layers.Conv2DTranspose(cfg.width * 2 ** (n - 2 - i), 5, strides=2,
                                         padding="same", use_bias=False))
        model.add(layers.BatchNormalization(synchronized=sync))
        model.add(layers.LeakyReLU(0.2))
    model.add(layers.Conv2DTranspose(channels, 5, strides=2, padding="same", activation="tanh"))
    return model


# ---- conditional runs ----------------------------------------------------------------------
CLASS_EMBEDDING = 16  # numbers G's class embedding joins to z


def _conditional_generator(cfg: RunConfig, shape: tuple[int, ...], images: bool,
                           n_classes: int) -> keras.Model:
    """(noise (z_dim,), class id (1,) int32) -> a sample: a learned embedding of the class
    (CLASS_EMBEDDING numbers) joined to z, then the unconditional generator's layers on the
    joined vector (Mirza & Osindero 2014, with an embedding for the one-hot label). The parts
    are named, so `conditional.generate` can feed a blend of two classes' embeddings."""
    noise = keras.Input(shape=(cfg.z_dim,), name="noise")
    class_id = keras.Input(shape=(1,), dtype="int32", name="class_id")
    embedded = layers.Embedding(n_classes, CLASS_EMBEDDING, name="class_embedding")(class_id)
    joined = layers.Concatenate(name="noise_and_class")([noise, layers.Flatten()(embedded)])
    body = _generator(cfg, shape, images, cfg.z_dim + CLASS_EMBEDDING, "generator_body")
    return keras.Model([noise, class_id], body(joined), name="generator")


def _projection_discriminator(cfg: RunConfig, shape: tuple[int, ...], images: bool,
                              n_classes: int, wrap) -> keras.Model:
    """(samples, their class ids) -> one raw score: a projection discriminator (Miyato &
    Koyama 2018), D(x, y) = psi(phi(x)) + <embed(y), phi(x)>, with phi the unconditional D's
    hidden features. Chosen over concatenating the label to x: the label then enters as a few
    numbers among the pixels and D can learn to ignore it; the inner product makes every
    score depend on the class, which gave cGANs their better class fidelity in that paper.
    With packs (PacGAN) each sample's class is embedded by its place in the pack (class id +
    n_classes * place) and the pack's embeddings averaged, so D knows which sample claims
    which class."""
    samples = keras.Input(shape=(*shape[:-1], shape[-1] * cfg.pack), name="samples")
    class_ids = keras.Input(shape=(cfg.pack,), dtype="int32", name="class_ids")
    trunk = _discriminator_trunk(cfg, shape, images, wrap, "discriminator_trunk")
    features = trunk(samples)
    unconditional = wrap(layers.Dense(1, name="psi"))(features)
    embedded = layers.Embedding(n_classes * cfg.pack, trunk.output_shape[-1],
                                name="class_projection")(class_ids)
    projection = layers.Dot(axes=1)([features, layers.GlobalAveragePooling1D()(embedded)])
    return keras.Model([samples, class_ids], layers.Add()([unconditional, projection]),
                       name="discriminator")
