import math

import numpy as np
import pytest

from gan_core.data import load_dataset
from gan_core.gan import METRICS, Gan
from gan_core.losses import LOSSES


@pytest.mark.parametrize("loss", LOSSES.names())
def test_every_loss_trains_k_steps_in_one_call(tiny, loss):
    cfg = tiny.replace(loss=loss)
    s = Gan(cfg, load_dataset(cfg.dataset))
    rows = s.run(5, d_steps=2)
    assert rows.shape == (5, len(METRICS))
    assert np.isfinite(rows).all() and int(s.global_step.numpy()) == 5


def test_modes_train_only_one_network(tiny):
    s = Gan(tiny, load_dataset("ring8"))
    g0, d0 = [w.copy() for w in s.g.get_weights()], [w.copy() for w in s.d.get_weights()]
    rows = s.run(3, mode="d")
    assert all(np.array_equal(a, b) for a, b in zip(g0, s.g.get_weights()))
    assert not all(np.array_equal(a, b) for a, b in zip(d0, s.d.get_weights()))
    assert np.isnan(rows[:, METRICS.index("g_grad_norm")]).all()
    d1 = [w.copy() for w in s.d.get_weights()]
    s.run(3, mode="g")
    assert all(np.array_equal(a, b) for a, b in zip(d1, s.d.get_weights()))
    assert not all(np.array_equal(a, b) for a, b in zip(g0, s.g.get_weights()))


def test_learning_rate_and_k_changes_do_not_retrace(tiny):
    s = Gan(tiny, load_dataset("ring8"))
    s.run(2)
    assert s.traces() == 1
    s.apply_settings(dict(lr_d=1e-4, lr_g=5e-5, gp_weight=5.0))
    s.run(7, d_steps=3)
    assert s.traces() == 1
    assert float(s.opt_d.learning_rate.numpy()) == pytest.approx(1e-4)
    assert float(s.gp_weight.numpy()) == pytest.approx(5.0)
    s.run(3, mode="d")  # a new mode is a new graph, traced once
    s.run(4, mode="d", d_steps=2)
    assert s.traces() == 2


def test_images_with_dcgan_and_ema(tiny):
    cfg = tiny.replace(dataset="digits", model="dcgan", width=8, z_dim=8, ema=0.9)
    s = Gan(cfg, load_dataset("digits"))
    rows = s.run(3)
    assert np.isfinite(rows).all()
    assert s.sampler is s.g_ema and s.g.output_shape == (None, 8, 8, 1)
    assert not all(np.array_equal(a, b) for a, b in zip(s.g.get_weights(), s.g_ema.get_weights()))


def test_same_seed_same_numbers(tiny):
    a = Gan(tiny, load_dataset("ring8")).run(4)
    b = Gan(tiny, load_dataset("ring8")).run(4)
    assert np.allclose(a, b)


@pytest.mark.parametrize("model", ["mlp", "dcgan"])
def test_discriminator_sees_whole_images(tiny, model):
    from gan_core.models import build_discriminator

    d = build_discriminator(tiny.replace(model=model, width=8), (8, 8, 1), images=True)
    assert d.output_shape == (None, 1)
    if model == "mlp":  # a per-pixel MLP would have width*(1+1) first-layer weights
        assert d.layers[1].kernel.shape == (64, 8)


@pytest.mark.parametrize("dataset, shape", [("ring8", (2,)), ("digits", (8, 8, 1))])
def test_pack_puts_consecutive_samples_side_by_side(tiny, dataset, shape):
    cfg = tiny.replace(dataset=dataset, pack=2, width=8)
    s = Gan(cfg, load_dataset(dataset))
    x = np.arange(4 * np.prod(shape), dtype=np.float32).reshape(4, *shape)
    packed = s.pack(x).numpy()
    assert packed.shape == (2, *shape[:-1], shape[-1] * 2)
    # pack 0 holds samples 0 and 1 on the last axis, pack 1 samples 2 and 3
    assert np.array_equal(packed[0][..., :shape[-1]], x[0])
    assert np.array_equal(packed[0][..., shape[-1]:], x[1])
    assert np.array_equal(packed[1][..., shape[-1]:], x[3])
    assert s.d.input_shape == (None, *shape[:-1], shape[-1] * 2)
    rows = s.run(3)
    assert np.isfinite(rows).all()


