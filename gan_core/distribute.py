"""tf.distribute for a run: the strategy `RunConfig.strategy` names, and the K-step call
compiled for it.

    default      one device: gan.py's own compiled step, untouched
    mirrored     MirroredStrategy, one replica per local GPU (per logical CPU device when no
                 GPU is visible: that is how the tests run it on one CPU)
    multiworker  MultiWorkerMirroredStrategy over the workers TF_CONFIG lists

Gan builds every variable a run trains (both models, the EMA copy, both optimizers, the step)
in the strategy's scope, and builds the optimizers there up front: Keras 3 makes an optimizer's
slots on its first apply, which would be inside `strategy.run`, in a replica, in a loop. The
random generator stays outside: one stream, drawn in cross-replica context.

One call runs K steps in one `tf.function`: a while loop in cross-replica context draws each
update's global batch (data, classes, noise, the gradient penalty's mixing weights) from the
run's one random generator, the numbers and order the default step draws, and `strategy.run`
gives replica i rows i*B/R .. (i+1)*B/R of it. So a run's numbers do not depend on how many
replicas share it (test_distribute: within 1e-4 of the default run over 20 steps, measured
0.2-6 millionths relative). Each replica's loss is its share of the global batch's mean; Keras
sums the replicas' gradients in apply_gradients (3.15 does; 3.0.1 did not, keras-team/keras
#19308: the tests fail on such a version). PacGAN packs and the gradient penalty's norms are
taken within each replica's share. Weight clipping and the EMA copy are updated in
cross-replica context, on every replica's copy at once.

wgan_clip is the one loss whose free runs do not match to 1e-4 (step 1's D gradient norm 18 %
off, its losses 0.1 %), and no strategy could make them: while every sample is inside the
loss's linear part (Wasserstein; hinge at first), D's gradient is a difference of two batch
means of the same per-sample factors, so some components are exactly 0 in exact arithmetic
(e.g. a hidden unit's bias when as many real as generated samples sit on each side of its
LeakyReLU). Summed over 32 rows or as two 16-row halves they round to different residues (of
order 1e-8 at step 0, or 0), and Adam's first update lr * g / (|g| + 1e-7) turns a residue into
a real step: one bias parts by 3.5e-6 after one update, under hinge as under wgan_clip. Hinge's
weights are ~0.4 and its runs still match (1e-5 over 20 steps); the clip holds wgan_clip's weights at
+-0.01 and D's outputs near 1e-5, where its losses and step 1's gradient (mostly cancellation
themselves) move by 0.1-18 %. The computation is not at fault: made from the same state, every
D and G update matches within 1e-4 (measured: 6e-6 relative at most), the clip running after
the summed update, in cross-replica context (test_distribute's wgan_clip test).
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import tensorflow as tf

from .config import RunConfig
from .errors import ConfigError

if TYPE_CHECKING:
    from .gan import Gan
    from .losses import LossSpec

log = logging.getLogger(__name__)

_LOCK = threading.Lock()  # guards _MADE
_MADE: dict[str, tf.distribute.Strategy] = {}  # one per name and process (a server per worker)


def local_devices() -> list[str]:
    """The devices a mirrored run trains on here: every GPU, else every logical CPU device
    (one, unless a program split the CPU before TensorFlow started)."""
    gpus = tf.config.list_logical_devices("GPU")
    return [d.name for d in gpus or tf.config.list_logical_devices("CPU")]


def strategy_for(cfg: RunConfig) -> tf.distribute.Strategy:
    """The strategy `cfg.strategy` names (made once per process), checked against the batch:
    a ConfigError about `batch` when it does not split evenly over the replicas."""
    strategy = _made(cfg.strategy)
    replicas = strategy.num_replicas_in_sync
    unit = replicas * cfg.pack  # each replica packs its own share
    if cfg.batch % unit:
        share = f"{replicas} replicas" + (f" in packs of {cfg.pack}" if cfg.pack > 1 else "")
        raise ConfigError.about(
            "", "batch", f" ({cfg.batch}) must split evenly over {share}: use a multiple of "
            f"{unit}, e.g. {max(1, round(cfg.batch / unit)) * unit}")
    return strategy


def reopened(cfg: RunConfig, status: dict[str, Any], cluster: bool = False) -> tuple[RunConfig, str]:
    """The config a reopened run's Gan is built with, and a one-line note when that is not
    the run's own: a strategy this process cannot give falls back to the default one (one
    device), which reads the same checkpoint (the same variables) and trains on with the same
    numbers (the replicas only share each global batch). Nothing is written anywhere.

    Unavailable: multiworker without TF_CONFIG, or whenever `cluster` is False (only the CLI's
    resume joins a cluster: a page, eval or export must not wait for other workers); mirrored
    on fewer devices than its status.json's replicas (or than 2); a batch that the replicas
    here cannot share."""
    if cfg.strategy == "default":
        return cfg, ""
    why = ""
    if cfg.strategy == "multiworker":
        if not os.environ.get("TF_CONFIG"):
            why = "TF_CONFIG is not set here"
        elif not cluster:
            why = "only `python -m gan_core resume` joins the workers TF_CONFIG lists"
    else:
        here, used = len(local_devices()), status.get("replicas")
        needed = max(2, used if isinstance(used, int) else 0)
        if here < needed:
            why = f"{here} device{'s are' if here > 1 else ' is'} visible here, not {needed}"
    if not why:
        try:
            strategy_for(cfg)  # made once per process: the Gan takes this one
        except ConfigError as exc:  # a batch the replicas here cannot share; a bad TF_CONFIG
            why = (f"its batch ({cfg.batch}) does not split evenly over the "
                   f"{_made(cfg.strategy).num_replicas_in_sync} replicas here"
                   if exc.field == "batch" else str(exc))
    if not why:
        return cfg, ""
    trained = status.get("devices")
    on = f" ({trained})" if isinstance(trained, str) and trained else ""
    return cfg.replace(strategy="default"), (
        f"strategy: this run trained with strategy={cfg.strategy}{on}, but {why}: it opens on "
        f"one device (strategy=default), from the same checkpoint")


def _made(name: str) -> tf.distribute.Strategy:
    with _LOCK:
        if name not in _MADE:
            _MADE[name] = _make(name)
        return _MADE[name]


def _make(name: str) -> tf.distribute.Strategy:
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy(local_devices())
    text = os.environ.get("TF_CONFIG", "")
    try:
        workers = json.loads(text)["cluster"]["worker"]
    except (ValueError, KeyError, TypeError):
        raise ConfigError.about(
            "", "strategy", " multiworker reads the cluster from the TF_CONFIG environment "
            "variable, which is " + ("not set" if not text else "not JSON with cluster.worker")
            + ": see the README's 'Several GPUs or machines'") from None
    log.info("multiworker: joining %d workers (%s)", len(workers), ", ".join(map(str, workers)))
    return tf.distribute.MultiWorkerMirroredStrategy()


def replicated(strategy: tf.distribute.Strategy) -> bool:
    """Whether `strategy` is a real one, not TensorFlow's default (one device, no scope)."""
    return isinstance(strategy, (tf.distribute.MirroredStrategy,
                                 tf.distribute.MultiWorkerMirroredStrategy))


