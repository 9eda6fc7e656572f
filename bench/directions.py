"""Latent class directions, judged by a classifier that is not GANscope's.

    python bench/directions.py [--dataset NAME] [--seconds S | --steps N] [--seed S]
                               [--run RUN_DIR] [--samples N]

Trains the dataset's defaults (unconditional) for a wall-clock budget that includes start-up,
as bench/quality.py does (default 120 s), or judges an existing run with `--run`. Then:

1. `python -m gan_core export RUN --generator G.keras --directions D.npz`: the directions are
   fitted by GANscope (gan_core/directions.py) with GANscope's own classifier.
2. The exported generator walks `--samples` z (seed JUDGE_SEED, never the fit's z) from 0 to
   +3 along each class direction; bench/quality.py's outside judge (PCA(50) + RBF SVM +
   isotonic calibration, trained here on the real images) reads both ends.

Per class: the rise of the judge's p_c, the share of samples not read as c at the start that
are read as c at +3 ("turned"), and the same rise for a random unit direction (the plain
reference: a direction that knows nothing of c). The goal (issue 13, item 2): mean rise over
the ten classes >= 0.30. Last line: `rise=R turned=T random_rise=Q ganscope_rise=G
fit_s=F export_s=E same_in_process=B steps=S` (ganscope_rise: the same walk read by
GANscope's classifier, for comparison; fit_s: one `directions.fit` in this process, the
classifier already loaded, what the Latent explorer pays once per run and step; export_s:
the whole export command; same_in_process: the fit gave the exported class directions).
"""
from __future__ import annotations

import time

T0 = time.monotonic()  # the budget starts before TensorFlow is imported

import argparse  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from quality import JUDGE_SEED, make_judge  # noqa: E402  (the outside judge, shared)

SAMPLES = 1000
WALK = 3.0


def export(run_dir: Path, tmp: Path) -> tuple[Path, Path, float]:
    """The run's generator and directions through the CLI; (generator, directions, seconds)."""
    gen, dirs = tmp / "generator.keras", tmp / "directions.npz"
    t = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "gan_core", "export", str(run_dir),
                          "--generator", str(gen), "--directions", str(dirs)], cwd=ROOT,
                         capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return gen, dirs, time.monotonic() - t


def rises(read, sample, z, rows):
    """Per row c: mean rise of p_c from z to z + WALK * rows[c], and the share turned into c."""
    import numpy as np

    p0 = read(sample(z))
    up, turned = [], []
    for c, d in enumerate(rows):
        p1 = read(sample(z + WALK * d[None]))
        up.append(float((p1[:, c] - p0[:, c]).mean()))
        was_not = p0.argmax(1) != c
        turned.append(float((p1.argmax(1)[was_not] == c).mean()) if was_not.any() else 0.0)
    return np.array(up), np.array(turned)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="digits")
    budget = ap.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=float, default=None, help="wall clock incl. start-up")
    budget.add_argument("--steps", type=int, default=None)
    budget.add_argument("--run", default=None, help="judge this run folder instead of training")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--samples", type=int, default=SAMPLES)
    args = ap.parse_args()

    import keras
    import numpy as np

    from gan_core import Trainer, classifier, directions
    from gan_core.defaults import defaults_for
    from gan_core.views import pillow_images

    with tempfile.TemporaryDirectory() as tmp:
        if args.run:
            trainer = Trainer.open(args.run)
        else:
            trainer = Trainer(defaults_for(args.dataset, seed=args.seed), runs_dir=Path(tmp) / "runs")
            if args.steps is not None:
                trainer.train(steps=args.steps)
            else:
                seconds = 120.0 if args.seconds is None else args.seconds
                trainer.train(seconds=max(seconds - (time.monotonic() - T0), 1.0))
            trainer.stop()
        snap, cfg, data = trainer.state, trainer.config, trainer.data
        print(f"dataset={cfg.dataset} seed={cfg.seed} steps={snap.step} "
              f"wall={time.monotonic() - T0:.1f}s z_dim={cfg.z_dim}")
        gen_path, dirs_path, export_s = export(trainer.store.path, Path(tmp))
        g = keras.models.load_model(gen_path, safe_mode=True)
        found = np.load(dirs_path)
        n_classes = int(data.labels.max()) + 1
        rows = np.stack([found[f"class_{c}"] for c in range(n_classes)])
        classifier.for_dataset(data)  # loaded before the clock: the page's second fit on
        t = time.monotonic()
        again = directions.fit(trainer)  # what a page pays (classifier loaded)
        fit_s = time.monotonic() - t
        same = bool(np.allclose(again.classes, rows, atol=1e-5))

    def sample(z):
        return g.predict(z.astype(np.float32), batch_size=500, verbose=0)

    judge, features, acc, _ = make_judge(data.pool, data.labels)

    def outside(x):
        return judge.predict_proba(features(pillow_images.to_uint8(x)))

    z = np.random.default_rng(JUDGE_SEED).standard_normal((args.samples, cfg.z_dim)).astype("float32")
    random = np.random.default_rng(JUDGE_SEED + 1).standard_normal(rows.shape)
    random /= np.linalg.norm(random, axis=1, keepdims=True)
    up, turned = rises(outside, sample, z, rows)
    up_random, _ = rises(outside, sample, z, random)
    own, _ = rises(classifier.for_dataset(data).probabilities, sample, z, rows)
    print(f"judge: PCA(50)+RBF SVM, held-out real accuracy={acc:.3f}")
    for c in range(n_classes):
        print(f"class {c}: rise {up[c]:+.3f} turned {turned[c]:.2f} random {up_random[c]:+.3f} "
              f"ganscope {own[c]:+.3f}")
    print(f"rise={up.mean():.3f} turned={turned.mean():.3f} random_rise={up_random.mean():.3f} "
          f"ganscope_rise={own.mean():.3f} fit_s={fit_s:.2f} export_s={export_s:.1f} "
          f"same_in_process={same} steps={snap.step}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
