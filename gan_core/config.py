"""RunConfig: everything that defines a run, validated once, up front, in words a student reads."""
from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from .errors import ConfigError

MODELS = ("mlp", "dcgan")
STRATEGIES = ("default", "mirrored", "multiworker")  # see gan_core/distribute.py


@dataclass(frozen=True)
class RunConfig:
    dataset: str = "ring8"  # registered name, a drawn set's "drawn:<hash>", or a path to files
    data_std: float | None = None  # per-mode std of a 2D mixture; None = the dataset's default
    model: str = "mlp"  # "mlp" (2D, tiny images) or "dcgan" (convolutional, images)
    width: int = 128  # hidden units (MLP) or base filters (DCGAN)
    depth: int = 3  # hidden layers (MLP); ignored by DCGAN, whose depth follows the image size
    loss: str = "non_saturating"  # see gan_core.losses.LOSSES
    lr_d: float = 2e-4  # discriminator learning rate (live-editable)
    lr_g: float = 2e-4  # generator learning rate (live-editable)
    beta1: float = 0.5  # Adam beta1; 0.5 is the DCGAN paper's value, more stable than 0.9
    beta2: float = 0.999  # Adam beta2
    d_steps: int = 1  # discriminator updates per generator update (live-editable)
    batch: int = 256
    z_dim: int = 2  # noise size; 2 lets the 2D Lab draw the whole latent space
    seed: int = 0
    spectral_norm: bool = False  # spectral normalisation of D's layers (Miyato et al. 2018)
    gp_weight: float = 10.0  # gradient penalty weight (wgan_gp)
    clip: float = 0.01  # weight clipping bound (wgan_clip)
    pack: int = 1  # samples D judges together (PacGAN, Lin et al. 2018); 1 = one at a time
    conditional: bool = False  # G and D get the class (a conditional GAN); labelled images only
    ema: float = 0.0  # EMA decay of G's weights used for samples; 0 = off (e.g. 0.999)
    snapshot_every: int = 100  # steps between snapshots (sample grid, 2D fields, diagnostics)
    tensorboard: bool = True  # also write TensorBoard event files (<run>/tb/, tensorboard_log.py)
    strategy: str = "default"  # tf.distribute: one device, all local GPUs, or TF_CONFIG's workers
    title: str = ""  # free text for people; never used as a path
    lesson: str = ""  # "lesson name/run label" for a lesson's runs (the home cards set it)

    def __post_init__(self) -> None:
        from .data import DATASETS, POINT_DATASETS, is_drawn, is_path
        from .losses import LOSSES

        for name in ("dataset", "loss", "model", "title", "lesson"):  # before any lookup by name
            _check_text(name, getattr(self, name))
        if not self.dataset.strip():
            raise ConfigError.about("", "dataset", ": give a dataset name or a path")
        for name in ("spectral_norm", "conditional", "tensorboard"):  # "no" would count as true
            if not isinstance(getattr(self, name), bool):
                raise _bad(name, f"must be true or false, got {getattr(self, name)!r}")
        if self.conditional and is_drawn(self.dataset):
            raise _not_conditional("a drawing is 2D points")
        if not (is_path(self.dataset) or is_drawn(self.dataset)):  # drawn: data/drawn.py
            _check_name("dataset", self.dataset, DATASETS.names())
            if self.conditional and self.dataset in POINT_DATASETS:
                raise _not_conditional(f"{self.dataset} is 2D points")
        _check_name("loss", self.loss, LOSSES.names())
        _check_name("model", self.model, MODELS)
        _check_int("width", self.width, 4, 4096)
        _check_int("depth", self.depth, 1, 12)
        _check_int("d_steps", self.d_steps, 1, 50)
        _check_int("batch", self.batch, 2, 8192)
        _check_int("z_dim", self.z_dim, 1, 1024)
        _check_int("seed", self.seed, 0, 2**31 - 1)
        _check_int("pack", self.pack, 1, 8)
        if self.batch % self.pack:
            raise ConfigError.about("", "batch", f" ({self.batch}) must be a multiple of ", "pack",
                                    f" ({self.pack}): D judges the batch in groups of "
                                    f"{self.pack} samples")
        _check_int("snapshot_every", self.snapshot_every, 1, 1_000_000)
        _check_name("strategy", self.strategy, STRATEGIES)
        for name in ("lr_d", "lr_g"):
            _check_float(name, getattr(self, name), 1e-7, 1.0,
                         "typical GAN learning rates are between 1e-5 and 1e-3")
        _check_float("beta1", self.beta1, 0.0, 0.999)
        _check_float("beta2", self.beta2, 0.0, 0.99999)
        _check_float("gp_weight", self.gp_weight, 0.0, 1000.0)
        _check_float("clip", self.clip, 1e-5, 10.0)
        _check_float("ema", self.ema, 0.0, 1.0)
        if not (self.ema == 0.0 or 0.5 <= self.ema < 1.0):
            raise _bad("ema", f"must be 0 (off) or in [0.5, 1), got {self.ema}")
        if self.data_std is not None:
            _check_float("data_std", self.data_std, 1e-4, 5.0)

    def replace(self, **changes: Any) -> RunConfig:
        """A validated copy with `changes`; unknown fields are a ConfigError."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ConfigError(f"unknown setting(s) {', '.join(sorted(unknown))}; valid: "
                              f"{', '.join(f.name for f in fields(self))}")
        return dataclasses.replace(self, **changes)

    def with_text(self, assignments: list[str]) -> RunConfig:
        """Apply `key=value` strings (from the CLI), converting to each field's type."""
        changes: dict[str, Any] = {}
        names = [f.name for f in fields(self)]
        for item in assignments:
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep or key not in names:
                raise ConfigError(f"--set {item!r}: expected key=value with key one of "
                                  f"{', '.join(names)}")
            changes[key] = parse_setting(key, value.strip())
        return self.replace(**changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        """A validated config from saved settings; unknown keys are ignored (older or newer
        versions), anything else wrong is a ConfigError."""
        if not isinstance(data, dict):
            raise ConfigError(f"a run config must be a JSON object of settings, "
                              f"got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        """`from_dict` of JSON text; text that is not JSON is a ConfigError too."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: [[[[... nested deep
            raise ConfigError(f"a run config must be JSON ({type(exc).__name__}: "
                              f"{str(exc)[:80]})") from None
        return cls.from_dict(data)

    @property
    def is_wasserstein(self) -> bool:
        return self.loss.startswith("wgan")


def _bad(name: str, problem: str) -> ConfigError:
    """"<name> <problem>", with `name` marked as the setting at fault (see ConfigError)."""
    return ConfigError.about("", name, " " + problem)


def _check_text(name: str, value: Any) -> None:
    if not isinstance(value, str):
        raise _bad(name, f"must be text, got {value!r}")


def _check_name(name: str, value: str, valid: Sequence[str]) -> None:
    if value not in valid:
        raise ConfigError.about("unknown ", name, f" {value!r}; choose one of: {', '.join(valid)}")


def check_fits_data(cfg: RunConfig, shape: tuple[int, ...], images: bool) -> None:
    """Once the data is loaded: can the chosen model make samples of its shape? The DCGAN
    doubles a base of at least 2 pixels: any even side from 4 up, square."""
    if cfg.model == "dcgan" and images:
        side = shape[0]
        if len(shape) != 3 or shape[0] != shape[1] or side < 4 or side % 2:
            raise ConfigError.about("", "model", f" dcgan makes square images with an even side "
                                    f"(4, 6, 8, ...); this data is {'x'.join(map(str, shape))}: "
                                    "use model=mlp, or images with an even side")


def check_conditional(cfg: RunConfig, images: bool, n_classes: int) -> None:
    """Once the data is loaded: a conditional run needs labelled images (a class per image,
    at least two classes) to ask G for a class and to tell D which class an image claims."""
    if not cfg.conditional:
        return
    if not images:
        raise _not_conditional("this data is 2D points")
    if n_classes < 2:
        raise _not_conditional("these images carry no labels" if n_classes == 0
                               else "every image has the same label")


def _not_conditional(why: str) -> ConfigError:
    return ConfigError.about("", "conditional", f" needs labelled images (digits, MNIST, "
                             f"Fashion-MNIST, CIFAR-10, a folder or .zip with one subfolder per "
                             f"class, an .npz with labels y): {why}, with no classes to ask "
                             f"the generator for. Switch it off for this data")


def _check_int(name: str, value: Any, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(name, f"must be a whole number, got {value!r}")
    if not lo <= value <= hi:
        raise _bad(name, f"must be between {lo} and {hi}, got {value}")


def _check_float(name: str, value: Any, lo: float, hi: float, hint: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _bad(name, f"must be a finite number, got {value!r}")
    if not lo <= value <= hi:
        raise _bad(name, f"must be between {lo:g} and {hi:g}, got {value:g}"
                   + (f" ({hint})" if hint else ""))


def parse_setting(name: str, text: str) -> Any:
    """`text` (from the CLI or a link) as the type of RunConfig field `name`; a ConfigError
    about `name` when it cannot be read (range checks are RunConfig's)."""
    kind = str(next(f.type for f in fields(RunConfig) if f.name == name))
    try:
        if text.lower() == "none" and "None" in kind:
            return None
        if kind.startswith("bool"):
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("true", "1", "yes")
        if kind.startswith("int"):
            return int(text)
        if kind.startswith("float"):
            return float(text)
    except ValueError:
        words = next((w for k, w in _KIND_WORDS.items() if kind.startswith(k)), kind)
        raise ConfigError.about("", name, f": cannot read {text[:40]!r} as {words}") from None
    return text


_KIND_WORDS = {"bool": "true or false", "int": "a whole number", "float | None": "a number or none",
               "float": "a number"}
