"""A run's TensorBoard event files (`<run>/tb/`), so `tensorboard --logdir runs` shows every
run: its metrics, each snapshot's diagnostics, and its samples as a picture.

Written by the training thread through its Recorder, with TensorFlow's own summary writer
(`tf.summary.create_file_writer`, `tf.summary.experimental.write_raw_pb`): no `tensorboard`
package is needed to write, only to look. Each step's values go in one `Summary` (scalars as
`simple_value`, pictures as PNG `image`s, which TensorBoard reads as its scalar and image
dashboards' data); they wait in memory and one compiled call writes them all, every
WRITE_SECONDS and at every flush (a pause, a checkpoint, the end).

Event files are append-only: a rollback or a resumed run writes its steps again, and
TensorBoard keeps the newer points (it drops a series' points past a step that goes back).
Logging is secondary: a failed write turns it off for the run with a warning, and training
goes on.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow.core.framework.summary_pb2 import Summary

from .run_state import Snapshot
from .views import pillow_images

log = logging.getLogger(__name__)

# Every 10th step's metrics: every step's, 8 values a step, would be ~10x the events of all
# else, 570 bytes a step on disk (8x metrics.csv); TensorBoard's charts keep 1,000 points a
# curve by default anyway.
SCALAR_EVERY = 10
# One compiled call writes what waited: a call cost 0.3-1.5 ms on this 2-core machine under
# load, so one per snapshot (10 a second on the ring) alone took 0.3-1.5 % of training. One
# Summary a step, not one event a value: 480 values took 1 ms written as 60 Summaries, 3-11
# ms for 64 values as single-value `tf.summary.write`s in a compiled loop.
WRITE_SECONDS = 2.0
# 2D runs: the points at every 10th snapshot. Drawing and encoding one took 1-3 ms, so 1-3 %
# of the ring's time at every snapshot; TensorBoard keeps 10 pictures a tag by default.
POINTS_PICTURE_EVERY = 10
POINTS = 1000  # generated and real points drawn in a 2D picture, as the Evolution page draws
QUEUE = 10_000  # events the file writer holds before it writes them out


class TensorBoardLog:
    """One writer per training session of a run; only the training thread calls it."""

    def __init__(self, folder: Path, metrics: tuple[str, ...], snapshot_every: int,
                 backdrop: tuple[tuple[float, float, float, float], np.ndarray] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`backdrop`: for 2D data, the view's bounds and the real points drawn under each
        picture's generated points. `clock`: seconds, for WRITE_SECONDS."""
        self.folder, self.backdrop, self._clock = folder, backdrop, clock
        self._points_every = snapshot_every * POINTS_PICTURE_EVERY
        self._tags = [f"metrics/{m}" for m in metrics]
        self._rows: list[tuple[np.ndarray, np.ndarray]] = []  # (steps, metric rows) to write
        self._snapshots: list[tuple[int, bytes]] = []  # (step, serialized Summary) to write
        self._written = clock()
        self._writer: tf.summary.SummaryWriter | None = None
        self._guarded(self._open)

    def _open(self) -> None:
        writer = tf.summary.create_file_writer(str(self.folder), max_queue=QUEUE,
                                               flush_millis=int(1000 * WRITE_SECONDS))
        self._writer = writer

        @tf.function(input_signature=[tf.TensorSpec([None], tf.int64),
                                      tf.TensorSpec([None], tf.string)])
        def write(steps: tf.Tensor, summaries: tf.Tensor) -> tf.Tensor:
            with writer.as_default():
                for i in tf.range(tf.shape(steps)[0]):
                    tf.summary.experimental.write_raw_pb(summaries[i], step=steps[i])
            return tf.constant(0)

        self._write_all = write
        write(tf.zeros([0], tf.int64), tf.zeros([0], tf.string))  # traced now, not mid-training

    @property
    def on(self) -> bool:
        return self._writer is not None

    def metrics(self, first: int, rows: np.ndarray) -> None:
        """One call's metrics (steps first .. first + len(rows) - 1): every SCALAR_EVERY-th
        step's row waits for the next write."""
        if not self.on:
            return
        steps = np.arange(first, first + len(rows))
        keep = steps % SCALAR_EVERY == 0
        if keep.any():
            self._rows.append((steps[keep], rows[keep]))
        self._maybe_write()

    def snapshot(self, snapshot: Snapshot, png: bytes | None = None) -> None:
        """A snapshot's numeric diagnostics and its picture: `png`, the mosaic as the store
        encoded it (images); for 2D data the points, at every POINTS_PICTURE_EVERY-th."""
        if not self.on:
            return
        values = [Summary.Value(tag=f"diagnostics/{k}", simple_value=v)
                  for k, v in snapshot.metrics.items()
                  if isinstance(v, (int, float)) and not isinstance(v, bool)]
        picture = snapshot.grid
        if png is None and snapshot.points is not None and self.backdrop is not None \
                and snapshot.step % self._points_every == 0:
            bounds, real = self.backdrop
            picture = pillow_images.scatter_image(snapshot.points[:POINTS], bounds, real[:POINTS])
            png = pillow_images.png_bytes(picture)
        if png is not None and picture is not None:
            h, w, c = picture.shape
            values.append(Summary.Value(tag="samples", image=Summary.Image(
                height=h, width=w, colorspace=c, encoded_image_string=png)))
        if values:
            self._snapshots.append((snapshot.step, Summary(value=values).SerializeToString()))
        self._maybe_write()

    def flush(self) -> None:
        """Write what waits, and hand it to the file."""
        if self.on:
            self._guarded(self._write)

    def drop_after(self, step: int) -> None:
        """Forget what waits past `step` (a rollback); what was written stays (see above)."""
        self._rows = [(s[s <= step], r[s <= step]) for s, r in self._rows if (s <= step).any()]
        self._snapshots = [x for x in self._snapshots if x[0] <= step]

    def close(self) -> None:
        self.flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _maybe_write(self) -> None:
        if self._clock() - self._written >= WRITE_SECONDS:
            self._guarded(self._write)

    def _write(self) -> None:
        self._written = self._clock()
        entries = [(int(s), Summary(value=[Summary.Value(tag=t, simple_value=v)
                                           for t, v in zip(self._tags, row)]).SerializeToString())
                   for steps, rows in self._rows
                   for s, row in zip(steps.tolist(), rows.tolist())] + self._snapshots
        entries.sort(key=lambda e: e[0])  # steps in order: one going back reads as a restart
        self._rows, self._snapshots = [], []
        if entries:
            self._write_all(tf.constant([s for s, _ in entries], tf.int64),
                            tf.constant([b for _, b in entries], tf.string))
        if self._writer is not None:
            self._writer.flush()

    def _guarded(self, write: Callable[[], None]) -> None:
        try:
            write()
        except (tf.errors.OpError, OSError, ValueError) as exc:
            log.warning("TensorBoard log in %s turned off: %s", self.folder, exc)
            self._rows, self._snapshots = [], []
            writer, self._writer = self._writer, None
            try:
                if writer is not None:
                    writer.close()
            except (tf.errors.OpError, OSError):
                pass
