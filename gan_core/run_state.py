"""What the UI reads: immutable snapshots of a run, and the history they hold.

The training thread builds a new `RunState` after every compiled call and swaps one reference
under a lock; readers get a complete object or the previous one, never a half-written one.
History arrays are shared read-only views: rows below a view's length are never written again.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import TYPE_CHECKING, Any

import numpy as np

from .config import RunConfig

if TYPE_CHECKING:
    from .commands import SlowMotion


@dataclass(frozen=True, eq=False)
class Snapshot:
    """What the run looked like at one snapshot step."""

    step: int
    grid: np.ndarray | None = None  # images: the fixed-noise mosaic, uint8 (H, W, C)
    points: np.ndarray | None = None  # 2D: generated points from fixed noise (N, 2)
    field: dict[str, np.ndarray] = dc_field(default_factory=dict)  # 2D: D heatmap, arrows, manifold
    metrics: dict[str, Any] = dc_field(default_factory=dict)  # diagnostics at this step

    @property
    def pictured(self) -> bool:
        """It still holds its pictures (grid or points); a thinned one keeps only its metrics
        (see `thinned`)."""
        return self.grid is not None or self.points is not None

    def light(self) -> Snapshot:
        """The same snapshot without its pictures: its step and diagnostics only."""
        return Snapshot(self.step, metrics=self.metrics)


MAX_PICTURED = 240  # snapshots a run holds in memory with their pictures (the rest: metrics)
# A 2D snapshot's pictures take ~50 KB, a CIFAR grid ~300 KB: kept for every snapshot, a ring
# trained for an hour (1,000 steps/s, one snapshot per 100 steps) grew the server by 17 MB a
# minute (bench/NOTES.md 23). Every snapshot's pictures stay in the run folder.


def stride_for(count: int, limit: int | None = None) -> int:
    """The smallest power of two such that keeping the pictures of every stride-th snapshot
    of `count` (the first included) and of the newest keeps at most `limit` (default
    MAX_PICTURED)."""
    limit = MAX_PICTURED if limit is None else limit
    stride = 1
    while count and (count - 1) // stride + 1 + ((count - 1) % stride != 0) > limit:
        stride *= 2
    return stride


def spread(count: int, limit: int | None = None) -> set[int]:
    """Which of `count` snapshots (by index, oldest first) keep their pictures: every
    `stride_for`-th and the newest. Evenly spread over the run, and the same set that
    `thinned` keeps while the run trains, so a reopened run goes on thinning the same way."""
    stride = stride_for(count, limit)
    return set(range(0, count, stride)) | ({count - 1} if count else set())


def thinned(snapshots: tuple[Snapshot, ...], stride: int, limit: int | None = None
            ) -> tuple[tuple[Snapshot, ...], int]:
    """After the newest snapshot was appended: the one before it keeps its pictures only if
    its index is on the stride; past `limit` pictured, the stride doubles and the snapshots
    off it lose theirs (rarely: each doubling halves them). Every snapshot keeps its step and
    metrics, so the diagnostics' curves stay complete. Returns (snapshots, stride)."""
    n = len(snapshots)
    if n >= 2 and (n - 2) % stride and snapshots[-2].pictured:
        snapshots = snapshots[:-2] + (snapshots[-2].light(), snapshots[-1])
    wider = max(stride, stride_for(n, limit))
    if wider != stride:
        snapshots = tuple(f.light() if i % wider and i != n - 1 and f.pictured else f
                          for i, f in enumerate(snapshots))
    return snapshots, wider


