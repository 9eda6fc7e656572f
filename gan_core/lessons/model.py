"""Lessons: presets that each show one GAN phenomenon, with a claim the code checks.

A lesson trains one or more runs for a fixed step budget and states what the student will
see; `check` reads the finished runs and says whether the claim held, with the numbers.
`verify` trains every lesson for several seeds (`python -m gan_core lessons --verify`).
The runs themselves are in lesson_runs.py, next to the measurements that chose them.
"""
from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..commands import SlowMotion
from ..config import RunConfig
from ..registry import Registry
from ..run_state import RunState

if TYPE_CHECKING:
    from ..replay import Replay
    from ..trainer import Trainer


@dataclass(frozen=True)
class LessonRun:
    label: str  # the run's role in the lesson: "plain GAN", "with the fix", ...
    make: Callable[[int], RunConfig]  # seed -> the run's config
    steps: int  # the budget the claim is made at
    quick_steps: int | None = None  # a shorter budget where the claim still holds (tests)
    slow: SlowMotion | None = None  # trained in this slow motion (live, verified, recorded)


@dataclass(frozen=True)
class Outcome:
    """One finished lesson run: its last RunState and `evaluate()` of its final weights."""

    state: RunState
    metrics: dict


Check = Callable[[dict[str, Outcome]], tuple[bool, str]]  # outcomes by label -> (holds, numbers)


@dataclass(frozen=True)
class Lesson:
    title: str
    question: str  # what the lesson answers
    watch: str  # what to look at while it trains
    claim: str  # what the code checks, in words
    page: str  # the page the home card opens
    runs: tuple[LessonRun, ...]
    check: Check
    cause: str = ""  # why it happens, in words that match the settings shown beside it
    fix: str = ""  # what cures it (or, for a fix lesson, what it cures)
    fix_lesson: str | None = None  # the lesson that shows the fix, when there is one
    fixes: str | None = None  # for a fix lesson: the lesson whose runs its settings cure
    compare: str | None = None  # the metric the Runs page overlays, for lessons of several runs
    quick: bool = True  # part of the test suite's one-seed subset

    def tag(self, name: str, run: LessonRun) -> str:
        """What a lesson run's `RunConfig.lesson` holds: "lesson name/run label"."""
        return f"{name}/{run.label}"

    def budget(self) -> int:
        """The step the claim is made at (the longest of the lesson's runs)."""
        return max(r.steps for r in self.runs)


LESSONS: Registry[Lesson] = Registry("lesson")


@dataclass(frozen=True)
class ClaimCheck:
    lesson: str
    seed: int
    holds: bool
    detail: str
    seconds: float


def parse_tag(tag: str) -> tuple[str, str] | None:
    """"lesson name/run label" -> (name, label); None for a run of no lesson."""
    name, sep, label = tag.partition("/")
    return (name, label) if sep and name in LESSONS else None


def judge(lesson: Lesson, trainers: dict[str, Trainer | Replay]) -> tuple[bool, str] | None:
    """The claim checked on a lesson's live runs (by label), once every one of them has
    reached its budget and stopped training; None before that."""
    from ..evaluate import evaluate

    if set(trainers) != {r.label for r in lesson.runs}:
        return None
    for run in lesson.runs:
        snap = trainers[run.label].state
        if snap.step < run.steps or snap.busy:
            return None
    return lesson.check({label: Outcome(t.state, evaluate(t)) for label, t in trainers.items()})


def settings_beside(lesson: Lesson, seed: int = 0) -> list[dict[str, str]]:
    """The settings in which a lesson's runs differ from what they are compared with, one row
    per setting: {"setting", <each run's label>, <the reference>}. The reference is the
    dataset's healthy defaults, or for a fix lesson the run it fixes."""
    from ..defaults import defaults_for

    configs = {r.label: r.make(seed) for r in lesson.runs}
    if lesson.fixes:
        broken = LESSONS.get(lesson.fixes)
        name, reference = f"{broken.title} ({broken.runs[0].label})", broken.runs[0].make(seed)
    else:
        first = next(iter(configs.values()))
        name, reference = "healthy defaults", defaults_for(first.dataset,  # conditional too
                                                           conditional=first.conditional)
    ref = reference.to_dict()
    ignore = {"title", "lesson", "seed"}
    keys = [k for k in ref if k not in ignore
            and any(c.to_dict()[k] != ref[k] for c in configs.values())]
    return [{"setting": k, **{label: _show(c.to_dict()[k]) for label, c in configs.items()},
             name: _show(ref[k])} for k in keys]


def _show(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def passing_needed(seeds: int) -> int:
    """The claim must hold in at least 4 of 5 seeds: 80 %, rounded up."""
    return math.ceil(0.8 * seeds)


def train_outcome(cfg: RunConfig, steps: int, runs_dir: Path,
                  slow: SlowMotion | None = None) -> Outcome:
    """Train a fresh run for `steps` steps (in slow motion `slow`), headless, and evaluate it."""
    from ..evaluate import evaluate
    from ..trainer import Trainer

    trainer = Trainer(cfg, runs_dir=runs_dir)
    try:
        snap = trainer.train(steps=steps, slow=slow)
        return Outcome(snap, evaluate(trainer))
    finally:
        trainer.stop()


def verify(names: Iterable[str], seeds: Iterable[int], quick: bool = False,
           runs_dir: Path | None = None,
           report: Callable[[ClaimCheck], None] | None = None) -> list[ClaimCheck]:
    """Train each lesson's runs for each seed and check its claim. A run two lessons share
    (same config and budget) is trained once."""
    out: list[ClaimCheck] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(runs_dir) if runs_dir is not None else Path(tmp)
        done: dict[tuple[str, int, SlowMotion | None], Outcome] = {}
        for name in names:
            lesson = LESSONS.get(name)
            for seed in seeds:
                t0 = time.monotonic()
                outcomes = {}
                for run in lesson.runs:
                    steps = run.quick_steps if quick and run.quick_steps else run.steps
                    cfg = run.make(seed)
                    key = (cfg.to_json(), steps, run.slow)
                    if key not in done:
                        done[key] = train_outcome(cfg, steps, root, run.slow)
                    outcomes[run.label] = done[key]
                holds, detail = lesson.check(outcomes)
                verdict = ClaimCheck(name, seed, holds, detail, time.monotonic() - t0)
                out.append(verdict)
                if report:
                    report(verdict)
    return out


def table(verdicts: list[ClaimCheck], seeds: int) -> tuple[str, bool]:
    """The verification table (lesson, claim, seeds passing) and whether every claim held
    in enough seeds."""
    need = passing_needed(seeds)
    lines = [f"{'lesson':24} {'passing':>8}  claim  [per seed]"]
    ok = True
    for name in dict.fromkeys(v.lesson for v in verdicts):
        mine = [v for v in verdicts if v.lesson == name]
        passed = sum(v.holds for v in mine)
        ok &= passed >= need
        per_seed = "; ".join(f"{v.seed}: {v.detail}{'' if v.holds else ' FAIL'}" for v in mine)
        lines.append(f"{name:24} {passed:>3}/{len(mine):<4}  {LESSONS.get(name).claim}  [{per_seed}]")
    lines.append(f"every claim holds in >= {need} of {seeds} seeds: {'yes' if ok else 'NO'}")
    return "\n".join(lines), ok
