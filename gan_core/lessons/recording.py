"""Lesson recordings: each lesson's runs trained once with the project's own code and kept,
compact, in the package, so a lesson replays at once (gan_core/replay.py) instead of training
for minutes before it shows anything.

    python -m gan_core lessons --record [--only NAME ...] [--out DIR] [--steps N]

A recording is a run folder written through RunStore holding what the pages read: every step's
metrics, every snapshot (frames, 2D fields, diagnostics) and a few kept generators, the last at
the final step (the final generator). Left out: checkpoints (optimizers, D and the RNG; a replay
never trains), generated 2D points past POINTS per snapshot and metrics' digits past
METRIC_DIGITS. Float arrays are stored as float16 where that moves no value by more than HALF
of the array's largest. `index.json` names
each lesson's recorded runs and its claim as judged on the recording itself.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from dataclasses import replace as copy_with
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import GanscopeError, StoreError
from ..run_state import Snapshot
from ..store import RunStore
from .model import LESSONS, Outcome

if TYPE_CHECKING:
    from ..trainer import Trainer

RECORDINGS = Path(__file__).with_name("recordings")  # package data (pyproject.toml)
INDEX = "index.json"
FORMAT = 1
POINTS = 1000  # generated points kept per 2D snapshot: as many as the 2D Lab, Evolution and
# Runs draw (plotly_charts.lab_view's max_fake); the mode diagnostics are kept as measured on all
KEPT_BYTES = 400_000  # kept generators' bytes per recording: 5 of a ring G (67 KB in float16),
# 4 with z_dim 64, 2 of a digits G (181 KB): at 5 each the digits' weights alone took 3.6 MB
METRIC_DIGITS = 4  # significant digits of the recorded metrics: a curve shows no more; 25 %
# fewer bytes than the store's 6 (metrics are a quarter of a recording's bytes)
HALF = 1e-3  # float16 where it moves no value by more than this share of the array's largest
CLASSIFIER_WAIT = 900.0  # seconds: a digits recording waits for its classifier (a hang guard)


@dataclass(frozen=True)
class Recorded:
    """A lesson's recording: its runs' folders by run label, and the claim judged on them."""

    runs: dict[str, str]  # run label -> run id, a folder of the recordings
    holds: bool
    detail: str


def read_index(folder: Path | str = RECORDINGS) -> dict[str, Recorded]:
    """The lessons recorded in `folder`, by name ({} when there are none)."""
    try:
        text = (Path(folder) / INDEX).read_text()
    except FileNotFoundError:
        return {}
    try:
        lessons = json.loads(text)["lessons"]
        return {name: Recorded(dict(r["runs"]), bool(r["holds"]), str(r["detail"]))
                for name, r in lessons.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StoreError(f"{Path(folder) / INDEX} is damaged ({exc}): record the lessons "
                         "again with python -m gan_core lessons --record") from exc


def _write_index(folder: Path, index: dict[str, Recorded]) -> None:
    text = json.dumps({"format": FORMAT, "lessons": {
        name: {"runs": r.runs, "holds": r.holds, "detail": r.detail}
        for name, r in sorted(index.items())}}, indent=1) + "\n"
    tmp = folder / f".{INDEX}.tmp"
    tmp.write_text(text)
    os.replace(tmp, folder / INDEX)


def halved(a: np.ndarray) -> np.ndarray:
    """`a` as float16 when that moves no value by more than HALF of its largest, else `a`."""
    if a.dtype != np.float32 or a.size == 0:
        return a
    scale = float(np.max(np.abs(a)))
    if not math.isfinite(scale) or scale > 6e4:  # float16's largest is 65504
        return a
    half = a.astype(np.float16)
    return half if float(np.max(np.abs(half.astype(np.float32) - a))) <= HALF * scale else a


def rounded(rows: np.ndarray, digits: int = METRIC_DIGITS) -> np.ndarray:
    """Every value to `digits` significant digits."""
    return np.array([[float(f"{v:.{digits}g}") for v in row] for row in rows.tolist()],
                    np.float64).reshape(rows.shape)


def compact(snapshot: Snapshot) -> Snapshot:
    """A 2D snapshot with POINTS generated points and its arrays halved where they can be;
    an image snapshot (a small PNG mosaic) as it is."""
    if snapshot.points is None:
        return snapshot
    return copy_with(snapshot, points=halved(snapshot.points[:POINTS]),
                     field={k: halved(v) for k, v in snapshot.field.items()})


def kept_steps(available: list[int], final: int, each: int) -> list[int]:
    """The kept generators a recording keeps: the final one and, within KEPT_BYTES of
    generators `each` bytes large, others spread evenly from the first."""
    n = max(1, KEPT_BYTES // max(each, 1))
    earlier = [s for s in available if s < final]
    if n == 1 or not earlier:
        return [final]
    targets = np.linspace(0, final, n)[:-1]
    return sorted({min(earlier, key=lambda s: abs(s - t)) for t in targets}) + [final]


def write_recording(trainer: Trainer, out: Path) -> str:
    """A compact copy (see the module's docstring) of a trained, stopped run in `out`, under
    the run's own id. Returns that id."""
    state, src = trainer.state, trainer.store
    dest = RunStore.create(trainer.config, out, run_id=trainer.run_id)
    names, rows = src.read_metrics()
    if len(rows):
        dest.append_metrics(tuple(names), int(rows[0, 0]), rounded(rows[:, 1:]))
    for snapshot in state.snapshots:
        dest.write_snapshot(compact(snapshot))
    dest.flush()
    final = [halved(w) for w in trainer.gan.sampler.get_weights()]
    for step in kept_steps(trainer.kept_generator_steps(), state.step, sum(w.nbytes for w in final)):
        weights = final if step == state.step else [halved(w) for w in src.read_kept_generator(step)]
        dest.keep_generator(step, weights, stride=1)
    dest.write_status(state="recorded", message="", step=state.step, elapsed=state.elapsed,
                      hparams=state.hparams, events=[list(e) for e in state.events])
    return dest.run_id


def judge_recording(name: str, folder: Path | str = RECORDINGS,
                    runs: dict[str, str] | None = None) -> tuple[bool, str]:
    """Lesson `name`'s claim, checked by the current code on its recorded runs at their end
    (`runs`: label -> run id; default: as the index names them)."""
    from ..evaluate import evaluate
    from ..replay import Playhead, Recording, Replay

    lesson = LESSONS.get(name)
    if runs is None:
        runs = read_index(folder)[name].runs
    outcomes = {}
    for label, run_id in runs.items():
        rec = Recording(Path(folder) / run_id)
        replay = Replay(rec, Playhead(rec.end, 1.0))
        replay.playhead.seek(rec.end)
        outcomes[label] = Outcome(replay.state, evaluate(replay))
    return lesson.check(outcomes)


Report = Callable[[str, Recorded, tuple[bool, str]], None]  # name, recorded, live run's claim


def record(names: Iterable[str], out: Path | str = RECORDINGS, steps: int | None = None,
           report: Report | None = None) -> dict[str, Recorded]:
    """Train each lesson's runs (seed 0) to their budgets (or `steps` each), write them into
    `out` compact, judge each claim on the recording and update out/index.json after each
    lesson. Runs that lessons share are trained once; recordings no lesson names any more are
    removed. Returns the index."""
    from ..evaluate import evaluate
    from ..trainer import Trainer

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    index = read_index(out)
    done: dict[tuple, tuple[str, Outcome]] = {}  # (config, steps, slow) -> id, live outcome
    with tempfile.TemporaryDirectory() as scratch:
        for name in names:
            lesson = LESSONS.get(name)
            live = {}
            for run in lesson.runs:
                budget = steps or run.steps
                cfg = run.make(0)
                key = (cfg.to_json(), budget, run.slow)
                if key not in done:
                    trainer = Trainer(cfg, runs_dir=scratch)
                    try:
                        # every snapshot judged by the classifier, whatever the machine's speed
                        trainer.observer.wait_for_judge(CLASSIFIER_WAIT)
                        snap = trainer.train(steps=budget, slow=run.slow)
                        if snap.status == "error" or snap.message:
                            raise GanscopeError(f"lesson {name}, run {run.label}: {snap.message}")
                        outcome = Outcome(snap, evaluate(trainer))
                    finally:
                        trainer.stop()
                    done[key] = (write_recording(trainer, out), outcome)
                live[run.label] = done[key][1]
            ids = {run.label: done[(run.make(0).to_json(), steps or run.steps, run.slow)][0]
                   for run in lesson.runs}
            index[name] = Recorded(ids, *judge_recording(name, out, ids))
            _write_index(out, index)  # an interrupted recording keeps the lessons it finished
            if report:
                report(name, index[name], lesson.check(live))
    _drop_unnamed(out, index)
    return index


def _drop_unnamed(out: Path, index: dict[str, Recorded]) -> None:
    """Remove recorded run folders in `out` that no lesson of the index names."""
    named = {run_id for r in index.values() for run_id in r.runs.values()}
    for path in out.iterdir():
        if path.is_dir() and path.name not in named and (path / "config.json").is_file() \
                and RunStore(path).read_status().get("state") == "recorded":
            shutil.rmtree(path)
