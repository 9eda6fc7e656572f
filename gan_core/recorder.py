"""What a run keeps: its history, snapshots, kept generators and checkpoints, in memory and in
the run folder, and the rollback to the last checkpoint.

The training thread owns a Recorder once it runs; before that (a run opened to view, eval or
export) the Recorder only reads. Every write goes through the store, which raises StoreError
on a full disk; the trainer then calls `rollback`, so memory and disk agree again.
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from . import conditional
from .config import RunConfig
from .errors import StoreError
from .gan import METRICS, Gan
from .observer import Observer
from .run_state import History, Snapshot, stride_for, thinned
from .store import RunStore
from .tensorboard_log import TensorBoardLog


class Recorder:
    def __init__(self, config: RunConfig, gan: Gan, observer: Observer, store: RunStore) -> None:
        self.config, self.gan, self.observer, self.store = config, gan, observer, store
        self.history = History(METRICS)
        self.snapshots: tuple[Snapshot, ...] = ()
        self.events: tuple[tuple[int, dict[str, Any]], ...] = ()  # (step, live changes then)
        self.warnings: tuple[str, ...] = ()  # what opening the run had to skip
        self.weights_lost = False  # history on disk but no checkpoint: nothing to evaluate
        self._ckpt = store.checkpoint_manager(gan.checkpoint())
        self._kept_stride = config.snapshot_every
        self._pictured_stride = 1  # every how many snapshots keep their pictures in memory
        self._saved_step: int | None = None  # the newest checkpoint's step
        self._spare: tuple[int, Any] | None = None  # (step, generator) for sample_at
        self._spare_lock = threading.Lock()  # guards _spare: any page thread may sample
        self.tb: TensorBoardLog | None = None  # the training thread's, while it writes

    def at(self) -> int:
        """The step the weights are at."""
        return int(self.gan.global_step.numpy())

    # ---- opening (read-only) -------------------------------------------------------------------
    def restore(self) -> dict[str, Any]:
        """Load weights, history and snapshots as of the newest checkpoint, without changing
        a byte of the folder. Returns the saved status (state, elapsed, live settings)."""
        notes = []
        if self.store.has_checkpoint(self._ckpt):
            note = self.store.restore_checkpoint(self._ckpt)
            notes += [note] if note else []
            self._saved_step = self.at()
        limit: int | None = self.at()
        _, rows = self.store.read_metrics()
        if self._saved_step is None and len(rows):
            self.weights_lost, limit = True, None  # show what was recorded, evaluate nothing
            notes.append(f"no checkpoint in run {self.store.run_id}: its weights were not "
                         f"saved (or were deleted). Curves and snapshots are shown; "
                         f"evaluating, exporting and resuming are not possible")
        if limit is not None:
            rows = rows[rows[:, 0] <= limit] if len(rows) else rows
        if len(rows):
            self.history.append(rows[:, 0].astype(np.int64), rows[:, 1:])
        self.snapshots = tuple(self.store.read_snapshots(limit))
        self._pictured_stride = stride_for(len(self.snapshots))  # as read_snapshots spread them
        kept = self.store.kept_generator_steps(limit)
        if len(kept) > 1:  # continue the thinning where it was
            self._kept_stride = max(self.config.snapshot_every, int(min(np.diff(kept))))
        status = self.store.read_status()
        events = status.get("events", [])
        if isinstance(events, list):
            self.events = tuple((int(e[0]), dict(e[1])) for e in events
                                if isinstance(e, list) and len(e) == 2 and isinstance(e[1], dict)
                                and (limit is None or e[0] <= limit))
        self.warnings = tuple(notes + self.store.warnings)
        return status

    # ---- writing (the training thread) ---------------------------------------------------------
    def begin(self) -> None:
        """Before the first training call: become the folder's writer state, drop what a crash
        left past the checkpoint, and make sure a checkpoint (step 0 for a new run) and a
        first snapshot exist, so a divergence always has real weights to roll back to."""
        if self.weights_lost:
            raise StoreError(self.warnings[0])
        self.store.drop_after(self.at())
        if self.config.tensorboard and self.tb is None:
            self.tb = TensorBoardLog(self.store.tensorboard_dir(), METRICS,
                                     self.config.snapshot_every, self._backdrop())
        if self._saved_step is None:
            self.checkpoint()
        if not self.snapshots:
            self.take_snapshot()

    def record(self, first: int, rows: np.ndarray) -> None:
        """Per-step metrics of one compiled call (steps first .. first + len(rows) - 1)."""
        self.history.append(np.arange(first, first + len(rows)), rows)
        self.store.append_metrics(METRICS, first, rows)
        if self.tb is not None:
            self.tb.metrics(first, rows)

    def add_event(self, change: dict[str, Any], step: int | None = None) -> None:
        """A mark on the curves at `step` (default: now): a live change, or manual steps."""
        self.events = self.events + ((self.at() if step is None else step, dict(change)),)

    def take_snapshot(self) -> None:
        """A snapshot at the current step: in memory, on disk, and every stride a kept
        generator."""
        snapshot = self.observer.snapshot(self.at())
        png = self.store.write_snapshot(snapshot)
        self.store.flush()
        if self.tb is not None:
            self.tb.snapshot(snapshot, png)
        self.snapshots, self._pictured_stride = thinned(  # bounded memory
            self.snapshots + (snapshot,), self._pictured_stride)
        if snapshot.step % self._kept_stride == 0:  # checked first: get_weights() copies
            self._kept_stride = self.store.keep_generator(
                snapshot.step, self.gan.sampler.get_weights(), self._kept_stride)

    @property
    def unsaved(self) -> bool:
        """Trained past the newest checkpoint."""
        return self._saved_step != self.at()

    def checkpoint(self) -> bool:
        """Flush metrics and save the weights, unless they are not finite (a diverged run keeps
        its last good checkpoint). Returns whether a checkpoint was written."""
        self.store.flush()
        if self.tb is not None:
            self.tb.flush()
        if not all(np.isfinite(w).all() for w in self.gan.g.get_weights()):
            return False
        self.store.save_checkpoint(self._ckpt, self.at())
        self._saved_step = self.at()
        return True

    def write_status(self, **status: Any) -> None:
        """status.json, with the devices that trained the run (distribute.placement), and how
        many replicas: Trainer.open compares them with what this process has."""
        self.store.write_status(step=self.at(), events=[list(e) for e in self.events],
                                devices=self.gan.devices,
                                replicas=int(self.gan.strategy.num_replicas_in_sync), **status)

    def rollback(self) -> int:
        """Back to the newest checkpoint: its weights, and history, snapshots and kept
        generators up to its step, in memory and on disk. Returns that step."""
        self.store.restore_checkpoint(self._ckpt)
        back = self._saved_step = self.at()
        self.store.drop_after(back)
        if self.tb is not None:
            self.tb.drop_after(back)
        self.history.truncate(back)
        self.snapshots = tuple(f for f in self.snapshots if f.step <= back)
        if self.snapshots and not self.snapshots[-1].pictured:  # thinned: the folder has it
            newest = self.store.latest_snapshot()
            if newest is not None and newest.step == self.snapshots[-1].step:
                self.snapshots = self.snapshots[:-1] + (
                    Snapshot(newest.step, newest.grid, newest.points, newest.field,
                             self.snapshots[-1].metrics),)
            else:  # its file is unreadable: the newest pictured one is the newest
                while self.snapshots and not self.snapshots[-1].pictured:
                    self.snapshots = self.snapshots[:-1]
        self.events = tuple(e for e in self.events if e[0] <= back)
        return back

    def close(self) -> None:
        """The training thread is done: close the TensorBoard log and the store (flushed)."""
        try:
            if self.tb is not None:
                self.tb.close()
                self.tb = None
        finally:
            self.store.close()

    def _backdrop(self) -> tuple[tuple[float, float, float, float], np.ndarray] | None:
        """2D data's view bounds and real points, under the TensorBoard snapshot pictures."""
        data = self.observer.data
        return (data.bounds(), data.pool) if data.kind == "points" else None

    # ---- kept generators (any thread) ----------------------------------------------------------
    def kept_steps(self) -> list[int]:
        """Steps whose generator weights are kept (at most store.MAX_KEPT_GENERATORS, evenly spaced)."""
        return self.store.kept_generator_steps(None if self.weights_lost else self.at())

    def sample_at(self, step: int, z: np.ndarray, classes: np.ndarray | None = None) -> np.ndarray:
        """G(z) with the generator weights kept for `step`, in model space (a conditional
        run's: of `classes`, see conditional.generate). A spare generator, never the one
        training, so any thread may call this."""
        from .models import build_generator

        with self._spare_lock:
            if self._spare is None or self._spare[0] != step:
                weights = self.store.read_kept_generator(step)
                g = self._spare[1] if self._spare else build_generator(
                    self.config, self.gan.shape, self.gan.images, self.gan.n_classes)
                g.set_weights(weights)
                self._spare = (step, g)
            return conditional.generate(self._spare[1], z, classes)
