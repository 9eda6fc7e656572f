"""Training slots: at most N runs of this process train at once; the others wait in line.

Thirty students pressing Start on a 2-core server would otherwise make thirty training threads
that share two cores, and the projector's run would crawl with them. A run takes a slot when
it has work (running, or steps asked for) and gives it back when it pauses, stops or fails;
runs that want one wait first come, first served, and start by themselves when one frees. The
app, lessons and scripts in one process share the slots (`SLOTS`).

N defaults to the CPU cores this process may use; `GANSCOPE_TRAINING_SLOTS` sets it.
"""
from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)
ENV = "GANSCOPE_TRAINING_SLOTS"


def default_size() -> int:
    text = os.environ.get(ENV, "").strip()
    if text:
        try:
            n = int(text)
        except ValueError:
            n = 0
        if n >= 1:
            return n
        log.warning("%s must be a whole number of at least 1, got %r: using one slot per core",
                    ENV, text)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Slots:
    """Thread-safe; `who` is a run id."""

    def __init__(self, size: int) -> None:
        self._cond = threading.Condition()  # guards _size, _holders and _line
        self._size = size
        self._holders: set[str] = set()
        self._line: list[str] = []  # waiting, first come first

    @property
    def size(self) -> int:
        with self._cond:
            return self._size

    def resize(self, size: int) -> None:
        """More slots start waiting runs at once; fewer let the holders finish first."""
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"training slots must be a whole number of at least 1, got {size!r}")
        with self._cond:
            self._size = size
            self._cond.notify_all()

    def acquire(self, who: str, timeout: float) -> bool:
        """True when `who` holds a slot. Otherwise `who` joins (or keeps) its place in line and
        waits up to `timeout` s; False if it is still waiting then (call again, or `release`
        to leave the line)."""
        with self._cond:
            if who in self._holders:
                return True
            if who not in self._line:
                self._line.append(who)
            granted = self._cond.wait_for(lambda: self._turn(who), timeout)
            if granted:
                self._line.remove(who)
                self._holders.add(who)
                self._cond.notify_all()  # the next in line may fit too
            return granted

    def _turn(self, who: str) -> bool:
        return who in self._line and self._line.index(who) < self._size - len(self._holders)

    def release(self, who: str) -> None:
        """Give back `who`'s slot, or leave the line."""
        with self._cond:
            if who in self._holders or who in self._line:
                self._holders.discard(who)
                if who in self._line:
                    self._line.remove(who)
                self._cond.notify_all()

    def position(self, who: str) -> int:
        """1 for the first in line, ...; 0 when `who` is not waiting."""
        with self._cond:
            return self._line.index(who) + 1 if who in self._line else 0

    def holders(self) -> set[str]:
        with self._cond:
            return set(self._holders)

    def waiting(self) -> list[str]:
        with self._cond:
            return list(self._line)


SLOTS = Slots(default_size())
