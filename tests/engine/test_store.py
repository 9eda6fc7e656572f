import os
import subprocess
import sys

import numpy as np
import pytest

from gan_core import StoreError
from gan_core.run_state import Snapshot
from gan_core.store import MAX_KEPT_GENERATORS, RunStore

NAMES = ("a", "b")


def folder_bytes(path):
    """Every file under `path` with its bytes: to compare a folder before and after."""
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file()}


def test_keyframes_stay_bounded_and_evenly_spaced(tiny, runs_dir):
    store = RunStore.create(tiny, runs_dir)
    stride, w = 10, [np.zeros(3, np.float32), np.ones((2, 2), np.float32)]
    for step in range(0, 10 * 200, 10):  # 200 snapshots, one every 10 steps
        if step % stride == 0:
            stride = store.keep_generator(step, [w[0] + step, w[1]], stride)
    steps = store.kept_generator_steps()
    assert len(steps) <= MAX_KEPT_GENERATORS and steps[0] == 0
    assert len(set(np.diff(steps))) == 1 and stride == steps[1] - steps[0]
    assert steps[-1] >= 1990 - stride  # the newest part of the run is covered
    back = store.read_kept_generator(steps[3])
    assert back[0][0] == steps[3] and back[1].shape == (2, 2)
    assert store.kept_generator_steps(max_step=steps[5]) == steps[:6]  # a filter, not a delete
    assert store.kept_generator_steps() == steps
    store.drop_after(steps[5])  # the one call that deletes
    assert store.kept_generator_steps() == steps[:6]
    assert not list((store.path / "weights").glob("*.tmp*"))


def test_steps_are_exact_integers_at_any_magnitude(tiny, runs_dir):
    store = RunStore.create(tiny, runs_dir)
    store.append_metrics(NAMES, 999_999, np.array([[0.5, 1.0], [0.25, 2.0], [1e-7, 3.0]]))
    store.append_metrics(NAMES, 123_456_789_012, np.array([[1.0, 1.0]]))
    store.flush()
    lines = (store.path / "metrics.csv").read_text().splitlines()
    assert lines[0] == "step,a,b"
    assert [ln.split(",")[0] for ln in lines[1:]] == ["999999", "1000000", "1000001",
                                                      "123456789012"]
    _, rows = store.read_metrics()
    assert rows[:, 0].tolist() == [999_999, 1_000_000, 1_000_001, 123_456_789_012]


def test_a_damaged_line_is_skipped_with_a_warning_and_the_file_is_untouched(tiny, runs_dir):
    store = RunStore.create(tiny, runs_dir)
    store.append_metrics(NAMES, 1, np.arange(600, dtype=float).reshape(300, 2))
    store.flush()
    path = store.path / "metrics.csv"
    lines = path.read_text().splitlines()
    lines[50] = "50,0.1,garbage"
    lines[51] = "51,0.1"
    path.write_text("\n".join(lines) + "\n")
    before = folder_bytes(store.path)
    reader = RunStore.open(store.path)
    _, rows = reader.read_metrics()
    assert len(rows) == 298 and 50 not in rows[:, 0] and rows[-1, 0] == 300
    assert reader.warnings == ["metrics.csv: skipped 2 damaged line(s) (line 51, 52)"]
    _, upto = reader.read_metrics(max_step=100)
    assert upto[-1, 0] == 100
    reader.read_snapshots(10)
    reader.kept_generator_steps(10)
    assert folder_bytes(store.path) == before


def test_drop_after_cuts_every_record_past_a_step_in_place(tiny, runs_dir):
    store = RunStore.create(tiny, runs_dir)
    store.append_metrics(NAMES, 1, np.ones((40, 2)))
    for step in (0, 10, 20, 30, 40):
        store.write_snapshot(Snapshot(step, points=np.zeros((3, 2), np.float32),
                                metrics={"modes_captured": step}))
        store.keep_generator(step, [np.zeros(2)], 10)
    store.flush()
    store.drop_after(20)
    _, rows = store.read_metrics()
    assert rows[-1, 0] == 20 and len(rows) == 20
    snapshots = store.read_snapshots()
    assert [f.step for f in snapshots] == [0, 10, 20]
    assert [f.metrics["modes_captured"] for f in snapshots] == [0, 10, 20]
    assert store.kept_generator_steps() == [0, 10, 20]
    # appending goes on after the cut, with no second header
    store.append_metrics(NAMES, 21, np.zeros((2, 2)))
    store.flush()
    assert (store.path / "metrics.csv").read_text().count("step") == 1


LOCK_HOLDER = """
import sys
from gan_core.store import RunStore
s = RunStore.open({path!r}); s.lock(); print("locked", flush=True); sys.stdin.read()
"""  # holds the lock until killed (a sleep would give up on a slow enough machine)


def test_one_writer_per_run_across_processes(tiny, runs_dir):
    from conftest import ROOT

    store = RunStore.create(tiny, runs_dir)
    code = LOCK_HOLDER.format(path=str(store.path))
    other = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)})
    try:
        assert other.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match=f"being trained by process {other.pid}"):
            RunStore.open(store.path).lock()
    finally:
        other.kill()
        other.wait()
    mine = RunStore.open(store.path)
    mine.lock()  # the OS released the dead process's lock
    with pytest.raises(StoreError, match=f"process {os.getpid()}"):
        RunStore.open(store.path).lock()  # a second writer in the same process, too
    mine.unlock()
    RunStore.open(store.path).lock()


def test_the_last_recorded_step_reads_only_whole_rows(tiny, runs_dir):
    store = RunStore.create(tiny, runs_dir)
    assert store.last_recorded_step() == 0
    store.append_metrics(NAMES, 1, np.ones((5000, 2)))
    store.flush()
    assert store.last_recorded_step() == 5000
    with open(store.path / "metrics.csv", "a") as fh:
        fh.write("5001,0.5")  # torn by a crash mid-write
    assert store.last_recorded_step() == 5000
