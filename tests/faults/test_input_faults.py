"""Bad inputs (issue 11): every hostile or broken dataset and config ends in one typed error
that names the file and the limit or reason; never a traceback, a hang or a silent change.

Each row of a table makes its bad input in `tmp_path`. Limits too costly to reach for real
(100,000 images, 200 MB) are lowered with monkeypatch; the bombs are real.
"""
import gzip
import io
import os
import resource
import struct
import tomllib
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT
from gan_core import ConfigError, DatasetError, GanscopeError, RunConfig
from gan_core.data import archive, files, load_dataset, resolve_dataset

MiB = 2**20


# ---- makers ----------------------------------------------------------------------------------

def _png(size=(8, 8), colour=(200, 10, 10), mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, colour).save(buf, format="PNG")
    return buf.getvalue()


def _png_header(w: int, h: int) -> bytes:
    """A PNG that declares w x h pixels and holds none: a decompression bomb's header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b""))
            + chunk(b"IEND", b""))


def _zip(path: Path, entries: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, blob in entries.items():
            zf.writestr(name, blob)
    return path


def _zip_of_zeros(path: Path, mib: int, name: str = "bomb.png") -> Path:
    """`mib` MB of zeros deflated through a streaming write: ~4.5 KB a MB on disk."""
    zero = bytes(MiB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open(name, "w") as fh:
            for _ in range(mib):
                fh.write(zero)
    return path


def _patch_zip(path: Path, local: dict[int, bytes], central: dict[int, bytes]) -> Path:
    """Overwrite fields of the (only) entry's local and central headers."""
    raw = bytearray(path.read_bytes())
    for sig, fields in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        at = raw.index(sig)
        for offset, value in fields.items():
            raw[at + offset: at + offset + len(value)] = value
    path.write_bytes(bytes(raw))
    return path


