"""The model graph panel: z -> G -> G(z) -> D <- x with the run's latest numbers on its edges,
the network that updated highlighted (gan_core.views.graph); it ticks with the run's views."""
from __future__ import annotations

import streamlit as st

from gan_core import RunState
from gan_core.losses import LOSSES
from gan_core.views import graph
from ui import live

HEIGHT = 280  # px: the graph's numbers read at 12-13 px on a 1400 px wide window (screenshot)
CAPTION = ("Filled: the network that updated in the latest step (greyed: the one that did "
           "not). Dashed: the gradient each loss sends back; G's flows through D.")


def toggle(key: str, default: bool = True) -> bool:
    """The viewer's choice to show the graph."""
    return st.toggle("Model graph", value=default, key=key,
                     help="GAN Lab's overview: which network updated, with the step's "
                          "numbers on its edges")


def room(shown: bool) -> int:
    """Pixels the graph and its caption take above a plot sized to the window."""
    return HEIGHT + 40 if shown else 0


def title(snap: RunState, update: str) -> str:
    """'Updating: D and G', 'Last step: D only'; in slow motion, what moved and what is next."""
    slow = snap.slow
    if slow is not None and slow.alternate and update in ("d", "g"):
        return (f"Slow motion: {update.upper()} just updated · next: "
                f"{'G' if update == 'd' else 'D'}")
    text = graph.phase_text(update, snap.busy)
    return text + " · slow motion" if slow is not None else text


def draw(snap: RunState, step: int | None = None) -> None:
    """The graph at `step` (default: the latest; a plot's snapshot step, so both show the
    same step) and what it shows."""
    values = graph.row(snap.history, step)
    update = graph.updated(values)
    earlier = step is not None and step != snap.step
    text = graph.phase_text(update, False, step) if earlier else title(snap, update)
    dot = graph.model_graph(values, update, LOSSES.get(snap.hparams["loss"]).probability,
                            snap.config.z_dim, text)
    st.graphviz_chart(dot, width="stretch", height=HEIGHT)
    st.caption(CAPTION)


def panel(trainer) -> None:
    """The graph at the latest step, redrawn at every tick of the run's live views."""
    live.live(trainer, draw)