def test_packed_d_scores_single_samples_with_real_company(tiny):
    """The 2D Lab's heatmap scores one point at a time: packed with the same real partners."""
    s = Gan(tiny.replace(pack=3, batch=63), load_dataset("ring8"))
    assert s.company.shape == (4,)  # two real 2D partners
    pts = np.array([[0.0, 0.0], [1.0, 0.0]], np.float32)
    score = s.score(pts).numpy()
    by_hand = s.d(np.concatenate([pts, np.tile(s.company.numpy(), (2, 1))], 1)).numpy()
    assert score.shape == (2, 1) and np.allclose(score, by_hand, atol=1e-6)


def test_mlp_steps_compile_with_xla_unless_turned_off(monkeypatch, with_xla):
    from gan_core import RunConfig
    from gan_core.gan import XLA_ENV, use_xla

    mlp, dcgan = RunConfig(dataset="ring8"), RunConfig(dataset="digits", model="dcgan")
    assert use_xla(mlp) and not use_xla(dcgan)
    monkeypatch.setenv(XLA_ENV, "off")
    assert not use_xla(mlp) and not use_xla(dcgan)


def test_no_xla_once_the_process_is_short_of_memory_mappings(monkeypatch, with_xla, tiny,
                                                             caplog):
    """XLA:CPU keeps ~300 memory mappings per program it compiles until the process ends; a
    process holding XLA_MAPPINGS_SHARE of vm.max_map_count compiles new steps without XLA."""
    from gan_core import gan as gan_module

    held, limit = gan_module.mappings()
    assert 0 < held < gan_module.XLA_MAPPINGS_SHARE * limit  # this process: XLA as usual
    full = math.ceil(gan_module.XLA_MAPPINGS_SHARE * limit)  # the first count without room
    monkeypatch.setattr(gan_module, "mappings", lambda: (full - 1, limit))
    s = Gan(tiny, load_dataset(tiny.dataset))  # built with room: XLA
    assert s.xla and gan_module.use_xla(tiny)
    monkeypatch.setattr(gan_module, "mappings", lambda: (full, limit))
    monkeypatch.setattr(gan_module, "_said_no_room", False)
    assert not gan_module.use_xla(tiny)
    assert "new steps compile without XLA" in caplog.text  # said once, in the server's log
    assert s.run(3).shape == (3, len(METRICS))  # its step compiles now: without XLA
    assert not s.xla and not Gan(tiny, load_dataset(tiny.dataset)).xla
    monkeypatch.setattr(gan_module, "mappings", lambda: None)  # not Linux: no known limit
    assert gan_module.use_xla(tiny)


FULL_CHILD = r"""
import mmap
from gan_core import RunConfig
from gan_core.spares import build


def held():
    with open("/proc/self/maps", "rb") as fh:
        return fh.read().count(b"\n")


cfg = RunConfig(dataset="ring8", width=16, depth=1, batch=32, z_dim=2, tensorboard=False)
build(cfg.replace(seed=1)).gan.run(2)  # TensorFlow's own mappings first
with open("/proc/sys/vm/max_map_count") as fh:
    limit = int(fh.read())
fillers = []  # separate shared mappings, never merged: the process is left 200 short
while held() < limit - 200:
    fillers += [mmap.mmap(-1, 4096) for _ in range(max(1, (limit - 200 - held()) // 2))]
gan = build(cfg).gan
assert gan.run(8).shape == (8, 8)
print("xla", gan.xla)
"""


def test_a_process_near_its_mapping_limit_trains_a_new_run_instead_of_crashing(tmp_path):
    """200 mappings short of vm.max_map_count, a new run's first XLA compilation segfaulted
    ("LLVM compilation error: Cannot allocate memory"); it now compiles without XLA."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    env = {k: v for k, v in os.environ.items() if k != "GANSCOPE_XLA"}
    env.update(PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run([sys.executable, "-c", FULL_CHILD], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "xla False" in done.stdout
