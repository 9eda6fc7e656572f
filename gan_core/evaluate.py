"""Evaluate a run's current weights: the numbers `eval --json` prints."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from . import classifier, conditional, diagnostics, directions, latent
from .views import pillow_images

if TYPE_CHECKING:
    from .replay import Replay
    from .trainer import Trainer

EVAL_SEED = 2024


def evaluate(trainer: Trainer | Replay, samples: int = diagnostics.MIXTURE_SAMPLES) -> dict[str, Any]:
    """Metrics of the weights the trainer holds now (a replay: the generator at its playhead),
    with the step they are at."""
    trainer.require_weights()  # never evaluate untrained weights as the run
    cfg, data = trainer.config, trainer.data
    x = trainer.observer.sample(latent.noise(EVAL_SEED, samples, cfg.z_dim))
    out: dict[str, Any] = {"run_id": trainer.run_id, "step": trainer.state.step,
                           "dataset": cfg.dataset, "loss": cfg.loss}
    if not np.isfinite(x).all():
        out["error"] = "the generator produces NaN/Inf"
        return out
    if data.mixture is not None:
        out.update(diagnostics.mixture_metrics(x, *data.mixture, modes=data.modes))
    if data.kind == "images":
        judge = classifier.for_dataset(data) if data.labels is not None else None
        images = pillow_images.to_uint8(x)
        out.update(diagnostics.image_metrics(images, data, judge,
                                             dup_threshold=trainer.observer.dup_threshold))
        if cfg.conditional:  # observer.sample asked for every class in turn
            n = data.n_classes
            probs = judge.probabilities(data.to_model(images)) if judge else None
            out.update(diagnostics.within_class_metrics(
                images, conditional.in_turn(len(images), n), n,
                diagnostics.class_pixel_diversity(data.pool, data.labels, n),
                trainer.observer.dup_threshold, probs))
        elif judge is not None:  # how far a class direction moves G(z) towards its class
            out.update(directions.walk_metrics(trainer.observer.sample, judge.probabilities,
                                               cfg.z_dim))
    return out
