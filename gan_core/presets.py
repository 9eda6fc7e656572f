"""Named, ready-made runs. Lessons (presets that show one phenomenon) live in lessons.py."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .catalog import Catalog
from .config import RunConfig
from .defaults import defaults_for


@dataclass(frozen=True)
class Preset:
    title: str
    summary: str
    make: Callable[[], RunConfig]  # built on demand: a preset never loads data at import


PRESETS: Catalog[Preset] = Catalog("preset")
PRESETS.register("ring8", Preset("8-Gaussian ring", "the default: a small GAN learns 8 modes in seconds",
                                 lambda: defaults_for("ring8", title="8-Gaussian ring")))
PRESETS.register("grid25", Preset("25-Gaussian grid", "a harder mixture: 25 modes on a grid",
                                  lambda: defaults_for("grid25", title="25-Gaussian grid")))
PRESETS.register("digits", Preset("Handwritten digits (8x8)", "scikit-learn's bundled digits, offline",
                                  lambda: defaults_for("digits", title="Digits")))
PRESETS.register("mnist", Preset("MNIST (28x28)", "a DCGAN on MNIST; downloads once through keras",
                                 lambda: defaults_for("mnist", title="MNIST")))
