"""A run's TensorBoard event files, read back with TensorFlow's own reader: they hold the run's
metrics, diagnostics and pictures, and nothing else in the run folder is confused by them."""
import io
import logging
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image

from gan_core import RunConfig, Trainer
from gan_core.defaults import defaults_for
from gan_core.gan import METRICS
from gan_core.run_state import Snapshot
from gan_core.runs import Runs
from gan_core.tensorboard_log import (
    POINTS_PICTURE_EVERY,
    SCALAR_EVERY,
    WRITE_SECONDS,
    TensorBoardLog,
)


def ring(**changes) -> RunConfig:
    return RunConfig(dataset="ring8", width=32, depth=2, batch=64, snapshot_every=10, **changes)


def logged_ring(runs_dir) -> Trainer:
    """A ring run trained 30 steps, stopped, with its TensorBoard files written."""
    t = Trainer(ring(), runs_dir=runs_dir)
    try:
        t.train(steps=30)
    finally:
        t.stop()
    assert any(t.store.tensorboard_dir().iterdir())
    return t


def events(folder: Path) -> tuple[dict[str, dict[int, float]], dict[int, np.ndarray]]:
    """Scalars by tag and step, and pictures by step, from every event file in `folder`
    (oldest first, so a later session's value for a step wins, as in TensorBoard)."""
    scalars: dict[str, dict[int, float]] = {}
    pictures: dict[int, np.ndarray] = {}
    for path in sorted(folder.glob("events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            for value in event.summary.value:
                if value.HasField("image"):
                    picture = np.asarray(Image.open(io.BytesIO(value.image.encoded_image_string)))
                    assert picture.shape[:2] == (value.image.height, value.image.width)
                    pictures[event.step] = picture
                elif value.HasField("simple_value"):
                    scalars.setdefault(value.tag, {})[event.step] = value.simple_value
    return scalars, pictures


def test_an_image_run_logs_its_metrics_diagnostics_and_a_picture_per_snapshot(runs_dir):
    t = Trainer(defaults_for("digits", snapshot_every=20), runs_dir=runs_dir)
    try:
        state = t.train(steps=70)  # snapshots at 0, 20, 40, 60 and the end, 70
    finally:
        t.stop()
    scalars, pictures = events(t.store.tensorboard_dir())
    history = state.history
    logged = [int(s) for s in history["step"] if s % SCALAR_EVERY == 0]
    assert logged == list(range(10, 71, 10))
    for metric in METRICS:
        got = scalars[f"metrics/{metric}"]
        assert sorted(got) == logged, metric
        want = history[metric][np.isin(history["step"], logged)]
        np.testing.assert_array_equal(np.float32([got[s] for s in logged]), want, err_msg=metric)
    steps = [s.step for s in state.snapshots]
    assert steps == [0, 20, 40, 60, 70]
    for snapshot in state.snapshots:
        frame = np.asarray(Image.open(t.store.path / "frames" / f"step_{snapshot.step:09d}.png"))
        np.testing.assert_array_equal(pictures[snapshot.step], frame)
        numbers = {k: v for k, v in snapshot.metrics.items() if isinstance(v, (int, float))}
        assert "duplicate_pct" in numbers
        for name, value in numbers.items():
            assert scalars[f"diagnostics/{name}"][snapshot.step] == np.float32(value), name
    assert sorted(pictures) == steps


def test_a_2d_run_logs_its_points_at_every_tenth_snapshot_and_a_resumed_run_goes_on(runs_dir):
    cfg = defaults_for("ring8", snapshot_every=10)
    t = Trainer(cfg, runs_dir=runs_dir)
    try:
        first = t.train(steps=120).history
    finally:
        t.stop()
    again = Trainer.open(t.store.path)
    try:
        second = again.train(steps=100).history  # a second session: a second event file
    finally:
        again.stop()
    folder = t.store.tensorboard_dir()
    assert len(list(folder.glob("events.out.tfevents.*"))) == 2
    scalars, pictures = events(folder)
    g_loss = scalars["metrics/g_loss"]
    assert sorted(g_loss) == list(range(10, 221, 10))
    np.testing.assert_array_equal([g_loss[s] for s in range(10, 121, 10)], first["g_loss"][9::10])
    np.testing.assert_array_equal([g_loss[s] for s in range(130, 221, 10)],
                                  second["g_loss"][129::10])
    every = cfg.snapshot_every * POINTS_PICTURE_EVERY
    assert sorted(pictures) == [0, every, 2 * every]
    assert pictures[every].shape == (240, 240, 3)
    orange = (pictures[every] == (230, 110, 20)).all(-1).sum()
    assert orange > 100  # generated points drawn (real ones are grey)
    assert sorted(scalars["diagnostics/modes_captured"]) == list(range(0, 221, 10))
    assert "diagnostics/mode_counts" not in scalars  # a list: left out


def test_off_writes_nothing_and_reading_a_run_never_makes_the_folder(runs_dir):
    t = Trainer(ring(tensorboard=False), runs_dir=runs_dir)
    try:
        t.train(steps=30)
    finally:
        t.stop()
    assert not t.store.tensorboard_dir().exists()
    on = Trainer(ring(), runs_dir=runs_dir)
    assert not on.store.tensorboard_dir().exists()  # made only once the run trains
    opened = Trainer.open(on.store.path)
    assert opened.state.status == "idle" and not on.store.tensorboard_dir().exists()


def test_the_runs_list_and_delete_see_runs_not_their_tb_folders(runs_dir):
    t = logged_ring(runs_dir)
    runs = Runs(runs_dir)
    assert [info.run_id for info in runs.list()] == [t.run_id]
    assert runs.history(t.run_id)["step"][-1] == 30
    runs.delete(t.run_id)
    assert not t.store.path.exists() and runs.list() == []


def test_values_wait_until_write_seconds_and_a_rollback_drops_those_past_it(tmp_path):
    now = [0.0]
    log = TensorBoardLog(tmp_path / "tb", ("a", "b"), snapshot_every=10, clock=lambda: now[0])
    rows = np.arange(100, dtype=np.float32).reshape(50, 2)
    log.metrics(1, rows)  # steps 1..50: rows of steps 10, 20, 30, 40, 50 wait
    assert events(tmp_path / "tb")[0] == {}
    log.drop_after(30)  # a rollback to step 30
    log.snapshot(Snapshot(30, metrics={"modes_captured": 3, "mode_counts": [1, 2], "note": "x"}))
    assert events(tmp_path / "tb")[0] == {}
    now[0] = WRITE_SECONDS
    log.metrics(51, rows[:10])  # steps 51..60: the clock says write
    scalars, pictures = events(tmp_path / "tb")
    assert scalars == {"metrics/a": {10: 18.0, 20: 38.0, 30: 58.0, 60: 18.0},
                       "metrics/b": {10: 19.0, 20: 39.0, 30: 59.0, 60: 19.0},
                       "diagnostics/modes_captured": {30: 3.0}}
    assert pictures == {}  # no grid and no 2D backdrop
    log.close()
    log.metrics(61, rows[:10])  # closed: ignored
    assert events(tmp_path / "tb")[0]["metrics/a"].keys() == {10, 20, 30, 60}


def test_a_folder_it_cannot_write_turns_logging_off_and_training_goes_on(runs_dir, caplog):
    t = Trainer(ring(), runs_dir=runs_dir)
    t.store.tensorboard_dir().write_text("in the way")  # a file where the folder should be
    try:
        with caplog.at_level(logging.WARNING, logger="gan_core.tensorboard_log"):
            state = t.train(steps=30)
    finally:
        t.stop()
    assert state.step == 30 and state.status == "paused"
    assert "TensorBoard log" in caplog.text and "turned off" in caplog.text


def test_a_recording_ships_no_tb_folder_and_its_replay_writes_none(runs_dir, tmp_path):
    """Logging is on by default, so a lesson's run writes tb/; its recording (a compact copy)
    must not carry it, and replaying the recording writes nothing, tb/ included."""
    from gan_core.lessons.recording import RECORDINGS, write_recording
    from gan_core.replay import Playhead, Replay

    t = logged_ring(runs_dir)
    path = tmp_path / "recordings" / write_recording(t, tmp_path / "recordings")
    before = {p: p.read_bytes() for p in path.rglob("*") if p.is_file()}
    assert not (path / "tb").exists()
    runs = Runs(tmp_path / "runs")
    replay = Replay(runs.recording(path), Playhead(30, 50.0))
    replay.playhead.seek(10)
    assert replay.state.step == 10
    replay.observer.sample(np.zeros((3, 2), np.float32))
    assert {p: p.read_bytes() for p in path.rglob("*") if p.is_file()} == before
    shipped = [p for p in Path(RECORDINGS).iterdir() if p.is_dir()]
    assert shipped and not any((p / "tb").exists() for p in shipped)
