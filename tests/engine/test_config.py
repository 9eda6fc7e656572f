import pytest

from gan_core import ConfigError, RunConfig
from gan_core.data import DATASETS, ONLINE_DATASETS
from gan_core.defaults import defaults_for
from gan_core.losses import LOSSES


def test_json_round_trip():
    cfg = RunConfig(dataset="grid25", loss="hinge", lr_d=3e-4, ema=0.99, title="mine")
    assert RunConfig.from_json(cfg.to_json()) == cfg


@pytest.mark.parametrize("changes, words", [
    (dict(lr_d=5.0), "lr_d must be between"),
    (dict(lr_g=float("nan")), "lr_g must be a finite number"),
    (dict(batch=0), "batch must be between"),
    (dict(batch=3.5), "batch must be a whole number"),
    (dict(loss="wgan"), "unknown loss 'wgan'; choose one of: non_saturating"),
    (dict(model="resnet"), "unknown model"),
    (dict(dataset="mnits"), "unknown dataset 'mnits'"),
    (dict(ema=0.2), "ema must be 0"),
    (dict(pack=0), "pack must be between 1 and 8"),
    (dict(batch=100, pack=3), r"batch \(100\) must be a multiple of pack \(3\)"),
])
def test_bad_values_are_explained(changes, words):
    with pytest.raises(ConfigError, match=words):
        RunConfig(**changes)


def test_text_assignments_convert_types():
    cfg = RunConfig().with_text(["lr_d=1e-3", "batch=32", "spectral_norm=true", "data_std=none"])
    assert (cfg.lr_d, cfg.batch, cfg.spectral_norm, cfg.data_std) == (1e-3, 32, True, None)
    with pytest.raises(ConfigError, match="expected key=value"):
        RunConfig().with_text(["nonsense=1"])
    with pytest.raises(ConfigError, match="cannot read 'x'"):
        RunConfig().with_text(["batch=x"])


def test_unknown_field_in_replace():
    with pytest.raises(ConfigError, match="unknown setting"):
        RunConfig().replace(learning_rate=1)


@pytest.mark.parametrize("name", DATASETS.names())
def test_every_dataset_has_defaults_that_fit_it(name):
    cfg = defaults_for(name)
    assert cfg.dataset == name and cfg.model in ("mlp", "dcgan")
    if name not in ONLINE_DATASETS:  # builds the models for the data's real shape
        from gan_core.data import load_dataset
        from gan_core.models import build_discriminator, build_generator

        data = load_dataset(name)
        images = data.kind == "images"
        assert build_generator(cfg, data.shape, images).output_shape[1:] == data.shape
        assert build_discriminator(cfg, data.shape, images).output_shape == (None, 1)


def test_dataset_defaults_differ_by_kind():
    assert defaults_for("ring8").model == "mlp"
    # small greyscale images train fastest as an MLP on a CPU (bench/NOTES.md 7); colour: DCGAN
    assert defaults_for("mnist").model == "mlp" and defaults_for("mnist").width == 512
    assert defaults_for("cifar10").model == "dcgan"
    assert set(LOSSES.names()) >= {"minimax", "non_saturating", "least_squares", "hinge",
                                   "wgan_gp", "wgan_clip"}
