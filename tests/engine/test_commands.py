"""The mailbox merges commands and the pacer picks K: pure Python, no training."""
import threading

import pytest

from gan_core import ConfigError, RunConfig
from gan_core.commands import Mailbox, valid_settings
from gan_core.pacer import FIRST_K, TARGET_CALL_SECONDS, Pacer


def test_commands_merge_instead_of_queueing():
    mail = Mailbox()
    mail.step(3, "d", mark=True)
    mail.step(4, "d", mark=False)
    mail.set(RunConfig(), {"lr_d": 1e-3})
    mail.set(RunConfig(), {"lr_d": 2e-3, "lr_g": 1e-4})
    last = mail.pause()
    o = mail.take(0, lambda: False)
    assert o is not None and o.seq == last == 5
    assert o.run is False and o.cancel and o.steps == 0  # the pause cancels the steps before it
    assert o.hparams == {"lr_d": 2e-3, "lr_g": 1e-4}
    assert mail.take(last, lambda: False) is None  # nothing new
    mail.resume(until=50)
    mail.step(2, "g", mark=True)
    mail.step(5, "g", mark=False)
    o = mail.take(last, lambda: False)
    assert (o.run, o.until, o.steps, o.which, o.marked) == (False, 50, 7, "g", True)


def test_bad_commands_raise_in_the_caller_and_post_nothing():
    mail = Mailbox()
    for bad in (lambda: mail.step(0, "both", True), lambda: mail.step(2, "x", True),
                lambda: mail.step(True, "both", True), lambda: mail.resume(until=0),
                lambda: mail.set(RunConfig(), {"batch": 3}),
                lambda: mail.set(RunConfig(), {"lr_d": -1.0})):
        with pytest.raises(ConfigError):
            bad()
    assert mail.take(0, lambda: False) is None


def test_take_waits_while_idle_until_a_post_or_a_wake():
    mail, got = Mailbox(), []
    idle = threading.Event()
    idle.set()
    t = threading.Thread(target=lambda: got.append(mail.take(0, idle.is_set)))
    t.start()
    t.join(0.3)
    assert t.is_alive()  # nothing posted: still waiting
    cid = mail.resume()
    t.join(30)
    assert not t.is_alive() and got[0].seq == cid
    t = threading.Thread(target=lambda: got.append(mail.take(cid, idle.is_set)))
    t.start()
    idle.clear()  # e.g. a stop was asked for
    mail.wake()
    t.join(30)
    assert not t.is_alive() and got[1] is None


def test_saved_settings_keep_only_valid_live_ones():
    saved = {"lr_d": 5e-4, "lr_g": -1, "batch": 64, "loss": "nope", "d_steps": 3}
    assert valid_settings(RunConfig(), saved) == {"lr_d": 5e-4, "d_steps": 3}
    assert valid_settings(RunConfig(), ["lr_d", 1]) == {}


def test_k_stops_at_snapshots_and_limits_and_follows_the_measured_speed():
    p = Pacer()
    assert p.k(at=0, every=100, limit=None) == FIRST_K
    assert p.k(at=95, every=100, limit=None) == 5  # never crosses a snapshot step
    assert p.k(at=0, every=100, limit=3) == 3
    p.called(FIRST_K, 5.0)  # the tracing call teaches nothing
    assert p.per_step == 0 and p.k(at=0, every=100, limit=None) == FIRST_K
    p.called(10, 10 * 0.002)
    assert p.per_step == pytest.approx(0.002)
    assert p.k(at=0, every=1000, limit=None) == int(TARGET_CALL_SECONDS / 0.002)
    p.called(10, 10 * 1.0)  # a slow machine: one step a call
    assert p.k(at=0, every=1000, limit=None) == 1
    p.recorded(10, 0.5)
    p.recorded(10, 1.0)
    assert p.rate == pytest.approx(0.8 * 20 + 0.2 * 10)


def test_slow_motion_is_a_resume_that_a_pause_or_a_step_ends():
    from gan_core.commands import SlowMotion

    mail, plan = Mailbox(), SlowMotion(2, 250, alternate=True)
    mail.step(3, "d", mark=True)
    last = mail.slow_motion(plan, until=40)
    o = mail.take(0, lambda: False)
    assert (o.run, o.slow, o.until, o.steps, o.cancel) == (True, plan, 40, 0, True)
    mail.slow_motion(plan)
    last = mail.pause()
    o = mail.take(last - 2, lambda: False)
    assert (o.run, o.slow) == (False, None)
    mail.slow_motion(plan)
    last = mail.step(1, "g", mark=False)
    assert mail.take(last - 2, lambda: False).slow is None
    mail.slow_motion(plan)
    last = mail.resume()
    assert mail.take(last - 2, lambda: False).slow is None  # a resume runs at full speed
    assert [plan.mode(i) for i in range(4)] == ["d", "g", "d", "g"]
    assert SlowMotion(3, 100).mode(1) == "both"
    assert plan.text() == "2 steps every 0.25 s, D then G"


def test_take_waits_at_most_its_timeout():
    """A run in slow motion waits for its next tick this way: commands still wake it."""
    mail, got = Mailbox(), []
    t = threading.Thread(target=lambda: got.append(mail.take(0, lambda: True, timeout=0.05)))
    t.start()
    t.join(30)  # a hang guard: without the timeout it would wait for good
    assert not t.is_alive() and got == [None]
