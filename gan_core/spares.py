"""Spares: a run's TensorFlow parts built and compiled ahead, so pressing Start trains at once.

Building the ring's models, tracing its K-step graph, XLA-compiling it and tracing the
snapshot functions takes ~5 s on a 2-core laptop (bench/fast_start.py), every time: each Gan
has its own graphs. A server can do that before anyone asks: `SPARES.prepare(config)` builds
a Gan and its Observer in a background thread, runs one compiled step and one snapshot (which
compiles everything), then puts every variable back as it was built. A Trainer made later
with an equal config (title and lesson aside) takes the spare instead of building its own;
it trains exactly as a freshly built one would (same weights, same noise: tested).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from .config import RunConfig
from .data import Dataset, load_dataset
from .gan import Gan, use_xla
from .observer import Observer

log = logging.getLogger(__name__)


@dataclass
class Parts:
    data: Dataset
    gan: Gan
    observer: Observer


def build(config: RunConfig) -> Parts:
    data = load_dataset(config.dataset, config.data_std, config.seed)
    gan = Gan(config, data)
    return Parts(data, gan, Observer(gan, data))


def _key(config: RunConfig) -> RunConfig:
    return config.replace(title="", lesson="")


def warm(parts: Parts) -> None:
    """Compile the step and the snapshot, then undo the step."""
    gan = parts.gan
    variables = gan.checkpoint_variables()
    saved = [v.numpy() for v in variables]
    rng_state = gan.rng.state.numpy()
    gan.run(1)
    parts.observer.snapshot(0)
    for v, value in zip(variables, saved, strict=True):
        v.assign(value)
    gan.rng.state.assign(rng_state)


class Spares:
    """At most one spare per config; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards _ready and _building
        self._ready: dict[RunConfig, Parts] = {}
        self._building: set[RunConfig] = set()

    def prepare(self, config: RunConfig) -> None:
        """Build a spare for `config` in the background (no-op if one is ready or coming)."""
        key = _key(config)
        with self._lock:
            if key in self._ready or key in self._building:
                return
            self._building.add(key)
        threading.Thread(target=self._build, args=(key,), daemon=True,
                         name="ganscope-spare").start()

    def _build(self, key: RunConfig) -> None:
        try:
            parts = build(key)
            warm(parts)
        except Exception:  # a spare is an optimisation: the run builds its own instead
            log.exception("could not prepare a spare run")
            with self._lock:
                self._building.discard(key)
            return
        with self._lock:
            self._building.discard(key)
            self._ready[key] = parts

    def take(self, config: RunConfig) -> Parts | None:
        """The ready spare for `config` (removed: a spare serves one run), else None; also
        None for one built with another XLA setting than now (GANSCOPE_XLA changed since):
        its numbers would not be the ones a fresh build trains."""
        with self._lock:
            parts = self._ready.pop(_key(config), None)
        return parts if parts is not None and parts.gan.xla == use_xla(config) else None

    def ready(self, config: RunConfig) -> bool:
        with self._lock:
            return _key(config) in self._ready

    def clear(self) -> None:
        with self._lock:
            self._ready.clear()


SPARES = Spares()

