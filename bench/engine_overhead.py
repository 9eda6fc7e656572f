"""Engine overhead: the full Trainer (thread, metrics, snapshots, run store) against a bare
in-graph training loop of the same models, in the same process.

    python bench/engine_overhead.py [--seconds S] [--only TEXT]

Prints steps/s of each, their ratio, achieved GFLOP/s against a large matmul measured here,
and last `ratio_min=<lowest ratio>`. Targets: >= 0.90 toy MLP, >= 0.95 DCGANs (the 28x28
tutorial model, and the 64x64 colour defaults at batch 64).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import gan_step_flops, matmul_peak_gflops, np, seed, tf
from gan_core import RunConfig, Trainer
from gan_core.data import load_dataset
from gan_core.defaults import defaults_for
from gan_core.gan import use_xla
from gan_core.models import build_discriminator, build_generator


def bare_steps_per_sec(cfg: RunConfig, seconds: float) -> tuple[float, float]:
    """A plain tf.function loop: non-saturating D and G updates, K steps per call, no metrics."""
    seed(cfg.seed)
    data = load_dataset(cfg.dataset)
    images = data.kind == "images"
    g, d = build_generator(cfg, data.shape, images), build_discriminator(cfg, data.shape, images)
    og = tf.keras.optimizers.Adam(cfg.lr_g, beta_1=0.5)
    od = tf.keras.optimizers.Adam(cfg.lr_d, beta_1=0.5)
    og.build(g.trainable_variables)
    od.build(d.trainable_variables)
    pool = tf.constant(data.pool)
    n = pool.shape[0]

    @tf.function(jit_compile=use_xla(cfg))  # the same compilation the engine chooses
    def train(k):
        for _ in tf.range(k):
            x = tf.gather(pool, tf.random.uniform([cfg.batch], 0, n, tf.int32))
            x = tf.cast(x, tf.float32) / 127.5 - 1.0 if images else x
            z = tf.random.normal([cfg.batch, cfg.z_dim])
            with tf.GradientTape() as tape:
                r, f = d(x, training=True), d(g(z, training=True), training=True)
                loss = tf.reduce_mean(tf.nn.softplus(-r)) + tf.reduce_mean(tf.nn.softplus(f))
            od.apply_gradients(zip(tape.gradient(loss, d.trainable_variables), d.trainable_variables))
            z = tf.random.normal([cfg.batch, cfg.z_dim])
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.nn.softplus(-d(g(z, training=True), training=True)))
            og.apply_gradients(zip(tape.gradient(loss, g.trainable_variables), g.trainable_variables))
        return 0

    train(tf.constant(2))  # trace
    t0 = time.perf_counter()
    train(tf.constant(2))
    per_step = (time.perf_counter() - t0) / 2
    k = max(1, int(0.08 / per_step))  # the same call length the Trainer aims for
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        train(tf.constant(k))
        steps += k
    return steps / (time.perf_counter() - t0), gan_step_flops(g, d, cfg.batch)


def trainer_steps_per_sec(cfg: RunConfig, seconds: float, runs: Path) -> float:
    """The real Trainer, started as the app starts it, measured from its second snapshot
    (past tracing) to the first snapshot at least `seconds` later: whole snapshot periods,
    so a window holds its share of snapshots however long one period is."""
    seed(cfg.seed)
    t = Trainer(cfg, runs_dir=runs)
    t.start()
    t.wait(lambda s: len(s.snapshots) >= 2, timeout=1200)
    state, t0 = t.state, time.perf_counter()
    time.sleep(seconds)
    n = len(t.state.snapshots)
    t.wait(lambda s: len(s.snapshots) > n, timeout=1200)
    end, t1 = t.state, time.perf_counter()
    t.stop()
    return (end.step - state.step) / (t1 - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--only", default="", help="run only the cases whose name holds this text")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    rng = np.random.default_rng(0)
    np.savez(tmp / "images28.npz", x=rng.integers(0, 256, (2000, 28, 28), dtype=np.uint8))
    np.savez(tmp / "colour64.npz", x=rng.integers(0, 256, (2000, 64, 64, 3), dtype=np.uint8))
    cases = {
        "toy MLP 3x128, batch 256 (ring8)": RunConfig(
            dataset="ring8", model="mlp", width=128, depth=3, batch=256, z_dim=2,
            snapshot_every=100),
        "DCGAN tutorial 28x28, batch 256": RunConfig(
            dataset=str(tmp / "images28.npz"), model="dcgan", width=64, batch=256, z_dim=100,
            snapshot_every=10),
        "DCGAN 64x64 colour defaults, batch 64": defaults_for(str(tmp / "colour64.npz")),
    }
    peak = matmul_peak_gflops()
    print(f"matmul peak (2048^2 float32, this machine): {peak:.1f} GFLOP/s")
    print(f"{'model':38} {'bare steps/s':>12} {'Trainer steps/s':>15} {'ratio':>6} "
          f"{'GFLOP/s':>8} {'of peak':>7}")
    ratios = []
    for name, cfg in cases.items():
        if args.only not in name:
            continue
        seconds = args.seconds if cfg.model == "mlp" else args.seconds * 3
        bare, flops = bare_steps_per_sec(cfg, seconds)
        full = trainer_steps_per_sec(cfg, seconds, tmp / "runs")
        ratios.append(full / bare)
        achieved = full * flops / 1e9
        print(f"{name:38} {bare:12.2f} {full:15.2f} {full / bare:6.2f} {achieved:8.1f} "
              f"{achieved / peak:7.2f}", flush=True)
    print(f"ratio_min={min(ratios):.2f}")


if __name__ == "__main__":
    main()
