"""At most N runs train at once; the others wait in line and start by themselves."""
import threading

import pytest

from gan_core import Trainer
from gan_core.slots import ENV, Slots, default_size


def test_first_come_first_served():
    s = Slots(2)
    assert s.acquire("a", 0) and s.acquire("b", 0)
    assert not s.acquire("c", 0.01) and not s.acquire("d", 0.01)
    assert (s.position("c"), s.position("d"), s.position("a")) == (1, 2, 0)
    assert not s.acquire("d", 0.01)  # d may not pass c
    s.release("a")
    assert not s.acquire("d", 0.01) and s.acquire("c", 0)
    s.release("d")  # leaving the line
    assert s.waiting() == [] and s.holders() == {"b", "c"}
    s.resize(3)
    assert s.acquire("e", 0) and not s.acquire("f", 0)
    with pytest.raises(ValueError):
        s.resize(0)


def test_a_waiter_starts_when_a_slot_frees():
    s, got = Slots(1), []
    assert s.acquire("a", 0)
    t = threading.Thread(target=lambda: got.append(s.acquire("b", 60)))
    t.start()
    t.join(0.2)
    assert t.is_alive() and s.position("b") == 1
    s.release("a")
    t.join(60)
    assert got == [True] and s.holders() == {"b"}


def test_size_from_the_environment(monkeypatch):
    monkeypatch.setenv(ENV, "3")
    assert default_size() == 3
    monkeypatch.setenv(ENV, "zero")  # a warning, then one slot per core
    assert default_size() >= 1
    monkeypatch.delenv(ENV)
    assert default_size() >= 1


def _wait(t, pred):
    assert t.wait(pred, timeout=300), t.state


def test_runs_queue_for_one_slot_and_start_by_themselves(tiny, runs_dir):
    slots = Slots(1)
    a, b, c = (Trainer(tiny.replace(seed=i), runs_dir, slots=slots) for i in range(3))
    try:
        a.start()
        _wait(a, lambda s: s.step > 0)
        b.start()
        c.start()
        _wait(b, lambda s: s.queued == 1)
        _wait(c, lambda s: s.queued == 2)
        assert b.state.status == c.state.status == "running"  # they want to train
        at = a.state.step
        _wait(a, lambda s: s.step > at + 200)  # a trains on; b and c wait
        assert b.state.step == c.state.step == 0
        a.pause()  # a pause gives the slot back: b starts by itself, c moves up
        _wait(b, lambda s: s.step > 0 and s.queued == 0)
        _wait(c, lambda s: s.queued == 1)
        c.pause()  # leaving the line
        _wait(c, lambda s: s.queued == 0 and s.status == "paused")
        assert slots.waiting() == [] and slots.holders() == {b.run_id}
        paused_at = a.state.step
        a.step(30)  # steps need a slot too
        _wait(a, lambda s: s.queued == 1)
        assert b.stop(60)  # a stop frees the slot: a's steps run
        _wait(a, lambda s: s.step == paused_at + 30 and not s.busy)
        assert slots.holders() == set()
        assert c.state.step == 0
    finally:
        for t in (a, b, c):
            t.stop(60)
    assert slots.holders() == set() and slots.waiting() == []
