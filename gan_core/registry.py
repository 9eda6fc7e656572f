"""RunRegistry: the runs alive in this process, by id, and the ones saved on disk.

One per process: the UI holds it with st.cache_resource, so every tab (and every student on
the class network) sees the same live runs and no tab can start a second thread for one.
"""
from __future__ import annotations

import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from .config import RunConfig
from .errors import StoreError
from .store import DEFAULT_RUNS_DIR, RunStore
from .trainer import Trainer

RUN_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    title: str
    dataset: str
    loss: str
    step: int
    state: str
    live: bool


class RunRegistry:
    def __init__(self, runs_dir: Path | str | None = None) -> None:
        self.runs_dir = Path(runs_dir) if runs_dir is not None else DEFAULT_RUNS_DIR
        self._lock = threading.Lock()  # guards _runs; held while a run is built or opened
        self._runs: dict[str, Trainer] = {}

    def create(self, cfg: RunConfig) -> Trainer:
        """A new run (not started). Raises ConfigError / DatasetError for bad input."""
        trainer = Trainer(cfg, runs_dir=self.runs_dir)
        with self._lock:
            self._runs[trainer.run_id] = trainer
        return trainer

    def get(self, run_id: str) -> Trainer:
        """The live run, or the saved one reopened (once, whichever tab asks first)."""
        with self._lock:
            if run_id in self._runs:
                return self._runs[run_id]
            trainer = Trainer.open(self._path(run_id))
            self._runs[run_id] = trainer
            return trainer

    def live(self, run_id: str) -> Trainer | None:
        with self._lock:
            return self._runs.get(run_id)

    def list(self) -> list[RunInfo]:
        """Every run, newest first: live ones from memory, the rest from their folders."""
        with self._lock:
            live = dict(self._runs)
        infos = []
        ids = set(live)
        if self.runs_dir.is_dir():
            ids |= {p.name for p in self.runs_dir.iterdir() if (p / "config.json").is_file()}
        for run_id in sorted(ids, reverse=True):
            if run_id in live:
                s = live[run_id].snapshot
                cfg, step, state = s.config, s.step, s.state
            else:
                store = RunStore(self.runs_dir / run_id)
                try:
                    cfg = store.config()
                except StoreError:
                    continue
                status = store.read_status()
                step, state = int(status.get("step", 0)), str(status.get("state", "saved"))
                state = "saved" if state in ("running", "paused", "idle", "stopped") else state
            infos.append(RunInfo(run_id, cfg.title or cfg.dataset, cfg.dataset, cfg.loss, step,
                                 state, run_id in live))
        return infos

    def delete(self, run_id: str) -> None:
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
            raise StoreError(f"no saved run {run_id!r} in {self.runs_dir}")
        return path
