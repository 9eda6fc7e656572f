"""The model graph, GAN Lab's overview: z -> G -> G(z) -> D <- x, the two losses, and the
gradients flowing back, with a run's latest numbers on its edges, as Graphviz DOT text (the
app draws it with st.graphviz_chart, rendered in the browser by Streamlit's bundled Graphviz).

The network that updated in the latest step is filled with its colour and its gradient drawn
bold; the other one is greyed, its gradient dotted: a D-only step leaves G as it was and a
G-only step leaves D (step mode, slow motion). Which one updated is read from the metrics
(gan.Gan.run): a network that did not update has no gradient norm (NaN) in that step's row.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .style import COLOURS, FAKE, REAL

UPDATES = ("both", "d", "g", "")  # gan.MODES, and "" for no step yet
FONT = "Helvetica,Arial,sans-serif"  # the viewer's own fonts: nothing is fetched
D_COLOUR, G_COLOUR = COLOURS["d_loss"], COLOURS["g_loss"]  # as on the loss curves
GREY, INK = "#b0b0b0", "#262730"
NOT_UPDATED = "not updated"


def row(history: Mapping[str, np.ndarray], step: int | None = None) -> dict[str, float]:
    """The row of a RunState's history for `step` (default: the last) as {metric: value};
    {} when there is none (before the first step)."""
    steps = history.get("step")
    if steps is None or len(steps) == 0:
        return {}
    i = len(steps) - 1
    if step is not None:
        i = int(np.searchsorted(steps, step))
        if i >= len(steps) or steps[i] != step:
            return {}
    return {k: float(v[i]) for k, v in history.items()}


def updated(values: Mapping[str, float]) -> str:
    """Which networks the step of `values` (a history row) updated: "both", "d", "g", or ""
    (no step yet)."""
    d = math.isfinite(values.get("d_grad_norm", math.nan))
    g = math.isfinite(values.get("g_grad_norm", math.nan))
    return "both" if d and g else "d" if d else "g" if g else ""


def number(value: float | None) -> str:
    """3 significant digits; "—" for a missing value (a network that did not update)."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.3g}"


def _q(text: str) -> str:
    """A DOT string: quoted, with quotes and backslashes escaped, lines joined by \\n."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(**kw: str) -> str:
    return "[" + ", ".join(f"{k}={_q(v)}" for k, v in kw.items()) + "]"


def _net(name: str, title: str, colour: str, active: bool, idle: bool) -> str:
    """A network's node: filled with its colour when it updated, greyed when the other one
    did alone, plain before any step."""
    if active:
        style = dict(style="filled,bold", fillcolor=colour, color=colour, fontcolor="white",
                     penwidth="2.5")
    elif idle:
        style = dict(style="solid", color=colour, fontcolor=INK)
    else:
        style = dict(style="dashed", color=GREY, fontcolor=GREY)
    return f"  {name} {_attrs(label=title, shape='box', **style)};"


def _gradient(src: str, dst: str, text: str, colour: str, active: bool, idle: bool) -> str:
    if active or idle:
        style = dict(color=colour, fontcolor=colour, style="bold,dashed" if active else "dashed",
                     penwidth="2.5" if active else "1.2")
    else:
        style = dict(color=GREY, fontcolor=GREY, style="dotted", penwidth="1")
    return f"  {src} -> {dst} {_attrs(label=text, constraint='false', **style)};"


def model_graph(values: Mapping[str, float], update: str | None = None, prob: bool = True,
                z_dim: int | None = None, title: str = "") -> str:
    """DOT text of the model graph with `values` (a `row` of the history) on its edges. `update`:
    which networks to highlight (UPDATES; default: `updated(values)`). `prob`: D's output is a
    probability (else a score: WGAN, hinge). `title` goes above the graph."""
    update = updated(values) if update is None else update
    if update not in UPDATES:
        raise ValueError(f"update must be one of {UPDATES}, got {update!r}")
    idle = update == ""
    d_on, g_on = update in ("both", "d"), update in ("both", "g")
    v = {k: number(values.get(k)) for k in
         ("d_real", "d_fake", "d_loss", "g_loss", "d_grad_norm", "g_grad_norm")}
    score = "" if prob else " score"  # a critic (WGAN, hinge) scores, it gives no probability
    noise = f"noise, {z_dim}-d" if z_dim else "noise"
    d_grad = f"∇D |grad| {v['d_grad_norm']}" if d_on else f"∇D {NOT_UPDATED}"
    g_grad = (f"∇G |grad| {v['g_grad_norm']}\n(back through D)" if g_on
              else f"∇G {NOT_UPDATED}")
    graph = _attrs(rankdir="LR", bgcolor="transparent", fontname=FONT,
                   fontsize="20", labelloc="t", label=title, nodesep="0.3", ranksep="0.45")
    lines = [
        "digraph gan {",
        f"  graph {graph};",
        "  node " + _attrs(fontname=FONT, fontsize="18", margin="0.1,0.05") + ";",
        "  edge " + _attrs(fontname=FONT, fontsize="17", color=INK, fontcolor=INK) + ";",
        "  z " + _attrs(label="z\n" + noise, shape="ellipse", color=GREY) + ";",
        "  x " + _attrs(label="x\nreal data", shape="ellipse", color=REAL) + ";",
        _net("G", "G\ngenerator", G_COLOUR, g_on, idle),
        _net("D", "D\ndiscriminator", D_COLOUR, d_on, idle),
        "  G_loss " + _attrs(label="G loss\n" + v["g_loss"], shape="note", color=G_COLOUR) + ";",
        "  D_loss " + _attrs(label="D loss\n" + v["d_loss"], shape="note", color=D_COLOUR) + ";",
        "  { rank=same; G; x; }",
        "  { rank=same; G_loss; D_loss; }",
        "  z -> G;",
        "  G -> D " + _attrs(label="G(z)", fontcolor=FAKE) + ";",
        "  x -> D;",
        "  D -> G_loss " + _attrs(label=f"D(G(z)){score} {v['d_fake']}") + ";",
        "  D -> D_loss " + _attrs(label=f"D(x){score} {v['d_real']}\n"
                                  f"D(G(z)){score} {v['d_fake']}") + ";",
        _gradient("D_loss", "D", d_grad, D_COLOUR, d_on, idle),
        _gradient("G_loss", "G", g_grad, G_COLOUR, g_on, idle),
        "}",
    ]
    return "\n".join(lines) + "\n"


def phase_text(update: str, moving: bool, step: int | None = None) -> str:
    """What the graph's highlight means, as a title: 'Updating: D only' while the run moves,
    'Last step: G only' when it is still, 'Step 1,200: D and G' for an earlier step."""
    which = {"both": "D and G", "d": "D only", "g": "G only"}.get(update)
    if which is None:
        return "No step yet"
    if step is not None:
        return f"Step {step:,}: {which}"
    return f"{'Updating' if moving else 'Last step'}: {which}"
