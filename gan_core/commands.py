"""Commands to a training thread: validated where they are given, merged in one mailbox.

Any thread posts; the training thread takes the whole mailbox between two compiled calls. The
mailbox merges instead of queueing (the latest pause/resume wins and cancels steps asked for
before it, step counts add up, settings merge), so a flood of clicks from a class costs O(1)
memory and never starves training. Every post gets a number; a RunState's `handled` says how
many took effect, so a caller can wait for its own command.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .config import RunConfig
from .errors import ConfigError
from .gan import MODES

MAX_STEPS = 10_000_000  # one step command; more is a typo, not a plan
LIVE_SETTINGS = ("lr_d", "lr_g", "d_steps", "loss", "gp_weight", "clip")  # changeable while training
SLOW_STEPS = 1_000  # most steps one slow-motion tick may run (one compiled call, MAX_K 1,024)
SLOW_MS = (100, 10_000)  # a slow-motion tick's period in ms: every tick takes a snapshot (a ring
# tick took a median 29-31 ms of the thread's time, p90 150-180 ms, at load 7-8 on 2 cores:
# bench/NOTES.md 20), so 10 a second at most
SLOW_TICKS = 600  # slow motion pauses after this many ticks: each keeps its snapshot (a ring
# one holds 63 KB of arrays, NOTES 20), so a slow motion left running costs at most ~40 MB


@dataclass(frozen=True)
class SlowMotion:
    """Auto-step: `steps` updates every `every_ms` ms, with a snapshot after each tick so the
    2D Lab shows every one; with `alternate`, ticks take turns: D only, then G only."""

    steps: int = 1  # updates per tick
    every_ms: int = 500  # the tick's period
    alternate: bool = False  # ticks alternate D-only and G-only updates (D first)

    def __post_init__(self) -> None:
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) \
                or not 1 <= self.steps <= SLOW_STEPS:
            raise ConfigError(f"slow motion: steps per tick must be a whole number from 1 to "
                              f"{SLOW_STEPS:,}, got {self.steps!r}")
        lo, hi = SLOW_MS
        if isinstance(self.every_ms, bool) or not isinstance(self.every_ms, int) \
                or not lo <= self.every_ms <= hi:
            raise ConfigError(f"slow motion: the period must be a whole number of milliseconds "
                              f"from {lo} to {hi:,}, got {self.every_ms!r}")
        if not isinstance(self.alternate, bool):
            raise ConfigError(f"slow motion: alternate must be true or false, got "
                              f"{self.alternate!r}")

    def mode(self, tick: int) -> str:
        """Which networks tick number `tick` (from 0) updates: gan.MODES."""
        return ("d", "g")[tick % 2] if self.alternate else "both"

    def text(self) -> str:
        """'1 step every 0.5 s, D then G' (a curve's mark, the page's captions)."""
        steps = f"{self.steps:,} step{'s' if self.steps > 1 else ''}"
        return (f"{steps} every {self.every_ms / 1000:g} s"
                + (", D then G" if self.alternate else ""))


def valid_settings(config: RunConfig, saved: Any) -> dict[str, Any]:
    """The live settings a status.json recorded, keeping only valid ones (a damaged file falls
    back to the config's values)."""
    good: dict[str, Any] = {}
    for k, v in (saved.items() if isinstance(saved, dict) else ()):
        try:
            if k in LIVE_SETTINGS:
                config.replace(**{k: v})
                good[k] = v
        except (ConfigError, TypeError, ValueError):
            pass
    return good


@dataclass
class Orders:
    """What callers asked for since the thread last looked."""

    seq: int = 0  # commands posted so far
    run: bool | None = None  # True: resume; False: pause (the latest wins)
    cancel: bool = False  # a pause or resume cancels steps asked for before it
    until: int | None = None  # resume until this step (a lesson's budget)
    slow: SlowMotion | None = None  # resume in slow motion (with run True)
    steps: int = 0
    which: str = "both"
    marked: bool = False  # the steps were asked for by hand: the curves mark them
    hparams: dict[str, Any] = field(default_factory=dict)


class Mailbox:
    def __init__(self) -> None:
        self._orders = Orders()
        self._cond = threading.Condition()  # guards _orders

    def pause(self) -> int:
        return self._post(run=False)

    def resume(self, until: int | None = None) -> int:
        self._check_until(until)
        return self._post(run=True, until=until)

    @staticmethod
    def _check_until(until: int | None) -> None:
        if until is not None and (isinstance(until, bool) or not isinstance(until, int)
                                  or until < 1):
            raise ConfigError(f"until must be a positive step number, got {until!r}")

    def slow_motion(self, plan: SlowMotion, until: int | None = None) -> int:
        """Run in slow motion (`plan`, validated when it was made), like a resume: a pause,
        a resume or a step count ends it."""
        if not isinstance(plan, SlowMotion):
            raise ConfigError(f"slow motion needs a SlowMotion plan, got {plan!r}")
        self._check_until(until)
        return self._post(run=True, until=until, slow=plan)

    def step(self, n: int, which: str, mark: bool) -> int:
        if which not in MODES:
            raise ConfigError(f"which must be one of {', '.join(MODES)}, got {which!r}")
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_STEPS:
            raise ConfigError(f"step count must be a whole number from 1 to {MAX_STEPS:,}, "
                              f"got {n!r}")
        return self._post(steps=n, which=which, mark=mark)

    def set(self, config: RunConfig, changes: dict[str, Any]) -> int:
        bad = set(changes) - set(LIVE_SETTINGS)
        if bad:
            raise ConfigError(f"cannot change {', '.join(sorted(bad))} while training; "
                              f"live settings are {', '.join(LIVE_SETTINGS)}")
        config.replace(**changes)  # validation only: a bad value raises here, in the caller
        return self._post(hparams=dict(changes))

    def _post(self, **change: Any) -> int:
        with self._cond:
            o = self._orders
            o.seq += 1
            if "hparams" in change:
                o.hparams.update(change["hparams"])
            if "run" in change:
                o.run, o.cancel, o.steps, o.until = change["run"], True, 0, change.get("until")
                o.slow = change.get("slow")
            if "steps" in change:
                o.run, o.steps, o.which = False, o.steps + change["steps"], change["which"]
                o.slow = None
                o.marked = o.marked or change["mark"]
            self._cond.notify_all()
            return o.seq

    def take(self, handled: int, wait_while: Callable[[], bool],
             timeout: float | None = None) -> Orders | None:
        """Everything posted after command `handled`, or None. While `wait_while()` holds (the
        thread has nothing to do), block until something is posted, `wake()` is called or
        `timeout` s passed (None: no limit; slow motion's next tick)."""
        with self._cond:
            if wait_while():
                self._cond.wait_for(lambda: self._orders.seq > handled or not wait_while(),
                                    timeout)
            orders, self._orders = self._orders, Orders(seq=self._orders.seq)
        return orders if orders.seq > handled else None

    def wake(self) -> None:
        """Let a waiting `take` re-check its condition (e.g. the thread is asked to stop)."""
        with self._cond:
            self._cond.notify_all()
