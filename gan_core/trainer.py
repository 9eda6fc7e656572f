"""Trainer: one run's training thread. Commands go in through a queue; snapshots come out.

Threading model (DESIGN.md): the thread owns all TensorFlow state and the run store. Other
threads only put commands on `_commands` and read `snapshot`, which is swapped under `_lock`.
`start()` is idempotent under the same lock, so two tabs can never make two threads.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .config import RunConfig
from .data import load_dataset
from .errors import ConfigError
from .probes import Probes
from .snapshot import Frame, History, Snapshot
from .steps import MAX_K, METRICS, MODES, GanSteps
from .store import RunStore

log = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 30.0  # a crash loses at most this much training
TARGET_CALL_SECONDS = 0.08  # K is chosen so one compiled call takes about this long
LIVE_HPARAMS = ("lr_d", "lr_g", "d_steps", "loss", "gp_weight", "clip")


class Trainer:
    """Trains one run in a background thread. Safe to call from any thread."""

    def __init__(self, config: RunConfig, runs_dir: Path | str | None = None,
                 store: RunStore | None = None) -> None:
        self.config = config
        self.data = load_dataset(config.dataset, config.data_std, config.seed)
        self.steps = GanSteps(config, self.data)
        self.probes = Probes(self.steps, self.data)
        self.store = store or RunStore.create(config, runs_dir)
        self.run_id = self.store.run_id
        self.history = History(METRICS)
        self._frames: tuple[Frame, ...] = ()
        self._ckpt = self.store.checkpoint_manager(self.steps.checkpoint())
        self._commands: queue.Queue[tuple] = queue.Queue()
        self._lock = threading.Lock()  # guards _snapshot, _thread and _version
        self._changed = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._version = 0
        # Owned by the training thread once it runs:
        self._state, self._message = "idle", ""
        self._elapsed, self._rate, self._per_step = 0.0, 0.0, 0.0
        self._pending, self._pending_mode = 0, "both"
        self._until: int | None = None  # running stops (pauses) at this step, when set
        self._hparams: dict[str, Any] = {k: getattr(config, k) for k in LIVE_HPARAMS}
        self._events: list[tuple[int, dict[str, Any]]] = []
        self._snapshot: Snapshot | None = None
        self._keyframe_stride = config.snapshot_every  # owned by the training thread
        self._spare: tuple[int, Any] | None = None  # (step, generator) for sample_at
        self._spare_lock = threading.Lock()  # guards _spare: any page thread may sample
        self._publish()

    # ---- opening a saved run -------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str) -> "Trainer":
        """Reopen a run folder: config, weights, history; training continues at the
        checkpoint's step, and anything recorded after it (a crash) is dropped."""
        store = RunStore.open(path)
        trainer = cls(store.config(), store=store)
        trainer._restore()
        return trainer

    def _restore(self) -> None:
        if self._ckpt.latest_checkpoint:
            self._ckpt.checkpoint.restore(self._ckpt.latest_checkpoint).expect_partial()
        step = self._at()
        _, rows = self.store.read_metrics(step)
        self.history = History(METRICS)
        if len(rows):
            self.history.append(rows[:, 0].astype(np.int64), rows[:, 1:])
        self._frames = tuple(self.store.read_frames(step))
        kept = self.store.keyframe_steps(step)
        if len(kept) > 1:  # continue the thinning where it was
            self._keyframe_stride = max(self.config.snapshot_every, int(min(np.diff(kept))))
        status = self.store.read_status()
        self._elapsed = float(status.get("elapsed", 0.0))
        self._apply_hparams({k: v for k, v in status.get("hparams", {}).items()
                             if k in LIVE_HPARAMS})
        self._state = "paused" if step else "idle"
        self._publish()

    # ---- commands (any thread) -------------------------------------------------------------------
    def start(self, paused: bool = False) -> bool:
        """Start the training thread; a no-op returning False if it is already running."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            self._thread = threading.Thread(target=self._loop, args=(paused,), daemon=True,
                                            name=f"ganscope-{self.run_id}")
            self._thread.start()
            # Return once the thread has published its state, so a page drawn right after
            # start() already sees "running" (and its live view ticks).
            version = self._version
            self._changed.wait_for(lambda: self._version > version, timeout=10)
            return True

    def pause(self) -> None:
        self._commands.put(("pause",))

    def resume(self, until: int | None = None) -> None:
        """Train on; with `until`, pause when the run reaches that step (a lesson's budget)."""
        if until is not None and (not isinstance(until, int) or until < 1):
            raise ConfigError(f"until must be a positive step number, got {until!r}")
        self._commands.put(("resume", until))

    def step(self, n: int = 1, which: str = "both") -> None:
        """Train exactly `n` more steps, then pause. which: "both", "d" (D only), "g" (G only)."""
        if which not in MODES:
            raise ConfigError(f"which must be one of {', '.join(MODES)}, got {which!r}")
        if not isinstance(n, int) or n < 1:
            raise ConfigError(f"step count must be a positive whole number, got {n!r}")
        self._commands.put(("step", n, which))

    def set_hparams(self, **changes: Any) -> None:
        """Change learning rates, D steps per G step, loss, ... live. Validated here, so a bad
        value raises ConfigError in the caller and the run is untouched."""
        bad = set(changes) - set(LIVE_HPARAMS)
        if bad:
            raise ConfigError(f"cannot change {', '.join(sorted(bad))} while training; "
                              f"live settings are {', '.join(LIVE_HPARAMS)}")
        self.config.replace(**changes)  # validation only
        self._commands.put(("set", dict(changes)))

    def stop(self, timeout: float = 60.0) -> None:
        """Stop, checkpoint and join. Safe to call twice, or before start."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._commands.put(("stop",))
            thread.join(timeout)
        else:
            self._state = "stopped"
            self._save()
            self.store.close()
            self._publish()

    @property
    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snapshot

    def _at(self) -> int:
        """The step the weights are at (read by the owning thread)."""
        return int(self.steps.step.numpy())

    @property
    def alive(self) -> bool:
        with self._lock:
            return self._thread is not None and self._thread.is_alive()

    def wait(self, predicate: Callable[[Snapshot], bool], timeout: float | None = None) -> bool:
        """Block until `predicate(snapshot)` holds (checked at every publish) or timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self._snapshot), timeout)

    def train(self, steps: int | None = None, seconds: float | None = None,
              progress_fn: Callable[[Snapshot], None] | None = None) -> Snapshot:
        """Blocking: train `steps` more steps or for `seconds`, then pause. For scripts and CLI."""
        if (steps is None) == (seconds is None):
            raise ConfigError("give exactly one of steps or seconds")
        self.start(paused=True)
        start_step = self.snapshot.step
        if steps is not None:
            self.step(steps)
            done = lambda s: s.step >= start_step + steps or s.state in ("error", "stopped") \
                or (s.state == "paused" and s.message != "")
        else:
            self.resume()
            deadline = time.monotonic() + seconds
            done = lambda s: time.monotonic() >= deadline or s.state in ("error", "stopped") \
                or (s.state == "paused" and s.message != "")  # NaN pause, not the start state
        while not self.wait(done, timeout=1.0):
            if progress_fn:
                progress_fn(self.snapshot)
        self.pause()
        self.wait(lambda s: s.state != "running", timeout=30)
        if progress_fn:
            progress_fn(self.snapshot)
        return self.snapshot

    # ---- the training thread -------------------------------------------------------------------
    def _loop(self, paused: bool) -> None:
        self._state = "paused" if paused else "running"
        self._message = ""
        last_ckpt = time.monotonic()
        try:
            self._publish()
            if not self._frames:
                self._add_frame()
                self._publish()
            while self._drain():
                if self._state != "running" and self._pending == 0:
                    continue
                t0 = time.perf_counter()
                self._train_call()
                if self._state == "running" or self._pending:
                    if time.monotonic() - last_ckpt > CHECKPOINT_SECONDS:
                        self._save()
                        last_ckpt = time.monotonic()
                self._elapsed += time.perf_counter() - t0
                self._publish()
            self._state = "stopped"
        except Exception as exc:  # a thread never dies silently: the page shows this
            log.exception("training thread failed")
            self._state, self._message = "error", f"{type(exc).__name__}: {exc}"
        finally:
            if self._state != "error":
                self._save()
            self.store.flush()
            self._publish()

    def _drain(self) -> bool:
        """Apply queued commands; block while paused with nothing to do. False on stop."""
        while True:
            idle = self._state != "running" and self._pending == 0
            try:
                cmd = self._commands.get(block=idle)
            except queue.Empty:
                return True
            kind = cmd[0]
            if kind == "stop":
                return False
            if kind == "resume":
                self._state, self._message, self._pending = "running", "", 0
                self._until = cmd[1]
                if self._until is not None and self._at() >= self._until:
                    self._state, self._until = "paused", None
            elif kind == "pause" and self._state == "running":
                self._state = "paused"
                self._save()
            elif kind == "step":
                self._state, self._message = "paused", ""
                self._pending += cmd[1]
                self._pending_mode = cmd[2]
            elif kind == "set":
                self._apply_hparams(cmd[1])
                self._events.append((self._at(), dict(cmd[1])))
            self._publish()

    def _apply_hparams(self, changes: dict[str, Any]) -> None:
        self._hparams.update(changes)
        self.steps.set_learning_rates(changes.get("lr_d"), changes.get("lr_g"))
        if "loss" in changes:
            self.steps.loss_name = changes["loss"]
        if "gp_weight" in changes:
            self.steps.gp_weight.assign(changes["gp_weight"])
        if "clip" in changes:
            self.steps.clip.assign(changes["clip"])

    def _next_k(self) -> int:
        every = self.config.snapshot_every
        to_frame = every - self._at() % every
        k = min(to_frame, MAX_K)
        if self._per_step > 0:
            k = min(k, max(1, int(TARGET_CALL_SECONDS / self._per_step)))
        else:
            k = min(k, 10)  # the first call also traces the graph
        if self._state != "running":
            k = min(k, self._pending)
        elif self._until is not None:
            k = min(k, self._until - self._at())
        return k

    def _train_call(self) -> None:
        mode = "both" if self._state == "running" else self._pending_mode
        k, first = self._next_k(), self._at() + 1
        t0 = time.perf_counter()
        rows = self.steps.run(k, self._hparams["d_steps"], mode)
        dt = time.perf_counter() - t0
        if self._per_step == 0.0 and self._rate == 0.0:
            self._rate = -1.0  # the first, tracing call: do not learn timing from it
        else:
            self._per_step = dt / k if self._per_step == 0 else 0.7 * self._per_step + 0.3 * dt / k
        steps = np.arange(first, first + k)
        self.history.append(steps, rows)
        self.store.append_metrics(METRICS, first, rows)
        if self._state != "running":
            self._pending -= k
        bad = ~np.isfinite(rows[:, :2]).all(axis=1)
        if bad.any():
            self._diverged(int(steps[bad.argmax()]), rows[bad.argmax()])
            return
        if self._at() % self.config.snapshot_every == 0 or (self._state != "running"
                                                            and self._pending == 0):
            self._add_frame()
            self.store.flush()
        wall = time.perf_counter() - t0
        self._rate = k / wall if self._rate <= 0 else 0.8 * self._rate + 0.2 * k / wall
        if self._until is not None and self._at() >= self._until:
            self._state, self._until = "paused", None
            if self._at() % self.config.snapshot_every:  # the budget's end gets a snapshot too
                self._add_frame()
            self._save()

    def _diverged(self, step: int, row: np.ndarray) -> None:
        """NaN/Inf: pause, say where and why, and roll the weights back to the last checkpoint
        (which stays intact) so the student can lower a learning rate and resume."""
        which = "D loss" if not np.isfinite(row[0]) else "G loss"
        back = 0
        if self._ckpt.latest_checkpoint:
            self._ckpt.checkpoint.restore(self._ckpt.latest_checkpoint).expect_partial()
            back = self._at()
        else:
            self.steps.step.assign(0)
        self.store.flush()
        self.store.read_metrics(back)  # cuts the diverged rows from the file
        self.history.truncate(back)
        self._frames = tuple(f for f in self._frames if f.step <= back)
        self.store.keyframe_steps(back)  # deletes generator weights past the rollback
        self._state, self._pending = "paused", 0
        self._message = (f"Training diverged at step {step}: the {which} became NaN/Inf. "
                         f"Usually a learning rate is too high (lr_d={self._hparams['lr_d']:g}, "
                         f"lr_g={self._hparams['lr_g']:g}). The weights were rolled back to "
                         f"step {back}; lower a learning rate and resume.")

    def _add_frame(self) -> None:
        frame = self.probes.frame(self._at())
        self._frames = self._frames + (frame,)
        self.store.write_frame(frame)
        if frame.step % self._keyframe_stride == 0:  # checked first: get_weights() copies
            self._keyframe_stride = self.store.write_keyframe(
                frame.step, self.steps.sampler.get_weights(), self._keyframe_stride)

    def sample_at(self, step: int, z: np.ndarray) -> np.ndarray:
        """G(z) with the generator weights kept for `step` (see `keyframe_steps`), in model
        space. A spare generator, never the one training, so any thread may call this."""
        from .models import build_generator

        with self._spare_lock:
            if self._spare is None or self._spare[0] != step:
                weights = self.store.read_keyframe(step)
                g = self._spare[1] if self._spare else build_generator(
                    self.config, self.data.shape, self.data.kind == "images")
                g.set_weights(weights)
                self._spare = (step, g)
            return self._spare[1](np.asarray(z, np.float32), training=False).numpy()

    def keyframe_steps(self) -> list[int]:
        """Steps whose generator weights are kept (at most store.MAX_KEYFRAMES, evenly spaced)."""
        return self.store.keyframe_steps()

    def _save(self) -> None:
        step = self._at()
        if step > 0 and all(np.isfinite(w).all() for w in self.steps.g.get_weights()):
            self.store.flush()
            self._ckpt.save(checkpoint_number=step)
        self.store.write_status(state=self._state, message=self._message, step=step,
                                elapsed=self._elapsed, hparams=self._hparams)

    def _publish(self) -> None:
        snap = Snapshot(
            run_id=self.run_id, config=self.config, step=self._at(), state=self._state,
            message=self._message, elapsed=self._elapsed, steps_per_sec=max(self._rate, 0.0),
            hparams=dict(self._hparams), history=self.history.view(), frames=self._frames,
            data_kind=self.data.kind, events=tuple(self._events),
        )
        with self._changed:
            self._version += 1
            object.__setattr__(snap, "version", self._version)
            self._snapshot = snap
            self._changed.notify_all()
