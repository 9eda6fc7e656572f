"""A spare built and compiled ahead trains exactly as a run built on the spot."""
import time

import numpy as np

from gan_core import RunConfig, Trainer
from gan_core.spares import SPARES, build, warm


def _ready(cfg):
    for _ in range(600):
        if SPARES.ready(cfg):
            return True
        time.sleep(0.5)
    return False


def test_a_run_takes_the_warmed_spare_and_trains_exactly_as_a_fresh_build(tiny, runs_dir):
    cfg = tiny.replace(ema=0.9, seed=7)
    fresh = Trainer(cfg, runs_dir)  # no spare prepared: built on the spot
    assert fresh.gan.traces() == 0
    fresh.train(steps=60)
    SPARES.prepare(cfg.replace(title="a spare"))
    SPARES.prepare(cfg)  # equal but for the title: the same spare, built once
    try:
        assert _ready(cfg)
        spare = Trainer(cfg.replace(title="quick start"), runs_dir)
        assert not SPARES.ready(cfg)  # a spare serves one run
        assert spare.gan.traces() == 1  # compiled ahead
        assert spare.state.step == 0  # and its warm-up step undone
        spare.train(steps=60)
    finally:
        SPARES.clear()
    a, b = fresh.state.history, spare.state.history
    for name in ("d_loss", "g_loss"):
        np.testing.assert_array_equal(a[name], b[name])
    np.testing.assert_array_equal(fresh.state.snapshot.points, spare.state.snapshot.points)
    assert spare.gan.traces() == 1  # no second trace for the run


def test_warming_leaves_every_variable_as_built(tiny):
    parts = build(tiny)
    before = [v.numpy().copy() for v in parts.gan.checkpoint_variables()]
    rng = parts.gan.rng.state.numpy().copy()
    warm(parts)
    after = [v.numpy() for v in parts.gan.checkpoint_variables()]
    assert len(before) > 10
    for x, y in zip(before, after, strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(rng, parts.gan.rng.state.numpy())


def test_a_spare_built_with_another_xla_setting_is_not_taken(monkeypatch, with_xla):
    """A spare built while XLA was off (GANSCOPE_XLA=off) would train other numbers than a
    run built now with XLA: the run builds its own."""
    from gan_core.gan import XLA_ENV
    from gan_core.spares import Spares

    spares, cfg = Spares(), RunConfig(dataset="ring8", width=16, depth=2, batch=32, z_dim=2)
    monkeypatch.setenv(XLA_ENV, "off")
    parts = build(cfg)
    assert not parts.gan.xla
    spares._ready[cfg] = parts  # as prepare() leaves it
    monkeypatch.delenv(XLA_ENV)
    assert spares.take(cfg) is None and not spares.ready(cfg)
    spares._ready[cfg] = parts
    monkeypatch.setenv(XLA_ENV, "off")
    assert spares.take(cfg) is parts
