"""tf.distribute runs (gan_core/distribute.py). TensorFlow must be told about its 2 logical CPU
devices, or its TF_CONFIG, before it starts: every case runs distribute_child.py in a fresh
process (tiny ring8 MLP, batch 32)."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gan_core import RunConfig
from gan_core.errors import ConfigError
from gan_core.gan import METRICS

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("distribute_child.py")
HANG_GUARD = 600  # seconds; every comparison in one child takes about 30 s on the 2-core machine


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    return dict(env, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2", **extra)


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder`: its bytes and modification time (looking never writes)."""
    return {str(f.relative_to(folder)): (f.read_bytes(), f.stat().st_mtime_ns)
            for f in sorted(folder.rglob("*")) if f.is_file()}


def _strategy_notes(trainer) -> list[str]:
    return [w for w in trainer.state.warnings if w.startswith("strategy:")]


def _child(*args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(CHILD), *args], cwd=ROOT, env=_env(**env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(p: subprocess.Popen) -> dict:
    out, err = p.communicate(timeout=HANG_GUARD)
    assert p.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


# Every default-vs-mirrored comparison, as (overrides, steps), made in one child process:
# TensorFlow and the logical devices are set up once (each child took ~4 s before training).
COMPARED = {
    "plain": ({}, 20), "gradient_penalty": ({"loss": "wgan_gp"}, 20), "pack2": ({"pack": 2}, 20),
    "conditional": ({"dataset": "digits", "conditional": True}, 20),
    "wgan_clip": ({"loss": "wgan_clip"}, 1),
    "dcgan": (dict(dataset="digits", model="dcgan", width=8, z_dim=8, batch=16), 3),
}


@pytest.fixture(scope="module")
def compared() -> dict[str, dict]:
    outs = _result(_child("compare", json.dumps(list(COMPARED.values())), "0"))
    return dict(zip(COMPARED, outs))


@pytest.mark.parametrize("case", ["plain", "gradient_penalty", "pack2", "conditional"])
def test_mirrored_run_matches_the_default_run(case, compared):
    """Same seed and global batch: each of 2 replicas takes half of the same draws, and the
    summed gradient is applied once (a Keras that did not sum, or summed twice, would move
    the weights by half or twice the step, and the losses would part within a few steps)."""
    out = compared[case]
    assert out["default_replicas"] == 1 and out["mirrored_replicas"] == 2
    default, mirrored = np.array(out["default"]), np.array(out["mirrored"])
    for name in ("d_loss", "g_loss", "d_grad_norm", "g_grad_norm"):
        i = METRICS.index(name)
        np.testing.assert_allclose(mirrored[:, i], default[:, i], rtol=1e-4, err_msg=name)
    assert not np.allclose(default[0], default[-1])  # the weights moved: a real comparison


def test_wgan_clip_matches_update_by_update(compared):
    """wgan_clip's free runs part by up to 18 % (step 1's D gradient norm; 0.1 % on its losses)
    for a reason no strategy can remove (distribute.py's docstring: Adam turns the rounding
    residue of D gradients that cancel exactly into a visible step). So: the first update
    matches, and every D-only and G-only update over 20 steps, each made from the default run's
    state, matches within 1e-4: the clipping, the summed gradients and their norms are right."""
    free = compared["wgan_clip"]
    for name in ("d_loss", "d_grad_norm"):  # the first D update, from the same weights
        i = METRICS.index(name)
        np.testing.assert_allclose(free["mirrored"][0][i], free["default"][0][i], rtol=1e-4)
    out = _result(_child("stepwise", json.dumps({"loss": "wgan_clip"}), "20"))
    default, mirrored = np.array(out["default"]), np.array(out["mirrored"])
    d_rows, g_rows = slice(0, None, 2), slice(1, None, 2)  # D-only and G-only updates in turn
    for rows, names in ((d_rows, ("d_loss", "d_grad_norm")), (g_rows, ("g_loss", "g_grad_norm"))):
        for name in names:
            i = METRICS.index(name)
            np.testing.assert_allclose(mirrored[rows, i], default[rows, i], rtol=1e-4,
                                       err_msg=name)
    assert not np.allclose(default[0], default[-2])  # the weights moved


def test_a_batch_the_replicas_cannot_share_is_a_config_error_about_batch():
    outs = _result(_child("split", json.dumps([{"batch": 15}, {"batch": 34, "pack": 2}]), "0"))
    for out in outs:
        assert out is not None and out["field"] == "batch" and "2 replicas" in out["message"]


def test_a_run_records_its_devices(tmp_path):
    """The devices that train a run: in its state (the Train page's caption) and its
    status.json (what Trainer.open compares with the devices it finds)."""
    from gan_core.trainer import Trainer

    t = Trainer(RunConfig(dataset="ring8", width=16, depth=2, batch=32, z_dim=2,
                          snapshot_every=25, tensorboard=False), runs_dir=tmp_path)
    t.train(steps=5)
    assert t.stop()
    status = json.loads((t.store.path / "status.json").read_text())
    assert t.state.devices == status["devices"] == "1 device: CPU:0" and status["replicas"] == 1


def test_a_mirrored_run_records_its_replicas_and_reopens_on_them(tmp_path):
    """...and where fewer devices are visible (this process: one CPU) it reopens on one
    device, says so in one line, and reads without writing."""
    from gan_core.evaluate import evaluate
    from gan_core.trainer import Trainer

    out = _result(_child("reopen", "{}", "5", str(tmp_path)))
    assert out["status"]["replicas"] == 2
    assert out["devices"] == out["status"]["devices"] == "2 replicas: CPU:0, CPU:1"
    assert out["reopened"] == out["devices"] and out["warnings"] == []
    path = Path(out["path"])
    before = _files(path)
    t = Trainer.open(path)
    assert _strategy_notes(t) == [
        "strategy: this run trained with strategy=mirrored (2 replicas: CPU:0, CPU:1), but 1 "
        "device is visible here, not 2: it opens on one device (strategy=default), from the "
        "same checkpoint"]
    assert t.config.strategy == "mirrored" and t.gan.cfg.strategy == "default"
    assert t.state.step == 5 and t.state.devices == "1 device: CPU:0"
    assert evaluate(t)["step"] == 5
    assert _files(path) == before


REOPENED = [  # status.json, the strategy it reopens with, why (in its note)
    ({"batch": 16, "replicas": 2}, "mirrored", ""),
    ({"batch": 16}, "mirrored", ""),  # a folder from before status.json kept the replicas
    ({"batch": 16, "replicas": 3}, "default", "2 devices are visible here, not 3"),
    ({"batch": 15, "replicas": 2}, "default", "its batch (15) does not split evenly over the 2 "
                                              "replicas here")]


def test_a_mirrored_run_reopens_mirrored_only_where_its_replicas_fit():
    outs = _result(_child("reopened", json.dumps([s for s, _, _ in REOPENED]), "0"))
    assert len(outs) == len(REOPENED)
    for (status, strategy, why), (got, note) in zip(REOPENED, outs):
        assert got == strategy and (why in note if why else note == ""), status


def _relabelled(tmp_path: Path, strategy: str) -> Path:
    """A trained run folder whose config.json says `strategy`: a default run's, relabelled
    (the multiworker CLI test below reopens real ones, in a subprocess)."""
    from gan_core.trainer import Trainer

    t = Trainer(RunConfig(dataset="ring8", width=16, depth=2, batch=32, z_dim=2,
                          snapshot_every=25, tensorboard=False), runs_dir=tmp_path)
    t.train(steps=5)
    assert t.stop()
    (t.store.path / "config.json").write_text(t.config.replace(strategy=strategy).to_json())
    return t.store.path


def test_a_multiworker_run_reopens_on_one_device_where_it_cannot_join(tmp_path, monkeypatch):
    """No TF_CONFIG: it opens (to read or to resume) on one device, with one line saying so.
    TF_CONFIG set: still one device unless resuming (a page, eval or export must not wait
    for other workers). Reading writes nothing."""
    from gan_core.evaluate import evaluate
    from gan_core.trainer import Trainer

    monkeypatch.delenv("TF_CONFIG", raising=False)
    path = _relabelled(tmp_path, "multiworker")
    before = _files(path)
    t = Trainer.open(path)
    [note] = _strategy_notes(t)
    assert "strategy=multiworker (1 device: CPU:0), but TF_CONFIG is not set here" in note
    assert t.config.strategy == "multiworker" and t.gan.cfg.strategy == "default"
    assert not t._worker.pace.fixed  # K follows the clock again: no workers to keep in step
    assert evaluate(t)["step"] == 5
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]},
                                                "task": {"type": "worker", "index": 0}}))
    [note] = _strategy_notes(Trainer.open(path))
    assert "only `python -m gan_core resume` joins the workers TF_CONFIG lists" in note
    assert _files(path) == before
    monkeypatch.delenv("TF_CONFIG")
    t = Trainer.open(path, cluster=True)  # resume, without a cluster: trains on one device
    assert len(_strategy_notes(t)) == 1
    t.train(steps=5)
    assert t.stop() and t.state.step == 10 and t.state.status != "error"


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


