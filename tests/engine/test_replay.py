"""Replays: a recorded run at a playhead reads like the live run did at that step, moves with
its clock at the chosen speed, scrubs, and never changes a byte of its recording."""
import hashlib

import numpy as np
import pytest

from gan_core import StoreError, Trainer
from gan_core.lessons.recording import compact, halved, kept_steps, write_recording
from gan_core.replay import PLAYING, STILL, Playhead, Recording, Replay
from gan_core.runs import Runs


class Clock:
    """A clock the test moves by hand: no sleeping, no timing."""

    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def digest(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A tiny ring run trained 130 steps (snapshots every 25) and its recording."""
    from gan_core import RunConfig

    cfg = RunConfig(dataset="ring8", width=32, depth=2, batch=64, z_dim=2, lr_d=1e-3,
                    lr_g=1e-3, snapshot_every=25)
    root = tmp_path_factory.mktemp("rec")
    trainer = Trainer(cfg, runs_dir=root / "runs")
    live = trainer.train(steps=130)
    trainer.stop()
    run_id = write_recording(trainer, root / "recordings")
    return trainer, live, root / "recordings" / run_id


def test_the_recording_keeps_what_the_pages_read(recorded):
    trainer, live, path = recorded
    rec = Recording(path)
    assert rec.config == trainer.config and rec.end == 130
    assert rec.snapshot_steps == [f.step for f in live.snapshots] == [0, 25, 50, 75, 100, 125, 130]
    for mine, theirs in zip(rec.snapshots, live.snapshots):
        assert mine.metrics == theirs.metrics  # the diagnostics as measured on all points
        assert mine.points.dtype == np.float32 and len(mine.points) == 1000  # float16 on disk
        assert np.abs(mine.points - theirs.points[:1000]).max() <= 1e-3 * np.abs(theirs.points).max()
        assert set(mine.field) == set(theirs.field)
    np.testing.assert_array_equal(rec.history["step"], np.arange(1, 131))
    for name in ("d_loss", "g_grad_norm"):  # 4 significant digits
        np.testing.assert_allclose(rec.history[name], live.history[name], rtol=6e-4)
    assert rec.kept == [0, 25, 50, 75, 100, 125, 130]  # a tiny G: all fit in KEPT_BYTES
    z = np.random.default_rng(0).normal(size=(50, 2)).astype(np.float32)
    final = trainer.observer.sample(z)  # the final generator, float32, as it trained
    assert np.abs(rec.sample(130, z) - final).max() < 1e-2 * np.abs(final).max()
    assert not (path / "checkpoints").exists() and not (path / "lock").exists()


def test_state_at_the_playhead_is_the_run_as_it_was_then(recorded):
    _, live, path = recorded
    clock = Clock()
    head = Playhead(130, speed=10.0, clock=clock)
    replay = Replay(Recording(path), head)
    s = replay.state
    assert (s.step, s.status, s.training, len(s.history["step"])) == (0, STILL, False, 0)
    assert [f.step for f in s.snapshots] == [0]
    head.seek(60)
    s = replay.state
    assert s.step == 60 and s.history["step"][-1] == 60 and len(s.history["d_loss"]) == 60
    assert [f.step for f in s.snapshots] == [0, 25, 50] and s.snapshot.step == 50
    assert s.hparams["loss"] == live.hparams["loss"] and s.config == live.config
    assert replay.kept_generator_steps() == [k for k in replay.recording.kept if k <= 60]
    assert not s.history["d_loss"].flags.writeable


def test_playing_moves_with_the_clock_at_the_chosen_speed_and_stops_at_the_end(recorded):
    _, _, path = recorded
    clock = Clock()
    head = Playhead(130, speed=10.0, clock=clock)
    replay = Replay(Recording(path), head)
    head.play()
    clock.t += 3.0  # 10 steps/s
    s = replay.state
    assert (s.step, s.status, s.training, s.busy, s.steps_per_sec) == (30, PLAYING, True, True, 10.0)
    head.set_speed(40.0)
    clock.t += 1.0
    assert replay.state.step == 70  # 30 + 40 at the new speed, from where it was
    head.pause()
    clock.t += 100.0
    assert replay.state.step == 70 and replay.state.status == STILL
    head.play()
    clock.t += 100.0  # far past the end: it stops there
    s = replay.state
    assert (s.step, s.status) == (130, STILL) and not head.now().playing
    assert len(s.history["step"]) == 130 and s.snapshot.step == 130
    head.play()  # at the end, play starts over
    assert replay.state.step == 0 and replay.state.training


def test_scrubbing_back_and_forth(recorded):
    _, _, path = recorded
    clock = Clock()
    head = Playhead(130, speed=10.0, clock=clock)
    replay = Replay(Recording(path), head)
    versions = [replay.state.version]
    for step, snaps in ((110, 5), (20, 1), (500, 7), (-5, 1)):  # clamped to 0..130
        head.seek(step)
        s = replay.state
        assert s.step == min(max(step, 0), 130) and len(s.snapshots) == snaps
        versions.append(s.version)
    assert versions == sorted(set(versions))  # every move redraws, backwards too
    head.play()
    head.seek(100)  # scrubbing while playing plays on from there
    clock.t += 2.0
    assert replay.state.step == 120 and replay.state.training
    with pytest.raises(ValueError, match="positive number of steps per second"):
        head.set_speed(0)


def test_a_replay_never_trains_and_never_writes(recorded, tmp_path):
    _, _, path = recorded
    before = digest(path)
    runs = Runs(tmp_path / "runs")
    rec = runs.recording(path)
    assert runs.recording(path) is rec  # opened once per process
    replay = Replay(rec, Playhead(rec.end, 50.0))
    runs._runs[replay.run_id] = replay
    replay.playhead.seek(80)
    replay.observer.sample(np.zeros((3, 2), np.float32))
    replay.sample_at(replay.kept_generator_steps()[0], np.zeros((3, 2), np.float32))
    replay.export_generator(tmp_path / "g.keras")
    assert (tmp_path / "g.keras").stat().st_size > 0
    with pytest.raises(StoreError, match="replay of a recording: it cannot train"):
        replay.start()
    assert runs.metrics_csv(replay.run_id) == (path / "metrics.csv").read_bytes()
    assert [i.run_id for i in runs.list()] == [replay.run_id]
    runs.delete(replay.run_id)  # forgets the replay; the recording stays
    assert runs.live(replay.run_id) is None and path.is_dir()
    assert digest(path) == before


def test_halved_keeps_float32_where_float16_would_change_values():
    small = np.array([1e-3, 0.5, -0.25], np.float32)
    assert halved(small).dtype == np.float16
    assert halved(np.array([1e5, 1.0], np.float32)).dtype == np.float32  # past float16's range
    assert halved(np.array([np.nan, 1.0], np.float32)).dtype == np.float32
    assert halved(np.array([1, 2], np.int64)).dtype == np.int64
    # all below float16's normal range (6e-5): rounding moves them by more than 1e-3 of 2e-6
    assert halved(np.array([1e-6, 2e-6], np.float32)).dtype == np.float32


def test_kept_steps_keep_the_final_generator_and_spread_the_rest():
    assert kept_steps(list(range(0, 5001, 200)), 5000, 67_000) == [0, 1200, 2400, 3800, 5000]
    assert kept_steps(list(range(0, 6001, 200)), 6000, 181_000) == [0, 6000]
    assert kept_steps([], 60, 1000) == [60]  # the final one, even when it was never kept
    assert kept_steps([0, 100], 150, 10**9) == [150]  # too large for two


def test_an_image_snapshot_is_kept_as_it_is():
    from gan_core import Snapshot

    snap = Snapshot(5, grid=np.zeros((8, 8, 1), np.uint8), metrics={"fcd": 1.0})
    assert compact(snap) is snap


def test_a_lessons_replay_plays_its_runs_together_under_the_lessons_names(tmp_path):
    from gan_core.lessons import LESSONS
    from gan_core.lessons.recording import RECORDINGS, read_index

    runs = Runs(tmp_path / "runs")
    replays = runs.replay_lesson("d-too-strong")  # the shipped recording: two digits runs
    lesson = LESSONS.get("d-too-strong")
    assert set(replays) == {"strong D", "balanced"}
    strong, balanced = replays["strong D"], replays["balanced"]
    assert strong.playhead is balanced.playhead and strong.playhead.now().playing
    # 1x: the slower of the two as recorded, so neither plays faster than it trained
    assert strong.playhead.recorded == min(strong.recording.rate, balanced.recording.rate)
    assert strong.config.lesson == "d-too-strong/strong D"
    assert strong.config.title == f"{lesson.title}: strong D"
    assert strong.config.replace(title="", lesson="") == lesson.runs[0].make(0)
    assert runs.lesson_runs("d-too-strong") == replays  # the home card finds them
    strong.playhead.seek(3000)
    assert strong.state.step == balanced.state.step == 3000
    again = runs.replay_lesson("collapse-digits")  # the same recorded pair, opened once
    assert again["strong D"].recording is strong.recording
    assert again["strong D"].config.lesson == "collapse-digits/strong D"
    assert set(read_index(RECORDINGS)["collapse-digits"].runs.values()) == {
        r.recording.store.run_id for r in again.values()}
    with pytest.raises(StoreError, match="no recording"):
        runs.replay_lesson("mode-hopping", tmp_path)


def test_a_replay_after_a_restart_says_to_replay_the_lesson_again(tmp_path):
    """A tab's URL keeps a replay's id; a new process (a restarted server) has no such replay:
    the message says why and what to press, not "no saved run"."""
    first = Runs(tmp_path / "runs").replay_lesson("d-too-strong")["balanced"]
    with pytest.raises(StoreError, match="lesson replay.*Replay on the home page"):
        Runs(tmp_path / "runs").get(first.run_id)
    with pytest.raises(StoreError, match="no saved run"):
        Runs(tmp_path / "runs").get("20261124-101010-ring8-ab12")
