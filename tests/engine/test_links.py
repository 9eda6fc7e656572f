from dataclasses import fields
from urllib.parse import parse_qsl, urlencode

import pytest

from gan_core import ConfigError, RunConfig
from gan_core.data import DATASETS
from gan_core.defaults import defaults_for
from gan_core.links import ALWAYS, SETTINGS, from_query, query_string, to_query

# one value per setting a link carries, none of them ring8's default
NOT_DEFAULT = dict(
    dataset="grid25", model="dcgan", loss="hinge", lr_d=3.3e-4, lr_g=1.234567e-5, d_steps=5,
    batch=96, z_dim=7, seed=12345, pack=4, ema=0.995, data_std=0.05, width=64, depth=4,
    beta1=0.1, beta2=0.95, spectral_norm=True, gp_weight=5.5, clip=0.02, snapshot_every=50,
    tensorboard=False, strategy="mirrored", title="Week 3: ring & co / 100%",
)
ON_DIGITS = dict(conditional=True)  # labelled images only: the round trip starts from digits


def test_a_link_carries_every_setting_but_the_lesson():
    assert set(SETTINGS) == {f.name for f in fields(RunConfig)} - {"lesson"} \
        == set(NOT_DEFAULT) | set(ON_DIGITS)


@pytest.mark.parametrize("name", SETTINGS)
def test_each_setting_makes_the_round_trip(name):
    base = "digits" if name in ON_DIGITS else "ring8"
    cfg = defaults_for(base).replace(**{name: {**NOT_DEFAULT, **ON_DIGITS}[name]})
    query = to_query(cfg)
    assert all(isinstance(v, str) for v in query.values()) and name in query
    back = from_query(dict(parse_qsl(urlencode(query))))  # through a real address's encoding
    assert back.config == cfg and not back.errors and name in back.given


@pytest.mark.parametrize("extra", [{}, dict(dataset="digits", **ON_DIGITS)])
def test_all_settings_at_once_make_the_round_trip(extra):
    cfg = RunConfig(**{**NOT_DEFAULT, **extra})
    back = from_query(dict(parse_qsl(query_string(cfg))))
    assert back.config == cfg and not back.errors


@pytest.mark.parametrize("dataset", DATASETS.names())
def test_every_dataset_defaults_make_the_round_trip_and_name_only_the_forms_settings(dataset):
    cfg = defaults_for(dataset, seed=4)
    assert tuple(to_query(cfg)) == ALWAYS  # the rest are the defaults a link leaves out
    assert from_query(to_query(cfg)).config == cfg


def test_a_link_with_few_settings_gets_the_datasets_defaults_for_the_rest():
    got = from_query({"dataset": "digits", "loss": "wgan-gp", "lr_d": "2e-4", "seed": "3",
                      "run": "20250101-x"})  # the app's own parameter is not a setting
    assert got.config == defaults_for("digits", loss="wgan_gp", lr_d=2e-4, seed=3)
    assert got.given == ("dataset", "loss", "lr_d", "seed") and not got.errors
    assert from_query({"run": "x"}).empty and not from_query({"seed": "1"}).empty


@pytest.mark.parametrize("key, value, words", [
    ("lr_d", "-1", "lr_d must be between 1e-07 and 1, got -1"),
    ("lr_g", "fast", "lr_g: cannot read 'fast' as a number"),
    ("seed", "abc", "seed: cannot read 'abc' as a whole number"),
    ("seed", "3.5", "seed: cannot read '3.5' as a whole number"),
    ("batch", "0", "batch must be between 2 and 8192"),
    ("ema", "0.3", "ema must be 0 (off) or in [0.5, 1)"),
    ("ema", "nan", "ema must be a finite number"),
    ("data_std", "inf", "data_std must be a finite number"),
    ("loss", "wgan", "unknown loss 'wgan'; choose one of"),
    ("model", "resnet", "unknown model 'resnet'"),
    ("spectral_norm", "maybe", "spectral_norm: cannot read 'maybe' as true or false"),
    ("dataset", "mnits", "unknown dataset 'mnits'; a link can name one of: ring8"),
    ("dataset", "/etc/passwd", "unknown dataset '/etc/passwd'"),  # never a path on the server
    ("dataset", "digits.npz", "unknown dataset 'digits.npz'"),
])
def test_a_bad_value_is_left_out_with_a_message_about_it_and_the_rest_still_fills(key, value,
                                                                                 words):
    others = {"loss": "hinge", "seed": "7"} if key not in ("loss", "seed") else {"d_steps": "3"}
    got = from_query({key: value, **others})
    assert list(got.errors) == [key], got.errors
    exc = got.errors[key]
    assert words in str(exc) and exc.field == key
    assert exc.worded({key: "THE LABEL"}).count("THE LABEL") == 1
    assert got.given == tuple(k for k in SETTINGS if k in others)
    expected = defaults_for("ring8").replace(**{k: type(getattr(got.config, k))(v)
                                                for k, v in others.items()})
    assert got.config == expected  # the bad value's setting keeps the default


def test_an_unknown_parameter_is_named_with_the_settings_a_link_can_carry():
    got = from_query({"lr": "1e-3", "seed": "2"})
    assert list(got.errors) == ["lr"] and got.config.seed == 2
    assert "'lr' is not a setting a link can carry; it can carry dataset, model" in str(
        got.errors["lr"])


def test_batch_and_pack_that_fit_only_together_both_apply():
    # the dataset's pack (4) does not divide 99 and 3 does not divide its batch (64)
    got = from_query({"dataset": "digits", "batch": "99", "pack": "3"})
    assert (got.config.batch, got.config.pack) == (99, 3) and not got.errors
    got = from_query({"dataset": "digits", "batch": "100", "pack": "3"})
    assert got.config.batch == 100 and got.config.pack == 4  # the one that fits is kept
    assert list(got.errors) == ["pack"] and got.errors["pack"].fields == ("batch", "pack")


def test_a_title_from_a_link_is_cut_short():
    assert len(from_query({"title": "x" * 5000}).config.title) == 120


def test_a_run_on_a_file_has_no_link(tmp_path):
    with pytest.raises(ConfigError, match="a link can only name one of") as caught:
        to_query(RunConfig(dataset=str(tmp_path / "mine.npz")))
    assert caught.value.field == "dataset"
