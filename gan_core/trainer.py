"""Trainer: one run, trained in a background thread; its commands and its thread.

Threading model: the training thread owns all TensorFlow state and the run folder; its body
and state machine are the Worker (worker.py), which records through the Recorder. Other
threads post commands into a Mailbox (commands.py), which merges them; the thread takes the
whole mailbox between two compiled calls. What the thread publishes is an immutable RunState
swapped under `_lock`. `start()` is idempotent under `_lock`, and the run folder's lock file
makes one writer per run across processes.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from . import distribute
from .commands import Mailbox, SlowMotion
from .config import RunConfig
from .data import is_drawn
from .errors import ConfigError, GanscopeError, StoreError
from .recorder import Recorder
from .run_state import RunState
from .slots import SLOTS, Slots
from .spares import SPARES, build
from .store import RunStore
from .worker import Worker

log = logging.getLogger(__name__)


class Trainer:
    """Trains one run in a background thread. Safe to call from any thread."""

    def __init__(self, config: RunConfig, runs_dir: Path | str | None = None,
                 store: RunStore | None = None, slots: Slots = SLOTS,
                 engine: RunConfig | None = None, notes: tuple[str, ...] = ()) -> None:
        """`engine`: the config the Gan is built with when it is not `config` (a reopened
        run whose strategy this process cannot give, see `open`); `notes` say so."""
        self.config, self.notes = config, notes
        engine = engine or config
        if store is not None and is_drawn(config.dataset):
            store.drawing()  # a drawn run's points, from its folder
        parts = SPARES.take(engine) or build(engine)  # built ahead, or now
        self.data, self.gan, self.observer = parts.data, parts.gan, parts.observer
        self.store = store or RunStore.create(config, runs_dir)
        self.run_id = self.store.run_id
        self.recorder = Recorder(config, self.gan, self.observer, self.store)
        self._mail = Mailbox()
        self._worker = Worker(config, self.gan, self.recorder, self._mail, self._publish, slots)
        self._lock = threading.Lock()  # guards _published, _thread and _version
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._version = 0
        self._published: RunState
        self._publish()

    @classmethod
    def open(cls, path: Path | str, cluster: bool = False) -> Trainer:
        """Reopen a run folder as of its newest checkpoint, read-only: nothing in the folder
        changes until the run trains again (then what a crash left past it is dropped).
        A strategy this process cannot give (distribute.reopened; a multiworker run joins
        TF_CONFIG's cluster only with `cluster`, the CLI's resume) falls back to one device,
        with a note among the state's warnings."""
        store = RunStore.open(path)
        try:
            config = store.config()
            engine, note = distribute.reopened(config, store.read_status(), cluster)
            trainer = cls(config, store=store, engine=engine, notes=(note,) if note else ())
            trainer._worker.restore(trainer.recorder.restore())
        except GanscopeError:
            raise
        except Exception as exc:  # a damaged folder is a message, not a traceback
            raise StoreError(f"run {store.run_id} cannot be opened: {type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else ''}") from exc
        trainer._publish()
        return trainer

    # ---- commands (any thread); each returns its number, see `train` ---------------------------
    def start(self, paused: bool = False) -> bool:
        """Start the training thread; a no-op returning False if it is already running.
        StoreError if another process trains this run or its weights are lost."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            self.require_weights()
            self.store.lock()
            self._stop.clear()
            self._thread = threading.Thread(target=self._worker.run, args=(paused, self._stop),
                                            daemon=True, name=f"ganscope-{self.run_id}")
            self._thread.start()
            # Return once the thread has published its state, so a page drawn right after
            # start() already sees "running" (and its live view ticks).
            version = self._version
            self._changed.wait_for(lambda: self._version > version, timeout=10)
            return True

    def pause(self) -> int:
        """Pause (and cancel steps still to run)."""
        return self._mail.pause()

    def resume(self, until: int | None = None) -> int:
        """Train on; with `until`, pause when the run reaches that step (a lesson's budget)."""
        return self._mail.resume(until)

    def slow_motion(self, steps: int = 1, every_ms: int = 500, alternate: bool = False,
                    until: int | None = None) -> int:
        """Train in slow motion: `steps` steps every `every_ms` ms, a snapshot after each tick
        (the 2D Lab follows every one); with `alternate`, ticks take turns, D only then G only.
        Like `resume` (with `until`, pause at that step); a pause, a resume or `step` ends
        it. A bad plan raises ConfigError here, in the caller."""
        return self._mail.slow_motion(SlowMotion(steps, every_ms, alternate), until)

    def step(self, n: int = 1, which: str = "both", mark: bool = True) -> int:
        """Train exactly `n` more steps, then pause. which: "both", "d" (D only), "g" (G only).
        `mark`: leave a band on the curves (manual steps; `train` does not)."""
        return self._mail.step(n, which, mark)

    def set_hparams(self, **changes: Any) -> int:
        """Change commands.LIVE_SETTINGS while training. Validated here: a bad value raises
        ConfigError in the caller and the run is untouched."""
        return self._mail.set(self.config, changes)

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop, checkpoint and join. True when the thread has ended (or never ran); False
        when it is still busy after `timeout` s (it stops at its next call boundary)."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return True
        self._stop.set()
        self._mail.wake()
        thread.join(timeout)
        if thread.is_alive():
            log.warning("run %s: the training thread did not stop within %.0f s", self.run_id,
                        timeout)
        return not thread.is_alive()

    # ---- reading (any thread) ------------------------------------------------------------------
    @property
    def state(self) -> RunState:
        """The RunState published last (after the latest call or command)."""
        with self._lock:
            return self._published

    @property
    def alive(self) -> bool:
        with self._lock:
            return self._thread is not None and self._thread.is_alive()

    @property
    def weights_lost(self) -> bool:
        return self.recorder.weights_lost

    def wait(self, predicate: Callable[[RunState], bool], timeout: float | None = None) -> bool:
        """Block until `predicate(state)` holds (checked at every publish) or timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: predicate(self._published), timeout)

    def train(self, steps: int | None = None, seconds: float | None = None,
              progress_fn: Callable[[RunState], None] | None = None,
              slow: SlowMotion | None = None) -> RunState:
        """Blocking: train `steps` more steps or for `seconds`, then pause; with `slow`, in that
        slow motion (a lesson's run). For scripts and CLI. Returns the RunState published
        after its own commands took effect."""
        if (steps is None) == (seconds is None):
            raise ConfigError("give exactly one of steps or seconds")
        if seconds is not None and (isinstance(seconds, bool) or not math.isfinite(seconds)
                                    or seconds <= 0):
            raise ConfigError(f"seconds must be a positive number, got {seconds!r}")
        self.start(paused=True)
        deadline = time.monotonic() + (seconds or 0.0)
        until = None if steps is None else self.state.step + steps
        if slow is not None:
            cid = self._mail.slow_motion(slow, until)
        else:
            cid = self.step(steps, mark=False) if steps is not None else self.resume()

        def done(s: RunState) -> bool:
            if s.status in ("error", "stopped"):
                return True
            return s.handled >= cid and (not s.busy or (seconds is not None
                                                        and time.monotonic() >= deadline))

        while not self.wait(done, timeout=1.0):
            if progress_fn:
                progress_fn(self.state)
        if self.state.busy:
            cid = self.pause()
            self.wait(lambda s: (s.handled >= cid and not s.busy)
                      or s.status in ("error", "stopped"), timeout=60)
        if progress_fn:
            progress_fn(self.state)
        return self.state

    def require_weights(self) -> None:
        """StoreError when the run's weights were never saved or are gone (see Recorder)."""
        if self.recorder.weights_lost:
            raise StoreError(self.recorder.warnings[0])

    def export_generator(self, path: Path | str) -> None:
        """The generator the pictures use (EMA copy when enabled) as a plain .keras model."""
        self.require_weights()
        self.gan.sampler.save(str(path))

    def sample_at(self, step: int, z: np.ndarray, classes: np.ndarray | None = None) -> np.ndarray:
        """G(z) with the generator kept for `step` (see `kept_generator_steps`), in model space;
        a conditional run's of `classes` (see conditional.generate)."""
        return self.recorder.sample_at(step, z, classes)

    def kept_generator_steps(self) -> list[int]:
        """Steps whose generator weights are kept (at most store.MAX_KEPT_GENERATORS, evenly spaced)."""
        return self.recorder.kept_steps()

    def _publish(self) -> None:
        w, rec = self._worker, self.recorder
        with self._changed:
            self._version += 1
            self._published = RunState(
                run_id=self.run_id, config=self.config, step=rec.at(), status=w.status,
                message=w.message, elapsed=w.elapsed, steps_per_sec=w.rate,
                hparams=dict(w.hparams), history=rec.history.view(), snapshots=rec.snapshots,
                data_kind=self.data.kind, events=rec.events, version=self._version,
                handled=w.handled, pending=w.pending, queued=w.queued, yielding=w.yielding,
                warnings=rec.warnings + self.notes, slow=w.slow, devices=self.gan.devices)
            self._changed.notify_all()
