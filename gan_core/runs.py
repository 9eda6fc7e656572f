"""Runs: the runs alive in this process, by id, and the ones saved on disk.

One per process: the UI holds it with st.cache_resource, so every tab (and every student on
the class network) sees the same live runs and no tab can start a second thread for one.
A lesson's replay (gan_core/replay.py) is a live run here too, read from the lessons'
recordings, which are opened once per process and never written.
"""
from __future__ import annotations

import builtins  # `list` inside the class is the method Runs.list
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import RunConfig
from .data import DRAWINGS, is_drawn
from .errors import DatasetError, StoreError
from .replay import Playhead, Recording, Replay
from .run_state import Snapshot
from .store import RunStore, runs_dir_default
from .trainer import Trainer

Run = Trainer | Replay  # what a page watches: a run training here, or a replay

RUN_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    title: str
    dataset: str
    loss: str
    step: int
    status: str
    live: bool


class Runs:
    def __init__(self, runs_dir: Path | str | None = None) -> None:
        self.runs_dir = Path(runs_dir) if runs_dir is not None else runs_dir_default()
        self._lock = threading.Lock()  # guards _runs and _recordings; held while one is opened
        self._runs: dict[str, Run] = {}
        self._recordings: dict[Path, Recording] = {}

    def create(self, cfg: RunConfig, owner: str | None = None) -> Trainer:
        """A new run (not started), recorded as `owner`'s when given (see RunStore.owner).
        Raises ConfigError / DatasetError for bad input."""
        trainer = Trainer(cfg, runs_dir=self.runs_dir)
        if owner is not None:
            trainer.store.write_owner(owner)
        with self._lock:
            self._runs[trainer.run_id] = trainer
        return trainer

    def get(self, run_id: str) -> Run:
        """The live run, or the saved one reopened (once, whichever tab asks first)."""
        with self._lock:
            if run_id in self._runs:
                return self._runs[run_id]
            trainer = Trainer.open(self._path(run_id))
            self._runs[run_id] = trainer
            return trainer

    def live(self, run_id: str) -> Run | None:
        with self._lock:
            return self._runs.get(run_id)

    def replay_lesson(self, name: str, folder: Path | str | None = None) -> dict[str, Replay]:
        """A new replay of lesson `name`'s recording (in `folder`, default the package's), its
        runs by label, playing from step 0 at the recorded speed with one playhead for all of
        them. StoreError when the lesson has no recording."""
        from .lessons import LESSONS
        from .lessons.recording import RECORDINGS, read_index

        lesson, root = LESSONS.get(name), Path(folder) if folder is not None else RECORDINGS
        recorded = read_index(root).get(name)
        if recorded is None:
            raise StoreError(f"lesson {name!r} has no recording in {root}: make one with "
                             f"python -m gan_core lessons --record --only {name}")
        recordings = {r.label: self.recording(root / recorded.runs[r.label]) for r in lesson.runs}
        head = Playhead(max(r.end for r in recordings.values()),
                        min(r.rate for r in recordings.values()) or 100.0)
        replays = {run.label: Replay(recordings[run.label], head, recordings[run.label].config.replace(
            title=f"{lesson.title}: {run.label}", lesson=lesson.tag(name, run))) for run in lesson.runs}
        with self._lock:
            self._runs.update((r.run_id, r) for r in replays.values())
        head.play()
        return replays

    def recording(self, path: Path) -> Recording:
        """A recorded run, opened once per process and shared by its replays."""
        with self._lock:
            if path not in self._recordings:
                self._recordings[path] = Recording(path)
            return self._recordings[path]

    def lesson_runs(self, name: str) -> dict[str, Run]:
        """The newest live run (or replay) of each role of lesson `name`, by run label."""
        with self._lock:
            runs = sorted(self._runs.items())  # run ids start with their creation time
        out: dict[str, Run] = {}
        for _, trainer in runs:
            lesson, _, label = trainer.config.lesson.partition("/")
            if lesson == name:
                out[label] = trainer
        return out

    def list_live(self) -> builtins.list[RunInfo]:
        """The runs in this process (training, paused, replays), newest first; reads no folder."""
        with self._lock:
            live = dict(self._runs)
        return [self._info(run_id, live[run_id]) for run_id in sorted(live, reverse=True)]

    def list(self) -> list[RunInfo]:
        """Every readable run, newest first (see `scan` for the ones skipped)."""
        return self.scan()[0]

    def scan(self) -> tuple[builtins.list[RunInfo], builtins.list[str]]:
        """Every run, newest first: live ones from memory, the rest from their folders; and
        a one-line note per folder that could not be read (skipped, never fatal)."""
        with self._lock:
            live = dict(self._runs)
        ids = set(live)
        if self.runs_dir.is_dir():
            ids |= {p.name for p in self.runs_dir.iterdir() if (p / "config.json").is_file()}
        infos, skipped = [], []
        for run_id in sorted(ids, reverse=True):
            try:
                infos.append(self._info(run_id, live.get(run_id)))
            except Exception as exc:  # one damaged folder must not hide the others
                skipped.append(str(exc) if isinstance(exc, StoreError)
                               else f"run {run_id}: {type(exc).__name__}: {exc}")
        return infos, skipped

    def _info(self, run_id: str, trainer: Run | None) -> RunInfo:
        if trainer is not None:
            s = trainer.state
            return RunInfo(run_id, s.config.title or s.config.dataset, s.config.dataset,
                           s.config.loss, s.step, s.status, True)
        store = RunStore(self.runs_dir / run_id)
        cfg = store.config()
        status = store.read_status()
        step = status.get("step", 0)
        if isinstance(step, bool) or not isinstance(step, int):
            raise StoreError(f"run {run_id}: status.json has a step that is not a whole number "
                             f"({step!r})")
        state = str(status.get("state", "saved"))
        state = "saved" if state in ("running", "paused", "idle", "stopped") else state
        return RunInfo(run_id, cfg.title or cfg.dataset, cfg.dataset, cfg.loss, step, state,
                       False)

    def history(self, run_id: str) -> dict:
        """{"step": ..., metric: ...} of a run: from memory when it is live, else read-only
        from its folder."""
        trainer = self.live(run_id)
        if trainer is not None:
            return trainer.state.history
        names, data = RunStore(self._path(run_id)).read_metrics()
        return {"step": data[:, 0] if len(names) else np.zeros(0),
                **{c: data[:, i + 1] for i, c in enumerate(names)}}

    def latest_snapshot(self, run_id: str) -> Snapshot | None:
        """A run's newest snapshot: from memory when it is live, else from its folder."""
        trainer = self.live(run_id)
        if trainer is not None:
            return trainer.state.snapshot
        return RunStore(self._path(run_id)).latest_snapshot()

    def config(self, run_id: str) -> RunConfig:
        trainer = self.live(run_id)
        return trainer.config if trainer is not None else RunStore(self._path(run_id)).config()

    def drawing(self, run_id: str) -> np.ndarray:
        """The points a drawn run trained on, for a new run to reuse: known to this process
        already, or read from the run's folder. StoreError for a run of other data."""
        cfg = self.config(run_id)
        if not is_drawn(cfg.dataset):
            raise StoreError(f"run {run_id} did not train on a drawing ({cfg.dataset})")
        if cfg.dataset in DRAWINGS:
            return DRAWINGS.get(cfg.dataset)
        return RunStore(self._path(run_id)).drawing()

    def find_drawing(self, name: str) -> np.ndarray:
        """Drawn set `name` from the newest run folder that trained on it (the CLI's
        `train --dataset drawn:...`). DatasetError when none did."""
        if name in DRAWINGS:
            return DRAWINGS.get(name)
        for info in self.list():
            if info.dataset == name:
                return self.drawing(info.run_id)
        raise DatasetError(f"no run in {self.runs_dir} trained on the drawn set {name}")

    def owner(self, run_id: str) -> str | None:
        """Whose run this is (the tag given to `create`), None when nobody's."""
        trainer = self.live(run_id)
        return (trainer.store if trainer is not None else RunStore(self._path(run_id))).owner()

    def metrics_csv(self, run_id: str) -> bytes | None:
        """metrics.csv as it is on disk (for a download), None before the first flush; a
        replay's: its whole recording's."""
        run = self.live(run_id)
        return (run.store if run is not None else RunStore(self._path(run_id))).metrics_bytes()

    def delete(self, run_id: str) -> None:
        """Stop and delete a run and its folder; a replay is only forgotten (its recording
        stays as it is)."""
        with self._lock:
            if isinstance(self._runs.get(run_id), Replay):
                del self._runs[run_id]
                return
        path = self._path(run_id)
        with self._lock:
            trainer = self._runs.pop(run_id, None)
        if trainer is not None:
            trainer.stop()
        shutil.rmtree(path, ignore_errors=True)

    def stop_all(self) -> None:
        with self._lock:
            runs = list(self._runs.values())
        for t in runs:
            t.stop()

    def _path(self, run_id: str) -> Path:
        if not RUN_ID.match(run_id) or run_id in (".", ".."):
            raise StoreError(f"not a run id: {run_id!r}")
        path = self.runs_dir / run_id
        if not (path / "config.json").is_file():
            if "-replay-" in run_id:  # replays live in memory only: gone with the process
                raise StoreError(f"{run_id!r} was a lesson replay, which ends when the server "
                                 "restarts: press the lesson's Replay on the home page again")
            raise StoreError(f"no saved run {run_id!r} in {self.runs_dir}")
        return path
