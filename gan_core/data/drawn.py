"""Drawn 2D data: points a user clicked or picked as shapes, trained on as a mixture.

A drawn set is named by its content, `drawn:<12 hex digits of the SHA-256 of its float32
points>`, and that name is the run's `RunConfig.dataset`: configs stay small and comparable,
and two runs on the same drawing name the same dataset. The points themselves travel in the
run folder (`drawing.npz`, written and read by store.py), and in this process in `DRAWINGS`,
a content-addressed table: a name can only ever stand for one set of points, so whichever
copy registered it (the drawing page, a reopened run folder, a lesson) is the same data.

The data is the drawn points blurred: each sample is a drawn point, picked uniformly, plus
Gaussian noise of std `data_std` (DEFAULT_STD unless the run says otherwise): a mixture of
equal Gaussians centred on the points, so the diagnostics of the 2D mixtures apply.
"""
from __future__ import annotations

import hashlib
import re
import threading

import numpy as np

from ..errors import DatasetError
from .base import Dataset

MIN_POINTS = 3  # fewer is one Gaussian (the single_gaussian dataset) or a pair, not a drawing
MAX_POINTS = 1000  # the mode diagnostics compare 2,500 samples with every point: 20 MB at 1,000
MAX_COORD = 10.0  # the canvas is [-1.5, 1.5]; far beyond it the data is not what the view shows
DEFAULT_STD = 0.02  # as ring8: the point defaults (defaults.py) were tuned on that spread
LINK_STDS = 6.0  # points at most this many std apart are one mode: see `find_modes`
POOL = 100_000  # samples per run, as the toy mixtures
NAME = re.compile(r"^drawn:[0-9a-f]{12}$")


def is_drawn(name: str) -> bool:
    """Whether a dataset name is a drawn set's (`drawn:<12 hex digits>`)."""
    return bool(NAME.match(name))


def check_points(points: object) -> np.ndarray:
    """`points` as a read-only float32 `(N, 2)` array, or a DatasetError saying what is wrong
    (too few or too many points, not pairs of numbers, NaN or Inf, far off the canvas)."""
    try:
        with np.errstate(over="ignore"):  # a value beyond float32 becomes Inf: refused below
            arr = np.array(points, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise DatasetError(f"a drawing must be a list of (x, y) numbers ({exc})") from None
    if arr.size == 0:
        arr = arr.reshape(0, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise DatasetError(f"a drawing must be (x, y) points, got an array shaped {arr.shape}")
    bad = ~np.isfinite(arr).all(1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DatasetError(f"point {i + 1} of the drawing is not a pair of finite numbers "
                           f"({arr[i, 0]}, {arr[i, 1]}); {int(bad.sum())} such point(s) in all")
    if len(arr) < MIN_POINTS:
        raise DatasetError(f"draw at least {MIN_POINTS} points (this drawing has {len(arr)})")
    if len(arr) > MAX_POINTS:
        raise DatasetError(f"a drawing holds at most {MAX_POINTS:,} points (this one has "
                           f"{len(arr):,}): erase some, or draw smaller regions")
    far = float(np.abs(arr).max())
    if far > MAX_COORD:
        raise DatasetError(f"points must lie within +-{MAX_COORD:g} of the centre (one is "
                           f"{far:g} away)")
    arr.flags.writeable = False
    return arr


def drawing_name(points: np.ndarray) -> str:
    """The dataset name of (checked) `points`: their content, so equal drawings share it."""
    digest = hashlib.sha256(np.ascontiguousarray(points, "<f4").tobytes()).hexdigest()
    return f"drawn:{digest[:12]}"


def find_modes(points: np.ndarray, std: float) -> np.ndarray:
    """The mode (0, 1, ...) of each drawn point, by single-linkage clustering: two points are
    in one mode when a chain of drawn points joins them, each link at most LINK_STDS (6)
    std long. At 6 std the 3-std discs around linked points touch, so a mode is exactly one
    connected piece of the region where a sample counts as high quality (within 3 std of a
    drawn point, as for the mixtures). Deterministic and order-free: the number of modes
    follows from the points and the spread alone; modes are numbered in the order their first
    point was drawn. A click far from the rest is a mode; a stroke or a filled region whose
    points lie closer than 6 std is one (at the default 0.02: 0.12)."""
    pts = np.asarray(points, np.float64)
    linked = ((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1) <= (LINK_STDS * std) ** 2
    modes = np.full(len(pts), -1, np.int32)
    k = 0
    for first in range(len(pts)):
        if modes[first] >= 0:
            continue
        modes[first], todo = k, [first]
        while todo:
            near = np.flatnonzero(linked[todo.pop()] & (modes < 0))
            modes[near] = k
            todo.extend(near.tolist())
        k += 1
    return modes


def dataset(points: object, std: float | None = None, seed: int = 0) -> Dataset:
    """The drawn set as a Dataset: POOL samples (a drawn point picked uniformly, plus noise of
    std `std`), the points as the mixture's centres and `find_modes` as its modes."""
    pts = check_points(points)
    std = DEFAULT_STD if std is None else float(std)
    modes = find_modes(pts, std)
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(pts), size=POOL)
    pool = pts[which] + rng.normal(0.0, std, size=(POOL, 2))
    k = int(modes.max()) + 1
    return Dataset(name=drawing_name(pts), kind="points", pool=pool.astype(np.float32),
                   labels=modes[which], centers=pts, std=std, modes=modes,
                   class_names=tuple(f"mode {i}" for i in range(k)),
                   description=f"{len(pts):,} drawn points in {k} mode(s), spread {std:g}")


class Drawings:
    """The drawn sets this process knows, by name. Thread-safe; entries are never removed
    (a drawing is at most MAX_POINTS pairs: 8 KB)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards _points
        self._points: dict[str, np.ndarray] = {}

    def add(self, points: object) -> str:
        """Check `points`, remember them and return their dataset name."""
        pts = check_points(points)
        name = drawing_name(pts)
        with self._lock:
            self._points.setdefault(name, pts)
        return name

    def get(self, name: str) -> np.ndarray:
        """The points named `name` (read-only); DatasetError when this process has not seen
        them."""
        with self._lock:
            pts = self._points.get(name)
        if pts is None:
            raise DatasetError(f"unknown drawn set {name}: it is saved in the folders of the "
                               "runs that trained on it; open one of them, or draw it again")
        return pts

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self._points


DRAWINGS = Drawings()
