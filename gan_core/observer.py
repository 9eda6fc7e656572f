"""What a snapshot shows: samples from fixed noise, and for 2D data GAN Lab's fields."""
from __future__ import annotations

from concurrent import futures

import numpy as np
import tensorflow as tf

from . import classifier, conditional, diagnostics, latent
from .data import Dataset
from .gan import Gan
from .losses import LOSSES
from .run_state import Snapshot
from .views import pillow_images

GRID_SAMPLES = 64  # an 8x8 mosaic of images
IMAGE_SAMPLES = 500  # images judged per snapshot: enough for 1 % class shares, a few ms of work
FIELD_SIDE = 80  # discriminator heatmap resolution: 80x80 reads smooth on a projector
MANIFOLD_SIDE = 41  # latent grid whose image is the 2D Lab's mesh (21: chords between modes)
ARROWS = 200  # gradient arrows drawn on generated points
NOISE_SEED = 1234  # fixed noise: every snapshot shows the same z, so change means learning


class Observer:
    def __init__(self, gan: Gan, data: Dataset) -> None:
        self.gan, self.data = gan, data
        z_dim = gan.cfg.z_dim
        self._judge = None
        self.n_classes = gan.n_classes  # 0: an unconditional run
        self.classes: np.ndarray | None = None  # what a conditional run's grid asks for
        self.grid_cols = 8
        if data.kind == "images":
            self.z = latent.noise(NOISE_SEED, GRID_SAMPLES, z_dim)
            self.eval_z = latent.noise(NOISE_SEED + 1, IMAGE_SAMPLES, z_dim)
            if self.n_classes:  # one row per class, the same noise down each column
                self.z, self.classes = conditional.grid(self.n_classes, z_dim, NOISE_SEED)
                self.grid_cols = conditional.GRID_COLUMNS
                self.real_class_diversity = diagnostics.class_pixel_diversity(
                    data.pool, data.labels, self.n_classes)
            self._judge = classifier.in_background(data)  # ready after a few seconds
            self._real_features: np.ndarray | None = None
            # Real images' nearest-neighbour spacing: fixed for the run, ~10 ms to measure.
            self.dup_threshold = diagnostics.duplicate_threshold(data.pool)
        else:
            self.z = latent.noise(NOISE_SEED, diagnostics.MIXTURE_SAMPLES, z_dim)
            x0, x1, y0, y1 = data.bounds()
            gx, gy = np.meshgrid(np.linspace(x0, x1, FIELD_SIDE), np.linspace(y0, y1, FIELD_SIDE))
            self.field_xy = np.stack([gx.ravel(), gy.ravel()], 1).astype(np.float32)
            self.axes = (np.linspace(x0, x1, FIELD_SIDE), np.linspace(y0, y1, FIELD_SIDE))
            self.manifold_z = latent.latent_grid(z_dim, side=MANIFOLD_SIDE)
        z_spec = [tf.TensorSpec([None, z_dim], tf.float32)]
        x_spec = [tf.TensorSpec([None, *data.shape], tf.float32)]
        # Fixed signatures: any batch size (UI sliders, evaluation) reuses one graph.
        if self.n_classes:
            self._sample = tf.function(
                lambda z, y: gan.sampler([z, y[:, None]], training=False),
                input_signature=[*z_spec, tf.TensorSpec([None], tf.int32)])
        else:
            self._sample = tf.function(lambda z: gan.sampler(z, training=False),
                                       input_signature=z_spec)
        self._score = tf.function(gan.score, input_signature=x_spec)
        self._push = tf.function(self._generator_push, input_signature=x_spec)

    def sample(self, z: np.ndarray, classes: np.ndarray | None = None) -> np.ndarray:
        """G(z) in model space (images in [-1, 1]). A conditional run's G draws `classes`:
        class ids (N,), class weights (N, n_classes) (see conditional.generate), or None for
        every class in turn; an unconditional G ignores them."""
        if not self.n_classes:
            return self._sample(tf.constant(z, tf.float32)).numpy()
        if classes is None:
            classes = conditional.in_turn(len(z), self.n_classes)
        if np.ndim(classes) == 2:
            return conditional.generate(self.gan.sampler, z, classes)
        return self._sample(tf.constant(z, tf.float32), tf.constant(classes, tf.int32)).numpy()

    def _generator_push(self, x: tf.Tensor) -> tf.Tensor:
        """Where G's loss pushes each generated point: -d(g_loss)/dx, per sample (packed with
        its neighbours, as in training, when D judges packs)."""
        spec = LOSSES.get(self.gan.loss_name)
        with tf.GradientTape() as tape:
            tape.watch(x)
            f = self.gan.d(self.gan.pack(x), training=False)
            _, g_loss = spec.fn(tf.zeros_like(f), f)
        return -tape.gradient(g_loss, x) * tf.cast(tf.shape(f)[0], tf.float32)

    def judge(self) -> classifier.Classifier | None:
        """The dataset's classifier once it is ready; None before that and for unlabelled data."""
        future = self._judge
        if future is None or not future.done() or future.exception() is not None:
            return None
        return future.result()

    def wait_for_judge(self, timeout: float | None = None) -> classifier.Classifier | None:
        """`judge()`, after waiting up to `timeout` s for the classifier (scripts and tests
        that want the class diagnostics from the first snapshot on)."""
        if self._judge is not None:
            futures.wait([self._judge], timeout)
        return self.judge()

    def image_metrics(self) -> dict:
        """Diagnostics of IMAGE_SAMPLES generated images from fixed noise; the classifier-based
        ones appear once the classifier is ready."""
        fake = self.sample(self.eval_z)
        if not np.isfinite(fake).all():
            return {}
        judge = self.judge()
        if judge is not None and self._real_features is None:
            self._real_features = judge.embed(diagnostics.real_sample(self.data, IMAGE_SAMPLES))
        images = pillow_images.to_uint8(fake)
        out = diagnostics.image_metrics(images, self.data, judge, self._real_features,
                                        self.dup_threshold)
        if self.n_classes:  # each class asked for equally often: within-class measures
            probs = judge.probabilities(self.data.to_model(images)) if judge else None
            out.update(diagnostics.within_class_metrics(
                images, conditional.in_turn(len(images), self.n_classes), self.n_classes,
                self.real_class_diversity, self.dup_threshold, probs))
        return out

    def snapshot(self, step: int) -> Snapshot:
        if self.data.kind == "images":
            images = pillow_images.to_uint8(self.sample(self.z, self.classes))
            return Snapshot(step=step, grid=pillow_images.tile(images, cols=self.grid_cols),
                            metrics=self.image_metrics())
        points = self.sample(self.z)
        if not np.isfinite(points).all():
            return Snapshot(step=step, points=points)
        spec = LOSSES.get(self.gan.loss_name)
        scores = self._score(tf.constant(self.field_xy)).numpy().reshape(FIELD_SIDE, FIELD_SIDE)
        if spec.probability:
            scores = 0.5 * (1.0 + np.tanh(0.5 * scores))  # the sigmoid, without overflow
        tips = points[:ARROWS - ARROWS % self.gan.cfg.pack]
        push = self._push(tf.constant(tips)).numpy()
        field = {"xs": self.axes[0], "ys": self.axes[1], "d": scores.astype(np.float32),
                 "arrow_from": tips, "arrow_vec": push.astype(np.float32),
                 "manifold": self.sample(self.manifold_z)}
        metrics = {}
        if self.data.mixture is not None:
            metrics = diagnostics.mixture_metrics(points, *self.data.mixture, modes=self.data.modes)
        return Snapshot(step=step, points=points, field=field, metrics=metrics)
