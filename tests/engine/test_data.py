import gzip
import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from conftest import MNIST5K
from gan_core import DatasetError
from gan_core.data import DATASETS, ONLINE_DATASETS, load_dataset
from gan_core.data import images as image_sets

OFFLINE = [n for n in DATASETS.names() if n not in ONLINE_DATASETS]


@pytest.mark.parametrize("name", OFFLINE)
def test_every_offline_dataset_loads(name):
    ds = load_dataset(name)
    assert len(ds.pool) > 1000
    x = ds.sample(64, np.random.default_rng(0))
    assert x.shape == (64, *ds.shape) and np.isfinite(x).all()
    if ds.kind == "images":
        assert x.min() >= -1 and x.max() <= 1 and x.max() > 0.9
        assert ds.labels is not None and len(ds.labels) == len(ds.pool)


def test_ring_modes_match_the_literature():
    ds = load_dataset("ring8", std=0.01)
    angles = np.sort(np.mod(np.arctan2(ds.centers[:, 1], ds.centers[:, 0]), 2 * np.pi))
    assert np.allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-6)
    assert np.allclose(np.linalg.norm(ds.centers, axis=1), 1.0)
    assert ds.pool.std(0).max() < 1.0 and ds.std == 0.01
    grid = load_dataset("grid25")
    assert sorted(set(grid.centers[:, 0].tolist())) == [-4, -2, 0, 2, 4] and grid.std == 0.05


