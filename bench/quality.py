"""Default quality, judged by a classifier that is not GANscope's.

    python bench/quality.py [--dataset NAME_OR_PATH] [--seconds S | --steps N] [--seed S]
                            [--set key=value ...]

Trains the dataset's defaults (what a newcomer gets by picking only the dataset) for a
wall-clock budget that *includes* start-up (importing TensorFlow, loading the data, building
and compiling the models), exports the generator with `python -m gan_core export --generator`,
and judges 2,000 samples of the exported model:

- labelled images: a scikit-learn judge trained here on the real images (PCA to 50
  dimensions, an RBF SVM, isotonic calibration; nothing from gan_core). A class is covered
  when it holds >= 1 % of the confidently classified samples (max probability > 0.9). The
  judge's own accuracy and confident fraction on held-out *real* images are printed as the
  reference. Last line: `classes=N confident=F`.
- 2D mixtures: the engine's eval (VEEGAN/PacGAN). Last line: `modes=N/K high_quality=P`.

`--steps N` trains a fixed number of steps instead (deterministic; what the test suite uses).
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

SAMPLES = 2000
CONFIDENT = 0.9
MIN_SHARE = 0.01
JUDGE_SEED = 0


def make_judge(pool, labels):
    """An outside judge on real images (uint8 pool): fitted on 75 %, scored on the rest.
    Returns (judge, features_fn, held-out accuracy, held-out confident fraction)."""
    import numpy as np
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.decomposition import PCA
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    def features(images):
        return images.reshape(len(images), -1).astype(np.float32) / 255.0

    x_fit, x_test, y_fit, y_test = train_test_split(
        features(pool), labels, test_size=0.25, random_state=JUDGE_SEED, stratify=labels)
    judge = make_pipeline(PCA(min(50, x_fit.shape[1]), random_state=JUDGE_SEED),
                          CalibratedClassifierCV(SVC(C=10), method="isotonic", ensemble=False))
    judge.fit(x_fit, y_fit)
    p = judge.predict_proba(x_test)
    return judge, features, float((p.argmax(1) == y_test).mean()), float((p.max(1) > CONFIDENT).mean())


def judge_images(probs, n_classes: int) -> tuple[int, float]:
    """Classes covered (>= MIN_SHARE of the confident samples) and the confident fraction."""
    import numpy as np

    sure = probs.max(1) > CONFIDENT
    hist = np.bincount(probs.argmax(1)[sure], minlength=n_classes)
    covered = int((hist >= MIN_SHARE * max(hist.sum(), 1)).sum()) if hist.sum() else 0
    return covered, float(sure.mean())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="digits")
    budget = ap.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=float, default=None, help="wall clock incl. start-up")
    budget.add_argument("--steps", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="change a default (for experiments; the targets use none)")
    args = ap.parse_args()

    import numpy as np

    from gan_core import Trainer
    from gan_core.defaults import defaults_for
    from gan_core.evaluate import evaluate

    with tempfile.TemporaryDirectory() as tmp:
        cfg = defaults_for(args.dataset, seed=args.seed).with_text(args.set)
        trainer = Trainer(cfg, runs_dir=Path(tmp) / "runs")
        setup = time.monotonic() - T0
        if args.steps is not None:
            snap = trainer.train(steps=args.steps)
        else:
            seconds = 60.0 if args.seconds is None else args.seconds
            snap = trainer.train(seconds=max(seconds - (time.monotonic() - T0), 1.0))
        wall = time.monotonic() - T0
        trainer.stop()
        print(f"dataset={args.dataset} seed={args.seed} model={cfg.model} loss={cfg.loss} "
              f"batch={cfg.batch} steps={snap.step} wall={wall:.1f}s (start-up {setup:.1f}s) "
              f"train={snap.elapsed:.1f}s state={snap.status}")
        if snap.message:
            print("message:", snap.message)
        data = trainer.data
        if data.is_mixture:
            m = evaluate(trainer)
            print(f"reverse_kl={m['reverse_kl']:.3f} mode_counts={m['mode_counts']}")
            print(f"modes={m['modes_captured']}/{m['modes_total']} "
                  f"high_quality={m['high_quality_pct']:.1f}")
            return 0
        if data.labels is None:
            print("no labels: no judge for this dataset")
            return 2
        gen_path = Path(tmp) / "generator.keras"
        out = subprocess.run([sys.executable, "-m", "gan_core", "export", str(trainer.store.path),
                              "--generator", str(gen_path)], cwd=ROOT, capture_output=True,
                             text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return 1
        import keras

        from gan_core.views import pillow_images

        g = keras.models.load_model(gen_path, safe_mode=True)
        z = np.random.default_rng(JUDGE_SEED).standard_normal((SAMPLES, cfg.z_dim)).astype("float32")
        fake = pillow_images.to_uint8(g.predict(z, batch_size=500, verbose=0))
    judge, features, acc, real_conf = make_judge(data.pool, data.labels)
    n_classes = int(data.labels.max()) + 1
    classes, confident = judge_images(judge.predict_proba(features(fake)), n_classes)
    print(f"judge: PCA(50)+RBF SVM, held-out real accuracy={acc:.3f} confident={real_conf:.3f}")
    print(f"classes={classes} confident={confident:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
