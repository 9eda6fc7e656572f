"""A run's folder on disk, written while it trains, so a crash or a closed tab loses little.

    <runs>/<run id>/config.json          the RunConfig
                    drawing.npz          a drawn run's points (its dataset names them: data/drawn.py)
                    status.json          state, message, step, elapsed, devices (rewritten atomically)
                    metrics.csv          one row per step, appended each snapshot
                    frames/step_*.png    the fixed-noise mosaic per snapshot (images)
                    frames/step_*.npz    points and fields per snapshot (2D)
                    diagnostics.jsonl    one JSON object per snapshot
                    weights/step_*.npz   G's weights at up to MAX_KEPT_GENERATORS evenly spaced steps
                    checkpoints/         tf.train.Checkpoint files (weights, optimizers, step)
                    tb/                  TensorBoard event files (tensorboard_log.py; append-only)
                    lock                 held (flock) by the one process training the run

Reading never writes: every `read_*` method leaves each byte as it was, so viewing, `eval`,
`export` and comparing are safe while another process trains the run. The one writer (the
process holding `lock`) drops what a crash left past the last checkpoint with `drop_after`,
the only call that removes recorded history. Write failures (a full disk) raise StoreError
and leave no torn line and no temporary file behind.

Run ids are generated here; user text (a title) never becomes a path.
"""
from __future__ import annotations

import fcntl
import io
import json
import logging
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf
from PIL import Image

from .config import RunConfig
from .errors import DatasetError, GanscopeError, StoreError
from .run_state import Snapshot, spread

log = logging.getLogger(__name__)

MAX_KEPT_GENERATORS = 40  # generator weights kept per run, for looking at earlier snapshots


def runs_dir_default() -> Path:
    """Where runs live unless told otherwise: $GANSCOPE_RUNS, else ./runs (read when asked,
    so a test or a server started with the variable set sees it)."""
    return Path(os.environ.get("GANSCOPE_RUNS", "runs"))


def new_run_id(cfg: RunConfig) -> str:
    from .data import DATASETS, is_drawn

    tag = cfg.dataset if cfg.dataset in DATASETS else "drawn" if is_drawn(cfg.dataset) else "files"
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{tag}-{secrets.token_hex(2)}"


def _io_error(what: Path, exc: BaseException) -> StoreError:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return StoreError(f"could not write {what.parent.name}/{what.name}: {reason}")


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write `path` through a temporary file renamed into place: readers see the old file or
    the new one, and a failed write leaves neither half a file nor the temporary."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except (OSError, ValueError) as exc:
        tmp.unlink(missing_ok=True)
        raise _io_error(path, exc) from exc


def _append(path: Path, text: str) -> None:
    """Append `text` and fsync; on failure cut the file back to its old length, so a full
    disk never leaves a torn line."""
    size = path.stat().st_size if path.exists() else 0
    try:
        with open(path, "a") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        try:
            os.truncate(path, size)  # frees space: works on a full disk
        except OSError:
            log.exception("could not cut %s back after a failed write", path)
        raise _io_error(path, exc) from exc


def _read_frame(f: Path, step: int, metrics: dict[str, Any]) -> Snapshot:
    """One snapshot file with its pictures (a grid PNG, or points and the 2D field)."""
    if f.suffix == ".png":
        grid = np.asarray(Image.open(f))
        return Snapshot(step, grid=grid[..., None] if grid.ndim == 2 else grid, metrics=metrics)
    with np.load(f, allow_pickle=False) as z:
        field = {k[6:]: _wide(z[k]) for k in z.files if k.startswith("field_")}
        return Snapshot(step, points=_wide(z["points"]), field=field, metrics=metrics)


def _step_of(path: Path) -> int | None:
    """step_000001234.png -> 1234; None for a file that is not ours."""
    name = path.name.split(".")[0]
    try:
        return int(name[5:]) if name.startswith("step_") else None
    except ValueError:
        return None


