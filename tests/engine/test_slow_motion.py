"""Slow motion: N steps every T ms, driven by the training thread, a snapshot after every tick,
D-only and G-only ticks taking turns when asked; commands end it at once."""
import time

import numpy as np
import pytest

from gan_core import ConfigError, Trainer, worker
from gan_core.commands import SlowMotion
from gan_core.slots import Slots

HANG = 120  # seconds: a hang guard, never a timing claim
NEVER = 10**9  # ms: a period whose second tick never comes while a test runs


@pytest.fixture
def endless(monkeypatch):
    """Allow a period of NEVER ms: after its first tick a run waits for good, so anything
    that happens next was done by a command, not by the clock."""
    from gan_core import commands

    monkeypatch.setattr(commands, "SLOW_MS", (1, NEVER))


def test_each_tick_runs_n_steps_then_takes_a_snapshot(tiny, runs_dir):
    t = Trainer(tiny, runs_dir=runs_dir)
    t.start(paused=True)
    begun = time.monotonic()
    t.slow_motion(steps=3, every_ms=300)
    assert t.wait(lambda s: s.step >= 12, timeout=HANG), t.state
    took = time.monotonic() - begun
    s = t.state
    assert s.training and s.slow == SlowMotion(3, 300, False)
    t.pause()
    assert t.wait(lambda s: s.status == "paused", timeout=HANG)
    assert t.state.slow is None
    at = t.state.step
    snapped = {f.step for f in t.state.snapshots}
    assert set(range(3, at - at % 3 + 1, 3)) <= snapped  # every tick's end: the 2D Lab shows it
    assert all(step % 3 == 0 or step % tiny.snapshot_every == 0 for step in snapped)
    assert took >= 0.9  # a lower bound only: 4 ticks are 3 periods apart, however fast
    h = t.state.history
    assert np.isfinite(h["d_grad_norm"]).all() and np.isfinite(h["g_grad_norm"]).all()
    assert t.state.events[0] == (0, {"slow motion": "3 steps every 0.3 s"})  # a mark
    t.stop()


def test_alternating_ticks_update_d_then_g(tiny, runs_dir):
    t = Trainer(tiny, runs_dir=runs_dir)
    t.start(paused=True)
    t.slow_motion(steps=2, every_ms=100, alternate=True)
    assert t.wait(lambda s: s.step >= 8, timeout=HANG), t.state
    t.pause()
    assert t.wait(lambda s: s.status == "paused", timeout=HANG)
    h = t.state.history
    d_only, g_only = np.isnan(h["g_grad_norm"][:8]), np.isnan(h["d_grad_norm"][:8])
    assert list(d_only) == [True, True, False, False] * 2  # D's grad norm only: D moved
    assert list(g_only) == [False, False, True, True] * 2
    t.stop()


def test_pause_step_resume_and_stop_end_it_at_once(tiny, runs_dir, endless):
    t = Trainer(tiny, runs_dir=runs_dir)
    t.start(paused=True)
    t.slow_motion(every_ms=NEVER)
    assert t.wait(lambda s: s.step == 1, timeout=HANG)  # the first tick runs at once
    t.pause()  # during the wait for a tick that never comes
    assert t.wait(lambda s: s.status == "paused", timeout=HANG)
    assert t.state.slow is None and t.state.step == 1

    t.slow_motion(every_ms=NEVER)
    assert t.wait(lambda s: s.step == 2, timeout=HANG)
    t.step(3, which="g")
    assert t.wait(lambda s: s.step == 5 and not s.busy, timeout=HANG), t.state
    assert t.state.slow is None and np.isnan(t.state.history["d_grad_norm"][-3:]).all()

    t.slow_motion(every_ms=NEVER)
    assert t.wait(lambda s: s.step == 6, timeout=HANG)
    t.resume()  # on at full speed
    assert t.wait(lambda s: s.step > 60, timeout=HANG)
    assert t.state.slow is None
    t.slow_motion(every_ms=NEVER)
    assert t.wait(lambda s: s.slow is not None, timeout=HANG)
    assert t.stop(timeout=HANG) and t.state.status == "stopped"


def test_a_run_between_ticks_leaves_its_training_slot_to_others(tiny, runs_dir, endless):
    slots = Slots(1)
    slow, other = (Trainer(tiny.replace(seed=i), runs_dir, slots=slots) for i in range(2))
    try:
        slow.start(paused=True)
        slow.slow_motion(every_ms=NEVER)
        assert slow.wait(lambda s: s.step == 1, timeout=HANG)
        other.start()  # with one slot: it trains only if the waiting run gave its slot back
        assert other.wait(lambda s: s.step > 30, timeout=HANG), other.state
        assert slow.state.training and slow.state.step == 1
    finally:
        slow.stop(), other.stop()


def test_slow_motion_pauses_after_its_most_ticks(tiny, runs_dir, monkeypatch):
    monkeypatch.setattr(worker, "SLOW_TICKS", 4)
    t = Trainer(tiny, runs_dir=runs_dir)
    t.start(paused=True)
    cid = t.slow_motion(steps=2, every_ms=100)
    assert t.wait(lambda s: s.handled >= cid and s.status == "paused", timeout=HANG), t.state
    assert t.state.step == 8 and t.state.slow is None
    assert "Slow motion paused after 4 ticks" in t.state.message
    t.stop()


def test_train_in_slow_motion_stops_at_the_budget(tiny, runs_dir):
    """What a lesson's run does (verify, record, the home card's Train it live)."""
    t = Trainer(tiny, runs_dir=runs_dir)
    s = t.train(steps=6, slow=SlowMotion(1, 100, alternate=True))
    assert s.step == 6 and s.status == "paused" and s.slow is None
    assert [f.step for f in s.snapshots] == [0, 1, 2, 3, 4, 5, 6]
    assert list(np.isnan(s.history["g_grad_norm"])) == [True, False] * 3
    t.stop()


@pytest.mark.parametrize("plan, message", [
    (dict(steps=0), "steps per tick must be a whole number from 1 to 1,000, got 0"),
    (dict(steps=1001), "got 1001"),
    (dict(steps=2.5), "got 2.5"),
    (dict(steps=True), "got True"),
    (dict(every_ms=99), "the period must be a whole number of milliseconds from 100 to "
                        "10,000, got 99"),
    (dict(every_ms=10_001), "got 10001"),
    (dict(every_ms="500"), "got '500'"),
    (dict(alternate="yes"), "alternate must be true or false, got 'yes'"),
])
def test_a_bad_plan_is_refused_in_the_caller_with_what_is_allowed(plan, message, tiny, runs_dir):
    t = Trainer(tiny, runs_dir=runs_dir)
    with pytest.raises(ConfigError, match="slow motion: ") as err:
        t.slow_motion(**plan)
    assert message in str(err.value)
    with pytest.raises(ConfigError, match="until must be a positive step number"):
        t.slow_motion(until=0)
    assert t._mail.take(0, lambda: False) is None  # nothing was posted
