"""Replays: a recorded run played back at a chosen speed, read-only, seen as a live run is.

A `Recording` is a run folder read once (curves, snapshots, kept generators; lessons/recording.py
writes them) and shared by every replay of it. A `Playhead` says where a replay is and how fast
it moves; the runs of one lesson's replay share one, so runs compared side by side stay at the
same step. A `Replay` is one recorded run at a playhead: it answers what pages ask a Trainer
(`state`, `config`, `data`, kept generators, `observer.sample`) with the run as it was at the
playhead. It never trains and never writes: `start` refuses with a message.
"""
from __future__ import annotations

import bisect
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import conditional
from .commands import LIVE_SETTINGS, valid_settings
from .config import RunConfig
from .data import is_drawn, load_dataset
from .errors import StoreError
from .run_state import RunState
from .store import RunStore

PLAYING, STILL = "playing", "replay"  # a replay's RunState.status: moving, or still


class Recording:
    """A recorded run, read once from its folder and never written. Thread-safe: its arrays
    are read-only and the one generator it samples with is guarded by a lock."""

    def __init__(self, path: Path | str) -> None:
        self.store = RunStore.open(path)
        self.config = self.store.config()
        if is_drawn(self.config.dataset):
            self.store.drawing()  # a drawn run's points, from its folder
        self.data = load_dataset(self.config.dataset, self.config.data_std, self.config.seed)
        names, rows = self.store.read_metrics()
        self.history: dict[str, np.ndarray] = {"step": rows[:, 0].astype(np.int64),
                        **{n: rows[:, i + 1].astype(np.float32) for i, n in enumerate(names)}}
        for column in self.history.values():
            column.flags.writeable = False
        self.snapshots = tuple(self.store.read_snapshots())
        self.snapshot_steps = [s.step for s in self.snapshots]
        self.kept = self.store.kept_generator_steps()
        status = self.store.read_status()
        self.end = max([0, *self.history["step"][-1:].tolist(), *self.snapshot_steps[-1:]])
        elapsed = status.get("elapsed", 0.0)
        self.elapsed = float(elapsed) if isinstance(elapsed, (int, float)) else 0.0
        self.hparams = {k: getattr(self.config, k) for k in LIVE_SETTINGS}
        self.hparams.update(valid_settings(self.config, status.get("hparams")))
        events = status.get("events", [])
        self.events = tuple((int(e[0]), dict(e[1])) for e in events if isinstance(e, list)
                            and len(e) == 2 and isinstance(e[1], dict)) if isinstance(events, list) else ()
        self.warnings = tuple(self.store.warnings)
        self._lock = threading.Lock()  # guards _generator, _loaded, _weights, _dup
        self._generator: Any = None
        self._loaded: int | None = None  # the kept step whose weights _generator holds
        self._weights: dict[int, list[np.ndarray]] = {}
        self._dup: float | None = None

    @property
    def rate(self) -> float:
        """Steps per second as recorded (training time over steps); 0 when unknown."""
        return self.end / self.elapsed if self.elapsed > 0 else 0.0

    def kept_at(self, step: int) -> int:
        """The newest kept generator's step at or before `step` (the first one before any)."""
        if not self.kept:
            raise StoreError(f"recording {self.store.run_id} keeps no generator weights")
        return self.kept[max(0, bisect.bisect_right(self.kept, step) - 1)]

    def sample(self, step: int, z: np.ndarray, classes: np.ndarray | None = None) -> np.ndarray:
        """G(z) with the generator kept for `step` (one of `kept`), in model space; a
        conditional run's of `classes` (see conditional.generate)."""
        with self._lock:
            return conditional.generate(self._generator_at(step), z, classes)

    def export(self, step: int, path: Path | str) -> None:
        """The generator kept for `step` as a plain .keras model."""
        with self._lock:
            self._generator_at(step).save(str(path))

    def _generator_at(self, step: int) -> Any:
        """The one generator, holding the weights kept for `step` (lock held)."""
        from .models import build_generator

        if self._loaded != step:
            if step not in self._weights:
                self._weights[step] = self.store.read_kept_generator(step)
            if self._generator is None:
                self._generator = build_generator(
                    self.config, self.data.shape, self.data.kind == "images",
                    self.data.n_classes if self.config.conditional else 0)
            self._generator.set_weights(self._weights[step])
            self._loaded = step
        return self._generator

    @property
    def dup_threshold(self) -> float:
        """Real images' nearest-neighbour spacing (what the Observer measures for a live run)."""
        from .diagnostics import duplicate_threshold

        with self._lock:
            if self._dup is None:
                self._dup = duplicate_threshold(self.data.pool)
            return self._dup


@dataclass(frozen=True)
class Position:
    step: int
    playing: bool
    speed: float  # steps per second
    version: int  # grows with every change a page must redraw for


