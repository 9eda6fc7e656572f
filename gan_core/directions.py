"""Latent directions: unit vectors in z that change one thing about G(z).

- **Class directions** (InterFaceGAN, Shen et al. 2020, "Interpreting the Latent Space of
  GANs for Semantic Face Editing"): sample z, read G(z) with the dataset's classifier
  (classifier.py), fit a linear model on z per class (one-vs-rest logistic regression);
  the unit normal of its boundary is "more like class c".
- **Principal directions** (GANSpace, Härkönen et al. 2020, "GANSpace: Discovering
  Interpretable GAN Controls"): PCA of G's first hidden layer's activations over sampled z,
  each component carried back to z by least squares (the z that best predict the PCA
  coordinates), unsupervised: "PC 1" is the direction G varies most along at that layer.

`fit(run)` fits both for a run's generator at one step (its weights now, or a kept
generator); `gains` measures what walking a class direction does to a classifier's
probabilities. No Streamlit: the page caches `fit` per run and step (ui/directions.py).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import latent

if TYPE_CHECKING:
    from .replay import Replay
    from .trainer import Trainer

FIT_SEED = 7  # the z the directions are fitted on (fixed: a run and step give one answer)
WALK_SEED = 8  # the z `walk_metrics` walks from: never the fit's own z
WALK_SAMPLES = 500  # z walked per class by `walk_metrics`
FIT_SAMPLES = 4000  # z sampled per fit (both kinds); a few hundred ms on the digits MLP
PCS = 10  # principal directions kept (pc_0 .. pc_9), at most z_dim
WALK = 3.0  # how far `gains` walks: 0 -> +3 along a unit direction (the goal)
BATCH = 1000  # samples per generator/classifier call: bounded memory for large images

Sampler = Callable[[np.ndarray], np.ndarray]  # z (n, z_dim) -> G(z) in model space
Reader = Callable[[np.ndarray], np.ndarray]  # images in model space -> class probabilities


@dataclass(frozen=True)
class Directions:
    """One generator's directions in its z space; every row is a unit vector."""

    step: int  # the generator's step
    classes: np.ndarray  # (n_classes, z_dim) float32: row c is "more like class c"; (0, z_dim) unlabelled
    pcs: np.ndarray  # (k, z_dim) float32: row i is "PC i+1", by falling variance
    variance: np.ndarray  # (k,) share of the first hidden layer's variance each PC explains

    def arrays(self) -> dict[str, np.ndarray]:
        """The export format: `class_0` .. and `pc_0` .., each `(z_dim,)` float32."""
        out = {f"class_{c}": v for c, v in enumerate(self.classes)}
        out.update({f"pc_{i}": v for i, v in enumerate(self.pcs)})
        return {k: np.asarray(v, np.float32) for k, v in out.items()}


