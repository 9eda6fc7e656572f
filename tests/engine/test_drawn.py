"""Drawn 2D data (gan_core/data/drawn.py, shapes.py): checked input, modes found by clustering,
mode counts on hand-made cases, and runs that train on a drawing, save it and reopen with it."""
import json

import numpy as np
import pytest
from test_cli import cli

from gan_core import ConfigError, DatasetError, RunConfig, StoreError, Trainer
from gan_core import diagnostics as dg
from gan_core.data import DRAWINGS, drawn, load_dataset, shapes, toy
from gan_core.defaults import defaults_for
from gan_core.links import to_query
from gan_core.runs import Runs

# two tight clusters (3 points each, 0.05 apart) 1.6 apart, and one point on its own
CLUSTERS = np.array([[-0.8, 0.0], [-0.75, 0.0], [-0.8, 0.05],
                     [0.8, 0.0], [0.85, 0.0], [0.8, 0.05], [0.0, 1.0]], np.float32)


def test_modes_are_the_linked_groups_numbered_in_drawing_order():
    assert drawn.find_modes(CLUSTERS, 0.02).tolist() == [0, 0, 0, 1, 1, 1, 2]
    # the link is 6 std: at std 0.3 (1.8) the clusters join, the lone point (0.8-1.3 away) too
    assert drawn.find_modes(CLUSTERS, 0.3).tolist() == [0] * 7
    # order-free: the same groups whatever the order, numbered by their first point
    assert drawn.find_modes(CLUSTERS[::-1], 0.02).tolist() == [0, 1, 1, 1, 2, 2, 2]


def test_a_chain_links_points_farther_apart_than_the_link_and_the_link_is_inclusive():
    chain = np.array([[0.0, 0.0], [0.1, 0.0], [0.2, 0.0], [0.3, 0.0]], np.float32)
    assert drawn.find_modes(chain, 0.02).tolist() == [0, 0, 0, 0]  # 0.1 <= 0.12 each step
    assert drawn.find_modes(chain, 0.015).tolist() == [0, 1, 2, 3]  # 0.1 > 0.09
    pair = np.array([[0.0, 0.0], [0.75, 0.0]])
    assert drawn.find_modes(pair, 0.125).tolist() == [0, 0]  # exactly 6 std: linked
    assert drawn.find_modes(pair, 0.124).tolist() == [0, 1]


def test_mode_coverage_on_drawn_modes_agrees_with_a_hand_count():
    modes = drawn.find_modes(CLUSTERS, 0.02)
    samples = np.array([
        [-0.79, 0.01], [-0.75, 0.05], [-0.82, 0.06], [-0.70, 0.0],  # cluster 0: within 0.06 of a point
        [0.86, 0.01],  # cluster 1
        [0.0, 0.5], [-0.68, 0.0]])  # off the drawing: 0.5 and 0.07 from their nearest point
    m = dg.mixture_metrics(samples, CLUSTERS, 0.02, modes=modes)
    assert m["mode_counts"] == [4, 1, 0] and m["modes_total"] == 3 and m["modes_captured"] == 2
    assert m["high_quality_pct"] == pytest.approx(100 * 5 / 7)
    p = np.array([0.8, 0.2])
    assert m["reverse_kl"] == pytest.approx(float(np.sum(p * np.log(p * 3))))
    good, poor = dg.mode_histogram(samples, CLUSTERS, 0.02, modes)
    assert good.tolist() == [4, 1, 0] and poor.tolist() == [1, 0, 1]  # by nearest point's mode


def test_without_modes_the_mixture_numbers_are_unchanged():
    data = toy.ring8()
    x = data.pool[:500]
    per_centre = dg.mixture_metrics(x, data.centers, data.std)
    assert dg.mixture_metrics(x, data.centers, data.std, modes=np.arange(8)) == per_centre
    drawn_ring = drawn.dataset(shapes.ring(8), std=0.02)
    assert drawn_ring.modes.tolist() == list(range(8))
    np.testing.assert_allclose(drawn_ring.centers, data.centers, atol=1e-6)  # ring8's centres


