"""Conditional GANs: the class reaches G and D, each class is drawn as asked, a conditional run
saves, reopens and exports as a two-input Keras model, and the config refuses data without
labels in the form's words."""
import keras
import numpy as np
import pytest

from gan_core import ConfigError, RunConfig, Trainer, conditional, diagnostics, directions
from gan_core.data import load_dataset
from gan_core.defaults import defaults_for
from gan_core.gan import Gan
from gan_core.losses import LOSSES


@pytest.fixture
def small():
    """A conditional digits run small enough for tests (the digits defaults, narrower), D
    judging packs of 2 as when the 2,500-step claim below was measured (the defaults' packs
    of 4 learn the classes later: 59 % at 2,500 steps at this width; at the defaults' width
    0.94-0.96 at 20,000; bench/NOTES.md 27)."""
    return defaults_for("digits", conditional=True, width=64, snapshot_every=50, pack=2)


def weights_of(model, name):
    return [w.copy() for w in model.get_layer(name).get_weights()]


def test_a_class_reaches_g_and_d(small):
    gan = Gan(small, load_dataset("digits"))
    z = np.repeat(np.random.default_rng(0).standard_normal((1, small.z_dim)), 2, 0).astype("f4")
    two = gan.g([z, np.array([[0], [7]], np.int32)], training=False).numpy()
    assert not np.allclose(two[0], two[1])  # same noise, another class: another image
    x = np.repeat(gan.pool.numpy()[:1].astype("f4") / 127.5 - 1, 2, 0)
    packed = np.concatenate([x, x], -1)[:2]  # pack 2: two copies side by side
    scores = gan.d([packed, np.array([[0, 10], [7, 17]], np.int32)], training=False).numpy()
    assert scores[0, 0] != scores[1, 0]  # the same image claiming another class scores apart
    g_embed, d_embed = weights_of(gan.g, "class_embedding"), weights_of(gan.d, "class_projection")
    gan.run(3)
    # the labels reached both players' class weights through the training step's gradients
    assert not np.allclose(g_embed[0], weights_of(gan.g, "class_embedding")[0])
    assert not np.allclose(d_embed[0], weights_of(gan.d, "class_projection")[0])


@pytest.mark.parametrize("pack", [1, 2])
@pytest.mark.parametrize("loss", LOSSES.names())
def test_every_loss_trains_conditionally_with_and_without_packs(small, loss, pack):
    gan = Gan(small.replace(loss=loss, pack=pack), load_dataset("digits"))
    rows = gan.run(3, d_steps=2)
    assert np.isfinite(rows).all()


def test_the_dcgan_is_conditional_too(small):
    gan = Gan(small.replace(model="dcgan", width=8), load_dataset("digits"))
    assert np.isfinite(gan.run(2)).all()
    assert gan.g.output_shape == (None, 8, 8, 1)


def test_a_trained_conditional_run_draws_the_class_asked_for(small, runs_dir):
    # 2,500 steps of the digits defaults at width 64: GANscope's classifier read 79-94 % of
    # the samples as the class asked for, confidently, at seeds 0-2 (measured); chance is 10 %.
    t = Trainer(small.replace(snapshot_every=500), runs_dir=runs_dir)
    assert t.observer.wait_for_judge(600) is not None
    s = t.train(steps=2500)
    t.stop()
    m = s.snapshot.metrics
    assert m["class_match_pct"] >= 60, m["class_match"]
    assert m["classes_covered"] == 10 and all(v > 0.2 for v in m["class_diversity"])


def test_the_grid_has_a_row_per_class_and_a_noise_per_column():
    z, classes = conditional.grid(10, 4, seed=3, cols=8)
    assert z.shape == (80, 4) and classes.tolist() == np.repeat(np.arange(10), 8).tolist()
    assert np.array_equal(z[:8], z[72:]) and not np.array_equal(z[0], z[1])
    assert conditional.grid(40, 4, seed=3)[1].max() == conditional.MAX_GRID_ROWS - 1


def test_snapshots_show_the_per_class_grid(small, runs_dir):
    t = Trainer(small, runs_dir=runs_dir)
    s = t.train(steps=2)
    t.stop()
    # 10 rows of 8x8 digits, 8 columns, 1 pixel between tiles
    assert s.snapshot.grid.shape == (10 * 9 + 1, 8 * 9 + 1, 1)
    assert "class_diversity" in s.snapshot.metrics


def test_class_weights_blend_the_classes_embeddings(small):
    gan = Gan(small, load_dataset("digits"))
    z = np.random.default_rng(1).standard_normal((5, small.z_dim)).astype("f4")
    by_id = conditional.generate(gan.g, z, np.array([0, 3, 3, 9, 1]))
    one_hot = np.eye(10, dtype="f4")[[0, 3, 3, 9, 1]]
    assert np.allclose(conditional.generate(gan.g, z, one_hot), by_id, atol=1e-5)
    path = conditional.generate(gan.g, np.repeat(z[:1], 5, 0), conditional.blend(3, 8, 5, 10))
    ends = conditional.generate(gan.g, np.repeat(z[:1], 2, 0), np.array([3, 8]))
    assert np.allclose(path[[0, -1]], ends, atol=1e-5)
    assert not np.allclose(path[2], path[0]) and not np.allclose(path[2], path[-1])