@pytest.mark.parametrize("name", ONLINE_DATASETS)
def test_online_dataset_offline_says_what_to_do(name, monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(image_sets, "_online", lambda *a, **k: False)
    with pytest.raises(DatasetError, match="cannot reach the internet.*local copy"):
        load_dataset(name)


@pytest.mark.skipif(not MNIST5K.exists(), reason="shared MNIST sample not present")
def test_idx_folder_and_file():
    ds = load_dataset(str(MNIST5K))
    assert ds.pool.shape == (5000, 28, 28, 1) and ds.pool.dtype == np.uint8
    assert set(np.unique(ds.labels)) == set(range(10))
    same = load_dataset(str(MNIST5K / "mnist5k-images-idx3-ubyte.gz"))
    assert np.array_equal(same.pool, ds.pool)


def _idx_bytes(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return header + arr.astype(np.uint8).tobytes()


def test_idx_corrupt_and_truncated(tmp_path):
    good = np.random.default_rng(0).integers(0, 255, (10, 8, 8))
    p = tmp_path / "x-images-idx3-ubyte.gz"
    p.write_bytes(gzip.compress(_idx_bytes(good)[:-5]))
    with pytest.raises(DatasetError, match="truncated or corrupt"):
        load_dataset(str(p))
    p.write_bytes(b"not gzip at all")
    with pytest.raises(DatasetError, match="cannot read"):
        load_dataset(str(p))


def test_npz_points_and_images(tmp_path):
    pts = np.random.default_rng(0).normal(size=(500, 2))
    np.savez(tmp_path / "pts.npz", points=pts)
    assert load_dataset(str(tmp_path / "pts.npz")).kind == "points"
    imgs = np.random.default_rng(0).random((20, 16, 16))
    np.savez(tmp_path / "img.npz", x=imgs, y=np.arange(20) % 2)
    ds = load_dataset(str(tmp_path / "img.npz"))
    assert ds.shape == (16, 16, 1) and list(ds.class_names) == ["0", "1"]
    np.savez(tmp_path / "obj.npz", x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(DatasetError, match="not a readable .npz of plain arrays"):
        load_dataset(str(tmp_path / "obj.npz"))


def _png(colour, size=(12, 12), mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, colour).save(buf, format="PNG")
    return buf.getvalue()


def test_folder_and_zip_of_images_one_size_skips_reported(tmp_path):
    root = tmp_path / "imgs"
    for cls in ("cats", "dogs"):
        (root / cls).mkdir(parents=True)
        for i in range(3):
            (root / cls / f"{i}.png").write_bytes(_png((i * 40, 0, 0)))
    (root / "cats" / "big.png").write_bytes(_png((1, 2, 3), size=(30, 20)))
    (root / "dogs" / "broken.png").write_bytes(b"\x89PNG garbage")
    ds = load_dataset(str(root))
    assert ds.shape == (12, 12, 3) and len(ds.pool) == 7
    assert ds.class_names == ("cats", "dogs") and len(ds.skipped) == 1
    assert "broken.png" in ds.skipped[0]
    assert ds.report() == [
        "centre-cropped 1 image(s) to square, e.g. cats/big.png 30x20 -> 20x20",
        "resized 1 image(s) to 12x12 (the most common size, at most 64: MAX_SIDE), "
        "e.g. cats/big.png 20x20 -> 12x12",
        "skipped dogs/broken.png: UnidentifiedImageError"]
    zpath = tmp_path / "imgs.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in root.rglob("*.png"):
            zf.write(f, f.relative_to(root))
    assert load_dataset(str(zpath)).shape == (12, 12, 3)
    (tmp_path / "bad.zip").write_bytes(b"PK nope")
    with pytest.raises(DatasetError, match="not a readable .zip"):
        load_dataset(str(tmp_path / "bad.zip"))


def test_missing_path_and_unknown_name():
    with pytest.raises(DatasetError, match="no file or folder"):
        load_dataset("/nowhere/data.npz")
    with pytest.raises(DatasetError, match="unknown dataset 'ring9'"):
        load_dataset("ring9")


def test_non_square_images_are_centre_cropped_not_squashed(tmp_path):
    img = Image.new("RGB", (40, 30), (0, 255, 0))  # green side bars that a crop removes
    img.paste((255, 0, 0), (5, 0, 20, 30))
    img.paste((0, 0, 255), (20, 0, 35, 30))
    (tmp_path / "pics").mkdir()
    img.save(tmp_path / "pics" / "a.png")
    ds = load_dataset(str(tmp_path / "pics"))
    assert ds.shape == (30, 30, 3)
    assert (ds.pool[0, :, :15] == (255, 0, 0)).all() and (ds.pool[0, :, 15:] == (0, 0, 255)).all()
    assert ds.notes == ("centre-cropped 1 image(s) to square, e.g. a.png 40x30 -> 30x30",)


def test_npz_changes_and_dropped_labels_are_reported(tmp_path):
    x = np.random.default_rng(0).random((10, 8, 12, 4))
    np.savez(tmp_path / "rgba.npz", x=x, y=np.arange(10) * 10**6)
    ds = load_dataset(str(tmp_path / "rgba.npz"))
    assert ds.shape == (8, 8, 3) and ds.labels is None and ds.pool.flags.writeable
    assert ds.report() == [
        "dropped channel 4 of 4 (alpha, not learned)",
        "centre-cropped 10 image(s) to square, 8x12 -> 8x8",
        "skipped labels 'y' of rgba.npz (need whole numbers 0..999, MAX_CLASSES)"]
    assert ds.report(max_lines=2) == [ds.report()[0], "... and 2 more"]
    big = np.random.default_rng(0).random((3, 100, 100))
    np.savez(tmp_path / "big.npz", x=big, y=np.zeros(4))
    ds = load_dataset(str(tmp_path / "big.npz"))
    assert ds.shape == (64, 64, 1)
    assert ds.report() == ["resized 3 image(s) to 64x64 (at most 64: MAX_SIDE), 100x100 -> 64x64",
                           "skipped labels 'y' of big.npz (4 labels for 3 samples)"]


def test_idx_with_a_broken_labels_file_keeps_the_images(tmp_path):
    (tmp_path / "a-images-idx3-ubyte").write_bytes(_idx_bytes(np.ones((5, 8, 8))))
    (tmp_path / "a-labels-idx1-ubyte").write_bytes(b"junk")
    ds = load_dataset(str(tmp_path / "a-images-idx3-ubyte"))
    assert ds.shape == (8, 8, 1) and ds.labels is None and ds.pool.flags.writeable
    assert ds.report() == ["skipped labels a-labels-idx1-ubyte: not an unsigned-byte IDX file "
                           "(bad magic number)"]


def test_labels_that_skip_numbers_are_renumbered_and_keep_their_names(tmp_path):
    """A file of 3s and 8s only is two classes, not nine with seven empty (empty rows in a
    conditional grid, classes counted as missing)."""
    y = np.array([8, 3, 3, 8, 8, 3])
    np.savez(tmp_path / "two.npz", x=np.random.default_rng(0).random((6, 8, 8)), y=y)
    ds = load_dataset(str(tmp_path / "two.npz"))
    assert ds.n_classes == 2 and ds.class_names == ("3", "8")
    np.testing.assert_array_equal(ds.labels, [1, 0, 0, 1, 1, 0])
    assert ds.report() == [
        "labels 'y' of two.npz: its labels skip numbers, so they were renumbered in order "
        "(3 -> 0, 8 -> 1); each class keeps the file's number as its name, and a class id "
        "asked for (export, the CLI) is the new number"]
    (tmp_path / "b-images-idx3-ubyte").write_bytes(_idx_bytes(np.ones((3, 8, 8))))
    (tmp_path / "b-labels-idx1-ubyte").write_bytes(_idx_bytes(np.array([1, 2, 1])))
    ds = load_dataset(str(tmp_path / "b-images-idx3-ubyte"))
    assert ds.class_names == ("1", "2") and ds.labels.tolist() == [0, 1, 0]
    assert "(1 -> 0, 2 -> 1)" in ds.report()[0]
    np.savez(tmp_path / "all.npz", x=np.zeros((3, 8, 8)), y=np.array([2, 0, 1]))  # unchanged
    ds = load_dataset(str(tmp_path / "all.npz"))
    assert ds.class_names == ("0", "1", "2") and ds.labels.tolist() == [2, 0, 1] and not ds.notes
