import pytest

from gan_core import ConfigError, RunConfig
from gan_core.data import DATASETS, ONLINE_DATASETS
from gan_core.defaults import defaults_for
from gan_core.losses import LOSSES


def test_json_round_trip():
    cfg = RunConfig(dataset="grid25", loss="hinge", lr_d=3e-4, ema=0.99, title="mine")
    assert RunConfig.from_json(cfg.to_json()) == cfg


@pytest.mark.parametrize("changes, words, fields", [
    (dict(lr_d=5.0), "lr_d must be between", ("lr_d",)),
    (dict(lr_g=float("nan")), "lr_g must be a finite number", ("lr_g",)),
    (dict(batch=0), "batch must be between", ("batch",)),
    (dict(batch=3.5), "batch must be a whole number", ("batch",)),
    (dict(loss="wgan"), "unknown loss 'wgan'; choose one of: non_saturating", ("loss",)),
    (dict(model="resnet"), "unknown model", ("model",)),
    (dict(dataset="mnits"), "unknown dataset 'mnits'", ("dataset",)),
    (dict(dataset=" "), "dataset: give a dataset name", ("dataset",)),
    (dict(ema=0.2), "ema must be 0", ("ema",)),
    (dict(pack=0), "pack must be between 1 and 8", ("pack",)),
    (dict(batch=100, pack=3), r"batch \(100\) must be a multiple of pack \(3\)", ("batch", "pack")),
    (dict(spectral_norm="no"), "spectral_norm must be true or false", ("spectral_norm",)),
    (dict(tensorboard=0), "tensorboard must be true or false", ("tensorboard",)),
    (dict(title=3), "title must be text", ("title",)),
    (dict(data_std=9.0), "data_std must be between", ("data_std",)),
])
def test_bad_values_are_explained(changes, words, fields):
    with pytest.raises(ConfigError, match=words) as caught:
        RunConfig(**changes)
    assert caught.value.fields == fields and caught.value.field == fields[0]


def test_an_error_names_its_settings_as_the_caller_calls_them():
    with pytest.raises(ConfigError) as caught:
        RunConfig(batch=100, pack=3)
    said = caught.value.worded({"batch": "Batch", "pack": "D judges packs of"})
    assert said == ("Batch (100) must be a multiple of D judges packs of (3): D judges the batch "
                    "in groups of 3 samples")
    assert caught.value.worded({}) == str(caught.value)  # unnamed settings keep their names
    assert caught.value.worded({"pack": "P"}, str.upper).startswith("batch (100) MUST BE A MULTIPLE OF P (3)")
    plain = ConfigError("not about one setting")
    assert plain.field is None and plain.worded({"batch": "Batch"}) == "not about one setting"


def test_text_assignments_convert_types():
    cfg = RunConfig().with_text(["lr_d=1e-3", "batch=32", "spectral_norm=true", "data_std=none",
                                 "tensorboard=false"])
    assert (cfg.lr_d, cfg.batch, cfg.spectral_norm, cfg.data_std, cfg.tensorboard) == (
        1e-3, 32, True, None, False)
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
