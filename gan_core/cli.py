"""Headless GANscope: train, resume, evaluate and export runs; the app reads the same folders.

    python -m gan_core presets
    python -m gan_core train [--preset NAME] [--dataset NAME_OR_PATH] [--loss NAME] [--model NAME]
                             [--steps N | --minutes M] [--seed S] [--runs-dir DIR] [--set key=value ...]
    python -m gan_core resume RUN_DIR [--steps N | --minutes M]
    python -m gan_core eval RUN_DIR [--json]
    python -m gan_core export RUN_DIR [--gif FILE] [--generator FILE.keras] [--csv FILE]
    python -m gan_core lessons [--verify [--seeds N] [--quick] [--only NAME ...] [--runs-dir DIR]]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from .errors import GanscopeError


def _budget(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--steps", type=int, help="train this many steps")
    g.add_argument("--minutes", type=float, help="train for this many minutes")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m gan_core", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("presets", help="list presets and datasets")
    t = sub.add_parser("train", help="start a new run")
    t.add_argument("--preset")
    t.add_argument("--dataset", help="dataset name or a path to your own files")
    t.add_argument("--loss")
    t.add_argument("--model")
    t.add_argument("--seed", type=int)
    t.add_argument("--runs-dir", default=None)
    t.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    _budget(t)
    r = sub.add_parser("resume", help="train an existing run further")
    r.add_argument("run_dir")
    _budget(r)
    e = sub.add_parser("eval", help="measure a run's current weights")
    e.add_argument("run_dir")
    e.add_argument("--json", action="store_true")
    x = sub.add_parser("export", help="write a GIF, a Keras generator or a metrics CSV")
    x.add_argument("run_dir")
    x.add_argument("--gif")
    x.add_argument("--generator")
    x.add_argument("--csv")
    les = sub.add_parser("lessons", help="list the lessons, or verify their claims")
    les.add_argument("--verify", action="store_true", help="train each lesson and check its claim")
    les.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    les.add_argument("--quick", action="store_true",
                     help="the test suite's subset: shorter budgets, quick lessons only")
    les.add_argument("--only", nargs="*", default=None, metavar="NAME")
    les.add_argument("--runs-dir", default=None, help="keep the runs here (default: discarded)")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = parser()
    args = ap.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except GanscopeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def cmd_presets(args) -> int:
    from .data import DATASETS
    from .losses import LOSSES
    from .presets import PRESETS

    for name in PRESETS:
        p = PRESETS.get(name)
        print(f"{name:16} {p.title}: {p.summary}")
    print("datasets:", ", ".join(DATASETS.names()), "(or a path to your own files)")
    print("losses:  ", ", ".join(LOSSES.names()))
    return 0


def _config(args):
    from .data import resolve_dataset
    from .defaults import defaults_for
    from .presets import PRESETS

    if args.preset and args.dataset:
        raise GanscopeError("give --preset or --dataset, not both")
    cfg = PRESETS.get(args.preset).make() if args.preset else defaults_for(args.dataset or "ring8")
    changes = {k: getattr(args, k) for k in ("loss", "model", "seed") if getattr(args, k) is not None}
    cfg = cfg.replace(**changes).with_text(args.set)
    # A path given through --set is stored absolute too, so eval/resume work from anywhere.
    return cfg.replace(dataset=resolve_dataset(cfg.dataset))


def _train(trainer, args) -> None:
    steps = args.steps if args.steps is not None or args.minutes is not None else 2000
    if steps is not None and steps < 1:
        raise GanscopeError("--steps must be at least 1")
    last = [0.0]

    def progress(s) -> None:
        if time.monotonic() - last[0] >= 2.0 or s.state != "running":
            last[0] = time.monotonic()
            h = s.history
            losses = f"D {h['d_loss'][-1]:.3f}  G {h['g_loss'][-1]:.3f}" if len(h["step"]) else ""
            print(f"step {s.step:7d}  {losses}  {s.steps_per_sec:6.0f} steps/s", flush=True)

    snap = trainer.train(steps=steps if args.minutes is None else None,
                         seconds=args.minutes * 60 if args.minutes is not None else None,
                         progress_fn=progress)
    trainer.stop()
    if snap.message:
        print(snap.message, file=sys.stderr)
    print(trainer.store.path.resolve())


def cmd_train(args) -> int:
    from .trainer import Trainer

    trainer = Trainer(_config(args), runs_dir=args.runs_dir)
    for line in trainer.data.report(max_lines=10):  # what was skipped or changed in the data
        print(f"data: {line}", file=sys.stderr)
    _train(trainer, args)
    return 1 if trainer.snapshot.state == "error" else 0


def cmd_resume(args) -> int:
    from .trainer import Trainer

    trainer = Trainer.open(args.run_dir)
    _train(trainer, args)
    return 1 if trainer.snapshot.state == "error" else 0


def cmd_eval(args) -> int:
    from .evaluate import evaluate
    from .trainer import Trainer

    result = evaluate(Trainer.open(args.run_dir))
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:18} {v:.4g}" if isinstance(v, float) else f"{k:18} {v}")
    return 0


def cmd_export(args) -> int:
    from . import render
    from .trainer import Trainer

    if not (args.gif or args.generator or args.csv):
        raise GanscopeError("nothing to export: give --gif, --generator and/or --csv")
    trainer = Trainer.open(args.run_dir)
    if args.csv:
        shutil.copyfile(trainer.store.path / "metrics.csv", args.csv)
        print(f"wrote {args.csv}")
    if args.gif:
        frames = trainer.snapshot.frames
        if trainer.data.kind == "images":
            pics = [f.grid for f in frames]
        else:
            bounds, real = trainer.data.bounds(), trainer.data.pool[:1000]
            pics = [render.scatter_image(f.points[:1000], bounds, real) for f in frames]
        Path(args.gif).write_bytes(render.gif_bytes(pics))
        print(f"wrote {args.gif} ({len(pics)} frames)")
    if args.generator:
        if not args.generator.endswith(".keras"):
            raise GanscopeError("--generator must end in .keras")
        trainer.steps.sampler.save(args.generator)
        print(f"wrote {args.generator}")
    return 0


def cmd_lessons(args) -> int:
    from . import lesson_runs  # noqa: F401  (registers the lessons)
    from .lessons import LESSONS, table, verify

    names = args.only or LESSONS.names()
    for name in names:
        LESSONS.get(name)  # unknown name: an error listing the valid ones
    if not args.verify:
        for name in names:
            lesson = LESSONS.get(name)
            print(f"{name:24} {lesson.title}\n{'':24} claim: {lesson.claim}")
        return 0
    if args.seeds < 1:
        raise GanscopeError("--seeds must be at least 1")
    if args.quick:
        names = [n for n in names if LESSONS.get(n).quick]

    def report(v) -> None:
        print(f"{v.lesson:24} seed {v.seed}: {'holds' if v.holds else 'FAILS'} "
              f"({v.detail}; {v.seconds:.0f} s)", flush=True)

    t0 = time.monotonic()
    verdicts = verify(names, range(args.seeds), args.quick, args.runs_dir, report)
    text, ok = table(verdicts, args.seeds)
    print(f"\n{text}\ntotal {time.monotonic() - t0:.0f} s")
    return 0 if ok else 1


COMMANDS = {"presets": cmd_presets, "lessons": cmd_lessons, "train": cmd_train, "resume": cmd_resume,
            "eval": cmd_eval, "export": cmd_export}
