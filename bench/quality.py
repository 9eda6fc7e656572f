"""Default quality, judged by a classifier that is not GANscope's.

    python bench/quality.py [--dataset NAME_OR_PATH] [--seconds S | --steps N] [--seed S]
                            [--split tune|report | --images A:B] [--defaults NAME]
                            [--set key=value ...]

Trains the dataset's defaults (what a newcomer gets by picking only the dataset) for a
wall-clock budget that *includes* start-up (importing TensorFlow, loading the data, building
and compiling the models), exports the generator with `python -m gan_core export --generator`,
and judges 2,000 samples of the exported model:

- labelled images: a scikit-learn judge trained here on the real images the GAN trained on
  (PCA to 50 dimensions, an RBF SVM, isotonic calibration; nothing from gan_core), fitted on
  75 % of them and scored on the other 25 %: its confident fraction there (`real_confident`)
  is the bar a perfect generator would reach. A sample is confident when the judge's max
  probability is > 0.9; a class is covered when it holds >= 1 % of the confident samples.
  Also printed: each class's share of the confident samples against its share of the data,
  and the largest and smallest ratio of the two (`max_ratio`, `min_ratio`: the goal is no
  class above 2x its share or below half of it), and `of_real` = confident / real_confident.
  Last line: `classes=N confident=F real_confident=R of_real=Q max_ratio=A min_ratio=B
  steps=S` (key=value pairs; the first two keep their old place).
- 2D mixtures: the engine's eval (VEEGAN/PacGAN). Last line: `modes=N/K high_quality=P`.

Held-out protocol (issue 15): `--split tune` trains and judges on the first half of a
labelled image dataset, `--split report` on the second half; defaults are tuned on `tune` and
reported on `report`, so the reported numbers come from images never used for tuning. With
n images, tune = images [0, n // 2) and report = [n // 2, n), in the dataset's stored order:
  MNIST-5k (`../shared/data/mnist-5k`, 5,000 images): tune 0-2,499, report 2,500-4,999;
  bundled digits (1,797 images): tune 0-897, report 898-1,796.
`--images A:B` takes any other slice [A, B). The slice is written as an .npz (`x` uint8
(N, H, W[, C]), `y` labels) into the temporary folder and trained as a path, with the
defaults of the *whole* dataset (a path would otherwise get defaults by shape: an 8x8 digits
slice would get the MNIST-shape ones). `--defaults NAME` picks a named dataset's defaults
explicitly (e.g. `--defaults digits`).

`--conditional` trains the dataset's conditional defaults (`RunConfig.conditional`: G draws
the class it is asked for) and judges PER_CLASS samples per class of the exported two-input
generator: a sample counts when the judge confidently (> 0.9) puts it in the class asked
for. Last line: `asked=F per_class_min=M classes=N confident=C real_confident=R steps=S`
(`asked`: that share over all classes; `per_class_min`: the worst class's; the goal is
asked >= 0.85 in 2 minutes on the bundled digits, issue 13).

`--steps N` trains a fixed number of steps instead (deterministic; what the test suite uses).
`--judge-at N,...` also judges the generators the run kept at or before those steps (cheap:
no retraining), to see how many steps a setting needs.
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
PER_CLASS = 200  # --conditional: samples asked for per class
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


def class_shares(probs, labels, n_classes: int):
    """Each class's share of the confident samples and of the real `labels`, and the largest
    and smallest ratio of the two (0 when a class has no confident sample)."""
    import numpy as np

    sure = probs.max(1) > CONFIDENT
    hist = np.bincount(probs.argmax(1)[sure], minlength=n_classes).astype(float)
    fake = hist / max(hist.sum(), 1.0)
    real = np.bincount(labels, minlength=n_classes) / len(labels)
    ratio = fake[real > 0] / real[real > 0]
    return fake, real, float(ratio.max()), float(ratio.min())


def top_class_shares(probs, n_classes: int):
    """Each class's share of all samples by the judge's top class, and the share of those
    that are confident (both %): tells a G that draws too many 1s from one whose other
    digits are less often confident (the confident shares alone mix the two)."""
    import numpy as np

    top, sure = probs.argmax(1), probs.max(1) > CONFIDENT
    share = [100 * float(np.mean(top == c)) for c in range(n_classes)]
    rate = [100 * float(np.mean(sure[top == c])) if (top == c).any() else 0.0
            for c in range(n_classes)]
    return share, rate


def split_slice(n: int, split: str | None, images: str | None) -> slice | None:
    """The image rows to train and judge on: tune = [0, n // 2), report = [n // 2, n)."""
    if split == "tune":
        return slice(0, n // 2)
    if split == "report":
        return slice(n // 2, n)
    if images:
        a, _, b = images.partition(":")
        lo, hi = int(a or 0), int(b or n)
        if not 0 <= lo < hi <= n:
            raise SystemExit(f"--images {images}: need 0 <= A < B <= {n}")
        return slice(lo, hi)
    return None


def write_slice(data, rows: slice, folder: Path) -> str:
    """The rows of a labelled image Dataset as an .npz the engine loads by path."""
    import numpy as np

    pool, labels = data.pool[rows], data.labels[rows]
    path = folder / f"slice_{rows.start}_{rows.stop}.npz"
    np.savez(path, x=pool[..., 0] if pool.shape[-1] == 1 else pool, y=labels.astype(np.int32))
    return str(path)


def make_config(args, tmp: Path):
    """The run's config and what it trains on: the defaults of `--defaults` or of the whole
    dataset, on the slice when one is asked for, with `--set` applied last."""
    from gan_core.data import load_dataset, resolve_dataset
    from gan_core.defaults import defaults_for

    cfg = defaults_for(args.defaults or args.dataset, seed=args.seed,
                       **({"conditional": True} if args.conditional else {}))
    dataset, what = resolve_dataset(args.dataset), "all images"
    if args.split or args.images:
        data = load_dataset(dataset)
        if data.kind != "images" or data.labels is None:
            raise SystemExit(f"{args.dataset}: --split / --images need labelled images")
        rows = split_slice(len(data.pool), args.split, args.images)
        dataset = write_slice(data, rows, tmp)
        what = f"images {rows.start}-{rows.stop - 1} of {len(data.pool)}"
    return cfg.replace(dataset=dataset).with_text(args.set), what


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="digits")
    budget = ap.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=float, default=None, help="wall clock incl. start-up")
    budget.add_argument("--steps", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    part = ap.add_mutually_exclusive_group()
    part.add_argument("--split", choices=("tune", "report"), default=None,
                      help="train and judge on the first (tune) or second (report) half")
    part.add_argument("--images", default=None, metavar="A:B",
                      help="train and judge on images [A, B) only")
    ap.add_argument("--defaults", default=None, metavar="NAME",
                    help="use this named dataset's defaults (e.g. digits, mnist)")
    ap.add_argument("--judge-at", default="", metavar="N,N,...",
                    help="also judge the generator kept nearest at or before these steps "
                         "(a run keeps up to 40 evenly spaced generators)")
    ap.add_argument("--conditional", action="store_true",
                    help="train the conditional defaults; judge samples of each asked class")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="change a default (for experiments; the targets use none)")
    args = ap.parse_args()

    import numpy as np

    from gan_core import Trainer
    from gan_core.evaluate import evaluate

    with tempfile.TemporaryDirectory() as tmp:
        cfg, what = make_config(args, Path(tmp))
        trainer = Trainer(cfg, runs_dir=Path(tmp) / "runs")
        setup = time.monotonic() - T0
        if args.steps is not None:
            snap = trainer.train(steps=args.steps)
        else:
            seconds = 60.0 if args.seconds is None else args.seconds
            snap = trainer.train(seconds=max(seconds - (time.monotonic() - T0), 1.0))
        wall = time.monotonic() - T0
        trainer.stop()
        print(f"dataset={args.dataset} ({what}) seed={args.seed} model={cfg.model} "
              f"loss={cfg.loss} batch={cfg.batch} steps={snap.step} wall={wall:.1f}s "
              f"(start-up {setup:.1f}s) train={snap.elapsed:.1f}s "
              f"steps/s={snap.step / max(snap.elapsed, 1e-9):.0f} status={snap.status}")
        print("config:", " ".join(f"{k}={getattr(cfg, k)}" for k in (
            "width", "depth", "lr_d", "lr_g", "beta1", "d_steps", "batch", "z_dim", "pack",
            "ema", "spectral_norm", "conditional")))
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
        n_classes = int(data.labels.max()) + 1
        asked = None
        if cfg.conditional:  # PER_CLASS samples of each class, through the model's two inputs
            asked = np.repeat(np.arange(n_classes, dtype="int32"), PER_CLASS)
        n = SAMPLES if asked is None else len(asked)
        z = np.random.default_rng(JUDGE_SEED).standard_normal((n, cfg.z_dim)).astype("float32")
        inputs = z if asked is None else [z, asked[:, None]]
        fake = pillow_images.to_uint8(g.predict(inputs, batch_size=500, verbose=0))
        kept = trainer.kept_generator_steps()
        earlier = {}  # kept step -> its samples, for --judge-at
        for want in (int(n) for n in args.judge_at.split(",") if n.strip()):
            near = max((k for k in kept if k <= want), default=None)
            if near is not None:
                earlier[near] = pillow_images.to_uint8(trainer.sample_at(near, z, asked))
    judge, features, acc, real_conf = make_judge(data.pool, data.labels)
    probs = judge.predict_proba(features(fake))
    classes, confident = judge_images(probs, n_classes)
    fake_share, real_share, hi, lo = class_shares(probs, data.labels, n_classes)
    for near, images in sorted(earlier.items()):
        p = judge.predict_proba(features(images))
        c, conf = judge_images(p, n_classes)
        _, _, a, b = class_shares(p, data.labels, n_classes)
        print(f"at step {near}: classes={c} confident={conf:.3f} "
              f"of_real={conf / max(real_conf, 1e-9):.3f} max_ratio={a:.2f} min_ratio={b:.2f}"
              + (" asked={:.3f} per_class_min={:.3f}".format(*as_asked(p, asked, n_classes))
                 if asked is not None else ""))
    print(f"judge: PCA(50)+RBF SVM on the same {len(data.pool):,} images, held-out real "
          f"accuracy={acc:.3f} confident={real_conf:.3f}")
    print("class shares of confident samples vs data (%): " + ", ".join(
        f"{c}: {100 * f:.1f}/{100 * r:.1f}" for c, (f, r) in enumerate(zip(fake_share, real_share))))
    print("each class's share of all samples (the judge's top class) / how many of those are "
          "confident (%): " + ", ".join(f"{c}: {a:.1f}/{b:.0f}" for c, (a, b) in enumerate(
              zip(*top_class_shares(probs, n_classes)))))
    if asked is not None:
        share, worst = as_asked(probs, asked, n_classes)
        per_class = [float(np.mean(confident_as(probs, asked)[asked == c])) for c in range(n_classes)]
        print("confidently the class asked for, per class: "
              + ", ".join(f"{c}: {v:.2f}" for c, v in enumerate(per_class)))
        print(f"asked={share:.3f} per_class_min={worst:.3f} classes={classes} "
              f"confident={confident:.3f} real_confident={real_conf:.3f} steps={snap.step}")
        return 0
    print(f"classes={classes} confident={confident:.3f} real_confident={real_conf:.3f} "
          f"of_real={confident / max(real_conf, 1e-9):.3f} max_ratio={hi:.2f} min_ratio={lo:.2f} "
          f"steps={snap.step}")
    return 0


def confident_as(probs, asked):
    """Per sample: the judge puts it in the class it was asked for, with probability > 0.9."""
    return (probs.max(1) > CONFIDENT) & (probs.argmax(1) == asked)


def as_asked(probs, asked, n_classes: int) -> tuple[float, float]:
    """The share of samples confidently judged the class asked for, and the worst class's."""
    hit = confident_as(probs, asked)
    return float(hit.mean()), float(min(hit[asked == c].mean() for c in range(n_classes)))


if __name__ == "__main__":
    sys.exit(main())
