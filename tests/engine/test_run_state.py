import numpy as np
import pytest

from gan_core import RunConfig
from gan_core.run_state import History, RunState, Snapshot


def rows(first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Steps first..last with rows (step, 10 * step)."""
    steps = np.arange(first, last + 1)
    return steps, np.stack([steps, 10 * steps], 1).astype(np.float32)


def test_append_grows_past_the_capacity_and_views_are_read_only():
    h = History(("a", "b"), capacity=4)
    h.append(*rows(1, 3))
    h.append(*rows(4, 9))  # past the capacity: regrows
    v = h.view()
    assert len(h) == 9 and list(v) == ["step", "a", "b"]
    assert list(v["step"]) == list(range(1, 10)) and list(v["b"]) == [10 * s for s in range(1, 10)]
    with pytest.raises(ValueError):
        v["a"][0] = 5


def test_truncate_keeps_published_views_intact_and_append_regrows():
    h = History(("a", "b"), capacity=8)
    h.append(*rows(1, 6))
    before = h.view()
    h.truncate(3)  # a rollback to step 3
    assert len(h) == 3 and list(h.view()["step"]) == [1, 2, 3]
    steps, values = rows(4, 5)
    h.append(steps, -values)  # the steps again, trained anew: other numbers
    h.append(*rows(6, 20))  # and on, past the old capacity
    after = h.view()
    assert list(after["step"]) == list(range(1, 21))
    assert list(after["a"]) == [1, 2, 3, -4, -5, *range(6, 21)]
    # what a page read before the rollback still reads the same
    assert list(before["step"]) == [1, 2, 3, 4, 5, 6] and list(before["a"]) == [1, 2, 3, 4, 5, 6]


def test_truncate_between_steps_and_past_the_end():
    h = History(("a",))
    h.append(np.array([2, 4, 6]), np.array([[1.0], [2.0], [3.0]], np.float32))
    h.truncate(5)
    assert list(h.view()["step"]) == [2, 4]
    h.truncate(100)
    assert list(h.view()["step"]) == [2, 4]
    h.truncate(0)
    assert len(h) == 0 and h.view()["a"].shape == (0,)


def test_a_view_is_not_written_by_later_appends():
    h = History(("a",), capacity=16)
    h.append(np.array([1, 2]), np.array([[1.0], [2.0]], np.float32))
    v = h.view()
    h.append(np.array([3]), np.array([[99.0]], np.float32))
    assert len(v["a"]) == 2 and list(h.view()["a"]) == [1, 2, 99]


def test_past_max_rows_the_older_rows_keep_every_stride_th_step(monkeypatch):
    from gan_core import run_state

    monkeypatch.setattr(run_state, "MAX_ROWS", 16)
    monkeypatch.setattr(run_state, "RECENT_ROWS", 4)
    h = History(("a", "b"), capacity=4)
    h.append(*rows(1, 16))
    before = h.view()
    h.append(*rows(17, 17))  # 17 rows > 16: rows 1..13 keep the even steps, 14..17 all
    v = h.view()
    assert h.stride == 2
    assert list(v["step"]) == [2, 4, 6, 8, 10, 12, 14, 15, 16, 17]
    assert list(v["b"]) == [10 * s for s in v["step"]]  # each row stays with its step
    assert list(before["step"]) == list(range(1, 17))  # a published view is untouched
    h.append(*rows(18, 24))  # 17 rows again: the older ones at every 4th step
    assert h.stride == 4
    assert list(h.view()["step"]) == [4, 8, 12, 16, 20, 21, 22, 23, 24]
    h.append(*rows(25, 100))  # one long append (a reopened run) thins until it fits
    steps = list(h.view()["step"])
    assert len(steps) <= 16 and steps[-4:] == [97, 98, 99, 100]
    assert all(s % h.stride == 0 for s in steps[:-4])


def test_diagnostics_are_series_of_the_snapshots_that_have_them():
    snaps = (Snapshot(0), Snapshot(10, metrics={"modes_captured": 2, "reverse_kl": 1.5,
                                                "mode_counts": [1, 2]}),
             Snapshot(20, metrics={"modes_captured": 5, "reverse_kl": 0.5, "mode_counts": [3, 3]}))
    state = RunState("r", RunConfig(), 20, "paused", "", 0.0, 0.0, {}, {}, snapshots=snaps)
    d = state.diagnostics()
    assert set(d) == {"step", "modes_captured", "reverse_kl"}  # lists are not series
    assert list(d["step"]) == [10, 20] and list(d["modes_captured"]) == [2, 5]
    assert state.snapshot is snaps[-1] and not state.training and not state.busy