class Playhead:
    """Where a replay is and how fast it moves. While playing, the position follows `clock`
    and stops at `end`. `recorded`: the speed it starts at, the recording's own (1x).
    Thread-safe: every tab watching the replay moves the same playhead."""

    def __init__(self, end: int, speed: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.end = max(0, int(end))
        self._clock = clock
        self._lock = threading.Lock()  # guards everything below
        self._at = 0.0  # the position at _since (playing), or now (still)
        self._since: float | None = None  # clock time playing started from _at; None: still
        self._speed = self.recorded = _speed(speed)
        self._moves = 0  # seeks, plays and pauses so far: a jump back still changes version

    def now(self) -> Position:
        with self._lock:
            at = self._settle()
            step = int(at)
            return Position(step, self._since is not None, self._speed,
                            self._moves * (self.end + 1) + step)

    def _settle(self) -> float:
        """The position now; playing stops at the end (lock held)."""
        if self._since is None:
            return self._at
        at = self._at + (self._clock() - self._since) * self._speed
        if at >= self.end:
            self._at, self._since, self._moves = float(self.end), None, self._moves + 1
            return self._at
        return at

    def play(self) -> None:
        """Play on from here; from the start when at the end."""
        with self._lock:
            at = self._settle()
            self._at = 0.0 if at >= self.end else at
            self._since, self._moves = self._clock(), self._moves + 1

    def pause(self) -> None:
        with self._lock:
            self._at, self._since, self._moves = self._settle(), None, self._moves + 1

    def seek(self, step: float) -> None:
        """Jump to `step` (clamped to 0..end), playing on if it was playing."""
        with self._lock:
            self._settle()
            self._at = float(min(max(step, 0), self.end))
            if self._since is not None:
                self._since = self._clock()
            self._moves += 1

    def set_speed(self, speed: float) -> None:
        """Steps per second from now on."""
        with self._lock:
            self._at = self._settle()
            if self._since is not None:
                self._since = self._clock()
            self._speed = _speed(speed)


def _speed(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value > 0):
        raise ValueError(f"a replay's speed must be a positive number of steps per second, "
                         f"got {value!r}")
    return float(value)


def replay_id(cfg: RunConfig) -> str:
    """A replay's id, in the run ids' form (newest sorts last): time, "replay", a token."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-replay-{cfg.dataset}-{secrets.token_hex(2)}"


class _AtPlayhead:
    """A replay's `observer`, for what pages and `evaluate` sample: G as kept at or before
    the playhead (the final generator at the end)."""

    def __init__(self, replay: Replay) -> None:
        self._replay = replay

    def sample(self, z: np.ndarray, classes: np.ndarray | None = None) -> np.ndarray:
        rec = self._replay.recording
        return rec.sample(rec.kept_at(self._replay.state.step), z, classes)

    @property
    def dup_threshold(self) -> float:
        return self._replay.recording.dup_threshold


class Replay:
    """One recorded run at a playhead, read as a Trainer's live run is read: `state` is the run
    as it was at the playhead (curves, snapshots and marks up to it). It never writes."""

    weights_lost = False
    alive = False  # no training thread, ever

    def __init__(self, recording: Recording, playhead: Playhead,
                 config: RunConfig | None = None) -> None:
        self.recording, self.playhead = recording, playhead
        self.config = config or recording.config  # a lesson's replay: the lesson's title and tag
        self.data = recording.data
        self.store = recording.store  # read-only (metrics.csv for a download)
        self.run_id = replay_id(self.config)
        self.observer = _AtPlayhead(self)

    @property
    def state(self) -> RunState:
        rec, at = self.recording, self.playhead.now()
        step = min(at.step, rec.end)
        playing = at.playing and step < rec.end
        rows = int(np.searchsorted(rec.history["step"], step, side="right"))
        return RunState(
            run_id=self.run_id, config=self.config, step=step,
            status=PLAYING if playing else STILL, message="",
            elapsed=rec.elapsed * step / max(rec.end, 1),  # recorded time, pro rata
            steps_per_sec=at.speed if playing else 0.0, hparams=dict(rec.hparams),
            history={k: v[:rows] for k, v in rec.history.items()},
            snapshots=rec.snapshots[:bisect.bisect_right(rec.snapshot_steps, step)],
            data_kind=rec.data.kind, events=tuple(e for e in rec.events if e[0] <= step),
            version=at.version, warnings=rec.warnings)

    def kept_generator_steps(self) -> list[int]:
        """Kept generators up to the playhead."""
        step = self.state.step
        return [s for s in self.recording.kept if s <= step]

    def sample_at(self, step: int, z: np.ndarray, classes: np.ndarray | None = None) -> np.ndarray:
        return self.recording.sample(step, z, classes)

    def require_weights(self) -> None:
        self.recording.kept_at(0)  # StoreError when the recording kept no generator

    def export_generator(self, path: Path | str) -> None:
        """The generator at the playhead (kept at or before it) as a plain .keras model."""
        self.recording.export(self.recording.kept_at(self.state.step), path)

    def start(self, paused: bool = False) -> bool:
        raise StoreError(f"{self.config.title or self.run_id} is a replay of a recording: it "
                         "cannot train. Start the lesson's runs live from the home page "
                         "('Train it live'), or start a new run with these settings.")

    def stop(self, timeout: float = 60.0) -> bool:
        """Pause the playback (the Trainer's stop: nothing is left running)."""
        self.playhead.pause()
        return True
