"""What a newcomer gets by picking only a dataset: healthy settings that learn fast on a CPU.

Numbers here are tuned with bench/quality.py; bench/NOTES.md logs what was tried.
"""
from __future__ import annotations

from .config import RunConfig, check_conditional
from .data import POINT_DATASETS, is_drawn, is_path, load_dataset, resolve_dataset

# G on the faster clock: lr_g 5e-3 vs 1e-3 took ring8 from 53-97 % to 96-98 % high quality
# (bench/NOTES.md, 9).
_POINTS = dict(model="mlp", width=128, depth=3, loss="non_saturating", lr_d=1e-3, lr_g=5e-3,
               beta1=0.5, batch=256, z_dim=2, snapshot_every=100)
_BY_NAME = {
    # Width 128 (2.7x the steps of 256 in a minute), an EMA of G for samples, D at 2e-3
    # (bench/NOTES.md, 10); then D judging packs of 4 (PacGAN) with G back at 2e-3: the runs
    # that dropped a whole edge row of modes cover 24-25 (bench/NOTES.md, 14).
    "grid25": dict(_POINTS, z_dim=4, ema=0.999, lr_d=2e-3, lr_g=2e-3, pack=4),
    # D judges packs of 4 (PacGAN): on half the digits, held out from tuning, the unpacked D
    # lost 1-3 classes by 22k steps; packs of 2 kept 10/10 but let a class fall to 0.46x its
    # share by 60-75k steps (bench/NOTES.md, 16); packs of 4 held every class within
    # 0.71-1.26x to 75k steps on the tune half and 0.80-1.18x held out at 60 s (NOTES 27).
    "digits": dict(model="mlp", width=256, depth=2, loss="non_saturating", lr_d=5e-4,
                   lr_g=5e-4, batch=64, z_dim=32, ema=0.99, pack=4, snapshot_every=200),
    # An MLP, not a DCGAN: on 2 CPU cores it runs ~8x the steps in 3 minutes and got 10/10
    # classes, 0.85 confident where the DCGAN got 8, 0.69 (bench/NOTES.md, 7). D judges packs
    # of 2 (PacGAN): on held-out MNIST images the unpacked D's G drew "1" for 43-71 % of its
    # confident samples (bench/NOTES.md, 16). The hinge loss at 1e-3: with the non-saturating
    # loss the 1s crept back past ~15k steps (2/5 seeds within 0.5-2x at 180 s); hinge held
    # every class within 0.56-1.85x to 25k steps on the tune half (3/3 seeds), and on the
    # held-out half at 180 s within 1.24-2.16 / 0.63-0.76 (3/5 inside 2x, the other two at
    # 2.05-2.16), 0.88-0.93 of real's confidence (bench/NOTES.md, 24).
    "mnist": dict(model="mlp", width=512, depth=2, loss="hinge", lr_d=1e-3, lr_g=1e-3,
                  batch=64, z_dim=64, ema=0.999, pack=2, snapshot_every=500),
    # Not measured with the MNIST change above: keeps the setting of bench/NOTES.md, 7.
    "fashion_mnist": dict(model="mlp", width=512, depth=2, loss="non_saturating", lr_d=2e-4,
                          lr_g=2e-4, batch=64, z_dim=64, ema=0.999, snapshot_every=500),
    "colour": dict(model="dcgan", width=32, loss="non_saturating", lr_d=2e-4, lr_g=2e-4,
                   batch=64, z_dim=64, ema=0.999, snapshot_every=200),
}
_BY_NAME["cifar10"] = _BY_NAME["colour"]
# Larger than 32 a side (64x64 photos, CelebA-style): the colour DCGAN one upsampling deeper,
# at width 16, so G still starts from 256 channels at 4x4 and a step costs about what the
# 32x32 one does: 25 GFLOP (batch 64); width 32 took 97 GFLOP, 3.4x the time (0.90 vs 0.27
# s a step on 2 busy cores) and 4.9M G weights (20 MB a kept generator, 40 kept) vs 1.4M.
# A snapshot (564 samples) took 0.59 s, 1-2 % of the time at every 200 steps. Not tuned for
# quality: no such photos offline (bench/NOTES.md, 22).
_LARGE = dict(_BY_NAME["colour"], width=16)


def _for_images(shape: tuple[int, ...]) -> dict:
    """Small greyscale images (MNIST-sized): the fast MLP; colour or larger: the DCGAN, when
    it can make that side (an even one; see config.check_fits_data), slimmer past 32."""
    small_grey = shape[-1] == 1 and shape[0] <= 32
    if small_grey or shape[0] % 2:
        return _BY_NAME["mnist"]
    return _LARGE if shape[0] > 32 else _BY_NAME["colour"]


def defaults_for(dataset: str, **overrides) -> RunConfig:
    """The dataset's best healthy defaults, with `overrides` applied (validated). A path is
    stored absolute (resolve_dataset), so the run finds its data from any folder.
    `conditional=True` keeps the other defaults: on the digits they drew 0.96-0.98 of the
    samples as the class asked for, by the outside judge, in 2 minutes with packs of 2
    (bench/NOTES.md, 21), 0.94-0.96 at 20,000 steps with packs of 4 (NOTES 27);
    a user's file is checked for labels here, before a run is made."""
    dataset = resolve_dataset(dataset)
    data = None
    if dataset in _BY_NAME:
        base = _BY_NAME[dataset]
    elif dataset in POINT_DATASETS or is_drawn(dataset):  # drawn: on the ring's scale and spread
        base = _POINTS
    elif is_path(dataset):  # a user's file: its kind and size decide (an .npz may hold points)
        data = load_dataset(dataset)
        base = _POINTS if data.kind == "points" else _for_images(data.shape)
    else:
        base = _BY_NAME["mnist"]
    cfg = RunConfig(dataset=dataset, **{**base, **overrides})
    if data is not None:  # before a run is made: does the file have the labels it needs?
        check_conditional(cfg, data.kind == "images", data.n_classes)
    return cfg


def quick_start() -> RunConfig:
    """The home page's one-click run (a server prepares it ahead: gan_core.spares)."""
    return defaults_for("ring8", title="8-Gaussian ring")
