"""A user's own data from disk: IDX (.gz), .npz, or a folder / .zip of images.

Every input is bounded before it is read (the limits below, sized for a laptop that holds its
training set in memory). A refusal is a DatasetError naming the file and the limit; a file
that cannot be decoded is skipped; what was skipped or changed is on the Dataset
(`skipped`, `notes`, one list from `Dataset.report()`).
"""
from __future__ import annotations

import functools
import gzip
import io
import struct
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import DatasetError
from .archive import (
    MAX_ENTRY_BYTES,
    MAX_TOTAL_BYTES,
    ZIP_ERRORS,
    check_entry,
    check_entry_count,
    check_total,
    mb,
    read_at_most,
    read_entry,
)
from .base import Dataset, images_to_uint8

# ---- limits (sizes of archives and their entries: archive.py) ----------------------------
MAX_IMAGES = 100_000  # 100k 64x64 RGB images are 1.2 GB in memory, twice that once in TF
MAX_PIXELS = 64_000_000  # one decoded image: a 50 Mpx photo fits; decoding it takes <= 256 MB
MAX_SIDE = 64  # larger images are shrunk: a laptop CPU cannot train a GAN on them in class
MIN_SIDE = 4  # the smallest image the models make (the DCGAN: a 2x2 base, one upsampling)
MAX_CHANNELS = 4  # grey, grey+alpha, RGB, RGBA; more is not a picture (channels-first?)
MAX_CLASSES = 1000  # labels are class indices 0..999; a label of 1e9 is not a class

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP")  # only these decoders, never exotic ones
GREY_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "F")
DECODE_ERRORS = (OSError, ValueError, EOFError, SyntaxError, struct.error)

Member = tuple[str, Callable[[], bytes]]  # (name shown to the user, how to read its bytes)


def _same(blob: bytes) -> bytes:
    return blob


def load_path(path: str | Path) -> Dataset:
    """Dispatch on what `path` is. Raises DatasetError with what was wrong."""
    p = Path(path).expanduser()
    if not p.exists():
        raise DatasetError(f"no file or folder at {str(p)!r}")
    if p.is_dir():
        idx = sorted(p.glob("*images-idx3-ubyte*"))
        return load_idx(idx[0]) if idx else load_images(_folder_members(p), p.name)
    if not p.is_file():  # a FIFO or a device would block or never end
        raise DatasetError(f"{p.name}: not a regular file")
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

