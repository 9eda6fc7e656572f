import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# No XLA in the suite's runs (and the servers and scripts it starts): each new tiny run paid
# ~2 s of XLA compilation, over hundreds of runs. Tests that need the compiled numbers of the
# app's default (the lesson recordings) or XLA itself turn it back on (with_xla below).
os.environ.setdefault("GANSCOPE_XLA", "off")
ROOT = Path(__file__).resolve().parents[1]
MNIST5K = ROOT.parent / "shared" / "data" / "mnist-5k"


@pytest.fixture
def with_xla(monkeypatch):
    """XLA as the app uses it (MLP steps compiled with XLA)."""
    monkeypatch.delenv("GANSCOPE_XLA", raising=False)


@pytest.fixture
def slots():
    """The process's training slots (gan_core.slots.SLOTS), for a test to resize; restored."""
    from gan_core.slots import SLOTS, default_size

    yield SLOTS
    SLOTS.resize(default_size())


@pytest.fixture
def one_queued(tiny, slots, app_runs):
    """One training slot; an app run training in it and one queued behind it (running, no
    rows yet): (training, queued)."""
    from ui import state

    slots.resize(1)
    first = state.runs().create(tiny)
    first.start()
    assert first.wait(lambda s: s.step > 0, timeout=300)
    second = state.runs().create(tiny.replace(seed=1))
    second.start()
    assert second.wait(lambda s: s.queued == 1 and s.training, timeout=300)
    return first, second


@pytest.fixture
def runs_dir(tmp_path):
    return tmp_path / "runs"


@pytest.fixture
def tiny():
    """A run small enough to train hundreds of steps per second in a test."""
    from gan_core import RunConfig

    return RunConfig(dataset="ring8", width=32, depth=2, batch=64, z_dim=2, lr_d=1e-3,
                     lr_g=1e-3, snapshot_every=25)


@pytest.fixture
def app_runs(tmp_path, monkeypatch):
    """Page tests: the app's runs in a fresh folder, the repo as working directory; every run
    stopped and the process-wide registry dropped afterwards."""
    monkeypatch.setenv("GANSCOPE_RUNS", str(tmp_path / "runs"))
    monkeypatch.chdir(ROOT)
    yield
    from ui import state

    state.runs().stop_all()
    state.runs.clear()
