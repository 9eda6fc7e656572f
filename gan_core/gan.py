"""The compiled training steps and the TensorFlow state they update.

One `tf.function` call runs K steps inside the graph and returns a (K, len(METRICS)) tensor,
so Python does O(1) work per call, not per step. K and D-steps-per-G-step are tensor
arguments and the learning rates are optimizer variables: changing any of them never
retraces. A new graph is traced only per (mode, loss), and cached.
"""
from __future__ import annotations

import logging
import os
import threading
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from . import distribute
from .config import RunConfig
from .data import Dataset
from .losses import LOSSES, LossSpec
from .models import SEEDING, build_discriminator, build_generator

METRICS = ("d_loss", "g_loss", "d_real", "d_fake", "d_acc_real", "d_acc_fake",
           "d_grad_norm", "g_grad_norm")
MODES = ("both", "d", "g")  # train both nets; D only; G only (step-by-step teaching)
log = logging.getLogger(__name__)
MAX_K = 1024  # most steps one call may run; the metrics buffer has this many rows


XLA_ENV = "GANSCOPE_XLA"  # "off": never compile with XLA (compiling costs ~2 s a new run)
# XLA:CPU keeps every program it compiles until the process ends, as ~100 JIT objects of 3
# memory mappings each (~300 for a tiny MLP's step; one program per Gan and per (mode, loss)).
# At Linux's vm.max_map_count (65530 by default: ~200 runs) LLVM cannot map the next program
# and the thread compiling it dies with a segmentation fault, the whole process with it. So a
# step compiles with XLA only while the process holds less than this share of the limit.
XLA_MAPPINGS_SHARE = 0.75
_said_no_room = False  # the warning that XLA is off for lack of mappings, once per process
_said_lock = threading.Lock()  # runs are built and compiled on several threads at once


def mappings() -> tuple[int, int] | None:
    """(memory mappings this process holds, vm.max_map_count); None where unknown (not Linux)."""
    try:
        with open("/proc/sys/vm/max_map_count") as fh:
            limit = int(fh.read())
        with open("/proc/self/maps", "rb") as fh:
            held = fh.read().count(b"\n")
    except (OSError, ValueError):
        return None
    return held, limit


def xla_room() -> bool:
    """Whether this process may compile one more XLA program (XLA_MAPPINGS_SHARE)."""
    global _said_no_room
    m = mappings()
    if m is None or m[0] < XLA_MAPPINGS_SHARE * m[1]:
        return True
    with _said_lock:
        say, _said_no_room = not _said_no_room, True
    if say:
        log.warning("new steps compile without XLA: this process holds %d memory mappings of "
                    "vm.max_map_count=%d, and each XLA program it compiled keeps ~300 until it "
                    "ends (steps are slower, nothing else changes; restart the server or raise "
                    "vm.max_map_count to have XLA again)", m[0], m[1])
    return False


def use_xla(cfg: RunConfig) -> bool:
    """XLA fuses the MLP step's many small ops (1.5x more steps/s on the ring, bench/NOTES.md)
    but its CPU transposed convolutions made the DCGAN step 25x slower: MLPs only, unless
    GANSCOPE_XLA=off (a machine where XLA misbehaves; the test suite, whose hundreds of tiny
    runs each paid ~2 s of XLA compilation: tests/conftest.py), and only while the process has
    memory mappings to spare (`xla_room`)."""
    return (cfg.model == "mlp" and os.environ.get(XLA_ENV, "").strip().lower() != "off"
            and xla_room())