@pytest.mark.parametrize("points, says", [
    ([], "at least 3 points (this drawing has 0)"),
    ([[0, 0], [1, 1]], "at least 3 points (this drawing has 2)"),
    ([[0, 0], [1, 1], [np.nan, 0.5]], "point 3 of the drawing is not a pair of finite numbers"),
    ([[0, 0], [1, np.inf], [0.5, 0.5]], "point 2 of the drawing is not a pair"),
    ([[0, 0, 0]] * 3, "must be (x, y) points"),
    ([["a", "b"]] * 3, "must be a list of (x, y) numbers"),
    ([[0, 0], [1, 1], [50, 0]], "within +-10 of the centre"),
    (np.zeros((1001, 2)), "at most 1,000 points (this one has 1,001)"),
])
def test_bad_drawings_are_refused_with_what_is_wrong(points, says):
    with pytest.raises(DatasetError, match=None) as err:
        drawn.check_points(points)
    assert says in str(err.value)
    with pytest.raises(DatasetError):
        DRAWINGS.add(points)


def test_a_drawing_is_named_by_its_content_and_an_unknown_name_says_what_to_do():
    a = DRAWINGS.add(CLUSTERS)
    assert a == DRAWINGS.add(CLUSTERS.tolist()) == drawn.drawing_name(drawn.check_points(CLUSTERS))
    assert drawn.is_drawn(a) and a != DRAWINGS.add(CLUSTERS[:-1])
    assert RunConfig(dataset=a).dataset == a  # a drawn name is a valid dataset
    with pytest.raises(ConfigError, match="unknown dataset"):
        RunConfig(dataset="drawn:nothex")
    with pytest.raises(DatasetError, match="unknown drawn set drawn:0123456789ab: it is saved"):
        load_dataset("drawn:0123456789ab")
    with pytest.raises(ConfigError, match="a file or a drawing"):
        to_query(defaults_for(a))


def test_the_drawn_data_is_its_points_blurred_by_the_spread():
    data = load_dataset(DRAWINGS.add(CLUSTERS), std=0.02, seed=3)
    assert data.kind == "points" and data.is_mixture and data.std == 0.02
    assert data.class_names == ("mode 0", "mode 1", "mode 2")
    assert np.bincount(data.labels) / len(data.pool) == pytest.approx([3 / 7, 3 / 7, 1 / 7],
                                                                      abs=0.01)
    assert np.array_equal(load_dataset(data.name, std=0.02, seed=3).pool, data.pool)  # seeded
    ring = load_dataset(DRAWINGS.add(shapes.ring(8)), std=0.05)  # points far apart: each
    _, dist = dg.nearest_modes(ring.pool[:5000], ring.centers)  # sample's nearest is its own
    assert np.sqrt((dist ** 2).mean() / 2) == pytest.approx(0.05, rel=0.05)  # the blur, per axis


def test_shapes_and_the_modes_they_make():
    np.testing.assert_allclose(shapes.ring(8), toy.ring8().centers, atol=1e-6)
    assert len(shapes.grid(5)) == 25 and drawn.find_modes(shapes.grid(5), 0.02).max() == 24
    for dense in (shapes.line(), shapes.spiral()):
        assert drawn.find_modes(dense, 0.02).max() == 0  # one stroke, one mode
    assert drawn.find_modes(shapes.letters("GAN"), 0.02).max() == 2
    for ch in shapes.FONT:  # every glyph one mode, and inside the canvas in a full line
        if ch != " ":
            assert drawn.find_modes(shapes.letters(ch), 0.02).max() == 0, ch
    assert np.abs(shapes.letters("WWWWWW")).max() <= shapes.CANVAS
    with pytest.raises(DatasetError, match="at most 6 characters"):
        shapes.letters("GANSCOPE")
    with pytest.raises(DatasetError, match="not ! ?"):
        shapes.letters("HI!?")
    with pytest.raises(DatasetError, match="from 1 to 200"):
        shapes.ring(0)


