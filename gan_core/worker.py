"""Worker: the training thread's side of a Trainer, its state machine.

Only the training thread calls a Worker (after `Trainer.open` set it up, before the thread
started). It takes commands from the Mailbox between two compiled calls, trains, records
through the Recorder and publishes through the callback the Trainer gave it.

States: idle (never trained) -> running <-> paused (a pause, a step count or a budget done, a
divergence, a full disk) -> stopped; error when the thread failed. Every pause has a
checkpoint, so a divergence can always go back to real weights. Slow motion (commands.SlowMotion)
is running in ticks: N steps, a snapshot, then a wait for the next tick in which commands are
taken at once and the training slot is given back. A run that did not ask first for its slot
rests between calls while one that did trains (gan_core/slots.py): it keeps its slot and takes
commands at once meanwhile.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .commands import LIVE_SETTINGS, SLOW_TICKS, Mailbox, Orders, SlowMotion, valid_settings
from .config import RunConfig
from .errors import StoreError
from .gan import Gan
from .pacer import Pacer
from .recorder import Recorder
from .slots import SHARE_BESIDE_FIRST, SLOTS, Slots

log = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 30.0  # a crash loses at most this much training
LINE_POLL_SECONDS = 0.5  # a run waiting for a training slot looks at its commands this often
# A rest never lasts longer: the first call (it traces the graph) can take seconds, and a rest
# ends only when it has run out, so full speed is back at most this long after the first run
# paused.
MAX_REST_SECONDS = 1.0


class Worker:
    def __init__(self, config: RunConfig, gan: Gan, recorder: Recorder, mail: Mailbox,
                 publish: Callable[[], None], slots: Slots = SLOTS) -> None:
        self.config, self.gan, self.recorder, self.mail = config, gan, recorder, mail
        self.publish, self.slots, self.run_id = publish, slots, recorder.store.run_id
        self.queued = 0  # place in line for a training slot; 0: not waiting
        self.first = True  # asks first for a slot (gan_core/slots.py); set when the thread starts
        self.yielding = False  # trains SHARE_BESIDE_FIRST of the time: a first run holds a slot
        self.rest_until = 0.0  # monotonic: yielding, the next call waits until then
        self.status, self.message, self.handled = "idle", "", 0
        self.elapsed, self.pace = 0.0, Pacer(fixed=gan.cfg.strategy == "multiworker")
        self.pending, self.pending_mode = 0, "both"  # steps asked for, and which network
        self.until: int | None = None  # running pauses at this step, when set
        self.slow: SlowMotion | None = None  # running in slow motion, when set
        self.ticks, self.tick_left = 0, 0  # slow-motion ticks done, steps left in this one
        self.next_tick, self.tick_began, self.tick_seconds = 0.0, 0.0, 0.0  # monotonic, s
        self.hparams: dict[str, Any] = {k: getattr(config, k) for k in LIVE_SETTINGS}

    def restore(self, status: dict[str, Any]) -> None:
        """Continue from a saved status.json (its training time and live settings)."""
        elapsed = status.get("elapsed", 0.0)
        self.elapsed = float(elapsed) if isinstance(elapsed, (int, float)) else 0.0
        self._apply(valid_settings(self.config, status.get("hparams")))
        self.status = "paused" if self.recorder.at() else "idle"

    @property
    def busy(self) -> bool:
        return self.status == "running" or self.pending > 0

    @property
    def due(self) -> bool:
        """Busy with steps to run now; in slow motion, once its next tick is due."""
        now = time.monotonic()
        return self.busy and now >= self.rest_until and (self.slow is None or now >= self.next_tick)

    @property
    def resting(self) -> bool:
        """Between two calls, yielding to a run that asked first: the slot stays held."""
        return self.busy and time.monotonic() < self.rest_until

    @property
    def rate(self) -> float:
        """Steps per second as a person sees them: in slow motion, a tick's steps over its
        period (or over the tick's own time, when that took longer)."""
        if self.slow is None:
            return self.pace.rate * (SHARE_BESIDE_FIRST if self.yielding else 1.0)
        return self.slow.steps / max(self.slow.every_ms / 1000, self.tick_seconds)

    def run(self, paused: bool, stop: threading.Event) -> None:
        """The thread's body: until `stop` is set, obey commands and train while busy."""
        self.status, self.message = ("paused" if paused else "running"), ""
        # a run no student owns (the teacher's, a lesson's, a script's) goes first for a slot
        self.first = self.recorder.store.owner() is None
        last_ckpt = time.monotonic()
        try:
            self.recorder.begin()
            self.publish()
            while not stop.is_set():
                try:
                    if not (self.due or self.resting):
                        self._leave_slot()  # before waiting for a command: others may train
                    ticking, t_wait = self.slow is not None and self.busy, time.perf_counter()
                    orders = self.mail.take(
                        self.handled, lambda: not (self.due or stop.is_set()), self._wake())
                    if ticking:  # slow motion's waits are its training time (a replay's pace)
                        self.elapsed += time.perf_counter() - t_wait
                    if orders is not None:
                        # A command shows at once, not after the next call: that can take
                        # seconds (the first traces the graph; a busy machine), and a page
                        # drawn meanwhile must already see "running" to tick.
                        self._obey(orders)
                        self.publish()
                    if self.due and not stop.is_set() and self._slot():
                        t0 = time.perf_counter()
                        self._train_call()
                        self._rest(time.perf_counter() - t0)
                        if self.busy and time.monotonic() - last_ckpt > CHECKPOINT_SECONDS:
                            self.save()
                            last_ckpt = time.monotonic()
                        self.elapsed += time.perf_counter() - t0
                        self.publish()
                except StoreError as exc:  # a full disk: pause at the last checkpoint
                    at, back = self.recorder.at(), self._halt()
                    self.message = (f"Training paused at step {at:,}: {exc}. The run was "
                                    f"rolled back to step {back:,}, its last checkpoint; free "
                                    f"some disk space, then resume.")
                    log.warning("run %s: %s", self.recorder.store.run_id, self.message)
                    self.publish()
            self.status = "stopped"
        except Exception as exc:  # a thread never dies silently: the page shows this
            if not isinstance(exc, StoreError):
                log.exception("training thread failed")
            self.status, self.message = "error", f"{type(exc).__name__}: {exc}"
        finally:
            self._finish()

    def _slot(self) -> bool:
        """Whether this run holds a training slot; if not, it waits in line a moment and
        publishes its place when that changed."""
        was = self.queued
        self.queued = 0 if self.slots.acquire(self.run_id, LINE_POLL_SECONDS, self.first) \
            else self.slots.position(self.run_id)
        if self.queued != was:
            self.publish()
        return self.queued == 0

    def _leave_slot(self) -> None:
        self.slots.release(self.run_id)
        self.rest_until = 0.0
        if self.queued or self.yielding:
            self.queued, self.yielding = 0, False
            self.publish()

    def _wake(self) -> float | None:
        """Seconds until the thread has work without a command: the next slow-motion tick or
        the end of a rest; None: not until a command comes."""
        now, due = time.monotonic(), []
        if self.slow is not None and self.busy:
            due.append(self.next_tick)
        if self.resting:
            due.append(self.rest_until)
        return max(0.0, min(due) - now) if due else None

    def _rest(self, seconds: float) -> None:
        """After a call of `seconds`: a run that did not ask first, beside one that did, rests
        so that it trains SHARE_BESIDE_FIRST of the time (gan_core/slots.py)."""
        was, self.yielding = self.yielding, not self.first and self.slots.first_holds()
        if self.yielding:
            rest = min(seconds * (1 / SHARE_BESIDE_FIRST - 1), MAX_REST_SECONDS)
            self.rest_until = time.monotonic() + rest
        if self.yielding != was:
            self.publish()

    def _finish(self) -> None:
        """Save (unless the thread failed), give back the training slot and release the run
        folder, keeping the message that says what happened first."""
        store = self.recorder.store
        self.slots.release(self.run_id)
        self.queued, self.yielding = 0, False
        try:
            if self.status != "error":
                self.save()
        except StoreError as exc:
            log.warning("run %s: %s", store.run_id, exc)
            self.message = self.message or f"Could not save the run when it stopped: {exc}"
        finally:
            try:
                self.recorder.close()
            except StoreError as exc:
                log.warning("run %s: %s", store.run_id, exc)
            self.publish()

    def _obey(self, o: Orders) -> None:
        rec = self.recorder
        if o.hparams:
            self._apply(o.hparams)
            rec.add_event(o.hparams)
        if o.cancel:
            self.pending = 0
        if o.run is True:
            self.status, self.message, self.until = "running", "", o.until
            self._slow_motion(o.slow)
            if self.until is not None and rec.at() >= self.until:
                self.status, self.until, self.slow = "paused", None, None
        elif o.run is False:
            self.slow = None
            if self.status == "running":
                self.status = "paused"
                self.save()
        if o.steps:
            self.status, self.message = "paused", ""
            if o.marked:  # a band from the first of these steps to the last (gan_core.views.marks)
                first = rec.at() + self.pending
                who = {"both": "D+G", "d": "D", "g": "G"}[o.which]
                rec.add_event({"manual": f"{who} x{o.steps}", "until": first + o.steps}, step=first)
            self.pending, self.pending_mode = self.pending + o.steps, o.which
        self.handled = o.seq

    def _slow_motion(self, plan: SlowMotion | None) -> None:
        """Begin slow motion (`plan`), its first tick due now; None: leave it."""
        self.slow, self.ticks, self.next_tick = plan, 0, time.monotonic()
        if plan is not None:
            self.tick_left, self.tick_seconds = plan.steps, 0.0
            self.recorder.add_event({"slow motion": plan.text()})

    def _apply(self, changes: dict[str, Any]) -> None:
        self.hparams.update(changes)
        self.gan.apply_settings(changes)

    def _plan(self) -> tuple[int | None, str]:
        """The next call's most steps (None: no limit) and which networks it updates."""
        rec, slow = self.recorder, self.slow
        if slow is not None:
            if self.tick_left == slow.steps:  # a tick begins
                self.tick_began = time.monotonic()
            left = self.tick_left
            return (left if self.until is None else min(left, self.until - rec.at()),
                    slow.mode(self.ticks))
        if self.status == "running":
            return (self.until - rec.at() if self.until is not None else None), "both"
        return self.pending, self.pending_mode

    def _train_call(self) -> None:
        rec, running, slow = self.recorder, self.status == "running", self.slow
        limit, mode = self._plan()
        k, first = self.pace.k(rec.at(), self.config.snapshot_every, limit), rec.at() + 1
        t0 = time.perf_counter()
        rows = self.gan.run(k, self.hparams["d_steps"], mode)
        self.pace.called(k, time.perf_counter() - t0)
        self.pending -= 0 if running else k
        self.tick_left -= k if slow is not None else 0
        bad = ~np.isfinite(rows[:, :2]).all(axis=1)
        if bad.any():  # NaN/Inf: pause at the last checkpoint, so a lower rate can resume
            row, back = rows[bad.argmax()], self._halt()
            self.message = (
                f"Training diverged at step {first + int(bad.argmax()):,}: the "
                f"{'D' if not np.isfinite(row[0]) else 'G'} loss became NaN/Inf. Usually a "
                f"learning rate is too high (lr_d={self.hparams['lr_d']:g}, "
                f"lr_g={self.hparams['lr_g']:g}). The weights were rolled back to step "
                f"{back:,}, the last checkpoint; lower a learning rate and resume.")
            return
        rec.record(first, rows)
        step_done = not running and self.pending == 0
        budget_done = self.until is not None and rec.at() >= self.until
        tick_done = slow is not None and self.tick_left == 0
        if rec.at() % self.config.snapshot_every == 0 or step_done or budget_done or tick_done:
            rec.take_snapshot()  # the end of a step, a budget or a tick gets a snapshot too
        if slow is None:
            self.pace.recorded(k, time.perf_counter() - t0)
        slow_done = slow is not None and tick_done and self._tick_done(slow)
        if budget_done or slow_done:
            self.status, self.until, self.slow = "paused", None, None
        if step_done or budget_done or slow_done:
            self.save()  # every pause has a checkpoint

    def _tick_done(self, slow: SlowMotion) -> bool:
        """After a slow-motion tick: the next one is due one period after this one began.
        Whether slow motion ends here (SLOW_TICKS ticks), with a message saying so."""
        self.ticks, self.tick_left = self.ticks + 1, slow.steps
        self.tick_seconds = time.monotonic() - self.tick_began
        self.next_tick = self.tick_began + slow.every_ms / 1000
        if self.ticks < SLOW_TICKS:
            return False
        self.message = (f"Slow motion paused after {SLOW_TICKS:,} ticks (each keeps a "
                        "snapshot); start it again to go on.")
        return True

    def _halt(self) -> int:
        """Pause, cancelling what was asked for, at the last checkpoint (the Recorder rolls
        memory and folder back to it); its step."""
        self.status, self.pending, self.until, self.slow = "paused", 0, None, None
        return self.recorder.rollback()

    def save(self) -> None:
        """Checkpoint (when trained since the last one) and status."""
        if self.recorder.unsaved:
            self.recorder.checkpoint()
        self.recorder.write_status(state=self.status, message=self.message,
                                   elapsed=self.elapsed, hparams=self.hparams)