def read_idx(path: Path, max_items: int | None = None) -> np.ndarray:
    """One IDX file (optionally gzipped) as a numpy array; DatasetError if malformed or larger
    than MAX_TOTAL_BYTES (judged from the header, before the data is unpacked)."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(4)
            if len(head) < 4 or head[:3] != b"\x00\x00\x08" or not 1 <= head[3] <= 4:
                raise DatasetError(f"{path.name}: not an unsigned-byte IDX file "
                                   f"(bad magic number)")
            dims_raw = fh.read(4 * head[3])
            dims = tuple(int.from_bytes(dims_raw[i:i + 4], "big")
                         for i in range(0, len(dims_raw), 4))
            size = int(np.prod(dims, dtype=object)) if len(dims) == head[3] else -1
            if size > MAX_TOTAL_BYTES:
                raise DatasetError(f"{path.name}: its header says {dims} = {mb(size)}, more "
                                   f"than the {mb(MAX_TOTAL_BYTES)} limit (MAX_TOTAL_BYTES)")
            if max_items is not None and size >= 0 and dims[0] > max_items:
                raise DatasetError(f"{path.name}: {dims[0]:,} images, more than the "
                                   f"{max_items:,} limit (MAX_IMAGES); use a subset")
            raw = read_at_most(fh, size + 1) if size >= 0 else b""
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise DatasetError(f"{path.name}: cannot read ({exc})") from exc
    if size < 0 or len(raw) != size:
        raise DatasetError(f"{path.name}: truncated or corrupt (size does not match {dims})")
    return np.frombuffer(raw, dtype=np.uint8).reshape(dims)


def load_idx(images_path: Path) -> Dataset:
    """IDX images (N, H, W) and, when next to them, the matching labels file."""
    images = read_idx(images_path, MAX_IMAGES)
    if images.ndim != 3 or not len(images):
        raise DatasetError(f"{images_path.name}: expected images (N, H, W), got {images.shape}")
    pool, notes = fit_array(images[..., None], images_path.name)
    labels_path = images_path.with_name(images_path.name.replace("images-idx3", "labels-idx1"))
    labels, skipped = None, []
    if labels_path.exists():
        try:
            labels = read_idx(labels_path).astype(np.int32)
        except DatasetError as exc:
            skipped.append(f"labels {exc}")
        if labels is not None and labels.shape != (len(images),):
            labels = None
            skipped.append(f"{labels_path.name}: label count does not match")
    classes: tuple[str, ...] = ()
    if labels is not None:
        labels, classes, renumbered = numbered(labels, labels_path.name)
        notes = (*notes, *renumbered)
    return Dataset(name=f"idx:{images_path.name}", kind="images", pool=pool,
                   labels=labels, class_names=classes,
                   skipped=tuple(skipped), notes=notes,
                   description=f"{len(pool):,} images from {images_path.name}")


def _is_image_name(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_SUFFIXES and not name.startswith("__MACOSX")


def _zip_members(path: Path) -> list[Member]:
    """The image entries of a zip, every limit checked on the declared sizes first, then
    on the bytes as they are unpacked."""
    check_entry_count(path)
    with zipfile.ZipFile(path) as zf:
        infos = sorted((i for i in zf.infolist() if not i.is_dir() and _is_image_name(i.filename)),
                       key=lambda i: i.filename)
        if len(infos) > MAX_IMAGES:
            raise DatasetError(f"{path.name}: {len(infos):,} images, more than the "
                               f"{MAX_IMAGES:,} limit (MAX_IMAGES); use a subset")
        for info in infos:
            check_entry(path.name, info.filename, info.file_size, info.compress_size,
                        MAX_ENTRY_BYTES)
        check_total(path.name, sum(i.file_size for i in infos))
        members: list[Member] = []
        total = 0
        for info in infos:
            blob = read_entry(zf, info, path.name, MAX_ENTRY_BYTES)
            total += len(blob)
            check_total(path.name, total)
            members.append((info.filename, functools.partial(_same, blob)))
    return members


def load_zip(path: Path) -> Dataset:
    try:
        members = _zip_members(path)
    except ZIP_ERRORS as exc:
        raise DatasetError(f"{path.name}: not a readable .zip ({exc})") from exc
    return load_images(members, path.name)


# ---- .npz ---------------------------------------------------------------------------------

def _npz_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every .npy in the archive: sizes checked as for a zip, and each header's shape
    against its entry (a header can claim terabytes), before an array is allocated."""
    check_entry_count(path)
    arrays = {}
    with zipfile.ZipFile(path) as zf:
        infos = [i for i in zf.infolist() if i.filename.endswith(".npy")]
        for info in infos:
            check_entry(path.name, info.filename, info.file_size, info.compress_size,
                        MAX_TOTAL_BYTES)
        check_total(path.name, sum(i.file_size for i in infos))
        for info in infos:
            key = info.filename[:-4]
            with zf.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                               (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if read_header is None:
                    raise DatasetError(f"{path.name}: {key}: .npy version {version} "
                                       f"is not supported")
                shape, _, dtype = read_header(fh)
            if dtype.hasobject:
                raise DatasetError(f"{path.name}: not a readable .npz of plain arrays ({key} "
                                   f"holds Python objects, which could run code on load)")
            if int(np.prod(shape, dtype=object)) * dtype.itemsize > info.file_size:
                raise DatasetError(f"{path.name}: {key}: its header says {shape}, more "
                                   f"than the entry holds (truncated or corrupt)")
            with zf.open(info) as fh:
                arrays[key] = np.lib.format.read_array(fh, allow_pickle=False)
    return arrays


def load_npz(path: Path) -> Dataset:
    """Arrays only: the first 2D-points or image array, and labels."""
    try:
        arrays = _npz_arrays(path)
    except (ValueError, *ZIP_ERRORS) as exc:
        raise DatasetError(f"{path.name}: not a readable .npz of plain arrays ({exc})") from exc
    if not arrays:
        raise DatasetError(f"{path.name}: holds no arrays")
    prefer = ["x", "x_train", "images", "data", "points", "arr_0"]
    keys = sorted(arrays, key=lambda k: prefer.index(k) if k in prefer else len(prefer))
    data_key = next((k for k in keys if arrays[k].ndim in (3, 4)
                     or (arrays[k].ndim == 2 and arrays[k].shape[1] == 2)), None)
    if data_key is None:
        raise DatasetError(f"{path.name}: no array shaped (N, 2) points or (N, H, W[, C]) images; "
                           f"found {', '.join(f'{k}{v.shape}' for k, v in arrays.items())}")
    data = arrays[data_key]
    what = f"{path.name}: {data_key}"
    if data.dtype.kind not in "biuf":
        raise DatasetError(f"{what} holds {data.dtype} values; need real numbers")
    if not len(data):
        raise DatasetError(f"{what} holds 0 samples")
    labels, classes, skipped, label_notes = _labels(arrays, len(data), path.name)
    if data.ndim == 2:
        with np.errstate(over="ignore"):  # a value beyond float32 becomes Inf: refused below
            pool = data.astype(np.float32)
        if not np.isfinite(pool).all():
            raise DatasetError(f"{what}: points contain NaN or Inf (or values beyond float32)")
        return Dataset(name=f"npz:{path.name}", kind="points", pool=pool, labels=labels,
                       class_names=classes, skipped=skipped, notes=tuple(label_notes),
                       description=f"{len(data):,} 2D points from {path.name}")
    if len(data) > MAX_IMAGES:
        raise DatasetError(f"{what}: {len(data):,} images, more than the {MAX_IMAGES:,} limit "
                           f"(MAX_IMAGES); use a subset")
    pool, notes = fit_array(images_to_uint8(data, what), what)
    return Dataset(name=f"npz:{path.name}", kind="images", pool=pool, labels=labels,
                   class_names=classes, skipped=skipped, notes=(*notes, *label_notes),
                   description=f"{len(pool):,} images from {path.name}")


def numbered(labels: np.ndarray, source: str) -> tuple[np.ndarray, tuple[str, ...], list[str]]:
    """Labels as class ids 0..K-1 with their names, and a note when that renumbered them.
    Labels that skip numbers (a file of 3s and 8s only) would leave empty classes: empty rows
    in a conditional grid, classes a diagnostic counts as missing. They are renumbered in
    order, and each class keeps the file's number as its name."""
    values = np.unique(labels)
    if values[0] == 0 and values[-1] == len(values) - 1:
        return labels, tuple(str(i) for i in range(len(values))), []
    ids = np.searchsorted(values, labels).astype(np.int32)
    shown = ", ".join(f"{v} -> {i}" for i, v in enumerate(values[:12].tolist()))
    return ids, tuple(str(v) for v in values.tolist()), [
        f"{source}: its labels skip numbers, so they were renumbered in order ({shown}"
        f"{', ...' if len(values) > 12 else ''}); each class keeps the file's number as its "
        f"name, and a class id asked for (export, the CLI) is the new number"]


def _labels(arrays: dict[str, np.ndarray], n: int, source: str
            ) -> tuple[np.ndarray | None, tuple[str, ...], tuple[str, ...], list[str]]:
    """Class labels from y / y_train / labels when they fit; otherwise dropped, and said."""
    key = next((k for k in ("y", "y_train", "labels") if k in arrays), None)
    if key is None:
        return None, (), (), []
    y = arrays[key].reshape(-1)
    if y.size != n:
        return None, (), (f"labels {key!r} of {source} ({y.size:,} labels for "
                          f"{n:,} samples)",), []
    whole = y.dtype.kind in "biu" or (y.dtype.kind == "f" and np.isfinite(y).all()
                                      and (y == np.round(y)).all())
    if not whole or y.min() < 0 or y.max() >= MAX_CLASSES:
        return None, (), (f"labels {key!r} of {source} (need whole numbers "
                          f"0..{MAX_CLASSES - 1}, MAX_CLASSES)",), []
    labels, classes, notes = numbered(y.astype(np.int32), f"labels {key!r} of {source}")
    return labels, classes, (), notes


# ---- folders and zips of images -------------------------------------------------------------

def _folder_members(root: Path) -> list[Member]:
    """Image files under `root`, counted while listing: past MAX_IMAGES we stop."""
    found = []
    try:
        for f in root.rglob("*"):
            if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file():
                found.append(f)
                if len(found) > MAX_IMAGES:
                    raise DatasetError(f"{root.name}: more than the {MAX_IMAGES:,} images "
                                       f"allowed (MAX_IMAGES); use a subset")
    except OSError as exc:
        raise DatasetError(f"{root.name}: cannot list the folder ({exc})") from exc
    names = [str(f.relative_to(root)) for f in sorted(found)]
    return [(n, functools.partial(_read_file, root, n)) for n in names]


def _read_file(root: Path, name: str) -> bytes:
    """One image file, read with a cap (a file may grow, or be bigger than it looked)."""
    with open(root / name, "rb") as fh:
        blob = read_at_most(fh, MAX_ENTRY_BYTES + 1)
    if len(blob) > MAX_ENTRY_BYTES:
        raise DatasetError(f"{root.name}: {name} is larger than the {mb(MAX_ENTRY_BYTES)} "
                           f"limit for one image (MAX_ENTRY_BYTES)")
    return blob


def decode(blob: bytes, name: str, source: str) -> tuple[np.ndarray, tuple[int, int], bool]:
    """One image file -> (a square uint8 (s, s, C) centre crop at most MAX_SIDE a side,
    C 1 or 3; the original (width, height); whether an alpha channel was dropped).
    DatasetError past MAX_PIXELS, checked on the header before any pixel is decoded."""
    limit = f"more than the {MAX_PIXELS / 1e6:.0f} Mpx limit (MAX_PIXELS)"
    # Pillow's bomb warning as an error, so a refusal is one message, not a warning and one.
    # (catch_warnings is process-wide: another thread may briefly share this one filter.)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(blob), formats=IMAGE_FORMATS)
            if img.width * img.height > MAX_PIXELS:
                raise DatasetError(f"{source}: {name} is {img.width}x{img.height} pixels, "
                                   f"{limit}")
            return _square_crop(img)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise DatasetError(f"{source}: {name} is {limit} ({exc})") from exc


def _square_crop(img: Image.Image) -> tuple[np.ndarray, tuple[int, int], bool]:
    """The centre square of a (lazily opened) image, at most MAX_SIDE, grey or RGB."""
    size = img.size
    mode = "L" if img.mode in GREY_MODES else "RGB"
    alpha = img.mode.endswith(("A", "a")) or "transparency" in img.info
    img.draft(mode, (MAX_SIDE, MAX_SIDE))  # a JPEG decodes at 1/2..1/8 scale: less memory
    img = img.convert(mode)
    m = min(img.size)
    left, top = (img.width - m) // 2, (img.height - m) // 2
    img = img.crop((left, top, left + m, top + m))
    if m > MAX_SIDE:
        img = img.resize((MAX_SIDE, MAX_SIDE), Image.Resampling.BILINEAR)
    arr = np.asarray(img, dtype=np.uint8)
    return arr.reshape(*arr.shape[:2], -1), size, alpha


def load_images(members: Sequence[Member], source: str) -> Dataset:
    """Decode images one at a time (only small crops are kept), then give them one square
    size and channel count; class = parent folder, if any."""
    decoded, skipped = [], []
    for name, read in members:
        try:
            decoded.append((name, *decode(read(), name, source)))
        except DECODE_ERRORS as exc:  # DatasetError (a limit) is not one of these: it stops
            skipped.append(f"{name}: {type(exc).__name__}")
    if not decoded:
        raise DatasetError(f"{source}: no readable images (PNG/JPEG/...) found"
                           + (f"; skipped {len(skipped)} unreadable files" if skipped else ""))
    (w, h), _ = Counter(size for _, _, size, _ in decoded).most_common(1)[0]
    if min(w, h) < MIN_SIDE:
        raise DatasetError(f"{source}: most images are {w}x{h} pixels; need at least "
                           f"{MIN_SIDE}x{MIN_SIDE} (MIN_SIDE)")
    side = min(w, h, MAX_SIDE)
    channels = 3 if any(arr.shape[-1] == 3 for _, arr, _, _ in decoded) else 1
    pool = np.stack([_to_square(arr, side, channels) for _, arr, _, _ in decoded])
    notes = _image_notes(decoded, side)
    parents = [str(Path(n).parent) for n, *_ in decoded]
    labels = None
    classes: tuple[str, ...] = ()
    if len(set(parents)) > 1:
        classes = tuple(sorted(set(parents)))
        labels = np.array([classes.index(p) for p in parents], dtype=np.int32)
    return Dataset(name=f"files:{source}", kind="images", pool=pool, labels=labels,
                   class_names=classes, skipped=tuple(skipped), notes=notes,
                   description=f"{len(pool):,} images from {source}, {side}x{side}x{channels}")


def _to_square(arr: np.ndarray, side: int, channels: int) -> np.ndarray:
    if arr.shape[0] != side:
        img = Image.fromarray(arr.squeeze(-1) if arr.shape[-1] == 1 else arr)
        arr = np.asarray(img.resize((side, side), Image.Resampling.BILINEAR)).reshape(side, side, -1)
    return np.repeat(arr, 3, axis=-1) if arr.shape[-1] < channels else arr


def _image_notes(decoded: list, side: int) -> tuple[str, ...]:
    """One line per kind of change, with a count and one example."""
    def line(verb: str, hits: list[str], how: str) -> list[str]:
        return [f"{verb} {len(hits):,} image(s) {how}, e.g. {hits[0]}"] if hits else []

    cropped = [f"{n} {w}x{h} -> {min(w, h)}x{min(w, h)}" for n, _, (w, h), _ in decoded
               if w != h]
    resized = [f"{n} {min(w, h)}x{min(w, h)} -> {side}x{side}" for n, _, (w, h), _ in decoded
               if min(w, h) != side]
    alpha = [n for n, _, _, a in decoded if a]
    return tuple(line("centre-cropped", cropped, "to square")
                 + line("resized", resized, f"to {side}x{side} (the most common size, at most "
                                             f"{MAX_SIDE}: MAX_SIDE)")
                 + line("dropped the transparency (alpha) of", alpha, "(not learned)"))


def fit_array(pool: np.ndarray, source: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """uint8 (N, H, W, C) -> square, at most MAX_SIDE, 1 or 3 channels; notes say what changed."""
    n, h, w, c = pool.shape
    if c > MAX_CHANNELS:
        raise DatasetError(f"{source}: images have {c} channels, more than {MAX_CHANNELS} "
                           f"(MAX_CHANNELS); expected (N, H, W, C) with C last")
    if min(h, w) < MIN_SIDE:
        raise DatasetError(f"{source}: images are {h}x{w} pixels; need at least "
                           f"{MIN_SIDE}x{MIN_SIDE} (MIN_SIDE)")
    notes = []
    if c in (2, 4):  # grey + alpha, RGBA: the picture without its transparency
        pool = pool[..., :c - 1]
        notes.append(f"dropped channel {c} of {c} (alpha, not learned)")
    m = min(h, w)
    if h != w:
        top, left = (h - m) // 2, (w - m) // 2
        pool = pool[:, top:top + m, left:left + m]
        notes.append(f"centre-cropped {n:,} image(s) to square, {h}x{w} -> {m}x{m}")
    if m > MAX_SIDE:
        pool = np.stack([_to_square(im, MAX_SIDE, im.shape[-1]) for im in pool])
        notes.append(f"resized {n:,} image(s) to {MAX_SIDE}x{MAX_SIDE} (at most {MAX_SIDE}: "
                     f"MAX_SIDE), {m}x{m} -> {MAX_SIDE}x{MAX_SIDE}")
    return np.require(pool, requirements=["C", "W"]), tuple(notes)  # copies if a view
