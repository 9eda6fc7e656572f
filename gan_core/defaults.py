"""What a newcomer gets by picking only a dataset: healthy settings that learn fast on a CPU.

Numbers here are tuned with bench/quality.py; bench/NOTES.md logs what was tried.
"""
from __future__ import annotations

from .config import RunConfig
from .data import POINT_DATASETS, is_path, load_dataset

_POINTS = dict(model="mlp", width=128, depth=3, loss="non_saturating", lr_d=1e-3, lr_g=1e-3,
               beta1=0.5, batch=256, z_dim=2, snapshot_every=100)
_BY_NAME = {
    "grid25": dict(_POINTS, width=256, z_dim=4),
    "digits": dict(model="mlp", width=256, depth=2, loss="non_saturating", lr_d=5e-4,
                   lr_g=5e-4, batch=64, z_dim=32, ema=0.99, snapshot_every=200),
    "mnist": dict(model="dcgan", width=32, loss="non_saturating", lr_d=2e-4, lr_g=2e-4,
                  batch=64, z_dim=64, ema=0.999, snapshot_every=200),
}
_IMAGES = _BY_NAME["mnist"]


def defaults_for(dataset: str, **overrides) -> RunConfig:
    """The dataset's best healthy defaults, with `overrides` applied (validated)."""
    if dataset in _BY_NAME:
        base = _BY_NAME[dataset]
    elif dataset in POINT_DATASETS:
        base = _POINTS
    elif is_path(dataset):  # a user's file: its kind decides (an .npz may hold 2D points)
        base = _POINTS if load_dataset(dataset).kind == "points" else _IMAGES
    else:
        base = _IMAGES
    return RunConfig(dataset=dataset, **{**base, **overrides})
