"""Bounded reading: archive entries and streams are checked against limits before (declared
sizes) and while (actual bytes) they are unpacked, so a small hostile file cannot fill memory.
Each refusal is a DatasetError naming the file, the entry and the limit."""
from __future__ import annotations

import lzma
import zipfile
import zlib
from pathlib import Path

from ..errors import DatasetError

MiB = 2**20
MAX_TOTAL_BYTES = 200 * MiB  # what one .zip/.npz/IDX may unpack to; the app's upload limit too
MAX_ENTRY_BYTES = 20 * MiB  # one image file: a 24 Mpx JPEG is ~10 MB; more is not a sample
MAX_RATIO = 100  # unpacked:packed of one archive entry; images barely compress, bombs do 1000:1
RATIO_GRACE_BYTES = 1 * MiB  # below this the ratio is not checked: a blank BMP deflates 200:1
MAX_ENTRIES = 210_000  # twice MAX_IMAGES (__MACOSX twins) plus folders; each costs memory
CHUNK = 1 * MiB  # streaming reads: memory stays at a chunk past the limit, never the file
# What zipfile raises on damaged, encrypted or unsupported entries (zlib: corrupt deflate).
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError,
              NotImplementedError, RuntimeError)


def mb(n: int) -> str:
    """Bytes as the megabytes (MiB) a message shows."""
    return f"{n / MiB:,.0f} MB" if n >= MiB else f"{n / MiB:.2g} MB"


def read_at_most(fh, n: int) -> bytes:
    """Up to `n` bytes from a stream, a chunk at a time: a lying header cannot make us
    allocate more, and a caller asking for limit + 1 learns whether there was more."""
    buf = bytearray()
    while len(buf) < n:
        chunk = fh.read(min(CHUNK, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def check_entry_count(path: Path) -> None:
    """Count entries from the end record, before ZipFile builds an object for every one of
    them (a small file can list millions). zipfile's own reader; private but long stable."""
    with open(path, "rb") as fh:
        end = zipfile._EndRecData(fh)  # type: ignore[attr-defined]
    if end is None:
        return  # not a zip: ZipFile says so
    entries = end[zipfile._ECD_ENTRIES_TOTAL]  # type: ignore[attr-defined]
    cd_bytes = end[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
    if entries > MAX_ENTRIES or cd_bytes > MAX_ENTRIES * 512:
        raise DatasetError(f"{path.name}: its directory lists {entries:,} entries "
                           f"({mb(cd_bytes)}), more than the {MAX_ENTRIES:,}-entry limit "
                           f"(MAX_ENTRIES)")


def check_entry(archive: str, name: str, size: int, packed: int, limit: int) -> None:
    """An entry's size and compression ratio: on the declared sizes before a byte of it is
    unpacked, and again on the bytes that came out."""
    if size > limit:
        raise DatasetError(f"{archive}: {name} unpacks to {mb(size)}, more than the "
                           f"{mb(limit)} limit for one entry")
    if size > RATIO_GRACE_BYTES and size > MAX_RATIO * packed:
        raise DatasetError(f"{archive}: {name} is compressed {size / max(packed, 1):,.0f}:1, "
                           f"more than the {MAX_RATIO}:1 limit (MAX_RATIO): a zip bomb?")


def check_total(archive: str, total: int) -> None:
    """What an archive unpacks to in all, declared or read so far."""
    if total > MAX_TOTAL_BYTES:
        raise DatasetError(f"{archive}: unpacks to more than the {mb(MAX_TOTAL_BYTES)} "
                           f"limit (MAX_TOTAL_BYTES)")


def read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: str, limit: int) -> bytes:
    """An entry's bytes, streamed with a cap: its declared size may lie."""
    with zf.open(info) as fh:
        blob = read_at_most(fh, limit + 1)
    check_entry(archive, info.filename, len(blob), info.compress_size, limit)
    return blob