def scope(strategy: tf.distribute.Strategy) -> contextlib.AbstractContextManager[Any]:
    """Where a run's variables are made: the strategy's scope, nothing for the default one."""
    return strategy.scope() if replicated(strategy) else contextlib.nullcontext()


def placement(strategy: tf.distribute.Strategy) -> str:
    """Which devices train a run, in one line for people (the CLI prints it at start, the
    Train page shows it, status.json keeps it): '1 device: CPU:0', '2 replicas: GPU:0, GPU:1',
    '4 replicas on 2 workers, here: GPU:0, GPU:1'."""
    if not replicated(strategy):
        gpus = tf.config.list_logical_devices("GPU")
        return f"1 device: {_short(gpus[0].name if gpus else 'CPU:0')}"
    here = ", ".join(_short(d) for d in strategy.extended.worker_devices)
    n = strategy.num_replicas_in_sync
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        workers = strategy.cluster_resolver.cluster_spec().num_tasks("worker")
        return f"{n} replicas on {workers} workers, here: {here}"
    return f"{n} replica{'s' if n > 1 else ''}: {here}"


def _short(device: str) -> str:
    """'/job:localhost/replica:0/task:0/device:GPU:1' -> 'GPU:1'."""
    return device.rsplit("device:", 1)[-1].lstrip("/")


# ---- the compiled K-step call under a strategy --------------------------------------------------
def compile_run(gan: Gan, mode: str, spec: LossSpec) -> Callable[[tf.Tensor, tf.Tensor], tf.Tensor]:
    """`Gan._compile`'s K-step function for a replicated run: the same loop and the same
    metrics rows, each update split over the replicas. The loop is not XLA-compiled: under
    jit_compile=True, strategy.run over 2 logical CPU devices failed with "Trying to access
    resource Variable/replica_1 located in device CPU:1 from device CPU:0" (TensorFlow 2.21,
    XLA's known issue 'tf.Variable on a different device'): one XLA program runs on one device.
    Only the random draws are compiled as the default step is (below)."""
    from .gan import MAX_K, METRICS

    strategy = gan.strategy
    nan = tf.constant(np.nan, tf.float32)

    # The global batch's random numbers, drawn in cross-replica context as the default step
    # draws them, and compiled as it is: XLA's normal draws other numbers than TensorFlow's
    # from the same generator state (a 2-line check: 0.86 vs -0.03 first of seed 0).
    @tf.function(jit_compile=gan.xla)
    def d_draws() -> tuple[Any, ...]:
        (x, y), z = gan._real_batch(), gan._noise()
        alpha = None
        if spec.gradient_penalty:  # drawn where the default step draws it: after x, y and z
            alpha = gan.rng.uniform([gan.cfg.batch] + [1] * len(gan.shape), 0.0, 1.0)
        return x, y, z, alpha

    @tf.function(jit_compile=gan.xla)
    def g_draws() -> tuple[Any, ...]:
        return gan._noise(), gan._asked_classes()

    def d_update(apply: bool) -> tf.Tensor:
        rows = strategy.run(_d_replica(gan, spec, apply), d_draws())
        m = strategy.reduce("MEAN", rows, axis=None)
        if apply and spec.clip_weights:
            for v in gan.d.trainable_variables:
                v.assign(tf.clip_by_value(v, -gan.clip, gan.clip))
        return m

    def g_update() -> tf.Tensor:
        m = strategy.reduce("MEAN", strategy.run(_g_replica(gan, spec), g_draws()), axis=None)
        if gan.g_ema is not None:
            for e, w in zip(gan.g_ema.weights, gan.g.weights):
                e.assign(gan.ema_decay * e + (1.0 - gan.ema_decay) * w)
        return m

    @tf.function(jit_compile=False)
    def run(k: tf.Tensor, d_steps: tf.Tensor) -> tf.Tensor:
        rows = tf.zeros([MAX_K, len(METRICS)])
        i = tf.constant(0)
        while i < k:
            if mode == "g":
                m = d_update(apply=False)
            else:
                m = d_update(apply=True)
                j = tf.constant(1)
                while j < d_steps:
                    m = d_update(apply=True)
                    j += 1
            g = tf.stack([m[1], nan])
            if mode != "d":
                g = g_update()
            row = tf.concat([m[:1], g[:1], m[2:], g[1:]], 0)
            rows = tf.tensor_scatter_nd_update(rows, [[i]], row[None])
            gan.global_step.assign_add(1)
            i += 1
        return rows

    return run


