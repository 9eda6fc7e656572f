"""Latent directions (gan_core/directions.py): the fits on plain arrays with a known answer,
then on a trained digits run read by GANscope's classifier, and the export format."""
import numpy as np
import pytest

from gan_core import RunConfig, Trainer, directions
from gan_core.defaults import defaults_for

# ---- the fits on plain arrays ---------------------------------------------------------------


def test_class_directions_find_the_normal_of_a_linear_rule():
    """Classes decided by which of three known unit vectors z points along most: each fitted
    direction is near its own vector (cos > 0.9) and unit length."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal((3000, 6)).astype(np.float32)
    truth = np.eye(6)[:3] * 2.0 - 0.5  # three linear scores; class = the largest
    truth /= np.linalg.norm(truth, axis=1, keepdims=True)
    probs = np.eye(3)[(z @ truth.T).argmax(1)]
    found = directions.class_directions(z, probs)
    assert found.shape == (3, 6) and found.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(found, axis=1), 1.0, atol=1e-5)
    cos = (found * truth).sum(1) / np.linalg.norm(truth, axis=1)
    # one-vs-rest against the other two classes is not exactly truth[c], but close
    assert (cos > 0.8).all(), cos


def test_classes_never_drawn_still_get_the_way_their_probability_grows():
    """Class 0 is always the top class; classes 1 and 2 never are, but their probabilities
    grow along -z[2] and z[1]: their directions follow (least squares on the logit)."""
    rng = np.random.default_rng(1)
    z = rng.standard_normal((2000, 4)).astype(np.float32)
    p1 = 0.2 / (1 + np.exp(2 * z[:, 2]))
    p2 = 0.2 / (1 + np.exp(-2 * z[:, 1]))
    found = directions.class_directions(z, np.column_stack([1 - p1 - p2, p1, p2]))
    assert found[1] @ -np.eye(4)[2] > 0.95 and found[2] @ np.eye(4)[1] > 0.95, found


def test_principal_directions_come_back_to_the_axes_that_vary_most():
    """Activations that scale z's axes 3, 2, 1, 0.5 (then mix them by a rotation): PC 1 is
    z[0], PC 2 z[1], PC 3 z[2]; the variance shares fall and sum to at most 1."""
    rng = np.random.default_rng(2)
    z = rng.standard_normal((4000, 4)).astype(np.float32)
    rotation = np.linalg.qr(rng.standard_normal((8, 8)))[0][:4]  # 4 orthonormal rows in R^8
    hidden = (z * [3.0, 2.0, 1.0, 0.5]) @ rotation
    pcs, share = directions.principal_directions(z, hidden, k=3)
    assert pcs.shape == (3, 4)
    np.testing.assert_allclose(np.abs(pcs), np.eye(4)[:3], atol=0.05)
    assert share[0] > share[1] > share[2] > 0 and share.sum() <= 1.0 + 1e-6
    np.testing.assert_allclose(share, np.array([9, 4, 1]) / 14.25, atol=0.02)


@pytest.mark.parametrize("model", ["mlp", "dcgan"])
def test_first_hidden_layer_is_the_first_nonlinearity(model):
    """MLP: the first Dense (after its ReLU, never negative); DCGAN: Dense -> BatchNorm ->
    LeakyReLU, flattened (negative values allowed)."""
    from gan_core.models import build_generator

    cfg = RunConfig(dataset="digits", model=model, width=16, depth=2, z_dim=5)
    g = build_generator(cfg, (8, 8, 1), images=True)
    h = directions.first_hidden(g)(np.ones((3, 5), np.float32))
    units = g.layers[0].units
    assert h.shape == (3, units)
    assert (h.min() >= 0) if model == "mlp" else (h.min() < 0)


# ---- a trained digits run ---------------------------------------------------------------------

STEPS = 3000  # digits defaults, seed 0: see the trained_run docstring
# Measured at STEPS on seeds 0-4 (GANscope's classifier, 300 z the fit never saw): the class
# directions raised p_c by 0.71-0.74 on average (the weakest class 0.40-0.55), random unit
# directions by -0.03..0.03; the top 3 principal directions' largest |cos| 0.01-0.03.


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """The digits defaults trained STEPS steps (seconds)."""
    t = Trainer(defaults_for("digits", seed=0), runs_dir=tmp_path_factory.mktemp("runs"))
    t.train(steps=STEPS)
    t.stop()
    return t


@pytest.fixture(scope="module")
def found(trained_run):
    return directions.fit(trained_run)


def test_directions_are_unit_vectors_in_z(found, trained_run):
    z_dim = trained_run.config.z_dim
    assert found.step == STEPS
    assert found.classes.shape == (10, z_dim) and found.pcs.shape == (directions.PCS, z_dim)
    for rows in (found.classes, found.pcs):
        assert rows.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-5)


def test_a_class_direction_raises_that_class_on_ganscope_s_classifier(found, trained_run):
    """Walked 0 -> +3 from z the fit never saw, each class's probability rises, and by far
    more than along random unit directions."""
    from gan_core import classifier, latent

    read = classifier.for_dataset(trained_run.data).probabilities
    z = latent.noise(99, 300, trained_run.config.z_dim)
    rises, turned = directions.gains(found.classes, trained_run.observer.sample, read, z)
    random = np.random.default_rng(0).standard_normal(found.classes.shape)
    random /= np.linalg.norm(random, axis=1, keepdims=True)
    baseline, _ = directions.gains(random, trained_run.observer.sample, read, z)
    assert (rises > 0.2).all(), rises
    assert rises.mean() >= 0.5 and rises.mean() > baseline.mean() + 0.4, (rises, baseline)
    assert turned.mean() >= 0.5, turned


def test_principal_directions_fall_in_variance_and_the_first_are_nearly_orthogonal(found):
    """GANSpace's regressed directions need not be orthogonal (after a 2-minute digits run
    PC 4 and PC 5 had cos 0.93); the leading ones, which carry the most variance, are nearly so."""
    assert (np.diff(found.variance) <= 0).all() and found.variance.sum() <= 1.0 + 1e-6
    top = found.pcs[:3]
    cos = top @ top.T - np.eye(3)
    assert np.abs(cos).max() < 0.2, cos


def test_the_fit_is_the_same_for_the_same_run_and_step(found, trained_run):
    again = directions.fit(trained_run, step=STEPS)
    np.testing.assert_allclose(again.classes, found.classes, atol=1e-5)
    np.testing.assert_allclose(again.pcs, found.pcs, atol=1e-5)


def test_an_earlier_kept_generator_gives_other_directions(found, trained_run):
    early = directions.fit(trained_run, step=trained_run.kept_generator_steps()[1])
    assert early.step < STEPS
    assert not np.allclose(early.classes, found.classes, atol=1e-2)
    with pytest.raises(ValueError, match="no generator kept"):
        directions.fit(trained_run, step=STEPS - 1)


def test_evaluate_reports_the_walk(trained_run):
    from gan_core.evaluate import evaluate

    m = evaluate(trained_run)
    assert len(m["direction_rise_by_class"]) == 10 == len(m["direction_turned_by_class"])
    assert m["direction_rise"] == pytest.approx(np.mean(m["direction_rise_by_class"]), abs=1e-3)
    assert m["direction_rise"] >= 0.3


def test_export_writes_one_named_unit_vector_per_direction(trained_run, tmp_path):
    from gan_core.cli import main

    dest = tmp_path / "d.npz"
    assert main(["export", str(trained_run.store.path), "--directions", str(dest)]) == 0
    with np.load(dest) as f:
        names = sorted(f.files)
        arrays = {k: f[k] for k in names}
    assert names == sorted([f"class_{c}" for c in range(10)] + [f"pc_{i}" for i in range(10)])
    for v in arrays.values():
        assert v.shape == (trained_run.config.z_dim,) and v.dtype == np.float32
        assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-5)
    assert main(["export", str(trained_run.store.path), "--directions", str(tmp_path / "d.txt")]) == 2


def test_export_refuses_directions_of_a_2d_run(tiny, runs_dir, tmp_path, capsys):
    from gan_core.cli import main

    t = Trainer(tiny, runs_dir=runs_dir)
    t.train(steps=5)
    t.stop()
    assert main(["export", str(t.store.path), "--directions", str(tmp_path / "d.npz")]) == 2
    assert "2D run" in capsys.readouterr().err and not (tmp_path / "d.npz").exists()
