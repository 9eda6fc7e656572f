"""Headless GANscope: train, resume, evaluate and export runs; the app reads the same folders.

    python -m gan_core datasets
    python -m gan_core train [--dataset NAME_OR_PATH] [--loss NAME] [--model NAME]
                             [--steps N | --minutes M] [--seed S] [--runs-dir DIR] [--set key=value ...]
    python -m gan_core resume RUN_DIR [--steps N | --minutes M]
    python -m gan_core eval RUN_DIR [--json]
    python -m gan_core export RUN_DIR [--gif FILE] [--generator FILE.keras] [--csv FILE]
                              [--directions FILE.npz]
    python -m gan_core lessons [--verify [--seeds N] [--quick] [--only NAME ...] [--runs-dir DIR]]
    python -m gan_core lessons --record [--only NAME ...] [--out DIR] [--steps N]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from .errors import GanscopeError


def _budget(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--steps", type=int, help="train this many steps")
    g.add_argument("--minutes", type=float, help="train for this many minutes")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m gan_core", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("datasets", help="list the datasets, their defaults, and the losses")
    t = sub.add_parser("train", help="start a new run")
    t.add_argument("--dataset", help="dataset name, a path to your own files, or the drawn:... "
                   "name of a drawing a run in the runs folder trained on")
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
    x = sub.add_parser("export", help="write a GIF, a Keras generator, a metrics CSV or "
                                      "latent directions")
    x.add_argument("run_dir")
    x.add_argument("--gif")
    x.add_argument("--generator")
    x.add_argument("--csv")
    x.add_argument("--directions", help="an image run's latent directions as .npz: class_0 .., "
                                        "pc_0 .., each (z_dim,) float32")
    les = sub.add_parser("lessons", help="list the lessons, verify their claims, or record them")
    mode = les.add_mutually_exclusive_group()
    mode.add_argument("--verify", action="store_true", help="train each lesson and check its claim")
    mode.add_argument("--record", action="store_true",
                      help="train each lesson's runs (seed 0) and keep them for instant replays")
    les.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    les.add_argument("--quick", action="store_true",
                     help="the test suite's subset: shorter budgets, quick lessons only")
    les.add_argument("--only", nargs="*", default=None, metavar="NAME")
    les.add_argument("--runs-dir", default=None, help="keep the runs here (default: discarded)")
    les.add_argument("--out", default=None,
                     help="--record: the recordings folder (default: the package's own)")
    les.add_argument("--steps", type=int, default=None,
                     help="--record: train each run this many steps, not its lesson's budget")
    return ap


def main(argv: list[str] | None = None) -> int:
    """Exit codes: 0 done; 1 training ended on a problem (diverged, disk full, failed);
    2 bad input (a message says what); 3 an unexpected fault; 130 interrupted."""
    ap = parser()
    args = ap.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except GanscopeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # no traceback reaches a user unless they ask for it
        if os.environ.get("GANSCOPE_DEBUG"):
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (set GANSCOPE_DEBUG=1 for the "
              "traceback)", file=sys.stderr)
        return 3


def cmd_datasets(args) -> int:
    from .data import DATASETS
    from .defaults import defaults_for
    from .losses import LOSSES

    for name in DATASETS.names():
        c = defaults_for(name)
        print(f"{name:16} {c.model} {c.width}x{c.depth}, {c.loss}, lr_d {c.lr_d:g}, "
              f"lr_g {c.lr_g:g}, batch {c.batch}, z {c.z_dim}")
    print("or a path to your own files: IDX .gz, .npz, a folder or .zip of images")
    print("losses:", ", ".join(LOSSES.names()))
    return 0


def _config(args):
    from .data import is_drawn, resolve_dataset
    from .defaults import defaults_for
    from .runs import Runs

    cfg = defaults_for(args.dataset or "ring8")
    changes = {k: getattr(args, k) for k in ("loss", "model", "seed") if getattr(args, k) is not None}
    cfg = cfg.replace(**changes).with_text(args.set)
    if is_drawn(cfg.dataset):  # a drawing reused: its points from a run that trained on it
        Runs(args.runs_dir).find_drawing(cfg.dataset)
    # A path given through --set is stored absolute too, so eval/resume work from anywhere.
    return cfg.replace(dataset=resolve_dataset(cfg.dataset))


def _budget_of(args) -> tuple[int | None, float | None]:
    """(steps, seconds) from --steps / --minutes, checked before anything is created."""
    if args.minutes is not None:
        if not math.isfinite(args.minutes) or args.minutes <= 0:
            raise GanscopeError(f"--minutes must be a positive number, got {args.minutes}")
        return None, args.minutes * 60
    steps = 2000 if args.steps is None else args.steps
    if steps < 1:
        raise GanscopeError(f"--steps must be at least 1, got {steps}")
    return steps, None


def _report_data(trainer) -> None:
    """Say what the loader skipped or changed in the user's data."""
    for line in trainer.data.report(max_lines=10):
        print(f"data: {line}", file=sys.stderr)


