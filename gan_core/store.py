"""A run's folder on disk, written while it trains, so a crash or a closed tab loses little.

    <runs>/<run id>/config.json          the RunConfig
                    status.json          state, message, step, elapsed (rewritten atomically)
                    metrics.csv          append-only, one row per step, flushed each snapshot
                    frames/step_*.png    the fixed-noise mosaic per snapshot (images)
                    frames/step_*.npz    points and fields per snapshot (2D)
                    diagnostics.jsonl    one JSON object per snapshot
                    weights/step_*.npz   G's weights at up to MAX_KEYFRAMES evenly spaced steps
                    checkpoints/         tf.train.Checkpoint files (weights, optimizers, step)

Run ids are generated here; user text (a title) never becomes a path.
"""
from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf
from PIL import Image

from .config import RunConfig
from .errors import StoreError
from .snapshot import Frame

DEFAULT_RUNS_DIR = Path(os.environ.get("GANSCOPE_RUNS", "runs"))
MAX_KEYFRAMES = 40  # generator weights kept per run, for looking at earlier snapshots


def new_run_id(cfg: RunConfig) -> str:
    from .data import DATASETS

    tag = cfg.dataset if cfg.dataset in DATASETS else "files"
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{tag}-{secrets.token_hex(2)}"


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class RunStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.run_id = self.path.name
        self._metrics_fh = None
        self._pending: list[str] = []

    # ---- creating and opening ----------------------------------------------------------------
    @classmethod
    def create(cls, cfg: RunConfig, runs_dir: Path | str | None = None) -> "RunStore":
        root = Path(runs_dir) if runs_dir is not None else DEFAULT_RUNS_DIR
        path = root / new_run_id(cfg)
        (path / "frames").mkdir(parents=True)
        _atomic_write(path / "config.json", cfg.to_json())
        return cls(path)

    @classmethod
    def open(cls, path: Path | str) -> "RunStore":
        path = Path(path)
        if not (path / "config.json").is_file():
            raise StoreError(f"{path} is not a GANscope run folder (no config.json)")
        return cls(path)

    def config(self) -> RunConfig:
        try:
            return RunConfig.from_json((self.path / "config.json").read_text())
        except (OSError, ValueError) as exc:
            raise StoreError(f"{self.path}: unreadable config.json ({exc})") from exc

    # ---- metrics -------------------------------------------------------------------------------
    def append_metrics(self, names: tuple[str, ...], first_step: int, rows: np.ndarray) -> None:
        """Buffer rows; they reach the file at `flush()` (every snapshot, pause, stop)."""
        if self._metrics_fh is None:
            new = not (self.path / "metrics.csv").exists()
            self._metrics_fh = open(self.path / "metrics.csv", "a", buffering=1 << 16)
            if new:
                self._metrics_fh.write("step," + ",".join(names) + "\n")
        steps = np.arange(first_step, first_step + len(rows))[:, None]
        block = np.concatenate([steps, rows.astype(np.float64)], axis=1)
        self._pending.append("\n".join(",".join(f"{v:.6g}" for v in r) for r in block) + "\n")

    def flush(self) -> None:
        if self._metrics_fh is not None:
            self._metrics_fh.write("".join(self._pending))
            self._pending.clear()
            self._metrics_fh.flush()
            os.fsync(self._metrics_fh.fileno())

    def read_metrics(self, max_step: int | None = None) -> tuple[list[str], np.ndarray]:
        """Column names and rows (step first). With `max_step`, later rows are also cut from
        the file, so the curves never show steps the weights do not have."""
        path = self.path / "metrics.csv"
        if not path.exists():
            return [], np.zeros((0, 0))
        lines = path.read_text().splitlines()
        names = lines[0].split(",")[1:]
        rows = []
        for line in lines[1:]:
            parts = line.split(",")
            if len(parts) != len(names) + 1:
                break  # a torn last line from a crash
            rows.append([float(p) for p in parts])
        data = np.array(rows, np.float64).reshape(-1, len(names) + 1)
        if max_step is None:
            return names, data
        keep = data[:, 0] <= max_step
        if not keep.all() or len(rows) != len(lines) - 1:
            data = data[keep]
            body = "".join(",".join(f"{v:.6g}" for v in r) + "\n" for r in data)
            _atomic_write(path, lines[0] + "\n" + body)
        return names, data

    # ---- frames and diagnostics -------------------------------------------------------------------
    def write_frame(self, frame: Frame) -> None:
        stem = self.path / "frames" / f"step_{frame.step:09d}"
        if frame.grid is not None:
            img = frame.grid.squeeze(-1) if frame.grid.shape[-1] == 1 else frame.grid
            Image.fromarray(img).save(stem.with_suffix(".png"))
        if frame.points is not None:
            np.savez_compressed(stem.with_suffix(".npz"), points=frame.points,
                                **{f"field_{k}": v for k, v in frame.field.items()})
        with open(self.path / "diagnostics.jsonl", "a") as fh:
            fh.write(json.dumps({"step": frame.step, **frame.metrics}) + "\n")

    def read_frames(self, max_step: int) -> list[Frame]:
        metrics: dict[int, dict[str, Any]] = {}
        diag = self.path / "diagnostics.jsonl"
        if diag.exists():
            for line in diag.read_text().splitlines():
                try:
                    row = json.loads(line)
                except ValueError:
                    continue  # torn line
                metrics[int(row.pop("step"))] = row
        frames = []
        for f in sorted((self.path / "frames").glob("step_*")):
            step = int(f.stem.split("_")[1])
            if step > max_step:
                f.unlink()
                continue
            if f.suffix == ".png":
                grid = np.asarray(Image.open(f))
                frames.append(Frame(step, grid=grid[..., None] if grid.ndim == 2 else grid,
                                    metrics=metrics.get(step, {})))
            elif f.suffix == ".npz":
                with np.load(f, allow_pickle=False) as z:
                    field = {k[6:]: z[k] for k in z.files if k.startswith("field_")}
                    frames.append(Frame(step, points=z["points"], field=field,
                                        metrics=metrics.get(step, {})))
        return frames

    # ---- generator keyframes -------------------------------------------------------------------
    def write_keyframe(self, step: int, weights: list[np.ndarray], stride: int) -> int:
        """Keep G's weights at `step` (a multiple of `stride`); past MAX_KEYFRAMES, drop every
        other keyframe and double the stride. Returns the stride now in force, so the kept
        steps stay evenly spaced over the whole run at bounded disk use."""
        folder = self.path / "weights"
        folder.mkdir(exist_ok=True)
        tmp = folder / f"step_{step:09d}.tmp.npz"
        np.savez(tmp, *weights)
        os.replace(tmp, folder / f"step_{step:09d}.npz")  # readers never see half a file
        steps = self.keyframe_steps()
        while len(steps) > MAX_KEYFRAMES:
            stride *= 2
            for s in steps:
                if s % stride:
                    (folder / f"step_{s:09d}.npz").unlink(missing_ok=True)
            steps = self.keyframe_steps()
        return stride

    def keyframe_steps(self, max_step: int | None = None) -> list[int]:
        """Steps with saved generator weights; with `max_step`, later ones are deleted (a
        reopened run continues from its checkpoint)."""
        out = []
        for f in sorted((self.path / "weights").glob("step_*[0-9].npz")):
            step = int(f.stem.split("_")[1])
            if max_step is not None and step > max_step:
                f.unlink(missing_ok=True)
            else:
                out.append(step)
        return out

    def read_keyframe(self, step: int) -> list[np.ndarray]:
        path = self.path / "weights" / f"step_{step:09d}.npz"
        try:
            with np.load(path, allow_pickle=False) as z:
                return [z[f"arr_{i}"] for i in range(len(z.files))]
        except OSError as exc:
            raise StoreError(f"no generator weights at step {step} ({exc})") from exc

    # ---- status and checkpoints -------------------------------------------------------------------
    def write_status(self, **status: Any) -> None:
        _atomic_write(self.path / "status.json", json.dumps(status))

    def read_status(self) -> dict[str, Any]:
        try:
            return json.loads((self.path / "status.json").read_text())
        except (OSError, ValueError):
            return {}

    def checkpoint_manager(self, ckpt: tf.train.Checkpoint) -> tf.train.CheckpointManager:
        return tf.train.CheckpointManager(ckpt, str(self.path / "checkpoints"), max_to_keep=2)

    def close(self) -> None:
        self.flush()
        if self._metrics_fh is not None:
            self._metrics_fh.close()
            self._metrics_fh = None