def _share(t: tf.Tensor | None) -> tf.Tensor | None:
    """This replica's rows of a global batch (replicas take equal, consecutive shares)."""
    if t is None:
        return None
    ctx = tf.distribute.get_replica_context()
    n = tf.shape(t)[0] // ctx.num_replicas_in_sync
    i = tf.cast(ctx.replica_id_in_sync_group, tf.int32)
    return t[i * n:(i + 1) * n]


def _of_global_mean(local_mean: tf.Tensor) -> tf.Tensor:
    """A replica's part of the global batch's mean loss. Every loss is a mean over the
    replica's samples and every replica has as many, so the global mean is the replicas' sum of
    local_mean / R: what tf.nn.compute_average_loss makes of per-sample losses, from the means
    the loss functions return (losses.py stays one pure function per loss)."""
    return tf.nn.compute_average_loss(tf.reshape(local_mean, [1]))  # / (1 * replicas)


def _apply_summed(opt: Any, loss: tf.Tensor, tape: tf.GradientTape,
                  variables: list[Any]) -> tf.Tensor:
    """Apply the replicas' summed gradients of their `loss` shares; return the sum's norm.

    Keras 3.15's apply_gradients, called in a replica, sums the replicas' gradients itself
    (one all-reduce, keras/src/backend/tensorflow/optimizer.py) and updates every replica's
    copy; called in cross-replica context it fails (its merge_call needs a replica context).
    The norm needs the summed gradient, which Keras keeps to itself: a second all-reduce."""
    grads = tape.gradient(loss, variables)
    opt.apply_gradients(zip(grads, variables))
    summed = tf.distribute.get_replica_context().all_reduce("SUM", grads)
    return tf.linalg.global_norm(summed)


def _d_replica(gan: Gan, spec: LossSpec, apply: bool) -> Callable[..., tf.Tensor]:
    """One replica's D update on its share: the metrics row's D part (local means; the grad
    norm is the summed gradient's, the same on every replica)."""

    def step(x: tf.Tensor, y: tf.Tensor | None, z: tf.Tensor,
             alpha: tf.Tensor | None) -> tf.Tensor:
        x, y, z = _share(x), _share(y), _share(z)
        with tf.GradientTape() as tape:
            fake = gan._generate(z, y)
            r = gan._discriminate(x, y)
            f = gan._discriminate(fake, y)
            d_loss, g_loss = spec.fn(r, f)
            if alpha is not None:
                d_loss += gan.gp_weight * gan._gradient_penalty(x, fake, y, _share(alpha))
            share = _of_global_mean(d_loss)
        norm = tf.constant(np.nan, tf.float32)
        if apply:
            norm = _apply_summed(gan.opt_d, share, tape, gan.d.trainable_variables)
        d_real, acc_real = gan._read(spec, r)
        d_fake, called_real = gan._read(spec, f)
        return tf.stack([d_loss, g_loss, d_real, d_fake, acc_real, 1.0 - called_real, norm])

    return step


def _g_replica(gan: Gan, spec: LossSpec) -> Callable[..., tf.Tensor]:
    """One replica's G update on its share: (g_loss local mean, the summed gradient's norm)."""

    def step(z: tf.Tensor, y: tf.Tensor | None) -> tf.Tensor:
        z, y = _share(z), _share(y)
        with tf.GradientTape() as tape:
            f = gan._discriminate(gan._generate(z, y), y)
            _, g_loss = spec.fn(tf.zeros_like(f), f)
            share = _of_global_mean(g_loss)
        norm = _apply_summed(gan.opt_g, share, tape, gan.g.trainable_variables)
        return tf.stack([g_loss, norm])

    return step