def _report_devices(trainer) -> None:
    """Say which devices train the run (distribute.placement), before its first step."""
    print(f"devices: {trainer.gan.devices}", flush=True)


def _train(trainer, steps: int | None, seconds: float | None) -> int:
    last = [0.0]

    def progress(s) -> None:
        if time.monotonic() - last[0] >= 2.0 or not s.busy:
            last[0] = time.monotonic()
            h = s.history
            losses = f"D {h['d_loss'][-1]:.3f}  G {h['g_loss'][-1]:.3f}" if len(h["step"]) else ""
            print(f"step {s.step:7d}  {losses}  {s.steps_per_sec:6.0f} steps/s", flush=True)

    try:
        snap = trainer.train(steps=steps, seconds=seconds, progress_fn=progress)
    except KeyboardInterrupt:
        print("interrupted: saving a checkpoint", file=sys.stderr)
        trainer.stop()
        print(trainer.store.path.resolve())
        return 130
    stopped = trainer.stop()
    snap = trainer.state
    if snap.message:
        print(snap.message, file=sys.stderr)
    if not stopped:
        print("error: the training thread did not stop in time; the last checkpoint is on disk",
              file=sys.stderr)
    print(trainer.store.path.resolve())
    return 1 if snap.status == "error" or snap.message or not stopped else 0


_NO_MINUTES = ("strategy=multiworker trains a number of steps (--steps): every worker must run "
               "the same steps, and --minutes ends each on its own clock")


def cmd_train(args) -> int:
    from .trainer import Trainer

    steps, seconds = _budget_of(args)
    cfg = _config(args)
    if cfg.strategy == "multiworker" and seconds is not None:
        raise GanscopeError(_NO_MINUTES)
    trainer = Trainer(cfg, runs_dir=args.runs_dir)
    _report_data(trainer)
    _report_devices(trainer)
    return _train(trainer, steps, seconds)


def cmd_resume(args) -> int:
    from .trainer import Trainer

    steps, seconds = _budget_of(args)
    trainer = Trainer.open(args.run_dir, cluster=True)  # a multiworker run joins TF_CONFIG's
    for note in trainer.notes:  # e.g. its strategy is not available here: one device
        print(f"warning: {note}", file=sys.stderr)
    if trainer.gan.cfg.strategy == "multiworker" and seconds is not None:
        raise GanscopeError(_NO_MINUTES)
    _report_data(trainer)
    _report_devices(trainer)
    return _train(trainer, steps, seconds)


def _open(run_dir: str):
    """A saved run, read-only; what reading it had to skip goes to stderr."""
    from .trainer import Trainer

    trainer = Trainer.open(run_dir)
    for note in trainer.state.warnings:
        print(f"warning: {note}", file=sys.stderr)
    return trainer


def cmd_eval(args) -> int:
    from .evaluate import evaluate

    result = evaluate(_open(args.run_dir))
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:18} {v:.4g}" if isinstance(v, float) else f"{k:18} {v}")
    return 0


def _writable(dest: str) -> Path:
    """An output file path whose folder exists and which is not a folder itself."""
    path = Path(dest)
    if path.is_dir():
        raise GanscopeError(f"{dest} is a folder: give a file name")
    if not path.parent.is_dir():
        raise GanscopeError(f"cannot write {dest}: the folder {path.parent} does not exist")
    return path