def _idx(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(d.to_bytes(4, "big") for d in arr.shape)
    return header + arr.astype(np.uint8).tobytes()


def _npz(path: Path, **arrays) -> Path:
    np.savez(path, **arrays)
    return path


def _npy_claiming(shape: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "|u1", "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue() + bytes(64)


def _folder(path: Path, blobs: dict[str, bytes]) -> Path:
    for name, blob in blobs.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(blob)
    return path


def _images(n=12, side=8, c=1) -> np.ndarray:
    return np.random.default_rng(0).random((n, side, side, c)).astype(np.float32)


def _nan_images() -> np.ndarray:
    x = _images()
    x[3, 2, 2, 0] = np.nan
    return x


def _lying_zip(tmp: Path) -> Path:
    """An entry that declares 1,000 bytes and holds 30 MB."""
    size = (1000).to_bytes(4, "little")
    return _patch_zip(_zip_of_zeros(tmp / "lying.zip", 30, "liar.png"), {22: size}, {24: size})


def _encrypted_zip(tmp: Path) -> Path:
    flag = (1).to_bytes(2, "little")  # general purpose bit 0: encrypted
    return _patch_zip(_zip(tmp / "locked.zip", {"a.png": _png()}), {6: flag}, {8: flag})


def _corrupt_zip(tmp: Path) -> Path:
    path = _zip(tmp / "corrupt.zip", {"a.png": bytes(range(256)) * 64})
    raw = bytearray(path.read_bytes())
    raw[40:60] = b"\xff" * 20  # inside the deflate stream
    path.write_bytes(bytes(raw))
    return path


def _lower(monkeypatch, module, **limits):
    for name, value in limits.items():
        monkeypatch.setattr(module, name, value)


# ---- the table: (id, make(tmp_path, monkeypatch) -> path, words the message must hold) -------

DATA_FAULTS = [
    ("zip-bomb-entry", lambda t, m: _zip_of_zeros(t / "bomb.zip", 40),
     ["bomb.zip", "bomb.png", "40 MB", "20 MB limit"]),
    ("zip-ratio", lambda t, m: _zip_of_zeros(t / "dense.zip", 5),
     ["dense.zip", "bomb.png", "100:1 limit", "MAX_RATIO"]),
    ("zip-declared-size-lies", lambda t, m: _lying_zip(t),
     ["lying.zip", "liar.png", "Bad CRC"]),
    ("zip-encrypted", lambda t, m: _encrypted_zip(t),
     ["locked.zip", "not a readable .zip", "encrypted"]),
    ("zip-corrupt-deflate", lambda t, m: _corrupt_zip(t),
     ["corrupt.zip", "not a readable .zip"]),
    ("zip-too-many-entries",
     lambda t, m: _lower(m, archive, MAX_ENTRIES=5)
     or _zip(t / "many.zip", {f"{i}.txt": b"x" for i in range(6)}),
     ["many.zip", "6 entries", "5-entry limit", "MAX_ENTRIES"]),
    ("zip-too-many-images",
     lambda t, m: _lower(m, files, MAX_IMAGES=3)
     or _zip(t / "lots.zip", {f"{i}.png": _png() for i in range(4)}),
     ["lots.zip", "4 images", "3 limit", "MAX_IMAGES"]),
    ("zip-total-bytes",
     lambda t, m: _lower(m, archive, MAX_TOTAL_BYTES=100_000)
     or _zip(t / "heavy.zip", {f"{i}.png": os.urandom(40_000) for i in range(3)}),
     ["heavy.zip", "0.095 MB limit", "MAX_TOTAL_BYTES"]),
    ("folder-too-many-images",
     lambda t, m: _lower(m, files, MAX_IMAGES=3)
     or _folder(t / "pics", {f"{i}.png": _png() for i in range(4)}),
     ["pics", "3 images", "MAX_IMAGES"]),
    ("folder-file-too-big",
     lambda t, m: _lower(m, files, MAX_ENTRY_BYTES=1000)
     or _folder(t / "pics", {"a/big.png": os.urandom(2000), "a/ok.png": _png()}),
     ["pics", "a/big.png", "MAX_ENTRY_BYTES"]),
    # 81 Mpx: our limit; 100 Mpx: Pillow's warning (> 89 Mpx); 900 Mpx: Pillow's error
    ("pixels-over-our-limit",
     lambda t, m: _folder(t / "pics", {"huge.png": _png_header(9000, 9000), "ok.png": _png()}),
     ["pics", "huge.png", "9000x9000", "64 Mpx limit", "MAX_PIXELS"]),
    ("pixels-pillow-warning",
     lambda t, m: _zip(t / "warn.zip", {"w.png": _png_header(10_000, 10_000)}),
     ["warn.zip", "w.png", "64 Mpx limit"]),
    ("pixels-pillow-error",
     lambda t, m: _zip(t / "err.zip", {"e.png": _png_header(30_000, 30_000)}),
     ["err.zip", "e.png", "64 Mpx limit", "decompression bomb"]),
    ("images-1x1", lambda t, m: _folder(t / "dots", {f"{i}.png": _png((1, 1)) for i in range(3)}),
     ["dots", "1x1", "at least 4x4", "MIN_SIDE"]),
    ("idx-header-too-big",
     lambda t, m: _write(t / "big-images-idx3-ubyte.gz",
                         gzip.compress(bytes([0, 0, 8, 3]) + b"".join(
                             d.to_bytes(4, "big") for d in (1_000_000, 1000, 1000)))),
     ["big-images-idx3-ubyte.gz", "(1000000, 1000, 1000)", "200 MB limit", "MAX_TOTAL_BYTES"]),
    ("idx-gz-corrupt",
     lambda t, m: _write(t / "c-images-idx3-ubyte.gz", _corrupt_gz()),
     ["c-images-idx3-ubyte.gz", "cannot read", "invalid block type"]),
    ("idx-gz-bad-crc",
     lambda t, m: _write(t / "k-images-idx3-ubyte.gz", _bad_crc_gz()),
     ["k-images-idx3-ubyte.gz", "cannot read", "CRC check failed"]),
    ("idx-gz-truncated",
     lambda t, m: _write(t / "t-images-idx3-ubyte.gz",
                         bytes(_gz_idx()[:-1000])),
     ["t-images-idx3-ubyte.gz", "cannot read", "ended before"]),
    ("idx-more-than-header",
     lambda t, m: _write(t / "x-images-idx3-ubyte", _idx(np.ones((2, 8, 8))) + b"extra"),
     ["x-images-idx3-ubyte", "size does not match (2, 8, 8)"]),
    ("idx-too-many-images",
     lambda t, m: _lower(m, files, MAX_IMAGES=5)
     or _write(t / "n-images-idx3-ubyte", _idx(np.ones((6, 8, 8)))),
     ["n-images-idx3-ubyte", "6 images", "5 limit", "MAX_IMAGES"]),
    ("idx-1x1", lambda t, m: _write(t / "d-images-idx3-ubyte", _idx(np.ones((5, 1, 1)))),
     ["d-images-idx3-ubyte", "1x1", "4x4"]),
    ("npz-empty", lambda t, m: _npz(t / "empty.npz"), ["empty.npz", "holds no arrays"]),
    ("npz-zero-samples", lambda t, m: _npz(t / "zero.npz", x=np.zeros((0, 8, 8))),
     ["zero.npz", "0 samples"]),
    ("npz-nan-image", lambda t, m: _npz(t / "nan.npz", x=_nan_images()),
     ["nan.npz", "x", "1 pixel value(s)", "NaN"]),
    ("npz-huge-image", lambda t, m: _npz(t / "hot.npz", x=_images().astype(np.float64) * 1e300),
     ["hot.npz", "beyond float32"]),
    ("npz-inf-points", lambda t, m: _npz(t / "inf.npz", points=np.array([[0, 1], [np.inf, 2]])),
     ["inf.npz", "points", "NaN or Inf"]),
    ("npz-huge-points", lambda t, m: _npz(t / "big.npz", points=np.array([[0, 1], [1e300, 2]])),
     ["big.npz", "beyond float32"]),
    ("npz-object", lambda t, m: _npz(t / "obj.npz", x=np.array([{"a": 1}], dtype=object)),
     ["obj.npz", "Python objects"]),
    ("npz-strings", lambda t, m: _npz(t / "text.npz", x=np.array([["a", "b"]] * 3)),
     ["text.npz", "<U1", "need real numbers"]),
    ("npz-channels", lambda t, m: _npz(t / "chan.npz", x=_images(c=5)),
     ["chan.npz", "5 channels", "MAX_CHANNELS"]),
    ("npz-channels-first", lambda t, m: _npz(t / "cf.npz", x=np.zeros((4, 3, 8, 8))),
     ["cf.npz", "8 channels", "C last"]),
    ("npz-1x1-rgb", lambda t, m: _npz(t / "px.npz", x=np.zeros((10, 1, 1, 3), np.uint8)),
     ["px.npz", "1x1", "4x4", "MIN_SIDE"]),
    ("npz-bomb", lambda t, m: _savez_compressed(t / "zeros.npz", x=np.zeros((10 * MiB,), np.uint8)),
     ["zeros.npz", "x.npy", "100:1 limit"]),
    ("npz-header-lies", lambda t, m: _zip(t / "claim.npz", {"x.npy": _npy_claiming((10**9,))}),
     ["claim.npz", "(1000000000,)", "more than the entry holds"]),
    ("npz-is-an-npy", lambda t, m: _write(t / "renamed.npz", _npy_bytes()),
     ["renamed.npz", "not a readable .npz"]),
    ("fifo", lambda t, m: _fifo(t / "pipe.npz"), ["pipe.npz", "not a regular file"]),
]


def _write(path: Path, blob: bytes) -> Path:
    path.write_bytes(blob)
    return path


def _gz_idx() -> bytearray:
    return bytearray(gzip.compress(_idx(np.random.default_rng(0).integers(0, 255, (50, 8, 8)))))


def _corrupt_gz() -> bytes:
    raw = _gz_idx()
    raw[10] = 0x07  # the first deflate block: final, of the reserved type 3 (zlib.error)
    return bytes(raw)


def _bad_crc_gz() -> bytes:
    raw = _gz_idx()
    raw[-8] ^= 0xFF  # the CRC-32 in the trailer (gzip.BadGzipFile)
    return bytes(raw)


def _savez_compressed(path: Path, **arrays) -> Path:
    np.savez_compressed(path, **arrays)
    return path


def _npy_bytes() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.zeros((3, 2)))
    return buf.getvalue()


def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


@pytest.mark.filterwarnings("error")  # a warning printed next to the error is a second message
@pytest.mark.parametrize("make, words", [row[1:] for row in DATA_FAULTS],
                         ids=[row[0] for row in DATA_FAULTS])
def test_bad_dataset_is_one_clear_error(make, words, tmp_path, monkeypatch):
    path = make(tmp_path, monkeypatch)
    with pytest.raises(DatasetError) as err:
        load_dataset(str(path))
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    return _zip_of_zeros(tmp_path_factory.mktemp("bomb") / "bomb.zip", 300)


@pytest.mark.parametrize("make", [lambda t: None, _lying_zip], ids=["declared", "lying"])
def test_a_zip_bomb_is_refused_before_it_is_unpacked(make, bomb, tmp_path):
    """A 1.4 MB zip holding 300 MB (declared), or declaring 1,000 bytes and holding 30 MB:
    refused while the memory used stays at a few MB (tracemalloc sees numpy and bytes)."""
    path = make(tmp_path) or bomb
    assert path.stat().st_size < 2 * MiB
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    tracemalloc.start()
    try:
        with pytest.raises(DatasetError, match=r"bomb\.png|liar\.png"):
            load_dataset(str(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * MiB
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0 < 64 * 1024


# ---- config.json -------------------------------------------------------------------------------

CONFIG_FAULTS = [
    ("list", "[]", ["must be a JSON object", "got list"]),
    ("not-json", "{ema: 0.9", ["must be JSON"]),
    ("deeply-nested", "[" * 100_000, ["must be JSON"]),
    ("ema-text", '{"ema": "x"}', ["ema must be a finite number", "'x'"]),
    ("ema-nan", '{"ema": NaN}', ["ema must be a finite number"]),
    ("spectral-norm-text", '{"spectral_norm": "no"}', ["spectral_norm must be true or false",
                                                       "'no'"]),
    ("spectral-norm-int", '{"spectral_norm": 1}', ["spectral_norm must be true or false"]),
    ("width-text", '{"width": "12"}', ["width must be a whole number", "'12'"]),
    ("title-number", '{"title": 5}', ["title must be text", "5"]),
    ("loss-list", '{"loss": ["hinge"]}', ["loss must be text"]),
    ("dataset-null", '{"dataset": null}', ["dataset must be text", "None"]),
    ("data-std-text", '{"data_std": "0.1"}', ["data_std must be a finite number"]),
]


@pytest.mark.parametrize("text, words", [row[1:] for row in CONFIG_FAULTS],
                         ids=[row[0] for row in CONFIG_FAULTS])
def test_bad_config_json_is_one_clear_error(text, words):
    with pytest.raises(ConfigError) as err:
        RunConfig.from_json(text)
    for word in words:
        assert word in str(err.value), f"{word!r} not in {str(err.value)!r}"


def test_unknown_config_keys_are_ignored_and_a_bad_run_config_names_its_file(tmp_path):
    cfg = RunConfig.from_json('{"dataset": "grid25", "from_the_future": 1}')
    assert cfg == RunConfig(dataset="grid25")
    from gan_core.store import RunStore

    (tmp_path / "config.json").write_text('{"spectral_norm": "no"}')
    with pytest.raises(GanscopeError, match=r"config\.json.*spectral_norm must be true or false"):
        RunStore.open(tmp_path).config()


# ---- models: every side the DCGAN accepts, it makes ----------------------------------------

@pytest.mark.parametrize("side", [4, 6, 10, 28, 64])
def test_dcgan_makes_every_even_side(side):
    from gan_core.models import build_discriminator, build_generator

    cfg = RunConfig(dataset="digits", model="dcgan", width=4, z_dim=4)
    g = build_generator(cfg, (side, side, 3), True)
    d = build_discriminator(cfg, (side, side, 3), True)
    assert g.output_shape == (None, side, side, 3) and d(g(np.zeros((1, 4)))).shape == (1, 1)


@pytest.mark.parametrize("shape", [(5, 5, 1), (7, 7, 3), (63, 63, 1), (8, 6, 1)])
def test_dcgan_refuses_a_side_it_cannot_make(shape):
    from gan_core.models import build_generator

    cfg = RunConfig(dataset="digits", model="dcgan", width=4, z_dim=4)
    with pytest.raises(ConfigError, match="even side.*use model=mlp"):
        build_generator(cfg, shape, True)


# ---- the CLI: exit 2, one line, no run folder ------------------------------------------------

CLI_FAULTS = [  # one per kind: archive, decoded pixels, IDX/.gz, .npz, shape, model, setting
    ("zip", lambda t: _zip_of_zeros(t / "bomb.zip", 30), [], "20 MB limit"),
    ("pixels", lambda t: _zip(t / "px.zip", {"e.png": _png_header(30_000, 30_000)}), [],
     "64 Mpx limit"),
    ("gz", lambda t: _write(t / "c-images-idx3-ubyte.gz", _corrupt_gz()), [], "cannot read"),
    ("npz", lambda t: _npz(t / "nan.npz", x=_nan_images()), [], "NaN"),
    ("channels", lambda t: _npz(t / "chan.npz", x=_images(c=5)), [], "MAX_CHANNELS"),
    ("dcgan-side", lambda t: _npz(t / "odd.npz", x=_images(side=7, c=3)),
     ["--set", "model=dcgan"], "even side"),
    ("setting", lambda t: _npz(t / "ok.npz", x=_images()), ["--set", "spectral_norm=maybe"],
     "cannot read 'maybe'"),
]


@pytest.mark.parametrize("make, extra, words", [row[1:] for row in CLI_FAULTS],
                         ids=[row[0] for row in CLI_FAULTS])
def test_cli_train_on_bad_input_exits_2_with_one_line(make, extra, words, tmp_path, capsys):
    from gan_core.cli import main

    path = make(tmp_path)
    runs = tmp_path / "runs"
    code = main(["train", "--dataset", str(path), "--steps", "1", "--runs-dir", str(runs),
                 *extra])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("error: ") and words in err[0]
    assert not runs.exists()


# ---- limits that must agree ----------------------------------------------------------------

def test_streamlit_upload_limit_matches_the_archive_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * MiB == archive.MAX_TOTAL_BYTES


def test_a_relative_dataset_path_is_stored_absolute(tmp_path, monkeypatch):
    from gan_core.defaults import defaults_for

    _npz(tmp_path / "pts.npz", points=np.random.default_rng(0).normal(size=(50, 2)))
    monkeypatch.chdir(tmp_path)
    assert resolve_dataset("pts.npz") == str(tmp_path / "pts.npz")
    assert resolve_dataset("ring8") == "ring8"
    assert defaults_for("pts.npz").dataset == str(tmp_path / "pts.npz")
