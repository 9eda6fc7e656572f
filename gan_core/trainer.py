"""Trainer: one run's training thread, its commands and its state machine.

Threading model: the thread owns all TensorFlow state and the run folder (through its
Recorder). Other threads post commands into one mailbox, guarded by `_orders_cond`, which
merges them (the latest pause/resume wins, step counts add up, settings merge), so a flood of
clicks costs O(1) memory and never starves training; the thread takes the whole mailbox
between two compiled calls. What the thread publishes is an immutable RunState swapped under
`_lock`. `start()` is idempotent under `_lock`, and the run folder's lock file makes one
writer per run across processes.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .config import RunConfig
from .data import load_dataset
from .errors import ConfigError, GanscopeError, StoreError
from .gan import MAX_K, MODES, Gan
from .observer import Observer
from .recorder import Recorder
from .run_state import RunState
from .store import RunStore

log = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 30.0  # a crash loses at most this much training
TARGET_CALL_SECONDS = 0.08  # K is chosen so one compiled call takes about this long
LIVE_HPARAMS = ("lr_d", "lr_g", "d_steps", "loss", "gp_weight", "clip")


@dataclass
class _Orders:
    """What callers asked for since the thread last looked (merged, never queued)."""

    seq: int = 0  # commands posted so far; a RunState's `handled` says how many took effect
    run: bool | None = None  # True: resume; False: pause (the latest wins)
    cancel: bool = False  # a pause or resume cancels steps asked for before it
    until: int | None = None
    steps: int = 0
    which: str = "both"
    marked: bool = False  # the steps were asked for by hand: the curves mark them
    hparams: dict[str, Any] = field(default_factory=dict)


class Trainer:
    """Trains one run in a background thread. Safe to call from any thread."""

    def __init__(self, config: RunConfig, runs_dir: Path | str | None = None,
                 store: RunStore | None = None) -> None:
        self.config = config
        self.data = load_dataset(config.dataset, config.data_std, config.seed)
        self.gan = Gan(config, self.data)
        self.observer = Observer(self.gan, self.data)
        self.store = store or RunStore.create(config, runs_dir)
        self.run_id = self.store.run_id
        self.recorder = Recorder(config, self.gan, self.observer, self.store)
        self._lock = threading.Lock()  # guards _published, _thread and _version
        self._changed = threading.Condition(self._lock)
        self._orders = _Orders()
        self._orders_cond = threading.Condition()  # guards _orders
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._version = 0
        # Owned by the training thread once it runs:
        self._status, self._message, self._handled = "idle", "", 0
        self._elapsed, self._rate, self._per_step = 0.0, 0.0, 0.0
        self._pending, self._pending_mode = 0, "both"
        self._until: int | None = None  # running stops (pauses) at this step, when set
        self._hparams: dict[str, Any] = {k: getattr(config, k) for k in LIVE_HPARAMS}
        self._published: RunState
        self._publish()

    # ---- opening a saved run -------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path | str) -> Trainer:
        """Reopen a run folder as of its newest checkpoint, read-only: nothing in the folder
        changes until the run trains again (then what a crash left past it is dropped)."""
        store = RunStore.open(path)
        try:
            trainer = cls(store.config(), store=store)
            status = trainer.recorder.restore()
        except GanscopeError:
            raise
        except Exception as exc:  # a damaged folder is a message, not a traceback
            raise StoreError(f"run {store.run_id} cannot be opened: {type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else ''}") from exc
        elapsed = status.get("elapsed", 0.0)
        trainer._elapsed = float(elapsed) if isinstance(elapsed, (int, float)) else 0.0
        trainer._apply_hparams(trainer._valid_hparams(status.get("hparams")))
        trainer._status = "paused" if trainer.recorder.at() else "idle"
        trainer._publish()
        return trainer

    def _valid_hparams(self, saved: Any) -> dict[str, Any]:
        """The live settings a status.json recorded, keeping only valid ones (a damaged file
        falls back to the config's values)."""
        good: dict[str, Any] = {}
        for k, v in (saved.items() if isinstance(saved, dict) else ()):
            try:
                if k in LIVE_HPARAMS:
                    self.config.replace(**{k: v})
                    good[k] = v
            except (ConfigError, TypeError, ValueError):
                pass
        return good

    # ---- commands (any thread) -------------------------------------------------------------------
    def start(self, paused: bool = False) -> bool:
        """Start the training thread; a no-op returning False if it is already running.
        StoreError if another process trains this run or its weights are lost."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return False
            self.require_weights()
            self.store.lock()
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, args=(paused,), daemon=True,
                                            name=f"ganscope-{self.run_id}")
            self._thread.start()
            # Return once the thread has published its state, so a page drawn right after
            # start() already sees "running" (and its live view ticks).
            version = self._version
            self._changed.wait_for(lambda: self._version > version, timeout=10)
            return True

    def _post(self, **change: Any) -> int:
        with self._orders_cond:
            o = self._orders
            o.seq += 1
            if "hparams" in change:
                o.hparams.update(change["hparams"])
            if "run" in change:
                o.run, o.cancel, o.steps, o.until = change["run"], True, 0, change.get("until")
            if "steps" in change:
                o.run, o.steps, o.which = False, o.steps + change["steps"], change["which"]
                o.marked = o.marked or change["mark"]
            self._orders_cond.notify_all()
            return o.seq

    def pause(self) -> int:
        """Pause (and cancel steps still to run). Returns the command's number (see train)."""
        return self._post(run=False)

    def resume(self, until: int | None = None) -> int:
        """Train on; with `until`, pause when the run reaches that step (a lesson's budget)."""
        if until is not None and (isinstance(until, bool) or not isinstance(until, int)
                                  or until < 1):
            raise ConfigError(f"until must be a positive step number, got {until!r}")
        return self._post(run=True, until=until)

    def step(self, n: int = 1, which: str = "both", mark: bool = True) -> int:
        """Train exactly `n` more steps, then pause. which: "both", "d" (D only), "g" (G only).
        `mark`: leave a band on the curves (manual steps; `train` does not)."""
        if which not in MODES:
            raise ConfigError(f"which must be one of {', '.join(MODES)}, got {which!r}")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10_000_000:
            raise ConfigError(f"step count must be a whole number from 1 to 10,000,000, got {n!r}")
        return self._post(steps=n, which=which, mark=mark)

    def set_hparams(self, **changes: Any) -> int:
        """Change learning rates, D steps per G step, loss, ... live. Validated here, so a bad
        value raises ConfigError in the caller and the run is untouched."""
        bad = set(changes) - set(LIVE_HPARAMS)
        if bad:
            raise ConfigError(f"cannot change {', '.join(sorted(bad))} while training; "
                              f"live settings are {', '.join(LIVE_HPARAMS)}")
        self.config.replace(**changes)  # validation only
        return self._post(hparams=dict(changes))

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop, checkpoint and join. True when the thread has ended (or never ran); False
        when it is still busy after `timeout` s (it stops at its next call boundary)."""
        thread = self._thread
        if thread is None or not thread.is_alive():
            return True
        self._stop.set()
        with self._orders_cond:
            self._orders_cond.notify_all()
        thread.join(timeout)
        if thread.is_alive():
            log.warning("run %s: the training thread did not stop within %.0f s", self.run_id,
                        timeout)
            return False
        return True

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
              progress_fn: Callable[[RunState], None] | None = None) -> RunState:
        """Blocking: train `steps` more steps or for `seconds`, then pause. For scripts and
        CLI. Returns the RunState published after its own commands took effect."""
        if (steps is None) == (seconds is None):
            raise ConfigError("give exactly one of steps or seconds")
        if seconds is not None and (isinstance(seconds, bool) or not math.isfinite(seconds)
                                    or seconds <= 0):
            raise ConfigError(f"seconds must be a positive number, got {seconds!r}")
        self.start(paused=True)
        deadline = time.monotonic() + (seconds or 0.0)
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

    def sample_at(self, step: int, z: np.ndarray) -> np.ndarray:
        """G(z) with the generator kept for `step` (see `kept_generator_steps`), in model space."""
        return self.recorder.sample_at(step, z)

    def kept_generator_steps(self) -> list[int]:
        """Steps whose generator weights are kept (at most store.MAX_KEPT_GENERATORS, evenly spaced)."""
        return self.recorder.kept_steps()

    # ---- the training thread -------------------------------------------------------------------
    def _loop(self, paused: bool) -> None:
        rec = self.recorder
        self._status, self._message = ("paused" if paused else "running"), ""
        last_ckpt = time.monotonic()
        try:
            rec.begin()
            self._publish()
            while not self._stop.is_set():
                try:
                    if self._take_orders():
                        # A command shows at once, not after the next call: that can take
                        # seconds (the first traces the graph; a busy machine), and a page
                        # drawn meanwhile must already see "running" to tick.
                        self._publish()
                    if not self._stop.is_set() and self._busy():
                        t0 = time.perf_counter()
                        self._train_call()
                        if self._busy() and time.monotonic() - last_ckpt > CHECKPOINT_SECONDS:
                            self._save()
                            last_ckpt = time.monotonic()
                        self._elapsed += time.perf_counter() - t0
                        self._publish()
                except StoreError as exc:
                    self._io_failed(exc)
                    self._publish()
            self._status = "stopped"
        except Exception as exc:  # a thread never dies silently: the page shows this
            if not isinstance(exc, StoreError):
                log.exception("training thread failed")
            self._status, self._message = "error", f"{type(exc).__name__}: {exc}"
        finally:
            try:
                if self._status != "error":
                    self._save()
            except StoreError as exc:  # keep the message that says what happened first
                log.warning("run %s: %s", self.run_id, exc)
                self._message = self._message or f"Could not save the run when it stopped: {exc}"
            finally:
                try:
                    self.store.close()
                except StoreError as exc:
                    log.warning("run %s: %s", self.run_id, exc)
                self._publish()

    def _busy(self) -> bool:
        return self._status == "running" or self._pending > 0

    def _take_orders(self) -> bool:
        """Apply everything posted since the last look (waiting for a command while idle);
        whether anything was."""
        with self._orders_cond:
            if not self._busy():
                self._orders_cond.wait_for(
                    lambda: self._orders.seq > self._handled or self._stop.is_set())
            o, self._orders = self._orders, _Orders(seq=self._orders.seq)
        if o.seq == self._handled:
            return False
        if o.hparams:
            self._apply_hparams(o.hparams)
            self.recorder.add_event(o.hparams)
        if o.cancel:
            self._pending = 0
        if o.run is True:
            self._status, self._message, self._until = "running", "", o.until
            if self._until is not None and self.recorder.at() >= self._until:
                self._status, self._until = "paused", None
        elif o.run is False and self._status == "running":
            self._status = "paused"
            self._save()
        if o.steps:
            self._status, self._message = "paused", ""
            if o.marked:  # a band from the first of these steps to the last (gan_core.views.marks)
                first = self.recorder.at() + self._pending
                who = {"both": "D+G", "d": "D", "g": "G"}[o.which]
                self.recorder.add_event({"manual": f"{who} x{o.steps}", "until": first + o.steps},
                                        step=first)
            self._pending += o.steps
            self._pending_mode = o.which
        self._handled = o.seq
        return True

    def _apply_hparams(self, changes: dict[str, Any]) -> None:
        self._hparams.update(changes)
        self.gan.set_learning_rates(changes.get("lr_d"), changes.get("lr_g"))
        if "loss" in changes:
            self.gan.loss_name = changes["loss"]
        if "gp_weight" in changes:
            self.gan.gp_weight.assign(changes["gp_weight"])
        if "clip" in changes:
            self.gan.clip.assign(changes["clip"])

    def _next_k(self) -> int:
        at, every = self.recorder.at(), self.config.snapshot_every
        k = min(every - at % every, MAX_K)
        if self._per_step > 0:
            k = min(k, max(1, int(TARGET_CALL_SECONDS / self._per_step)))
        else:
            k = min(k, 10)  # the first call also traces the graph
        if self._status != "running":
            k = min(k, self._pending)
        elif self._until is not None:
            k = min(k, self._until - at)
        return k

    def _train_call(self) -> None:
        rec = self.recorder
        mode = "both" if self._status == "running" else self._pending_mode
        k, first = self._next_k(), rec.at() + 1
        t0 = time.perf_counter()
        rows = self.gan.run(k, self._hparams["d_steps"], mode)
        dt = time.perf_counter() - t0
        if self._per_step == 0.0 and self._rate == 0.0:
            self._rate = -1.0  # the first, tracing call: do not learn timing from it
        else:
            self._per_step = dt / k if self._per_step == 0 else 0.7 * self._per_step + 0.3 * dt / k
        if self._status != "running":
            self._pending -= k
        bad = ~np.isfinite(rows[:, :2]).all(axis=1)
        if bad.any():
            self._diverged(first + int(bad.argmax()), rows[bad.argmax()])
            return
        rec.record(first, rows)
        step_done = self._status != "running" and self._pending == 0
        budget_done = self._until is not None and rec.at() >= self._until
        if rec.at() % self.config.snapshot_every == 0 or step_done or budget_done:
            rec.take_snapshot()  # the end of a step or a budget gets a snapshot too
        wall = time.perf_counter() - t0
        self._rate = k / wall if self._rate <= 0 else 0.8 * self._rate + 0.2 * k / wall
        if budget_done:
            self._status, self._until = "paused", None
        if step_done or budget_done:
            self._save()  # every pause has a checkpoint: a divergence can always go back

    def _diverged(self, step: int, row: np.ndarray) -> None:
        """NaN/Inf: pause, say where and why, and roll back to the last checkpoint (which
        stays intact) so the student can lower a learning rate and resume."""
        which = "D loss" if not np.isfinite(row[0]) else "G loss"
        back = self.recorder.rollback()
        self._status, self._pending, self._until = "paused", 0, None
        self._message = (f"Training diverged at step {step:,}: the {which} became NaN/Inf. "
                         f"Usually a learning rate is too high (lr_d={self._hparams['lr_d']:g}, "
                         f"lr_g={self._hparams['lr_g']:g}). The weights were rolled back to "
                         f"step {back:,}, the last checkpoint; lower a learning rate and resume.")

    def _io_failed(self, exc: StoreError) -> None:
        """A write failed (a full disk): pause at the last checkpoint, saying so."""
        at = self.recorder.at()
        back = self.recorder.rollback()  # reads and truncates: works on a full disk
        self._status, self._pending, self._until = "paused", 0, None
        self._message = (f"Training paused at step {at:,}: {exc}. The run was rolled back to "
                         f"step {back:,}, its last checkpoint; free some disk space, then resume.")
        log.warning("run %s: %s", self.run_id, self._message)

    def _save(self) -> None:
        """Checkpoint (when trained since the last one) and status."""
        if self.recorder.unsaved:
            self.recorder.checkpoint()
        self.recorder.write_status(state=self._status, message=self._message,
                                   elapsed=self._elapsed, hparams=self._hparams)

    def _publish(self) -> None:
        rec = self.recorder
        with self._changed:
            self._version += 1
            self._published = RunState(
                run_id=self.run_id, config=self.config, step=rec.at(), status=self._status,
                message=self._message, elapsed=self._elapsed,
                steps_per_sec=max(self._rate, 0.0), hparams=dict(self._hparams),
                history=rec.history.view(), snapshots=rec.snapshots, data_kind=self.data.kind,
                events=rec.events, version=self._version, handled=self._handled,
                pending=self._pending, warnings=rec.warnings)
            self._changed.notify_all()
