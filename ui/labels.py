"""What the forms call each setting, and errors worded with those names: a student reads
"D learning rate must be between ...", never the field name `lr_d`."""
from __future__ import annotations

import re

from gan_core import ConfigError

# RunConfig field -> the label its widget shows (the new-run form and the live settings form;
# tests/app check both forms' widgets carry these labels). Settings no form shows keep their
# field names, which is what a link or the CLI calls them.
LABELS = {
    "dataset": "Dataset",
    "model": "Model",
    "loss": "Loss",
    "lr_d": "D learning rate",
    "lr_g": "G learning rate",
    "d_steps": "D steps per G step",
    "batch": "Batch",
    "z_dim": "z size",
    "seed": "Seed",
    "pack": "D judges packs of",
    "ema": "G average for samples (EMA)",
    "title": "Title (optional)",
    "conditional": "Conditional GAN",
    "strategy": "Devices",
}


def label(name: str) -> str:
    """The label of setting `name`, or its field name when no form shows it."""
    return LABELS.get(name, name)


def said(exc: Exception) -> str:
    """An error's message as markdown for a page: a ConfigError names its settings by their
    labels, in bold; the rest is literal text (a value from a link or an upload's name may
    hold markdown, and must not draw links or pictures on thirty screens)."""
    if isinstance(exc, ConfigError):
        return exc.worded({name: f"**{text}**" for name, text in LABELS.items()}, literal)
    return literal(str(exc))


def literal(text: str) -> str:
    """`text` that markdown shows as it is (every punctuation mark that could format escaped)."""
    return _MARKUP.sub(r"\\\g<0>", text)


_MARKUP = re.compile(r"[\\`*_{}\[\]()#+!|~<>$:]")