def _unit(rows: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (a zero row stays zero)."""
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.where(norms > 0, norms, 1.0)).astype(np.float32)


def _batched(fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    return np.concatenate([fn(x[i:i + BATCH]) for i in range(0, len(x), BATCH)])


def class_directions(z: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """InterFaceGAN's directions for every class, from z (n, z_dim) and the classifier's
    probabilities of G(z) (n, n_classes): per class c a logistic regression of "G(z) reads as
    c" (the classifier's top class) on z, one-vs-rest, balanced so a rare class still counts;
    its weight vector, normalised, is the direction. A class G never draws has no boundary
    to fit: its direction follows the logit of p_c by least squares instead (the way p_c
    grows fastest, linearly), so every class has a direction."""
    from sklearn.linear_model import LogisticRegression

    z64 = np.asarray(z, np.float64)
    top = probs.argmax(1)
    rows = []
    for c in range(probs.shape[1]):
        y = top == c
        if 0 < y.sum() < len(y):
            lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
            rows.append(lr.fit(z64, y).coef_[0])
        else:
            p = np.clip(probs[:, c].astype(np.float64), 1e-6, 1 - 1e-6)
            logit = np.log(p) - np.log1p(-p)
            design = np.column_stack([z64, np.ones(len(z64))])
            rows.append(np.linalg.lstsq(design, logit, rcond=None)[0][:-1])
    return _unit(np.array(rows))


def principal_directions(z: np.ndarray, hidden: np.ndarray, k: int = PCS
                         ) -> tuple[np.ndarray, np.ndarray]:
    """GANSpace's directions: PCA of the first hidden layer's activations `hidden` (n, width)
    at z (n, z_dim); each component's coordinates regressed on z by least squares (Härkönen
    et al., sec. 3.1: U = argmin ||U x - z||, x the PCA coordinates), rows normalised.
    Returns (directions (k, z_dim), explained variance share (k,)), by falling variance."""
    h = np.asarray(hidden, np.float64)
    h = h - h.mean(0)
    k = min(k, z.shape[1], h.shape[1])
    _, s, vt = np.linalg.svd(h, full_matrices=False)
    coords = h @ vt[:k].T  # (n, k)
    u = np.linalg.lstsq(coords, np.asarray(z, np.float64), rcond=None)[0]  # (k, z_dim)
    total = float((s**2).sum())
    share = (s[:k] ** 2 / total) if total > 0 else np.zeros(k)
    return _unit(u), share.astype(np.float32)


def first_hidden(generator) -> Callable[[np.ndarray], np.ndarray]:
    """z -> G's first hidden layer's activations, flattened: the output of its first layer
    with a nonlinearity (the MLP's first Dense; the DCGAN's Dense -> BatchNorm -> LeakyReLU)."""
    import keras

    layers = []
    for layer in generator.layers:
        layers.append(layer)
        act = getattr(layer, "activation", None)
        if isinstance(layer, (keras.layers.ReLU, keras.layers.LeakyReLU, keras.layers.Activation)) \
                or (act is not None and act is not keras.activations.linear):
            break

    def hidden(z: np.ndarray) -> np.ndarray:
        h = z
        for layer in layers:
            h = layer(h, training=False)
        return np.asarray(h).reshape(len(z), -1)

    return hidden


def fit_classes(sample: Sampler, read: Reader, z_dim: int, samples: int = FIT_SAMPLES,
                seed: int = FIT_SEED) -> np.ndarray:
    """Class directions (n_classes, z_dim) of the generator `sample`, read with `read`."""
    from threadpoolctl import threadpool_limits

    z = latent.noise(seed, samples, z_dim)
    probs = _batched(lambda b: read(sample(b)), z)
    # One BLAS thread: beside a training run on 2 cores, OpenBLAS's threads spinning against
    # TensorFlow's made a fit take 6-15 s instead of 0.7-2.0 s (bench/NOTES.md, 18).
    with threadpool_limits(limits=1, user_api="blas"):
        return class_directions(z, probs)


def fit_all(step: int, sample: Sampler, hidden: Callable[[np.ndarray], np.ndarray],
            read: Reader | None, z_dim: int, samples: int = FIT_SAMPLES,
            seed: int = FIT_SEED) -> Directions:
    """Both kinds of directions for one generator (`sample`, `hidden`), read with `read`
    (None: unlabelled data, principal directions only)."""
    from threadpoolctl import threadpool_limits

    classes = np.zeros((0, z_dim), np.float32)
    if read is not None:
        classes = fit_classes(sample, read, z_dim, samples, seed)
    z = latent.noise(seed, samples, z_dim)
    activations = _batched(hidden, z)
    with threadpool_limits(limits=1, user_api="blas"):  # see fit_classes
        pcs, variance = principal_directions(z, activations)
    return Directions(step, classes, pcs, variance)


def generator_at(run: Trainer | Replay, step: int | None = None):
    """(step, a private copy of G) for a run: its generator kept for `step`; with None (or
    a live run's current step) the weights it samples with now (a replay: the generator kept
    at its playhead). A copy, never the model training, so any thread may use it."""
    from .models import build_generator
    from .replay import Replay

    run.require_weights()
    recording = run.recording if isinstance(run, Replay) else None
    kept = recording.kept if recording is not None else run.kept_generator_steps()
    if step is None:
        step = recording.kept_at(run.state.step) if recording is not None else run.state.step
    if step in kept:
        weights = run.store.read_kept_generator(step)
    elif not isinstance(run, Replay) and step == run.state.step:
        weights = run.gan.sampler.get_weights()
    else:
        raise ValueError(f"no generator kept for step {step} (kept: {kept})")
    g = build_generator(run.config, run.data.shape, run.data.kind == "images")
    g.set_weights(weights)
    return step, g


def fit(run: Trainer | Replay, step: int | None = None, samples: int = FIT_SAMPLES) -> Directions:
    """A run's directions at `step` (None: its generator now), class directions read with
    the dataset's own classifier (trained on first use: seconds)."""
    from . import classifier

    if run.data.kind != "images":
        raise ValueError("latent directions are for image runs")
    if run.config.conditional:  # G(z, class): the class is an input, not a direction in z
        raise ValueError("latent directions are for unconditional runs: a conditional G takes "
                         "the class as an input")
    step, g = generator_at(run, step)
    read = None
    if run.data.labels is not None:
        read = classifier.for_dataset(run.data).probabilities

    def sample(z: np.ndarray) -> np.ndarray:
        return np.asarray(g(z, training=False))

    return fit_all(step, sample, first_hidden(g), read, run.config.z_dim, samples)


def gains(directions: np.ndarray, sample: Sampler, read: Reader, z: np.ndarray,
          distance: float = WALK) -> tuple[np.ndarray, np.ndarray]:
    """Walk each class direction (row c of `directions`) from z to z + distance * d_c and read
    both ends: per class, the mean rise of p_c, and the share of samples not read as c at the
    start that are read as c at the end. Returns (rises, turned), each (n_classes,)."""
    p0 = _batched(lambda b: read(sample(b)), z)
    rises, turned = [], []
    for c, d in enumerate(directions):
        p1 = _batched(lambda b: read(sample(b)), (z + distance * d[None]).astype(np.float32))
        rises.append(float((p1[:, c] - p0[:, c]).mean()))
        was_not = p0.argmax(1) != c
        turned.append(float((p1.argmax(1)[was_not] == c).mean()) if was_not.any() else 0.0)
    return np.array(rises), np.array(turned)


def walk_metrics(sample: Sampler, read: Reader, z_dim: int) -> dict[str, float | list[float]]:
    """What `evaluate` reports for a labelled image run: its class directions fitted with
    `read`, then WALK_SAMPLES other z walked 0 -> +WALK along each, read with `read` again.
    `direction_rise`: mean over classes of the rise of p_c; per class the rise and the share
    of samples turned into c (see `gains`)."""
    rows = fit_classes(sample, read, z_dim)
    rises, turned = gains(rows, sample, read, latent.noise(WALK_SEED, WALK_SAMPLES, z_dim))
    return {"direction_rise": float(rises.mean()),
            "direction_rise_by_class": [round(float(v), 4) for v in rises],
            "direction_turned_by_class": [round(float(v), 4) for v in turned]}
