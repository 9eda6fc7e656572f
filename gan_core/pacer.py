"""How many steps one compiled call runs (K), and the run's measured speed.

Training runs K steps per compiled call (gan.Gan.run): a bigger K pays Python and the GIL
less often, a smaller one lets commands and the pages see the run sooner. K is chosen so one
call takes about TARGET_CALL_SECONDS, never crosses a snapshot step, and never overshoots what
was asked for (a step count or a lesson's budget).
"""
from __future__ import annotations

from .gan import MAX_K

TARGET_CALL_SECONDS = 0.08
FIRST_K = 10  # the first call also traces the graph: keep it short, learn no timing from it


class Pacer:
    """Owned by the training thread."""

    def __init__(self, fixed: bool = False) -> None:
        # fixed: K from the step count alone, never from timing. MultiWorker workers must make
        # the same calls (each step's all-reduces pair up across machines), and their clocks
        # differ.
        self.fixed = fixed
        self.per_step = 0.0  # seconds per step of the compiled call alone (smoothed)
        self.rate = 0.0  # steps per second of a whole call, recording included (smoothed)
        self._traced = False

    def k(self, at: int, every: int, limit: int | None) -> int:
        """K for the call after step `at`: up to the next snapshot (every `every` steps), at
        most `limit` steps (None: no limit)."""
        k = min(every - at % every, MAX_K)
        if self.fixed:
            return k if limit is None else min(k, limit)
        k = min(k, max(1, int(TARGET_CALL_SECONDS / self.per_step)) if self.per_step > 0
                else FIRST_K)
        return k if limit is None else min(k, limit)

    def called(self, k: int, seconds: float) -> None:
        """The compiled call of `k` steps took `seconds`."""
        if not self._traced:
            self._traced = True  # the tracing call: its time says nothing about the next
            return
        step = seconds / k
        self.per_step = step if self.per_step == 0 else 0.7 * self.per_step + 0.3 * step

    def recorded(self, k: int, seconds: float) -> None:
        """The call and its recording took `seconds`: the speed a person sees."""
        self.rate = k / seconds if self.rate == 0 else 0.8 * self.rate + 0.2 * k / seconds