def _write(dest: Path, write) -> None:
    try:
        write(dest)
    except (OSError, ValueError) as exc:
        raise GanscopeError(f"cannot write {dest}: {getattr(exc, 'strerror', None) or exc}") from exc


def cmd_export(args) -> int:
    from .views import pillow_images

    if not (args.gif or args.generator or args.csv or args.directions):
        raise GanscopeError("nothing to export: give --gif, --generator, --csv and/or "
                            "--directions")
    if args.generator and not args.generator.endswith(".keras"):
        raise GanscopeError("--generator must end in .keras")
    if args.directions and not args.directions.endswith(".npz"):
        raise GanscopeError("--directions must end in .npz")
    outputs = {k: _writable(v) for k, v in (("gif", args.gif), ("generator", args.generator),
                                            ("csv", args.csv), ("directions", args.directions))
               if v}
    trainer = _open(args.run_dir)
    if "csv" in outputs:
        trainer.store.copy_metrics(outputs["csv"])
        print(f"wrote {args.csv}")
    if "gif" in outputs:
        frames = [f for f in trainer.state.snapshots if f.pictured]
        if len(frames) < 2:
            raise GanscopeError(f"run {trainer.run_id} has {len(frames)} snapshot(s): train it "
                                "before exporting an animation")
        if trainer.data.kind == "images":
            pics = [f.grid for f in frames]
        else:
            bounds, real = trainer.data.bounds(), trainer.data.pool[:1000]
            pics = [pillow_images.scatter_image(f.points[:1000], bounds, real) for f in frames]
        _write(outputs["gif"], lambda p: p.write_bytes(pillow_images.gif_bytes(pics)))
        print(f"wrote {args.gif} ({len(pics)} frames)")
    if "generator" in outputs:
        _write(outputs["generator"], trainer.export_generator)
        print(f"wrote {args.generator}")
    if "directions" in outputs:
        _export_directions(trainer, outputs["directions"])
    return 0


def _export_directions(trainer, dest: Path) -> None:
    """The run's latent directions (gan_core/directions.py) at its current step as .npz."""
    import numpy as np

    from . import directions

    if trainer.data.kind != "images":
        raise GanscopeError(f"run {trainer.run_id} is a 2D run: latent directions are for "
                            "image runs")
    if trainer.config.conditional:
        raise GanscopeError(f"run {trainer.run_id} is conditional: G takes the class as an "
                            "input, so its noise has no class directions to fit")
    found = directions.fit(trainer)
    arrays: dict[str, Any] = found.arrays()  # names -> arrays (numpy's stub reads ** as flags)
    _write(dest, lambda p: np.savez(p, **arrays))
    print(f"wrote {dest} (step {found.step:,}: {len(found.classes)} class directions, "
          f"{len(found.pcs)} principal directions)")


def cmd_lessons(args) -> int:
    from .lessons import LESSONS, table, verify

    names = args.only or LESSONS.names()
    for name in names:
        LESSONS.get(name)  # unknown name: an error listing the valid ones
    if args.record:
        return _record(names, args)
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


def _record(names: list[str], args) -> int:
    """Exit 0 when every recorded claim holds, 1 when one does not (it is recorded anyway)."""
    from .lessons.recording import RECORDINGS, record

    if args.steps is not None and args.steps < 1:
        raise GanscopeError(f"--steps must be at least 1, got {args.steps}")
    out = Path(args.out) if args.out else RECORDINGS

    def report(name, recorded, live) -> None:
        print(f"{name:24} {'holds' if recorded.holds else 'FAILS'} on the recording: "
              f"{recorded.detail} (live run: {'holds' if live[0] else 'FAILS'}, {live[1]})",
              flush=True)

    t0 = time.monotonic()
    index = record(names, out, args.steps, report)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"recorded {len(names)} lesson(s) in {out} ({size / 1e6:.1f} MB for "
          f"{len(index)} recorded lesson(s)); total {time.monotonic() - t0:.0f} s")
    return 0 if all(index[n].holds for n in names) else 1


COMMANDS = {"datasets": cmd_datasets, "lessons": cmd_lessons, "train": cmd_train, "resume": cmd_resume,
            "eval": cmd_eval, "export": cmd_export}