def test_a_conditional_run_saves_reopens_and_exports_a_two_input_model(small, runs_dir, tmp_path):
    t = Trainer(small, runs_dir=runs_dir)
    t.train(steps=120)
    t.stop()
    z = np.random.default_rng(2).standard_normal((20, small.z_dim)).astype("f4")
    classes = conditional.in_turn(20, 10)
    before = t.observer.sample(z, classes)
    again = Trainer.open(t.store.path)
    assert again.config.conditional and again.state.step == 120
    np.testing.assert_allclose(again.observer.sample(z, classes), before, atol=1e-6)
    kept = again.kept_generator_steps()
    assert kept and again.sample_at(kept[-1], z, classes).shape == (20, 8, 8, 1)
    from gan_core.cli import main

    path = tmp_path / "g.keras"
    assert main(["export", str(t.store.path), "--generator", str(path)]) == 0
    g = keras.models.load_model(path, safe_mode=True)
    assert [tuple(i.shape) for i in g.inputs] == [(None, small.z_dim), (None, 1)]
    assert [i.dtype for i in g.inputs] == ["float32", "int32"]
    out = g.predict([z, classes[:, None]], verbose=0)
    np.testing.assert_allclose(out, before, atol=1e-5)  # the run's G, noise and class as given
    # latent directions are for unconditional G: said, not a crash in the two-input model
    assert main(["export", str(t.store.path), "--directions", str(tmp_path / "d.npz")]) == 2
    assert not (tmp_path / "d.npz").exists()
    with pytest.raises(ValueError, match="unconditional"):
        directions.fit(t)


def test_a_conditional_run_needs_labelled_images(tmp_path):
    with pytest.raises(ConfigError) as err:
        RunConfig(dataset="ring8", conditional=True)
    assert err.value.field == "conditional" and "labelled images" in str(err.value)
    with pytest.raises(ConfigError) as err:
        RunConfig(conditional="yes")
    assert err.value.field == "conditional"
    # a user's images without labels: refused before a run is made, naming the setting
    x = np.random.default_rng(0).integers(0, 255, (30, 8, 8), dtype=np.uint8)
    np.savez(tmp_path / "plain.npz", x=x)
    with pytest.raises(ConfigError) as err:
        defaults_for(str(tmp_path / "plain.npz"), conditional=True)
    assert err.value.field == "conditional" and "no labels" in str(err.value)
    np.savez(tmp_path / "labelled.npz", x=x, y=np.arange(30) % 3)
    assert defaults_for(str(tmp_path / "labelled.npz"), conditional=True).conditional
    with pytest.raises(ConfigError):  # and by the engine, for a config made by hand
        Gan(RunConfig(dataset=str(tmp_path / "plain.npz"), conditional=True),
            load_dataset(str(tmp_path / "plain.npz")))


def test_the_cli_reads_conditional_and_refuses_it_on_points(tmp_path):
    from gan_core.cli import _config, parser

    args = parser().parse_args(["train", "--dataset", "digits", "--set", "conditional=true"])
    assert _config(args) == defaults_for("digits").replace(conditional=True)
    args = parser().parse_args(["train", "--dataset", "ring8", "--set", "conditional=true"])
    with pytest.raises(ConfigError, match="needs labelled images"):
        _config(args)


def test_within_class_measures_by_hand():
    rng = np.random.default_rng(0)
    varied = rng.integers(0, 256, (4, 2, 2, 1), dtype=np.uint8)
    same = np.repeat(varied[:1], 4, 0)
    images = np.concatenate([varied, same])  # class 0 varied, class 1 one image four times
    asked = np.array([0] * 4 + [1] * 4)
    real = np.array([diagnostics.pixel_diversity(varied)] * 2)
    probs = np.zeros((8, 2))
    probs[np.arange(8), [0, 0, 0, 1, 1, 1, 1, 1]] = 1.0  # one sample of class 0 read as 1
    m = diagnostics.within_class_metrics(images, asked, 2, real, 0.01, probs)
    assert m["class_diversity"] == pytest.approx([1.0, 0.0])
    assert m["class_duplicates"] == [0.0, 100.0]
    assert m["class_match"] == [75.0, 100.0] and m["class_match_pct"] == 87.5
    assert (m["least_diverse_class"], m["least_diversity"]) == (1, 0.0)
    said = diagnostics.within_verdict(m, ["a", "b"])
    assert said.startswith("Collapsed within 1 class of 2 (b)"), said


def test_the_within_class_lesson_shows_its_cause_beside_the_conditional_defaults():
    from gan_core.lessons import LESSONS, settings_beside

    rows = {r["setting"]: r for r in settings_beside(LESSONS.get("collapse-within-class"))}
    assert set(rows) == {"lr_d", "lr_g", "d_steps", "pack"}  # not "conditional": both are
    assert rows["d_steps"] == {"setting": "d_steps", "strong D, conditional": "5",
                               "healthy defaults": "1"}


def test_a_folder_with_a_subfolder_per_class_trains_conditionally(tmp_path, runs_dir):
    from PIL import Image

    rng = np.random.default_rng(0)
    for name in ("cats", "dogs", "owls"):
        (tmp_path / "pics" / name).mkdir(parents=True)
        for i in range(6):
            pixels = rng.integers(0, 255, (8, 8), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / "pics" / name / f"{i}.png")
    cfg = defaults_for(str(tmp_path / "pics"), conditional=True, width=32, snapshot_every=2)
    t = Trainer(cfg, runs_dir=runs_dir)
    s = t.train(steps=2)
    t.stop()
    assert t.data.class_names == ("cats", "dogs", "owls") and t.gan.n_classes == 3
    assert s.snapshot.grid.shape[0] == 3 * 9 + 1  # one row per subfolder
    assert np.isfinite(s.history["d_loss"]).all()
