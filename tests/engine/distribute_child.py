"""Child process for test_distribute.py: TensorFlow must see its logical CPU devices (or its
TF_CONFIG) before it starts, so each distributed case runs in a fresh interpreter.

    python distribute_child.py compare '<RunConfig overrides JSON>' STEPS
        prints JSON {"default": rows, "mirrored": rows}: the same run on one device and
        mirrored over 2 logical CPU devices
    python distribute_child.py compare '[[<overrides>, STEPS], ...]' 0
        the same for each case, in one process (TensorFlow imported once): a JSON list
        (so too `reopened` with a list of statuses and `split` with a list of overrides)
    python distribute_child.py stepwise '<RunConfig overrides JSON>' STEPS
        prints JSON {"default": rows, "mirrored": rows}: before each D-only and each G-only
        update, the mirrored run is set to the default run's weights, optimizer slots, step and
        random state, so each row compares one update from one state
    python distribute_child.py reopen '<RunConfig overrides JSON>' STEPS RUNS_DIR
        a mirrored run over 2 logical CPU devices trained STEPS steps in RUNS_DIR, then
        reopened: prints JSON {"path", "status" (its status.json), "devices" (the live run's
        line), "reopened" (the reopened run's line), "warnings" (the reopened run's)}
    python distribute_child.py reopened '<status.json JSON>' 0
        prints JSON [strategy, note] of distribute.reopened for a mirrored run with that
        status, over 2 logical CPU devices
    python distribute_child.py split '<RunConfig overrides JSON>' 0
        prints the ConfigError a mirrored run over 2 logical CPU devices raises, as JSON
    python distribute_child.py worker '<RunConfig overrides JSON>' STEPS CKPT_DIR
        one MultiWorker worker (TF_CONFIG set by the parent): trains, checkpoints (the chief
        into CKPT_DIR, the others into a scratch folder) and prints JSON {"rows", "step", "sum"}
"""
from __future__ import annotations

import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def compare(cfg, steps: int) -> dict:
    """`cfg` trained `steps` steps on one device and mirrored: each's rows and replicas."""
    from gan_core.data import load_dataset
    from gan_core.gan import Gan

    out, data = {}, load_dataset(cfg.dataset)
    for strategy in ("default", "mirrored"):
        gan = Gan(cfg.replace(strategy=strategy), data)
        out[strategy] = gan.run(steps, d_steps=1).tolist()
        out[strategy + "_replicas"] = gan.strategy.num_replicas_in_sync
    return out


def main() -> None:
    import numpy as np
    import tensorflow as tf

    what, overrides, steps = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
    if what in ("compare", "stepwise", "split", "reopen", "reopened"):
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

    from gan_core import RunConfig
    from gan_core.data import load_dataset
    from gan_core.errors import ConfigError
    from gan_core.gan import Gan

    base = RunConfig(dataset="ring8", width=16, depth=2, batch=32, z_dim=2, lr_d=1e-3,
                     lr_g=1e-3, snapshot_every=25, tensorboard=False)
    if what == "compare":  # one case, or a list of [overrides, steps]
        cases = overrides if isinstance(overrides, list) else [[overrides, steps]]
        outs = [compare(base.replace(**case), n) for case, n in cases]
        print(json.dumps(outs if isinstance(overrides, list) else outs[0]))
        return
    if what in ("split", "reopened"):  # one case, or a list of them
        cases = overrides if isinstance(overrides, list) else [overrides]
        outs = []
        for case in cases:
            if what == "split":  # a batch that 2 replicas cannot share: the error
                try:
                    cfg = base.replace(**case)
                    Gan(cfg.replace(strategy="mirrored"), load_dataset(cfg.dataset))
                    outs.append(None)
                except ConfigError as exc:
                    outs.append(dict(field=exc.field, message=str(exc)))
            else:  # the case is a status.json
                from gan_core import distribute

                status = dict(case)
                cfg, note = distribute.reopened(
                    base.replace(strategy="mirrored", batch=status.pop("batch")), status)
                outs.append([cfg.strategy, note])
        print(json.dumps(outs if isinstance(overrides, list) else outs[0]))
        return
    base = base.replace(**overrides)
    data = load_dataset(base.dataset)
    if what == "reopen":
        from gan_core.trainer import Trainer

        trainer = Trainer(base.replace(strategy="mirrored"), runs_dir=sys.argv[4])
        trainer.train(steps=steps)
        assert trainer.stop()
        path = trainer.store.path
        again = Trainer.open(path)
        print(json.dumps(dict(path=str(path), status=json.loads((path / "status.json").read_text()),
                              devices=trainer.state.devices, reopened=again.state.devices,
                              warnings=list(again.state.warnings))))
        return
    if what == "stepwise":
        one, two = (Gan(base.replace(strategy=s), data) for s in ("default", "mirrored"))
        rows: dict[str, list] = {"default": [], "mirrored": []}
        for _ in range(steps):
            for mode in ("d", "g"):
                for mine, theirs in zip(two.checkpoint_variables(), one.checkpoint_variables(),
                                        strict=True):
                    mine.assign(theirs.numpy())
                two.rng.state.assign(one.rng.state.numpy())
                rows["default"].append(one.run(1, mode=mode)[0].tolist())
                rows["mirrored"].append(two.run(1, mode=mode)[0].tolist())
        print(json.dumps(rows))
        return
    gan = Gan(base.replace(strategy="multiworker"), data)
    rows = gan.run(steps)
    chief = json.loads(os.environ["TF_CONFIG"])["task"]["index"] == 0
    target = sys.argv[4] if chief else tempfile.mkdtemp()  # every worker must write
    tf.train.CheckpointManager(gan.checkpoint(), target, max_to_keep=1).save()
    total = float(sum(np.abs(w).sum() for w in gan.g.get_weights() + gan.d.get_weights()))
    print(json.dumps(dict(rows=rows.tolist(), step=int(gan.global_step.numpy()), sum=total,
                          replicas=gan.strategy.num_replicas_in_sync)))


if __name__ == "__main__":
    main()
