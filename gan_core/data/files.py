"""A user's own data from disk: IDX (.gz), .npz, or a folder / .zip of images."""
from __future__ import annotations

import gzip
import io
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..errors import DatasetError
from .base import Dataset, images_to_uint8

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
MAX_SIDE = 64  # larger images are shrunk: a laptop CPU cannot train a GAN on them in class
MAX_IMAGES = 100_000


def load_path(path: str | Path) -> Dataset:
    """Dispatch on what `path` is. Raises DatasetError with what was wrong."""
    p = Path(path).expanduser()
    if not p.exists():
        raise DatasetError(f"no file or folder at {str(p)!r}")
    if p.is_dir():
        idx = sorted(p.glob("*images-idx3-ubyte*"))
        return load_idx(idx[0]) if idx else load_images(_folder_members(p), p.name)
    name = p.name.lower()
    if "idx3-ubyte" in name:
        return load_idx(p)
    if name.endswith(".npz"):
        return load_npz(p)
    if name.endswith(".zip"):
        return load_zip(p)
    raise DatasetError(
        f"{p.name}: unsupported file; use IDX (*-images-idx3-ubyte[.gz]), .npz, .zip of "
        f"images, or a folder of images"
    )


# ---- IDX (the MNIST format) --------------------------------------------------------------

def read_idx(path: Path) -> np.ndarray:
    """One IDX file (optionally gzipped) as a numpy array; DatasetError if malformed."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise DatasetError(f"{path.name}: cannot read ({exc})") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DatasetError(f"{path.name}: not an unsigned-byte IDX file (bad magic number)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if len(raw) != header + int(np.prod(dims)):
        raise DatasetError(f"{path.name}: truncated or corrupt (size does not match {dims})")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def load_idx(images_path: Path) -> Dataset:
    images = read_idx(images_path)
    if images.ndim != 3:
        raise DatasetError(f"{images_path.name}: expected images (N, H, W), got {images.shape}")
    labels_path = images_path.with_name(images_path.name.replace("images-idx3", "labels-idx1"))
    labels, skipped = None, ()
    if labels_path.exists():
        labels = read_idx(labels_path).astype(np.int32)
        if labels.shape != (len(images),):
            labels, skipped = None, (f"{labels_path.name}: label count does not match",)
    n_classes = int(labels.max()) + 1 if labels is not None else 0
    return Dataset(name=f"idx:{images_path.name}", kind="images", pool=images[..., None].copy(),
                   labels=labels, class_names=tuple(str(i) for i in range(n_classes)),
                   skipped=skipped, description=f"{len(images):,} images from {images_path.name}")


# ---- .npz ---------------------------------------------------------------------------------

def load_npz(path: Path) -> Dataset:
    """Arrays only (allow_pickle=False): the first 2D-points or image array, and labels."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DatasetError(f"{path.name}: not a readable .npz of plain arrays ({exc})") from exc
    prefer = ["x", "x_train", "images", "data", "points", "arr_0"]
    keys = sorted(arrays, key=lambda k: prefer.index(k) if k in prefer else len(prefer))
    data_key = next((k for k in keys if arrays[k].ndim in (3, 4)
                     or (arrays[k].ndim == 2 and arrays[k].shape[1] == 2)), None)
    if data_key is None:
        raise DatasetError(f"{path.name}: no array shaped (N, 2) points or (N, H, W[, C]) images; "
                           f"found {', '.join(f'{k}{v.shape}' for k, v in arrays.items())}")
    data = arrays[data_key]
    labels = next((arrays[k].reshape(-1).astype(np.int32) for k in ("y", "y_train", "labels")
                   if k in arrays and arrays[k].size == len(data)), None)
    classes = tuple(str(i) for i in range(int(labels.max()) + 1)) if labels is not None else ()
    if data.ndim == 2:
        if not np.isfinite(data).all():
            raise DatasetError(f"{path.name}: points contain NaN or Inf")
        return Dataset(name=f"npz:{path.name}", kind="points", pool=data.astype(np.float32),
                       labels=labels, class_names=classes,
                       description=f"{len(data):,} 2D points from {path.name}")
    pool = _resize_all(images_to_uint8(data))
    return Dataset(name=f"npz:{path.name}", kind="images", pool=pool, labels=labels,
                   class_names=classes, description=f"{len(pool):,} images from {path.name}")


# ---- folders and zips of images -------------------------------------------------------------

def _folder_members(root: Path) -> list[tuple[str, bytes | Path]]:
    files = sorted(f for f in root.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES)
    return [(str(f.relative_to(root)), f) for f in files[:MAX_IMAGES]]


def load_zip(path: Path) -> Dataset:
    try:
        with zipfile.ZipFile(path) as zf:
            members = [(n, zf.read(n)) for n in sorted(zf.namelist())
                       if Path(n).suffix.lower() in IMAGE_SUFFIXES and not n.startswith("__MACOSX")]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DatasetError(f"{path.name}: not a readable .zip ({exc})") from exc
    return load_images(members[:MAX_IMAGES], path.name)


def load_images(members: list[tuple[str, bytes | Path]], source: str) -> Dataset:
    """Decode images; one size and channel count for all; class = parent folder, if any."""
    decoded, skipped = [], []
    for name, blob in members:
        try:
            img = Image.open(io.BytesIO(blob) if isinstance(blob, bytes) else blob)
            img.load()
            decoded.append((name, img))
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            skipped.append(f"{name}: {type(exc).__name__}")
    if not decoded:
        raise DatasetError(f"{source}: no readable images (PNG/JPEG/...) found"
                           + (f"; skipped {len(skipped)} unreadable files" if skipped else ""))
    gray = all(img.mode in ("1", "L", "LA", "I", "I;16") for _, img in decoded)
    w, h = Counter(img.size for _, img in decoded).most_common(1)[0][0]
    side = min(max(w, h), MAX_SIDE)
    mode, channels = ("L", 1) if gray else ("RGB", 3)
    pool = np.stack([np.asarray(img.convert(mode).resize((side, side), Image.BILINEAR),
                                dtype=np.uint8).reshape(side, side, channels)
                     for _, img in decoded])
    parents = [str(Path(n).parent) for n, _ in decoded]
    labels, classes = None, ()
    if len(set(parents)) > 1:
        classes = tuple(sorted(set(parents)))
        labels = np.array([classes.index(p) for p in parents], dtype=np.int32)
    return Dataset(name=f"files:{source}", kind="images", pool=pool, labels=labels,
                   class_names=classes, skipped=tuple(skipped),
                   description=f"{len(pool):,} images from {source}, {side}x{side}x{channels}")


def _resize_all(pool: np.ndarray) -> np.ndarray:
    side = max(pool.shape[1:3])
    if side <= MAX_SIDE and pool.shape[1] == pool.shape[2]:
        return pool
    side = min(side, MAX_SIDE)
    mode = "L" if pool.shape[3] == 1 else "RGB"
    return np.stack([np.asarray(Image.fromarray(im.squeeze(-1) if mode == "L" else im)
                                .resize((side, side), Image.BILINEAR)).reshape(side, side, -1)
                     for im in pool])
