"""Training slots: at most N runs of this process train at once; the others wait in line.

Thirty students pressing Start on a 2-core server would otherwise make thirty training threads
that share two cores, and the projector's run would crawl with them. A run takes a slot when
it has work (running, or steps asked for) and gives it back when it pauses, stops or fails;
runs that want one wait first come, first served, and start by themselves when one frees. The
app, lessons and scripts in one process share the slots (`SLOTS`).

A run may ask *first* (the Worker does for a run no student owns: the teacher's, a lesson's, a
script's). It waits ahead of every other run in line, and when no slot is free a holder that
did not ask first gives its slot up at its next chunk and waits at the head of the others: so
with one slot on a class's laptop the teacher's run always trains when it is running, and the
students' runs train, in their order, while it is paused. Between runs that ask first, and
between the others, it stays first come, first served.

A free core is not enough for the teacher's run to keep its speed: runs of one process share
TensorFlow's thread pools and Python's GIL, and one student's run beside it on a 2-core server
took 38 % of its steps (bench/NOTES.md, 23). So while a run that asked first holds a slot, the
others train SHARE_BESIDE_FIRST of the time (the Worker rests between its calls).

N defaults to the CPU cores this process may use; `GANSCOPE_TRAINING_SLOTS` sets it.
"""
from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)
ENV = "GANSCOPE_TRAINING_SLOTS"
SHARE_BESIDE_FIRST = 0.10  # of the wall time a run that did not ask first trains, beside one that did


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
        self._cond = threading.Condition()  # guards _size, _holders, _line and _first
        self._size = size
        self._holders: set[str] = set()
        self._line: list[str] = []  # waiting: those asking first, then the others; each in order
        self._first: set[str] = set()  # holders and waiters that asked first

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

    def acquire(self, who: str, timeout: float, first: bool = False) -> bool:
        """True when `who` holds a slot. Otherwise `who` joins (or keeps) its place in line and
        waits up to `timeout` s; False if it is still waiting then (call again, or `release`
        to leave the line). `first`: see the module's docstring; a holder that did not ask
        first gets False when a run asking first waits for a full house (it gave its slot up).
        """
        with self._cond:
            (self._first.add if first else self._first.discard)(who)
            if who in self._holders:
                if first or not self._first_waits():
                    return True
                self._holders.discard(who)  # yield to a run that asked first
                self._line.insert(self._firsts_in_line(), who)  # the head of the others
                self._cond.notify_all()
            if who not in self._line:
                self._line.insert(self._firsts_in_line() if first else len(self._line), who)
            granted = self._cond.wait_for(lambda: self._turn(who), timeout)
            if granted:
                self._line.remove(who)
                self._holders.add(who)
                self._cond.notify_all()  # the next in line may fit too
            return granted

    def _firsts_in_line(self) -> int:
        """How many in line asked first (they stand at its head)."""
        return sum(w in self._first for w in self._line)

    def _first_waits(self) -> bool:
        """A run asking first waits, and every slot is taken."""
        return len(self._holders) >= self._size and any(w in self._first for w in self._line)

    def _turn(self, who: str) -> bool:
        return who in self._line and self._line.index(who) < self._size - len(self._holders)

    def release(self, who: str) -> None:
        """Give back `who`'s slot, or leave the line."""
        with self._cond:
            self._first.discard(who)
            if who in self._holders or who in self._line:
                self._holders.discard(who)
                if who in self._line:
                    self._line.remove(who)
                self._cond.notify_all()

    def position(self, who: str) -> int:
        """1 for the first in line, ...; 0 when `who` is not waiting."""
        with self._cond:
            return self._line.index(who) + 1 if who in self._line else 0

    def first_holds(self) -> bool:
        """A run that asked first holds a slot (the others train SHARE_BESIDE_FIRST of the time)."""
        with self._cond:
            return any(h in self._first for h in self._holders)

    def holders(self) -> set[str]:
        with self._cond:
            return set(self._holders)

    def waiting(self) -> list[str]:
        with self._cond:
            return list(self._line)


SLOTS = Slots(default_size())
