"""Built-in image datasets: scikit-learn's bundled digits (offline) and keras.datasets (online)."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from .base import Dataset

DIGIT_NAMES = tuple(str(i) for i in range(10))
FASHION_NAMES = ("T-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
                 "sneaker", "bag", "boot")
CIFAR_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
               "ship", "truck")


def digits(std: float | None = None, seed: int = 0) -> Dataset:
    """scikit-learn's 1,797 8x8 handwritten digits, shipped with the package (no download)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    # The bundled images hold counts 0..16; stretch them to the full 8-bit range.
    pool = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
    return Dataset(name="digits", kind="images", pool=pool,
                   labels=bunch.target.astype(np.int32), class_names=DIGIT_NAMES,
                   description="1,797 handwritten digits, 8x8 (scikit-learn, offline)")


_KERAS = {
    # name: (module, archive file keras caches, class names, description)
    "mnist": ("mnist", "mnist.npz", DIGIT_NAMES, "70,000 handwritten digits, 28x28"),
    "fashion_mnist": ("fashion_mnist", "fashion-mnist", FASHION_NAMES,
                      "70,000 clothing images, 28x28"),
    "cifar10": ("cifar10", "cifar-10-batches-py", CIFAR_NAMES, "60,000 colour photos, 32x32"),
}


def _keras_cache() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"


def _online(host: str = "storage.googleapis.com", timeout: float = 3.0) -> bool:
    """A quick reachability check, so an offline laptop gets an answer, not a long hang."""
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def keras_dataset(name: str) -> Dataset:
    """One of keras.datasets, downloaded on first use; a clear DatasetError when offline."""
    module, cached, class_names, description = _KERAS[name]
    if not (_keras_cache() / cached).exists() and not _online():
        raise DatasetError(
            f"{name} is downloaded by keras.datasets on first use, and this machine cannot "
            f"reach the internet. Either connect once (it is then cached in {_keras_cache()}), "
            f"or use a local copy: pass the folder or file path as the dataset "
            f"(IDX .gz files, an .npz, or a folder/.zip of images). Offline, 'digits' works."
        )
    import keras

    try:
        (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, module).load_data()
    except Exception as exc:  # network, truncated archive, ...
        raise DatasetError(f"could not load {name} through keras.datasets: {exc}") from exc
    x = np.concatenate([x_train, x_test])
    if x.ndim == 3:
        x = x[..., None]
    y = np.concatenate([y_train, y_test]).reshape(-1).astype(np.int32)
    return Dataset(name=name, kind="images", pool=x.astype(np.uint8), labels=y,
                   class_names=class_names, description=description)


def mnist(std: float | None = None, seed: int = 0) -> Dataset:
    return keras_dataset("mnist")


def fashion_mnist(std: float | None = None, seed: int = 0) -> Dataset:
    return keras_dataset("fashion_mnist")


def cifar10(std: float | None = None, seed: int = 0) -> Dataset:
    return keras_dataset("cifar10")