class Gan:
    """Models, optimizers, RNG and the compiled K-step functions for one run."""

    def __init__(self, cfg: RunConfig, data: Dataset) -> None:
        self.strategy = distribute.strategy_for(cfg)  # ConfigError if the batch does not split
        # Outside the scope: one stream drawn in cross-replica context, the default run's
        # numbers (a generator made in a MirroredStrategy's scope drew other numbers).
        self.rng = tf.random.Generator.from_seed(cfg.seed)
        # its steps' compilation (GANSCOPE_XLA as it was when built; off for good once a
        # step compiles when the process has no mappings to spare, see `_compile`)
        self.xla = use_xla(cfg)
        with distribute.scope(self.strategy):  # every variable mirrored on its replicas
            self._build(cfg, data)
        self.devices = distribute.placement(self.strategy)  # '2 replicas: CPU:0, CPU:1'
        log.info("run on %s", self.devices)

    def _build(self, cfg: RunConfig, data: Dataset) -> None:
        self.cfg = cfg
        self.images = data.kind == "images"
        self.shape = data.shape
        self.n_classes = data.n_classes if cfg.conditional else 0  # 0: G and D get no class
        with SEEDING:  # the initial weights follow the seed, whatever other threads build
            keras.utils.set_random_seed(cfg.seed)
            self.g = build_generator(cfg, self.shape, self.images, self.n_classes)
            self.d = build_discriminator(cfg, self.shape, self.images, self.n_classes)
        self.g_ema = None
        if cfg.ema > 0:
            self.g_ema = build_generator(cfg, self.shape, self.images, self.n_classes)
            self.g_ema.set_weights(self.g.get_weights())
        self.opt_g = keras.optimizers.Adam(cfg.lr_g, beta_1=cfg.beta1, beta_2=cfg.beta2)
        self.opt_d = keras.optimizers.Adam(cfg.lr_d, beta_1=cfg.beta1, beta_2=cfg.beta2)
        # Built up front: a variable must not be created inside the compiled while loop.
        self.opt_g.build(self.g.trainable_variables)
        self.opt_d.build(self.d.trainable_variables)
        self.global_step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self.gp_weight = tf.Variable(cfg.gp_weight, dtype=tf.float32, trainable=False)
        self.clip = tf.Variable(cfg.clip, dtype=tf.float32, trainable=False)
        self.ema_decay = tf.constant(cfg.ema, tf.float32)
        self.pool = tf.constant(data.pool)
        # A conditional run's real batches bring their labels; G's batches ask for classes
        # drawn as the data's labels are (a real batch's), so D sees both at the same rates.
        self.labels = tf.constant(data.labels, tf.int32) if cfg.conditional else None
        self.company = None  # the pack - 1 real partners `score` packs a sample with
        if cfg.pack > 1:
            rows = np.random.default_rng(cfg.seed).integers(0, len(data.pool), cfg.pack - 1)
            self.company = tf.constant(np.concatenate(list(data.to_model(data.pool[rows])), -1))
        self.loss_name = cfg.loss
        self._compiled: dict[tuple[str, str], tf.types.experimental.GenericFunction] = {}

    # ---- what a checkpoint holds ----------------------------------------------------------
    def checkpoint_variables(self) -> list[tf.Variable]:
        """Every variable training changes (models, optimizers, step, EMA copy)."""
        models = [self.g, self.d] + ([self.g_ema] if self.g_ema is not None else [])
        return [v for m in models for v in m.variables] + list(self.opt_g.variables) \
            + list(self.opt_d.variables) + [self.global_step]

    def checkpoint(self) -> tf.train.Checkpoint:
        parts = dict(g=self.g, d=self.d, opt_g=self.opt_g, opt_d=self.opt_d, step=self.global_step,
                     rng=self.rng)
        if self.g_ema is not None:
            parts["g_ema"] = self.g_ema
        return tf.train.Checkpoint(**parts)

    @property
    def sampler(self) -> keras.Model:
        """The generator used for pictures: the EMA copy when enabled."""
        return self.g_ema if self.g_ema is not None else self.g

    def apply_settings(self, changes: dict[str, Any]) -> None:
        """Live settings (commands.LIVE_SETTINGS), between two calls: the learning rates, the
        penalty and the clip bound are variables (no retrace); a new loss compiles once."""
        if "lr_d" in changes:
            self.opt_d.learning_rate = changes["lr_d"]  # assigns the variable: no retrace
        if "lr_g" in changes:
            self.opt_g.learning_rate = changes["lr_g"]
        if "loss" in changes:
            self.loss_name = changes["loss"]
        if "gp_weight" in changes:
            self.gp_weight.assign(changes["gp_weight"])
        if "clip" in changes:
            self.clip.assign(changes["clip"])
        # d_steps is an argument of every call (Trainer passes it)

    # ---- training --------------------------------------------------------------------------
    def run(self, k: int, d_steps: int = 1, mode: str = "both") -> np.ndarray:
        """Run `k` steps; returns per-step metrics, shape (k, len(METRICS))."""
        key = (mode, self.loss_name)
        fn = self._compiled.get(key)
        if fn is None:
            fn = self._compiled[key] = self._compile(mode, LOSSES.get(self.loss_name))
        if not 1 <= k <= MAX_K:
            raise ValueError(f"k must be in [1, {MAX_K}], got {k}")
        out = fn(tf.constant(k, tf.int32), tf.constant(d_steps, tf.int32))
        return out.numpy()[:k]

    def traces(self) -> int:
        """Graphs traced so far, over every (mode, loss) compiled: a live learning-rate, K or
        d_steps change must not add one (a retrace costs seconds)."""
        return sum(fn.experimental_get_tracing_count() for fn in self._compiled.values())

    def pack(self, x: tf.Tensor) -> tf.Tensor:
        """(B, *shape) -> (B / pack, *shape[:-1], shape[-1] * pack): consecutive samples side by
        side on the last axis, what D sees (PacGAN). The identity when pack is 1."""
        p = self.cfg.pack
        if p == 1:
            return x
        n = len(self.shape)
        x = tf.reshape(x, [-1, p, *self.shape])
        x = tf.transpose(x, [0, *range(2, n + 1), 1, n + 1])  # (B/p, *spatial, p, channels)
        return tf.reshape(x, [-1, *self.shape[:-1], self.shape[-1] * p])

    def score(self, x: tf.Tensor) -> tf.Tensor:
        """D's raw score of each sample in `x`; with packing, each sample is packed with the
        same pack - 1 real samples (fixed per run), so a heatmap compares like with like."""
        if self.company is None:
            return self.d(x, training=False)
        company = tf.tile(self.company[None], [tf.shape(x)[0], *[1] * len(self.shape)])
        return self.d(tf.concat([x, company], axis=-1), training=False)

    def _real_batch(self) -> tuple[tf.Tensor, tf.Tensor | None]:
        """A batch of real samples in model space, and their labels (conditional runs)."""
        idx = self.rng.uniform([self.cfg.batch], 0, tf.shape(self.pool, tf.int64)[0], tf.int64)
        x = tf.gather(self.pool, idx)
        y = tf.gather(self.labels, idx) if self.labels is not None else None
        return (tf.cast(x, tf.float32) / 127.5 - 1.0 if self.images else x), y

    def _noise(self) -> tf.Tensor:
        return self.rng.normal([self.cfg.batch, self.cfg.z_dim])

    def _asked_classes(self) -> tf.Tensor | None:
        """The classes G is asked for in its update: the labels of a random real batch."""
        if self.labels is None:
            return None
        idx = self.rng.uniform([self.cfg.batch], 0, tf.shape(self.labels, tf.int64)[0], tf.int64)
        return tf.gather(self.labels, idx)

    def _generate(self, z: tf.Tensor, y: tf.Tensor | None) -> tf.Tensor:
        """G(z), or G(z, y) in a conditional run (training mode)."""
        if y is None:
            return self.g(z, training=True)
        return self.g([z, y[:, None]], training=True)

    def _discriminate(self, x: tf.Tensor, y: tf.Tensor | None) -> tf.Tensor:
        """D's scores of the batch `x` in packs (training mode); in a conditional run with
        each sample's class, offset by its place in the pack (models._projection_discriminator)."""
        if y is None:
            return self.d(self.pack(x), training=True)
        p = self.cfg.pack
        places = tf.reshape(y, [-1, p]) + self.n_classes * tf.range(p, dtype=tf.int32)[None]
        return self.d([self.pack(x), places], training=True)

    def _read(self, spec: LossSpec, logits: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        """Mean D output (a probability for logit losses) and the share called real."""
        value = tf.sigmoid(logits) if spec.probability else logits
        real = tf.cast(logits > spec.threshold, tf.float32)
        return tf.reduce_mean(value), tf.reduce_mean(real)

    def _d_update(self, spec: LossSpec, apply: bool) -> tuple[tf.Tensor, ...]:
        (x, y), z = self._real_batch(), self._noise()
        with tf.GradientTape() as tape:
            # A conditional G draws the real batch's classes: D compares like with like, and
            # the gradient penalty's mixes of a real and a generated image share one class.
            fake = self._generate(z, y)
            r = self._discriminate(x, y)
            f = self._discriminate(fake, y)
            d_loss, g_loss = spec.fn(r, f)
            if spec.gradient_penalty:
                d_loss += self.gp_weight * self._gradient_penalty(x, fake, y)
        nan = tf.constant(np.nan, tf.float32)
        grad_norm = nan
        if apply:
            grads = tape.gradient(d_loss, self.d.trainable_variables)
            grad_norm = tf.linalg.global_norm(grads)
            self.opt_d.apply_gradients(zip(grads, self.d.trainable_variables))
            if spec.clip_weights:
                for v in self.d.trainable_variables:
                    v.assign(tf.clip_by_value(v, -self.clip, self.clip))
        d_real, acc_real = self._read(spec, r)
        d_fake, called_real = self._read(spec, f)
        return d_loss, g_loss, d_real, d_fake, acc_real, 1.0 - called_real, grad_norm

    def _gradient_penalty(self, x: tf.Tensor, fake: tf.Tensor, y: tf.Tensor | None,
                          alpha: tf.Tensor | None = None) -> tf.Tensor:
        # alpha ~ U[0, 1] per sample (Gulrajani et al. 2017), not a normal draw; a replica
        # gets its share of the global batch's draw (distribute.py).
        if alpha is None:
            alpha = self.rng.uniform([tf.shape(x)[0]] + [1] * (len(self.shape)), 0.0, 1.0)
        mix = x + alpha * (fake - x)
        with tf.GradientTape() as tape:
            tape.watch(mix)
            out = self._discriminate(mix, y)
        grads = self.pack(tape.gradient(out, mix))  # one norm per input D saw
        norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=list(range(1, len(self.shape) + 1)))
                        + 1e-12)
        return tf.reduce_mean(tf.square(norms - 1.0))

    def _g_update(self, spec: LossSpec) -> tuple[tf.Tensor, tf.Tensor]:
        z, y = self._noise(), self._asked_classes()
        with tf.GradientTape() as tape:
            f = self._discriminate(self._generate(z, y), y)
            _, g_loss = spec.fn(tf.zeros_like(f), f)  # G's loss never depends on d_real
        grads = tape.gradient(g_loss, self.g.trainable_variables)
        self.opt_g.apply_gradients(zip(grads, self.g.trainable_variables))
        if self.g_ema is not None:
            for e, w in zip(self.g_ema.weights, self.g.weights):
                e.assign(self.ema_decay * e + (1.0 - self.ema_decay) * w)
        return g_loss, tf.linalg.global_norm(grads)

    def _compile(self, mode: str, spec: LossSpec):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        # Checked again here, where the program is made: a spare or a mode may compile long
        # after the Gan was built.
        self.xla = self.xla and xla_room()
        if distribute.replicated(self.strategy):
            return distribute.compile_run(self, mode, spec)

        @tf.function(jit_compile=self.xla)
        def run(k: tf.Tensor, d_steps: tf.Tensor) -> tf.Tensor:
            # Plain while loops over a fixed-size buffer: `for i in tf.range(k)` and a
            # TensorArray of size k make K a compile-time constant for XLA, which then
            # compiled a new program (seconds) for every distinct K.
            rows = tf.zeros([MAX_K, len(METRICS)])
            i = tf.constant(0)
            while i < k:
                if mode == "g":
                    m = self._d_update(spec, apply=False)
                else:
                    m = self._d_update(spec, apply=True)
                    j = tf.constant(1)
                    while j < d_steps:
                        m = self._d_update(spec, apply=True)
                        j += 1
                g_loss, g_norm = m[1], tf.constant(np.nan, tf.float32)
                if mode != "d":
                    g_loss, g_norm = self._g_update(spec)
                row = tf.stack([m[0], g_loss, *m[2:], g_norm])
                rows = tf.tensor_scatter_nd_update(rows, [[i]], row[None])
                self.global_step.assign_add(1)
                i += 1
            return rows

        return run