@pytest.mark.slow
def test_two_multiworker_processes_train_50_steps_and_checkpoint(tmp_path):
    """Out of the default run: test_two_multiworker_cli_processes_train_the_same_run below
    trains the same 50 steps on two workers through the CLI and checks the same (one set of
    weights, the chief's checkpoint at step 50 reopening on one device)."""
    import tensorflow as tf

    from gan_core.data import load_dataset
    from gan_core.gan import Gan

    workers = [f"127.0.0.1:{p}" for p in _free_ports(2)]
    procs = [_child("worker", "{}", "50", str(tmp_path / "ckpt"),
                    TF_CONFIG=json.dumps({"cluster": {"worker": workers},
                                          "task": {"type": "worker", "index": i}}))
             for i in range(2)]
    chief, other = [_result(p) for p in procs]
    assert chief["replicas"] == 2 and chief["step"] == other["step"] == 50
    assert np.isfinite(chief["rows"]).all() and len(chief["rows"]) == 50
    assert chief["sum"] == pytest.approx(other["sum"], rel=1e-6)  # one model, two copies
    # The chief's checkpoint reopens in a one-device Gan of the same run.
    cfg = RunConfig(dataset="ring8", width=16, depth=2, batch=32, z_dim=2, lr_d=1e-3,
                    lr_g=1e-3, tensorboard=False)
    gan = Gan(cfg, load_dataset("ring8"))
    gan.checkpoint().restore(tf.train.latest_checkpoint(tmp_path / "ckpt")).assert_consumed()
    total = sum(np.abs(w).sum() for w in gan.g.get_weights() + gan.d.get_weights())
    assert int(gan.global_step.numpy()) == 50 and total == pytest.approx(chief["sum"], rel=1e-6)


