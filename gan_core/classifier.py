"""A small classifier per labelled image dataset: trained once on first use (seconds on a
CPU), cached on disk, and used to read generated samples' classes and features."""
from __future__ import annotations

import hashlib
import json
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from .data import Dataset
from .models import SEEDING

HOLDOUT = 0.2  # share of the data kept out of training to report accuracy
# One worker: two runs of the same dataset wait for one training, and the second reads the cache.
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ganscope-classifier")
_LOADED: dict[str, Classifier] = {}  # by cache path: loaded once per process
_LOADED_LOCK = threading.Lock()


def cache_dir() -> Path:
    return Path(os.environ.get("GANSCOPE_CACHE", Path.home() / ".cache" / "ganscope"))


def fingerprint(data: Dataset) -> str:
    """Same images and labels -> same cached classifier."""
    h = hashlib.sha256()
    h.update(str(data.pool.shape).encode())
    h.update(np.ascontiguousarray(data.pool[:: max(1, len(data.pool) // 500)]).tobytes())
    h.update(np.ascontiguousarray(data.labels).tobytes())
    return h.hexdigest()[:16]


@dataclass
class Classifier:
    model: keras.Model  # images in [-1, 1] -> class logits
    features: keras.Model  # images -> penultimate-layer activations (for FCD)
    accuracy: float  # on the held-out split
    n_classes: int

    def __post_init__(self) -> None:
        # Direct compiled calls: predict() costs tens of ms per call, and the trainer asks at
        # every snapshot (several a second on the digits).
        spec = [tf.TensorSpec([None, *self.model.input_shape[1:]], tf.float32)]
        self._probs = tf.function(lambda x: tf.nn.softmax(self.model(x, training=False)),
                                  input_signature=spec)
        self._embed = tf.function(lambda x: self.features(x, training=False), input_signature=spec)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        return self._probs(tf.constant(x, tf.float32)).numpy()

    def embed(self, x: np.ndarray) -> np.ndarray:
        return self._embed(tf.constant(x, tf.float32)).numpy()


def _build(shape: tuple[int, ...], n_classes: int) -> keras.Model:
    return keras.Sequential([
        keras.Input(shape=shape), keras.layers.Flatten(),
        keras.layers.Dense(256, activation="relu"), keras.layers.Dropout(0.2),
        keras.layers.Dense(128, activation="relu", name="features"),
        keras.layers.Dense(n_classes)])


def in_background(data: Dataset) -> Future | None:
    """The dataset's classifier, loaded or trained on a worker thread, so a training thread
    never waits seconds for it; None for unlabelled data."""
    if data.labels is None:
        return None
    return _WORKER.submit(for_dataset, data)


def for_dataset(data: Dataset, epochs: int = 30) -> Classifier:
    """The dataset's classifier: already loaded, loaded from the cache, or trained now and cached."""
    if data.labels is None:
        raise ValueError(f"{data.name} has no labels: no classifier")
    folder = cache_dir() / "classifiers"
    stem = folder / f"{data.name.replace(':', '_').replace('/', '_')}-{fingerprint(data)}"
    with _LOADED_LOCK:
        if str(stem) in _LOADED:
            return _LOADED[str(stem)]
    clf = _load_or_train(data, stem, epochs)
    with _LOADED_LOCK:
        return _LOADED.setdefault(str(stem), clf)


def _load_or_train(data: Dataset, stem: Path, epochs: int) -> Classifier:
    labels = data.labels
    if labels is None:
        raise ValueError(f"{data.name} has no labels: no classifier")
    n_classes = int(labels.max()) + 1
    folder = stem.parent
    path, meta = stem.with_suffix(".keras"), stem.with_suffix(".json")
    if path.exists() and meta.exists():
        model = keras.models.load_model(path, safe_mode=True)
        accuracy = json.loads(meta.read_text())["accuracy"]
    else:
        rng = np.random.default_rng(0)
        order = rng.permutation(len(data.pool))
        cut = int(len(order) * (1 - HOLDOUT))
        x, y = data.to_model(data.pool), labels
        with SEEDING:
            keras.utils.set_random_seed(0)
            model = _build(data.shape, n_classes)
        model.compile(keras.optimizers.Adam(1e-3),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        model.fit(x[order[:cut]], y[order[:cut]], epochs=epochs, batch_size=128, verbose=0)
        accuracy = float(model.evaluate(x[order[cut:]], y[order[cut:]], verbose=0)[1])
        folder.mkdir(parents=True, exist_ok=True)
        model.save(path)
        meta.write_text(json.dumps({"accuracy": accuracy, "dataset": data.name}))
    features = keras.Model(model.inputs, model.get_layer("features").output)
    return Classifier(model, features, accuracy, n_classes)