@dataclass(frozen=True, eq=False)
class RunState:
    run_id: str
    config: RunConfig
    step: int
    status: str  # "idle" | "running" | "paused" | "stopped" | "error"; a replay: "playing" | "replay"
    message: str  # why the run paused or failed; "" when all is well
    elapsed: float  # seconds spent training
    steps_per_sec: float
    hparams: dict[str, Any]  # the live-editable values now in force
    history: dict[str, np.ndarray]  # "step" plus one array per metric, equal lengths
    snapshots: tuple[Snapshot, ...] = ()
    data_kind: str = "points"
    events: tuple[tuple[int, dict[str, Any]], ...] = ()  # (step, live changes made then)
    version: int = 0  # increases with every publish: lets a page skip redrawing
    handled: int = 0  # commands that had taken effect when this was published
    pending: int = 0  # steps still to run in step mode
    queued: int = 0  # place in line for a training slot (gan_core.slots); 0: not waiting
    yielding: bool = False  # trains a share of the time beside a run that went first (slots)
    warnings: tuple[str, ...] = ()  # what opening the run had to skip or could not find
    slow: SlowMotion | None = None  # running in slow motion: its plan (commands.SlowMotion)
    devices: str = ""  # what trains the run in this process: distribute.placement's line

    @property
    def snapshot(self) -> Snapshot | None:
        return self.snapshots[-1] if self.snapshots else None

    @property
    def training(self) -> bool:
        """The run moves on by itself: it trains, or its replay plays (gan_core/replay.py).
        Live views tick while this holds."""
        return self.status in ("running", "playing")

    @property
    def busy(self) -> bool:
        """Training (or playing), or running the steps a step command asked for."""
        return self.training or self.pending > 0

    def diagnostics(self) -> dict[str, np.ndarray]:
        """Per-snapshot diagnostic series: {"step": [...], name: [...]} for numeric values."""
        snapshots = [f for f in self.snapshots if f.metrics]
        out: dict[str, np.ndarray] = {"step": np.array([f.step for f in snapshots], np.int64)}
        names = [k for k, v in (snapshots[-1].metrics.items() if snapshots else [])
                 if isinstance(v, (int, float))]
        for name in names:
            out[name] = np.array([f.metrics.get(name, np.nan) for f in snapshots], np.float64)
        return out


MAX_ROWS = 2**19  # metric rows a run holds in memory (21 MB); a ring at 600 steps/s makes 2M
# an hour, which grew the server by 80 MB and more (bench/NOTES.md 23). metrics.csv keeps all.
RECENT_ROWS = 2**17  # the newest rows are never thinned: every step of the recent past


class History:
    """Growable metric columns. Append is amortised O(1) per call and vectorised per K rows.
    Past MAX_ROWS rows, the rows older than the newest RECENT_ROWS keep only the steps that
    are multiples of a stride (a power of two, doubling each time), so memory stays bounded
    and the curves stay evenly sampled over the whole run."""

    def __init__(self, names: tuple[str, ...], capacity: int = 4096) -> None:
        self.names = names
        self.stride = 1  # the older rows' spacing in steps
        self._n = 0
        self._steps = np.zeros(capacity, np.int64)
        self._cols = np.zeros((capacity, len(names)), np.float32)

    def __len__(self) -> int:
        return self._n

    def append(self, steps: np.ndarray, rows: np.ndarray) -> None:
        """One row per step (a step is counted after its update)."""
        k = len(rows)
        if self._n + k > len(self._steps):
            self._regrow(max(2 * len(self._steps), self._n + k), self._n)
        self._steps[self._n: self._n + k] = steps
        self._cols[self._n: self._n + k] = rows
        self._n += k
        while self._n > MAX_ROWS:
            self._thin()

    def _thin(self) -> None:
        """Double the stride of the rows older than the newest RECENT_ROWS. New buffers, so
        published views stay intact."""
        self.stride *= 2
        n, old = self._n, max(0, self._n - RECENT_ROWS)
        keep = np.ones(n, bool)
        keep[:old] = self._steps[:old] % self.stride == 0
        idx = np.flatnonzero(keep)
        steps = np.zeros(len(self._steps), np.int64)
        cols = np.zeros((len(self._steps), len(self.names)), np.float32)
        steps[:len(idx)], cols[:len(idx)] = self._steps[idx], self._cols[idx]
        self._steps, self._cols, self._n = steps, cols, len(idx)

    def truncate(self, max_step: int) -> None:
        """Drop rows after `max_step` (a rollback). New buffers, so published views stay intact."""
        keep = int(np.searchsorted(self._steps[: self._n], max_step, side="right"))
        self._regrow(len(self._steps), keep)

    def _regrow(self, capacity: int, keep: int) -> None:
        steps, cols = np.zeros(capacity, np.int64), np.zeros((capacity, len(self.names)), np.float32)
        steps[:keep], cols[:keep] = self._steps[:keep], self._cols[:keep]
        self._steps, self._cols, self._n = steps, cols, keep  # old views keep the old buffers

    def view(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {"step": self._steps[: self._n]}
        for i, name in enumerate(self.names):
            out[name] = self._cols[: self._n, i]
        for v in out.values():
            v.flags.writeable = False
        return out
