"""A run's settings as a link's query parameters, and back: one link starts the same run for a
whole class (as TensorFlow Playground's URLs do). Pure functions, no Streamlit.

    ?dataset=ring8&loss=wgan_gp&lr_d=0.0002&seed=3

Parameters are RunConfig field names with values as text. A link names only registered
datasets (never a path on the server), and settings it leaves out are the dataset's defaults.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlencode

from .config import MODELS, RunConfig, parse_setting
from .data import DATASETS
from .defaults import defaults_for
from .errors import ConfigError
from .losses import LOSSES

# What every link carries, in this order (the new-run form's settings: a reader sees them all,
# and the link keeps its meaning if a dataset's defaults are retuned).
ALWAYS = ("dataset", "model", "loss", "lr_d", "lr_g", "d_steps", "batch", "z_dim", "seed", "pack",
          "ema")
# The other settings a link may carry; it names them when they differ from the defaults.
# `lesson` stays out: lesson cards set it for their own runs.
OPTIONAL = tuple(f.name for f in fields(RunConfig) if f.name not in ALWAYS + ("lesson",))
SETTINGS = ALWAYS + OPTIONAL
NOT_SETTINGS = ("run", "embed", "embed_options")  # the app's and Streamlit's own parameters
MAX_TITLE = 120  # characters of a title from a link


@dataclass(frozen=True)
class LinkSettings:
    """What a link asked for: `config` holds every setting that could be used (the rest are
    the dataset's defaults), `errors` says why each other parameter was not used (keyed by
    parameter, a ConfigError about that setting), `given` the parameters that were used."""

    config: RunConfig
    given: tuple[str, ...] = ()
    errors: dict[str, ConfigError] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when the link carried no settings at all (a plain page address)."""
        return not self.given and not self.errors


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    return repr(value) if isinstance(value, float) else str(value)  # repr: round-trips floats


def to_query(cfg: RunConfig) -> dict[str, str]:
    """The query parameters of a link that starts `cfg` again: ALWAYS, then the OPTIONAL
    settings that are not the dataset's defaults. A ConfigError when the run's data is not a
    registered dataset (a file on the server cannot be shared by link)."""
    if cfg.dataset not in DATASETS:
        raise ConfigError.about("", "dataset", " is your own data (a file or a drawing), not one "
                                "of the named datasets: a link can only name one of "
                                + ", ".join(DATASETS.names()))
    base = defaults_for(cfg.dataset)
    query = {name: _text(getattr(cfg, name)) for name in ALWAYS}
    query.update({name: _text(getattr(cfg, name)) for name in OPTIONAL
                  if getattr(cfg, name) != getattr(base, name)})
    return query


def query_string(cfg: RunConfig) -> str:
    """`to_query(cfg)` as the text after a URL's '?'."""
    return urlencode(to_query(cfg))


def _name(text: str, valid: list[str]) -> str:
    """A registered name, forgiving '-' for '_' (wgan-gp = wgan_gp)."""
    dashed = text.strip().replace("-", "_")
    return dashed if text not in valid and dashed in valid else text.strip()


def from_query(params: Mapping[str, str]) -> LinkSettings:
    """The settings a link's query parameters ask for. Each parameter that cannot be used (an
    unknown setting, a value that is not a number, out of range, a path for the dataset) is
    left out with its error; the others still apply, on top of the dataset's defaults."""
    errors: dict[str, ConfigError] = {}
    for key in params:
        if key not in SETTINGS and key not in NOT_SETTINGS:
            errors[key] = ConfigError(f"{key!r} is not a setting a link can carry; it can carry "
                                      + ", ".join(SETTINGS))
    dataset = RunConfig.dataset
    if "dataset" in params:
        asked = _name(params["dataset"], DATASETS.names())
        if asked in DATASETS:
            dataset = asked
        else:
            errors["dataset"] = ConfigError.about(
                "unknown ", "dataset", f" {params['dataset'][:40]!r}; a link can name one of: "
                + ", ".join(DATASETS.names()))
    changes: dict[str, Any] = {}
    for key in SETTINGS:
        if key in params and key != "dataset":
            try:
                changes[key] = _value(key, params[key])
            except ConfigError as exc:
                errors[key] = exc
    cfg, rejected = _apply(defaults_for(dataset), changes)
    errors.update(rejected)
    given = tuple(k for k in SETTINGS if k in params and k not in errors)
    return LinkSettings(cfg, given, {k: errors[k] for k in params if k in errors})


def _value(key: str, text: str) -> Any:
    if key == "title":
        return text.strip()[:MAX_TITLE]
    if key in ("loss", "model"):
        return _name(text, LOSSES.names() if key == "loss" else list(MODELS))
    return parse_setting(key, text.strip())


def _apply(cfg: RunConfig, changes: dict[str, Any]) -> tuple[RunConfig, dict[str, ConfigError]]:
    """`cfg` with as many of `changes` as validate: all at once when they can, else one at a
    time, twice over (batch=96&pack=3 on a default pack of 2 needs pack before batch)."""
    try:
        return cfg.replace(**changes), {}
    except ConfigError:
        pass
    rejected: dict[str, ConfigError] = {}
    for _ in range(2):
        rejected = {}
        for key, value in changes.items():
            try:
                cfg = dataclasses.replace(cfg, **{key: value})
            except ConfigError as exc:
                rejected[key] = exc
        changes = {k: changes[k] for k in rejected}
    return cfg, rejected