def test_strategy_is_a_checked_name():
    with pytest.raises(ConfigError, match="strategy"):
        RunConfig(strategy="tpu")
    assert RunConfig().strategy == "default"


def test_dcgan_batch_norm_is_synchronized_under_a_strategy_only():
    from gan_core.models import build_generator

    def synced(strategy: str) -> set[bool]:
        cfg = RunConfig(dataset="digits", model="dcgan", width=8, z_dim=8, strategy=strategy)
        g = build_generator(cfg, (8, 8, 1), True, 0)
        return {layer.synchronized for layer in g.layers if hasattr(layer, "synchronized")}

    assert synced("default") == {False} and synced("mirrored") == {True}


def test_mirrored_dcgan_trains(compared):
    """Dropout draws its own masks on each replica, so no step-by-step match: it trains."""
    out = compared["dcgan"]
    assert out["mirrored_replicas"] == 2 and np.isfinite(out["mirrored"]).all()


def test_a_fixed_pacer_ignores_the_clock():
    """MultiWorker workers must make the same calls whatever their speed."""
    from gan_core.pacer import Pacer

    fixed, timed = Pacer(fixed=True), Pacer()
    for p in (fixed, timed):
        p.called(10, 1.0)  # the tracing call
        p.called(10, 5.0)  # 0.5 s a step: a timed K of 1
    assert timed.k(10, 100, None) == 1
    assert fixed.k(10, 100, None) == 90 and fixed.k(10, 100, 30) == 30


def test_two_multiworker_cli_processes_train_the_same_run(tmp_path):
    """`python -m gan_core train --set strategy=multiworker` on two workers (one folder each):
    both reach step 50 with one set of weights, and the chief's run folder reopens."""
    import tensorflow as tf

    from gan_core.data import load_dataset
    from gan_core.gan import Gan

    workers = [f"127.0.0.1:{p}" for p in _free_ports(2)]
    sets = ["strategy=multiworker", "width=16", "depth=2", "batch=32", "snapshot_every=25",
            "tensorboard=false"]
    procs = [subprocess.Popen(
        [sys.executable, "-m", "gan_core", "train", "--dataset", "ring8", "--steps", "50",
         "--runs-dir", str(tmp_path / f"runs{i}"), "--set", *sets],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_env(TF_CONFIG=json.dumps({"cluster": {"worker": workers},
                                       "task": {"type": "worker", "index": i}})))
        for i in range(2)]
    folders = []
    for p in procs:
        out, err = p.communicate(timeout=HANG_GUARD)
        assert p.returncode == 0, err[-3000:]
        assert "devices: 2 replicas on 2 workers, here: CPU:0" in out.splitlines()  # at start
        folders.append(Path(out.strip().splitlines()[-1]))
    # Reopened without TF_CONFIG (eval): one device, one line saying so, nothing written.
    before = _files(folders[0])
    p = subprocess.run([sys.executable, "-m", "gan_core", "eval", str(folders[0]), "--json"],
                       cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=HANG_GUARD)
    assert p.returncode == 0 and json.loads(p.stdout)["step"] == 50, p.stderr[-3000:]
    assert [line for line in p.stderr.splitlines() if "strategy" in line] == [
        "warning: strategy: this run trained with strategy=multiworker (2 replicas on 2 "
        "workers, here: CPU:0), but TF_CONFIG is not set here: it opens on one device "
        "(strategy=default), from the same checkpoint"]
    assert _files(folders[0]) == before
    weights = []
    for folder in folders:
        cfg = RunConfig.from_json((folder / "config.json").read_text())
        assert cfg.strategy == "multiworker"
        gan = Gan(cfg.replace(strategy="default"), load_dataset("ring8"))
        gan.checkpoint().restore(tf.train.latest_checkpoint(folder / "checkpoints")).expect_partial()
        assert int(gan.global_step.numpy()) == 50
        weights.append(gan.g.get_weights() + gan.d.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-6)
