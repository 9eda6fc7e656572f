import shutil

import pytest

from gan_core import Trainer
from gan_core.errors import StoreError
from gan_core.runs import Runs


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A runs folder with two trained runs, a folder that is not a run and a loose file."""
    from gan_core import RunConfig

    runs_dir = tmp_path_factory.mktemp("saved") / "runs"
    tiny = RunConfig(dataset="ring8", width=32, depth=2, batch=64, z_dim=2, snapshot_every=25)
    ids = []
    for seed in (0, 1):
        t = Trainer(tiny.replace(seed=seed, title=f"run {seed}"), runs_dir=runs_dir)
        t.train(steps=5)
        t.stop()
        ids.append(t.run_id)
    (runs_dir / "notes").mkdir()
    (runs_dir / "notes" / "x.txt").write_text("not a run")
    (runs_dir / "loose.txt").write_text("a file")
    return runs_dir, ids


@pytest.fixture
def two_saved(saved, tmp_path):
    """A copy of `saved` for one test: (the ids, in runs_dir)."""
    runs_dir = tmp_path / "runs"
    shutil.copytree(saved[0], runs_dir)
    return saved[1]


@pytest.mark.parametrize("bad", ["..", ".", "", "../runs", "a/b", "/etc", "x y", "notes",
                                 "loose.txt", "no-such-run"])
def test_only_a_run_folder_in_the_runs_folder_is_a_run_id(two_saved, runs_dir, bad):
    runs = Runs(runs_dir)
    config = (runs_dir / two_saved[0] / "config.json").read_bytes()
    for folder in (runs_dir, runs_dir.parent):  # "." and ".." look like run folders too
        (folder / "config.json").write_bytes(config)
    for call in (runs.get, runs.history, runs.config, runs.latest_snapshot, runs.metrics_csv,
                 runs.delete):
        with pytest.raises(StoreError, match="not a run id|no saved run"):
            call(bad)
    assert sorted(p.name for p in runs_dir.iterdir()) == sorted(
        [*two_saved, "config.json", "loose.txt", "notes"])
    assert (runs_dir.parent / "config.json").is_file() and (runs_dir / "notes" / "x.txt").is_file()


def test_a_saved_run_reopens_once_for_every_caller(two_saved, runs_dir):
    runs = Runs(runs_dir)
    assert runs.live(two_saved[0]) is None
    t = runs.get(two_saved[0])
    assert t.state.step == 5 and runs.get(two_saved[0]) is t and runs.live(two_saved[0]) is t
    assert [r.run_id for r in runs.list()] == sorted(two_saved, reverse=True)  # newest first
    assert list(runs.history(two_saved[1])["step"]) == [1, 2, 3, 4, 5]  # from the folder


def test_delete_removes_only_that_run(two_saved, runs_dir, tiny):
    runs = Runs(runs_dir)
    live = runs.create(tiny.replace(title="live"))
    live.train(steps=3)
    runs.delete(live.run_id)  # a live run: its thread stops, its folder goes
    assert not live.alive and not (runs_dir / live.run_id).exists()
    assert runs.live(live.run_id) is None
    runs.delete(two_saved[0])  # a saved one
    assert sorted(p.name for p in runs_dir.iterdir()) == sorted([two_saved[1], "loose.txt", "notes"])
    assert [r.run_id for r in runs.list()] == [two_saved[1]]
    assert runs.get(two_saved[1]).state.step == 5


def test_a_run_records_its_owner_and_reading_it_never_fails(tiny, runs_dir):
    from gan_core.runs import Runs

    runs = Runs(runs_dir)
    mine = runs.create(tiny, owner="tag-of-a-browser")
    nobody = runs.create(tiny.replace(seed=1))
    assert runs.owner(mine.run_id) == "tag-of-a-browser"
    assert runs.owner(nobody.run_id) is None
    fresh = Runs(runs_dir)  # another server process reads it from the folder
    assert fresh.owner(mine.run_id) == "tag-of-a-browser"
    (runs_dir / mine.run_id / "owner.json").write_text("{not json")
    assert fresh.owner(mine.run_id) is None  # damaged: only the teacher controls it