class RunStore:
    """One run folder. Any number of readers; writers only in the process holding `lock()`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.run_id = self.path.name
        self._pending: list[str] = []
        self._lock_fh: Any = None
        self.warnings: list[str] = []  # what reading had to skip (a damaged line, ...)

    # ---- creating and opening ----------------------------------------------------------------
    @classmethod
    def create(cls, cfg: RunConfig, runs_dir: Path | str | None = None,
               run_id: str | None = None) -> RunStore:
        """A new run folder, named `run_id` (a recording keeps its run's id) or a new id."""
        root = Path(runs_dir) if runs_dir is not None else runs_dir_default()
        path = root / (run_id or new_run_id(cfg))
        try:
            (path / "frames").mkdir(parents=True)
        except OSError as exc:
            raise StoreError(f"cannot create a run folder in {root}: {exc.strerror}") from exc
        _atomic(path / "config.json", lambda tmp: tmp.write_text(cfg.to_json()))
        store = cls(path)
        store._write_drawing(cfg)
        return store

    @classmethod
    def open(cls, path: Path | str) -> RunStore:
        path = Path(path)
        if not (path / "config.json").is_file():
            raise StoreError(f"{path} is not a GANscope run folder (no config.json)")
        return cls(path)

    def tensorboard_dir(self) -> Path:
        """Where the training thread writes TensorBoard event files (nothing here reads them:
        `tensorboard --logdir <runs>` does)."""
        return self.path / "tb"

    def _write_drawing(self, cfg: RunConfig) -> None:
        """A drawn run's points, so the run reopens with its data anywhere (data/drawn.py)."""
        from .data import DRAWINGS, is_drawn

        if is_drawn(cfg.dataset):
            points = DRAWINGS.get(cfg.dataset)
            _atomic(self.path / "drawing.npz", lambda tmp: _savez(tmp, {"points": points}))

    def drawing(self) -> np.ndarray:
        """The points of a drawn run, checked against its dataset name and made known to this
        process (data.DRAWINGS), so its config loads. StoreError when they are missing,
        damaged or not the drawing the config names."""
        from .data import DRAWINGS

        name = self.config().dataset
        try:
            with np.load(self.path / "drawing.npz", allow_pickle=False) as z:
                points = z["points"]
            if DRAWINGS.add(points) != name:
                raise StoreError(f"run {self.run_id}: drawing.npz holds other points than its "
                                 f"dataset {name} names")
        except (OSError, ValueError, KeyError, DatasetError) as exc:
            raise StoreError(f"run {self.run_id}: its drawn points are missing or damaged "
                             f"(drawing.npz: {exc})") from exc
        return DRAWINGS.get(name)

    def write_owner(self, owner: str) -> None:
        """Who may control the run when the app has roles (an opaque tag, never a secret)."""
        _atomic(self.path / "owner.json", lambda tmp: tmp.write_text(json.dumps({"owner": owner})))

    def owner(self) -> str | None:
        """The tag `write_owner` recorded; None when none was (or the file is unreadable:
        then only the teacher controls the run)."""
        try:
            owner = json.loads((self.path / "owner.json").read_text()).get("owner")
        except (OSError, ValueError, AttributeError):
            return None
        return owner if isinstance(owner, str) and owner else None

    def config(self) -> RunConfig:
        """The run's config; StoreError naming the folder for anything malformed."""
        try:
            text = (self.path / "config.json").read_text()
            return RunConfig.from_json(text)
        except (OSError, ValueError, TypeError, AttributeError, GanscopeError) as exc:
            raise StoreError(f"run {self.run_id}: unreadable config.json ({exc})") from exc

    # ---- the one writer ------------------------------------------------------------------------
    def lock(self) -> None:
        """Become the run's one writer. The OS releases the lock if the process dies, so a
        crash never leaves a run locked. StoreError when another process (or another trainer
        in this one) holds it."""
        if self._lock_fh is not None:
            return
        fh = open(self.path / "lock", "a+")  # noqa: SIM115  (held open: the lock lives with it)
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise StoreError(f"run {self.run_id} is being trained by process {holder}; "
                             "open it to watch, or stop that process first") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._lock_fh = fh

    def unlock(self) -> None:
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def drop_after(self, step: int) -> None:
        """Remove everything recorded after `step`: what a crash or a rollback left past the
        checkpoint the weights came from. Only the writer calls this, before training on."""
        self._pending.clear()
        self._cut_lines(self.path / "metrics.csv", step, header=True,
                        step_of=lambda line: int(float(line.split(",", 1)[0])))
        self._cut_lines(self.path / "diagnostics.jsonl", step, header=False,
                        step_of=lambda line: int(json.loads(line)["step"]))
        for folder in ("frames", "weights"):
            for f in self._stepped(folder):
                s = _step_of(f)
                if s is not None and s > step:
                    f.unlink(missing_ok=True)

    @staticmethod
    def _cut_lines(path: Path, step: int, header: bool, step_of: Callable[[str], int]) -> None:
        """Truncate a step-ordered file before its first line past `step` (and a torn last
        line), in place, so it needs no free space. A damaged line in the middle stays:
        readers skip it, and cutting there would throw away the good lines after it."""
        if not path.exists():
            return
        offset = 0
        with open(path, "rb") as fh:
            for i, raw in enumerate(fh):
                if not raw.endswith(b"\n"):
                    break  # torn by a crash mid-write
                if not (header and i == 0):
                    try:
                        if step_of(raw.decode()) > step:
                            break
                    except (ValueError, KeyError, TypeError, IndexError, UnicodeDecodeError):
                        pass
                offset += len(raw)
        if offset < path.stat().st_size:
            os.truncate(path, offset)

    # ---- metrics -------------------------------------------------------------------------------
    def append_metrics(self, names: tuple[str, ...], first_step: int, rows: np.ndarray) -> None:
        """Buffer rows; they reach the file at `flush()` (every snapshot, pause, stop). Steps
        are written as integers at any magnitude."""
        if not (self.path / "metrics.csv").exists() and not self._pending:
            self._pending.append("step," + ",".join(names) + "\n")
        values = rows.astype(np.float64).tolist()
        self._pending.append("".join(
            f"{first_step + i}," + ",".join(f"{v:.6g}" for v in row) + "\n"
            for i, row in enumerate(values)))

    def flush(self) -> None:
        """Write buffered rows. On failure they are dropped from the buffer and the file is cut
        back to its last whole line: the caller rolls back to the last checkpoint."""
        if self._pending:
            text = "".join(self._pending)
            self._pending.clear()
            _append(self.path / "metrics.csv", text)

    def read_metrics(self, max_step: int | None = None) -> tuple[list[str], np.ndarray]:
        """Column names and rows (step first), up to `max_step` when given. A damaged line is
        skipped with a note in `warnings`; the file is never changed."""
        path = self.path / "metrics.csv"
        try:
            lines = path.read_text().splitlines()
        except FileNotFoundError:
            return [], np.zeros((0, 0))
        except (OSError, UnicodeDecodeError) as exc:
            self.warnings.append(f"metrics.csv unreadable ({exc}); curves not shown")
            return [], np.zeros((0, 0))
        if not lines:
            return [], np.zeros((0, 0))
        names = lines[0].split(",")[1:]
        rows, bad = [], []
        for number, line in enumerate(lines[1:], start=2):
            parts = line.split(",")
            try:
                if len(parts) != len(names) + 1:
                    raise ValueError
                row = [float(p) for p in parts]
            except ValueError:
                bad.append(number)
                continue
            if max_step is None or row[0] <= max_step:
                rows.append(row)
        if bad:
            self.warnings.append(f"metrics.csv: skipped {len(bad)} damaged line(s) "
                                 f"(line {', '.join(map(str, bad[:5]))}{', ...' if len(bad) > 5 else ''})")
        return names, np.array(rows, np.float64).reshape(-1, len(names) + 1)

    def last_recorded_step(self) -> int:
        """The step of metrics.csv's last whole row (0 before any), reading only its tail:
        cheap enough to poll while another process trains the run."""
        try:
            with open(self.path / "metrics.csv", "rb") as fh:
                fh.seek(max(0, fh.seek(0, os.SEEK_END) - 4096))
                tail = fh.read().decode(errors="replace").split("\n")[:-1]  # whole lines only
        except FileNotFoundError:
            return 0
        for line in reversed(tail):
            try:
                return int(float(line.split(",", 1)[0]))
            except ValueError:
                continue  # the header, or a damaged line
        return 0

    def metrics_bytes(self) -> bytes | None:
        try:
            return (self.path / "metrics.csv").read_bytes()
        except FileNotFoundError:
            return None

    def copy_metrics(self, dest: Path | str) -> None:
        """Export metrics.csv as it is on disk."""
        src = self.path / "metrics.csv"
        if not src.exists():
            raise StoreError(f"run {self.run_id} has no metrics yet: train it first")
        try:
            shutil.copyfile(src, dest)
        except OSError as exc:
            raise StoreError(f"cannot write {dest}: {exc.strerror or exc}") from exc

    # ---- snapshots and diagnostics -------------------------------------------------------------------
    def write_snapshot(self, snapshot: Snapshot) -> bytes | None:
        """Write the snapshot; returns its mosaic as PNG bytes (images), for the TensorBoard log."""
        stem = self.path / "frames" / f"step_{snapshot.step:09d}"
        png = None
        if snapshot.grid is not None:
            img = snapshot.grid.squeeze(-1) if snapshot.grid.shape[-1] == 1 else snapshot.grid
            png = _png(img)
            _atomic(stem.with_suffix(".png"), lambda tmp: tmp.write_bytes(png))
        if snapshot.points is not None:
            arrays = {"points": snapshot.points, **{f"field_{k}": v for k, v in snapshot.field.items()}}
            _atomic(stem.with_suffix(".npz"), lambda tmp: _savez(tmp, arrays, compressed=True))
        _append(self.path / "diagnostics.jsonl",
                json.dumps({"step": snapshot.step, **snapshot.metrics}) + "\n")
        return png

    def _stepped(self, folder: str) -> Iterator[Path]:
        d = self.path / folder
        return iter(sorted(d.glob("step_*"))) if d.is_dir() else iter(())

    def read_snapshots(self, max_step: int | None = None) -> list[Snapshot]:
        """Snapshots up to `max_step`, oldest first; unreadable ones skipped with a warning.
        At most run_state.MAX_PICTURED of them, evenly spread, are read with their pictures;
        the others carry their step and metrics only."""
        metrics: dict[int, dict[str, Any]] = {}
        diag = self.path / "diagnostics.jsonl"
        if diag.exists():
            for line in diag.read_text(errors="replace").splitlines():
                try:
                    row = json.loads(line)
                    metrics[int(row.pop("step"))] = row
                except (ValueError, KeyError, TypeError, AttributeError):
                    continue  # a torn line: its snapshot shows no diagnostics
        snapshots, bad = [], []
        files = [f for f in self._stepped("frames") if (step := _step_of(f)) is not None
                 and (max_step is None or step <= max_step)]
        pictured = spread(len(files))  # a long run's pictures would not fit in memory
        for i, f in enumerate(files):
            step = _step_of(f) or 0
            if i not in pictured:
                snapshots.append(Snapshot(step, metrics=metrics.get(step, {})))
                continue
            try:
                snapshots.append(_read_frame(f, step, metrics.get(step, {})))
            except Exception as exc:  # a damaged picture must not hide the rest of the run
                bad.append(f"{f.name} ({type(exc).__name__})")
        while snapshots and not snapshots[-1].pictured:  # the newest was damaged: the next
            snapshots.pop()  # pictured one is the newest (pages draw the newest's pictures)
        if bad:
            self.warnings.append(f"skipped {len(bad)} damaged snapshot file(s): {', '.join(bad[:3])}")
        return snapshots

    def latest_snapshot(self) -> Snapshot | None:
        """The newest readable snapshot on disk with its pictures (without reading the
        others)."""
        files = [f for f in self._stepped("frames") if _step_of(f) is not None]
        for f in reversed(files):
            try:
                return _read_frame(f, _step_of(f) or 0, {})
            except Exception:
                continue
        return None

    # ---- generator keyframes -------------------------------------------------------------------
    def keep_generator(self, step: int, weights: list[np.ndarray], stride: int) -> int:
        """Keep G's weights at `step` (a multiple of `stride`); past MAX_KEPT_GENERATORS, drop every
        other keyframe and double the stride. Returns the stride now in force, so the kept
        steps stay evenly spaced over the whole run at bounded disk use."""
        folder = self.path / "weights"
        folder.mkdir(exist_ok=True)
        _atomic(folder / f"step_{step:09d}.npz",
                lambda tmp: _savez(tmp, {f"arr_{i}": w for i, w in enumerate(weights)}))
        steps = self.kept_generator_steps()
        while len(steps) > MAX_KEPT_GENERATORS:
            stride *= 2
            for s in steps:
                if s % stride:
                    (folder / f"step_{s:09d}.npz").unlink(missing_ok=True)
            steps = self.kept_generator_steps()
        return stride

    def kept_generator_steps(self, max_step: int | None = None) -> list[int]:
        """Steps with saved generator weights (up to `max_step` when given)."""
        steps = (_step_of(f) for f in self._stepped("weights") if f.suffix == ".npz")
        return [s for s in steps if s is not None and (max_step is None or s <= max_step)]

    def read_kept_generator(self, step: int) -> list[np.ndarray]:
        path = self.path / "weights" / f"step_{step:09d}.npz"
        try:
            with np.load(path, allow_pickle=False) as z:
                return [_wide(z[f"arr_{i}"]) for i in range(len(z.files))]
        except (OSError, ValueError, KeyError) as exc:
            raise StoreError(f"no generator weights at step {step} ({exc})") from exc

    # ---- status and checkpoints -------------------------------------------------------------------
    def write_status(self, **status: Any) -> None:
        _atomic(self.path / "status.json", lambda tmp: tmp.write_text(json.dumps(status)))

    def read_status(self) -> dict[str, Any]:
        """The last status written; {} when missing or malformed (never raises)."""
        try:
            status = json.loads((self.path / "status.json").read_text())
        except (OSError, ValueError):
            return {}
        return status if isinstance(status, dict) else {}

    def checkpoint_manager(self, ckpt: tf.train.Checkpoint) -> tf.train.CheckpointManager:
        """Creating it writes nothing; `save_checkpoint` does."""
        return tf.train.CheckpointManager(ckpt, str(self.path / "checkpoints"), max_to_keep=2)

    def save_checkpoint(self, manager: tf.train.CheckpointManager, step: int) -> None:
        """Save; on failure remove TensorFlow's temporary files and raise StoreError."""
        try:
            manager.save(checkpoint_number=step)
        except (OSError, tf.errors.OpError) as exc:
            for tmp in (self.path / "checkpoints").glob("*_temp*"):
                shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)
            reason = getattr(exc, "message", None) or str(exc)
            raise StoreError(f"could not write a checkpoint: {reason.splitlines()[0]}") from exc

    def restore_checkpoint(self, manager: tf.train.CheckpointManager) -> str | None:
        """Restore the newest readable checkpoint, falling back to the one before a damaged
        one; returns a warning when it had to, None otherwise. StoreError if none can be read."""
        tried = []
        for path in reversed(manager.checkpoints):
            try:
                manager.checkpoint.restore(path).expect_partial()
            except Exception as exc:  # TF raises OpError, ValueError, IndexError, ... by damage
                tried.append(f"{Path(path).name} ({type(exc).__name__})")
                continue
            return f"damaged checkpoint(s) skipped: {', '.join(tried)}" if tried else None
        raise StoreError(f"run {self.run_id}: no readable checkpoint"
                         + (f" ({', '.join(tried)} damaged)" if tried else ""))

    def has_checkpoint(self, manager: tf.train.CheckpointManager) -> bool:
        return bool(manager.checkpoints)

    def close(self) -> None:
        """Flush what is buffered (a reader has nothing buffered and writes nothing)."""
        try:
            self.flush()
        finally:
            self.unlock()


def _png(img: np.ndarray) -> bytes:
    """A picture as PNG bytes; StoreError if it cannot be encoded (as a failed write)."""
    buf = io.BytesIO()
    try:
        Image.fromarray(img).save(buf, format="PNG")
    except (OSError, ValueError) as exc:
        raise StoreError(f"could not encode a snapshot picture: {exc}") from exc
    return buf.getvalue()


def _wide(a: np.ndarray) -> np.ndarray:
    """float32 for arrays a recording keeps as float16 (lessons/recording.py): what reads a
    run sees one dtype, whichever folder it came from."""
    return a.astype(np.float32) if a.dtype == np.float16 else a


def _savez(path: Path, arrays: dict[str, np.ndarray], compressed: bool = False) -> None:
    """np.savez to exactly `path` (numpy appends .npz to a name without it)."""
    with open(path, "wb") as fh:
        save = np.savez_compressed if compressed else np.savez
        # numpy's stubs read **kwds as its allow_pickle flag
        save(fh, **arrays)  # type: ignore[arg-type]
