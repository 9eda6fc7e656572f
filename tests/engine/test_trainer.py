import threading

import numpy as np
import pytest

from gan_core import ConfigError, Trainer
from gan_core.evaluate import evaluate


def wait_paused(t, step):
    assert t.wait(lambda s: s.step >= step and s.state == "paused", timeout=120), t.snapshot


def test_a_tiny_gan_learns_a_gaussian(tiny, runs_dir):
    cfg = tiny.replace(dataset="single_gaussian", width=32, batch=256, snapshot_every=100)
    t = Trainer(cfg, runs_dir=runs_dir)
    before = np.abs(t.probes.sample(t.probes.z).mean(0) - 1.0).max()
    t.train(steps=800)  # seeds 0-3 all end within 0.16 of the mean (checked by hand)
    after_mean = t.probes.sample(t.probes.z).mean(0)
    t.stop()
    assert before > 0.5
    assert np.abs(after_mean - 1.0).max() < 0.25, after_mean


def test_start_twice_makes_one_thread_and_stop_joins(tiny, runs_dir):
    t = Trainer(tiny, runs_dir=runs_dir)
    assert t.start() is True
    assert t.start() is False
    names = [th.name for th in threading.enumerate() if th.name == f"ganscope-{t.run_id}"]
    assert len(names) == 1
    assert t.wait(lambda s: s.step > 30, timeout=120)
    t.stop()
    assert not t.alive and t.snapshot.state == "stopped"
    assert (t.store.path / "checkpoints").is_dir()


def test_step_pause_resume_and_live_hparams(tiny, runs_dir):
    t = Trainer(tiny, runs_dir=runs_dir)
    t.start(paused=True)
    t.step(7, which="d")
    wait_paused(t, 7)
    assert t.snapshot.step == 7
    t.set_hparams(lr_d=3e-4, d_steps=2)
    t.step(3)
    wait_paused(t, 10)
    s = t.snapshot
    assert s.step == 10 and s.hparams["lr_d"] == 3e-4 and s.hparams["d_steps"] == 2
    assert float(t.steps.opt_d.learning_rate.numpy()) == pytest.approx(3e-4)
    assert list(s.history["step"]) == list(range(1, 11))
    t.resume()
    assert t.wait(lambda s: s.step > 60, timeout=120)
    t.pause()
    assert t.wait(lambda s: s.state == "paused", timeout=30)
    frozen = t.snapshot.step
    assert not t.wait(lambda s: s.step != frozen, timeout=0.5)
    t.stop()


def test_bad_commands_are_refused_in_the_caller(tiny, runs_dir):
    t = Trainer(tiny, runs_dir=runs_dir)
    with pytest.raises(ConfigError, match="lr_g must be between"):
        t.set_hparams(lr_g=-1.0)
    with pytest.raises(ConfigError, match="cannot change batch"):
        t.set_hparams(batch=3)
    with pytest.raises(ConfigError, match="which must be one of"):
        t.step(1, which="x")
    assert t.snapshot.hparams["lr_g"] == tiny.lr_g


def test_nan_pauses_names_the_step_and_rolls_back(tiny, runs_dir, tmp_path):
    huge = np.random.default_rng(0).normal(size=(1000, 2)) * 1e25  # overflows float32 squares
    np.savez(tmp_path / "huge.npz", points=huge)
    cfg = tiny.replace(dataset=str(tmp_path / "huge.npz"), loss="least_squares")
    t = Trainer(cfg, runs_dir=runs_dir)
    t.start()
    assert t.wait(lambda s: s.state == "paused" and "diverged" in s.message, timeout=120)
    s = t.snapshot
    assert "NaN/Inf" in s.message and "at step 1" in s.message
    assert s.step == 0 and len(s.history["step"]) == 0
    assert t.alive  # paused, not dead: a student can change settings and resume
    t.stop()


def test_reopen_continues_at_the_checkpoint_step(tiny, runs_dir):
    t = Trainer(tiny, runs_dir=runs_dir)
    t.train(steps=60)
    t.stop()
    path = t.store.path
    history = t.snapshot.history["d_loss"].copy()
    # A crash after the checkpoint: rows the weights never saw reach the file.
    with open(path / "metrics.csv", "a") as fh:
        fh.write("".join(f"{s},1,1,1,1,1,1,1,1\n" for s in range(61, 70)))
    again = Trainer.open(path)
    s = again.snapshot
    assert s.step == 60 and list(s.history["step"]) == list(range(1, 61))
    assert np.allclose(s.history["d_loss"], history, rtol=1e-4)
    assert [f.step for f in s.frames][-1] == 60
    assert evaluate(again)["step"] == 60
    again.train(steps=15)
    again.stop()
    assert again.snapshot.step == 75
    assert len(open(path / "metrics.csv").read().splitlines()) == 76


def test_train_for_seconds_trains_then_pauses(tiny, runs_dir):
    t = Trainer(tiny, runs_dir=runs_dir)
    snap = t.train(seconds=8)  # the first ~4 s compile the step
    assert snap.step > 50 and snap.state == "paused"
    t.stop()
