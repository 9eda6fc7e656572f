"""The Latent explorer's directions: sliders along a run's class directions ("more like a 3")
and principal directions ("PC 1") from gan_core/directions.py, with G(z) and the classifier's
probabilities moving as they move.

Directions are fitted once per run folder and generator step and shared by every tab
(st.cache_data, keyed by the folder and the step); the panel is a fragment, so moving a
slider redraws the panel only.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from gan_core import GanscopeError, directions, latent
from gan_core.directions import Directions
from gan_core.views import pillow_images, plotly_charts

RANGE = 3.0  # a slider walks -3 .. +3 along a unit direction (the walk is 0 -> +3)
WALK_FRAMES = 7  # the strip: -3, -2, ..., +3


@st.cache_data(max_entries=64, show_spinner=False)
def _fitted(folder: str, step: int, _run) -> Directions:
    """The directions of the run in `folder` at `step` (the key; `_run` is not hashed): one
    fit per process, whichever tab asks first (Streamlit computes a key once)."""
    return directions.fit(_run, step)


def generator_step(run, at: int | None) -> tuple[int, Callable[[np.ndarray], np.ndarray], str]:
    """Which generator the directions belong to: (its step, G(z) with it, a note). `at`: the
    page's chosen kept generator, or None for the run as it is now. While the run trains, its
    newest kept generator: weights that moved under the sliders would make each fit stale
    before a student could use it."""
    if at is not None:
        return at, lambda z: run.sample_at(at, z), ""
    recording = getattr(run, "recording", None)
    kept = run.kept_generator_steps()
    if recording is not None:  # a replay: the generator kept at or before its playhead
        step = recording.kept_at(run.state.step)
        return step, lambda z: run.sample_at(step, z), ""
    state = run.state
    if state.busy and kept:
        return kept[-1], lambda z: run.sample_at(kept[-1], z), (
            f"The run is training: directions of G as kept at step {kept[-1]:,}, the newest "
            "kept generator (they follow as newer ones are kept).")
    return state.step, run.observer.sample, ""


def _article(name: str) -> str:
    return "an" if name[:1].lower() in set("aeiou8") else "a"


def _choices(found: Directions, class_names: tuple[str, ...]) -> dict[str, tuple[str, int]]:
    """Slider label -> (kind, row): "more like a 3" -> ("class", 3), "PC 1" -> ("pc", 0)."""
    out = {}
    for c in range(len(found.classes)):
        name = class_names[c] if c < len(class_names) else str(c)
        out[f"more like {_article(name)} {name}"] = ("class", c)
    out.update({f"PC {i + 1}": ("pc", i) for i in range(len(found.pcs))})
    return out


@st.fragment
def panel(run, at: int | None) -> None:
    """The directions section of the Latent explorer, for an image run."""
    with st.container(key="dir_section"):
        _draw(run, at)


def _draw(run, at: int | None) -> None:
    from gan_core import classifier

    st.subheader("Directions")
    st.caption("**more like a …**: fitted as InterFaceGAN does (Shen et al. 2020): G draws "
               f"{directions.FIT_SAMPLES:,} samples, the classifier reads each, and a linear "
               "boundary per class splits z; the arrow across it is the direction. **PC …**: "
               "as GANSpace does (Härkönen et al. 2020): the ways G's first hidden layer "
               "varies most, carried back to z. Each is a unit vector in z.")
    step, sample, note = generator_step(run, at)
    try:
        with st.spinner("Fitting directions (once per generator)…"):
            found = _fitted(str(run.store.path), int(step), run)
    except (GanscopeError, ValueError) as exc:  # weights lost, a kept generator thinned away
        st.info(f"No directions for this generator: {exc}")
        return
    if note:
        st.caption(note)
    labelled = run.data.labels is not None
    names = tuple(run.data.class_names) or tuple(str(c) for c in range(len(found.classes)))
    choices = _choices(found, names)
    left, right = st.columns([1, 1])
    with left:
        seed = st.number_input("Start from the noise of seed", 0, 10**6, 0, key="dir_seed")
        moves = _sliders(found, choices)
    z = latent.noise(int(seed), 1, run.config.z_dim)[0]
    for amount, vector in moves.values():
        z = z + amount * vector
    image = sample(z[None].astype(np.float32))
    scale = pillow_images.display_scale(run.data.shape[0], target=96)
    with right:
        st.image(pillow_images.png_bytes(pillow_images.enlarge(pillow_images.to_uint8(image)[0],
                                                               scale)),
                 caption=f"G(z) at step {step:,}", width=180)
        if labelled:
            probs = classifier.for_dataset(run.data).probabilities(image)[0]
            walked = next((choices[k][1] for k in moves if choices[k][0] == "class"), None)
            st.plotly_chart(plotly_charts.class_probabilities(probs, names, walked),
                            key="dir_bars", config={"displayModeBar": False})
            top = int(probs.argmax())
            st.caption(f"GANscope's classifier reads it as **{names[top]}** "
                       f"(p {probs[top]:.2f})")
    if moves:  # the first chosen direction walked end to end from where the sliders are
        first, (amount, vector) = next(iter(moves.items()))
        t = np.linspace(-RANGE, RANGE, WALK_FRAMES, dtype=np.float32)
        path = (z - amount * vector)[None] + t[:, None] * vector[None]
        strip = pillow_images.tile(pillow_images.to_uint8(sample(path.astype(np.float32))),
                                   cols=WALK_FRAMES)
        st.image(pillow_images.png_bytes(pillow_images.enlarge(strip, max(1, scale // 2))),
                 caption=f"“{first}” from −3 to +3, the other sliders as set", width="stretch")


def _sliders(found: Directions, choices: dict[str, tuple[str, int]]
             ) -> dict[str, tuple[float, np.ndarray]]:
    """The directions picked and a slider for each: label -> (amount, unit vector)."""
    labels = list(choices)
    default = [k for k in labels if choices[k] in (("class", 3), ("pc", 0), ("pc", 1))]
    shown = st.multiselect("Directions", labels, default=default, key="dir_pick",
                           help="PC i explains " + ", ".join(
                               f"PC {i + 1}: {100 * v:.0f} %" for i, v in enumerate(found.variance[:5]))
                           + " of the first hidden layer's variance")
    moves = {}
    for label in shown:
        kind, row = choices[label]
        amount = st.slider(label, -RANGE, RANGE, 0.0, 0.25, key=f"dir_{kind}{row}")
        moves[label] = (amount, (found.classes if kind == "class" else found.pcs)[row])
    return moves