def test_a_drawn_run_trains_saves_its_points_and_reopens_with_them(runs_dir):
    # Two tight clusters, the point defaults: untrained (step 0) no sample lands within 3 std
    # of a drawn point; soon most do (measured 82-100 % at step 250, seeds 0-2)
    name = DRAWINGS.add(CLUSTERS[:6])
    t = Trainer(defaults_for(name, snapshot_every=200), runs_dir=runs_dir)
    try:
        s = t.train(steps=600)
    finally:
        t.stop()
    first, later = s.snapshots[0].metrics, [f.metrics for f in s.snapshots[1:]]
    assert first["modes_total"] == later[-1]["modes_total"] == 2 and len(later) == 3
    assert first["high_quality_pct"] < 5, first
    assert max(m["high_quality_pct"] for m in later) > 50, later
    assert t.run_id.split("-")[2] == "drawn"
    with np.load(t.store.path / "drawing.npz") as z:
        np.testing.assert_array_equal(z["points"], CLUSTERS[:6])
    # in a fresh process (nothing drawn there), eval reopens the run with its points
    out = cli("eval", str(t.store.path), "--json", cwd=runs_dir.parent)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["dataset"] == name and result["modes_total"] == 2 and result["step"] == 600


def test_a_damaged_or_swapped_drawing_is_a_message(runs_dir):
    name = DRAWINGS.add(CLUSTERS)
    t = Trainer(defaults_for(name), runs_dir=runs_dir)
    t.stop()
    path = t.store.path / "drawing.npz"
    np.savez(path, points=CLUSTERS[:-1])  # other points than the config names
    with pytest.raises(StoreError, match="holds other points than its dataset"):
        Trainer.open(t.store.path)
    path.write_bytes(b"not a zip")
    with pytest.raises(StoreError, match="drawn points are missing or damaged"):
        Trainer.open(t.store.path)
    path.unlink()
    with pytest.raises(StoreError, match="drawn points are missing or damaged"):
        Trainer.open(t.store.path)


def test_a_drawing_is_reused_from_the_runs_folder(runs_dir, tmp_path):
    runs = Runs(runs_dir)
    name = DRAWINGS.add(CLUSTERS)
    t = runs.create(defaults_for(name, title="mine"))
    t.stop()
    np.testing.assert_array_equal(runs.drawing(t.run_id), CLUSTERS)
    np.testing.assert_array_equal(runs.find_drawing(name), CLUSTERS)
    other = runs.create(defaults_for("ring8", width=16, depth=1))
    other.stop()
    with pytest.raises(StoreError, match="did not train on a drawing"):
        runs.drawing(other.run_id)
    # the CLI, in a fresh process, trains a new run on the drawing an earlier run saved
    out = cli("train", "--dataset", name, "--steps", "20", "--runs-dir", str(runs_dir),
              cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    new = out.stdout.strip().splitlines()[-1]
    assert json.loads((runs_dir / new.split("/")[-1] / "config.json").read_text())["dataset"] == name
    out = cli("train", "--dataset", "drawn:0123456789ab", "--runs-dir", str(runs_dir), cwd=tmp_path)
    assert out.returncode == 2 and "no run in" in out.stderr


def test_the_two_islands_lesson_replays_its_drawing_from_the_recording(tmp_path):
    """A fresh process (nothing drawn there) replays the shipped two-islands recording: the
    islands come from its folders' drawing.npz, and the modes counted at its last snapshot
    are the recorded claim's (1 of 2 with the plain GAN, 2 of 2 packed)."""
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import json, sys\nfrom gan_core.data import DRAWINGS\nfrom gan_core.runs import Runs\n"
            "r = Runs(sys.argv[1]).replay_lesson('two-islands')\n"
            "first = next(iter(r.values()))\n"
            "first.playhead.seek(first.playhead.end)\n"
            "print(json.dumps({'known': first.config.dataset in DRAWINGS,\n"
            "  'centres': first.data.centers.tolist(),\n"
            "  'modes': {k: v.state.snapshots[-1].metrics['modes_captured'] for k, v in r.items()}}))")
    env = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "runs")], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    from gan_core.lessons.catalogue import islands

    assert seen["known"]
    np.testing.assert_array_equal(np.float32(seen["centres"]), islands())
    assert seen["modes"] == {"plain GAN": 1, "packs of 2": 2}
