"""Datasets behind one interface (`Dataset`), by name or by path."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import DatasetError
from ..registry import Registry
from . import drawn, files, images, toy
from .base import Dataset
from .drawn import DRAWINGS, is_drawn

Loader = Callable[..., Dataset]  # loader(std=None, seed=0) -> Dataset

DATASETS: Registry[Loader] = Registry("dataset")
for _name, _loader in [
    ("ring8", toy.ring8), ("grid25", toy.grid25), ("spiral", toy.spiral),
    ("two_moons", toy.two_moons), ("single_gaussian", toy.single_gaussian),
    ("digits", images.digits), ("mnist", images.mnist),
    ("fashion_mnist", images.fashion_mnist), ("cifar10", images.cifar10),
]:
    DATASETS.register(_name, _loader)

POINT_DATASETS = ("ring8", "grid25", "spiral", "two_moons", "single_gaussian")
ONLINE_DATASETS = ("mnist", "fashion_mnist", "cifar10")


def is_path(name: str) -> bool:
    """A dataset given by path rather than by registered name."""
    return name not in DATASETS and ("/" in name or "\\" in name or "." in name)


def resolve_dataset(name: str) -> str:
    """A path-like dataset as an absolute path, names unchanged: what a new run stores, so
    `eval` or `resume` from another folder finds the same files. Called where runs are
    created (defaults_for, the CLI, the app's form); RunConfig itself stays pure."""
    return str(Path(name).expanduser().resolve()) if is_path(name) else name


def load_dataset(name: str, std: float | None = None, seed: int = 0) -> Dataset:
    """A registered dataset by name, a drawn set by its name (data/drawn.py), or a local
    file / folder by path."""
    if name in DATASETS:
        return DATASETS.get(name)(std=std, seed=seed)
    if is_drawn(name):
        return drawn.dataset(DRAWINGS.get(name), std=std, seed=seed)
    if is_path(name):
        return files.load_path(name)
    raise DatasetError(f"unknown dataset {name!r}: use a path to your own files, or one of: "
                       f"{', '.join(DATASETS.names())}")


__all__ = ["Dataset", "DATASETS", "DRAWINGS", "load_dataset", "is_drawn", "is_path",
           "resolve_dataset", "POINT_DATASETS", "ONLINE_DATASETS"]
