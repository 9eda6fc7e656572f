"""GAN losses as pure functions of D's outputs on real and generated samples.

Each `<family>` maps (d_real, d_fake) -> (d_loss, g_loss). `LossSpec` adds what the training
step must do besides (a gradient penalty, weight clipping) and how to read D's output.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import tensorflow as tf

from .registry import Registry

LossFn = Callable[[tf.Tensor, tf.Tensor], tuple[tf.Tensor, tf.Tensor]]


@dataclass(frozen=True)
class LossSpec:
    fn: LossFn
    probability: bool  # D's output is a logit, read as a probability through a sigmoid
    threshold: float  # D calls a sample real when its raw output is above this
    gradient_penalty: bool = False  # WGAN-GP: add gp_weight * (||grad D(x_hat)|| - 1)^2
    clip_weights: bool = False  # WGAN: clip D's weights to [-clip, clip] after each update
    summary: str = ""


LOSSES: Registry[LossSpec] = Registry("loss")


def minimax(d_real: tf.Tensor, d_fake: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """The original saturating GAN game (Goodfellow et al. 2014): G minimises log(1 - D(G(z)))."""
    d_loss = tf.reduce_mean(tf.nn.softplus(-d_real)) + tf.reduce_mean(tf.nn.softplus(d_fake))
    g_loss = -tf.reduce_mean(tf.nn.softplus(d_fake))  # = mean log(1 - sigmoid(d_fake))
    return d_loss, g_loss


def non_saturating(d_real: tf.Tensor, d_fake: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Goodfellow et al. 2014's practical variant: G maximises log D(G(z))."""
    d_loss = tf.reduce_mean(tf.nn.softplus(-d_real)) + tf.reduce_mean(tf.nn.softplus(d_fake))
    g_loss = tf.reduce_mean(tf.nn.softplus(-d_fake))
    return d_loss, g_loss


def least_squares(d_real: tf.Tensor, d_fake: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """LSGAN (Mao et al. 2017), a-b-c = 0-1-1."""
    d_loss = 0.5 * tf.reduce_mean(tf.square(d_real - 1.0)) + 0.5 * tf.reduce_mean(tf.square(d_fake))
    g_loss = 0.5 * tf.reduce_mean(tf.square(d_fake - 1.0))
    return d_loss, g_loss


def hinge(d_real: tf.Tensor, d_fake: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Hinge loss (Lim & Ye 2017; Miyato et al. 2018)."""
    d_loss = tf.reduce_mean(tf.nn.relu(1.0 - d_real)) + tf.reduce_mean(tf.nn.relu(1.0 + d_fake))
    g_loss = -tf.reduce_mean(d_fake)
    return d_loss, g_loss


def wasserstein(d_real: tf.Tensor, d_fake: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """Wasserstein critic loss (Arjovsky et al. 2017); needs a Lipschitz constraint on D."""
    return tf.reduce_mean(d_fake) - tf.reduce_mean(d_real), -tf.reduce_mean(d_fake)


LOSSES.register("non_saturating", LossSpec(non_saturating, True, 0.0,
                                           summary="non-saturating GAN (the usual choice)"))
LOSSES.register("minimax", LossSpec(minimax, True, 0.0,
                                    summary="original minimax GAN: G's gradient vanishes early"))
LOSSES.register("least_squares", LossSpec(least_squares, False, 0.5, summary="LSGAN"))
LOSSES.register("hinge", LossSpec(hinge, False, 0.0, summary="hinge loss (SNGAN, BigGAN)"))
LOSSES.register("wgan_gp", LossSpec(wasserstein, False, 0.0, gradient_penalty=True,
                                    summary="Wasserstein GAN with gradient penalty (Gulrajani 2017)"))
LOSSES.register("wgan_clip", LossSpec(wasserstein, False, 0.0, clip_weights=True,
                                      summary="Wasserstein GAN with weight clipping (Arjovsky 2017)"))
