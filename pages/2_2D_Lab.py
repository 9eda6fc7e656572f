"""2D Lab: GAN Lab's views of a 2D run on one plot."""
import streamlit as st

from gan_core.losses import LOSSES
from gan_core.views import plotly_charts
from ui import graph, layout, lessons, live, navigation, slowmo, state

navigation.arrived()  # a page opened before the app's home: through dashboard.py
st.set_page_config(page_title="2D Lab · GANscope", layout="wide")
st.title("2D Lab")
trainer = state.need_run()
if trainer.data.kind != "points":
    st.info("The 2D Lab draws 2D datasets (ring8, grid25, spiral, ...). This run trains on "
            "images: see its samples on the Train and Evolution pages.")
    st.stop()
live.run_controls(trainer, settings=False)
slowmo.controls(trainer)
lessons.panel([trainer])
VIEWS = {"real": "real data", "fake": "generated", "heatmap": "discriminator heatmap",
         "arrows": "G's gradient arrows", "manifold": "generator manifold"}
show = set(st.pills("Show", list(VIEWS), format_func=VIEWS.get, selection_mode="multi",
                    default=list(VIEWS), key="lab_show") or [])
real = trainer.data.pool[:1000]
bounds = trainer.data.bounds()
follow = st.toggle("Follow the latest snapshot", value=True, key="lab_follow")
show_graph = graph.toggle("lab_graph")
st.caption("Arrows show where G's loss pushes each generated point. The purple mesh is where G "
           "sends a grid of latent points: folds and stretched cells show how G bends the noise "
           "onto the data; a line breaks where G jumps between neighbouring grid points.")
if trainer.config.pack > 1:
    st.caption(f"This D judges packs of {trainer.config.pack} samples (PacGAN): the heatmap "
               f"scores each point packed with the same {trainer.config.pack - 1} real "
               "point(s), and the arrows push generated points packed as in training.")


def key_line(prob: bool) -> str:
    """What the colours mean, as the plot draws them (plotly_charts.FIELD_SCALE, RdBu: 0 is red)."""
    d = ("red = D says fake, white = unsure, blue = D says real" if prob else
         "red = D scores low (fake), blue = high (real)")
    return f"**Key** · background: {d} · dots: grey = real, orange = generated"


def draw_frame(snap, snapshot) -> None:
    if show_graph:  # in the same tick as the plot: both show the snapshot's step
        graph.draw(snap, snapshot.step)
    prob = LOSSES.get(snap.hparams["loss"]).probability
    fig = live.memo("lab", (snap.run_id, snapshot.step, tuple(sorted(show)), prob),
                    lambda: plotly_charts.lab_view(snapshot, real, bounds, show, prob))
    with layout.screen_square("lab_plot", below=100 + graph.room(show_graph)):
        st.plotly_chart(fig, key="fig_lab", width="stretch", height="stretch")
    st.caption(key_line(prob))
    m = snapshot.metrics
    if m:
        st.caption(f"Step {snapshot.step:,}: {m['modes_captured']} of {m['modes_total']} modes "
                   f"captured, {m['high_quality_pct']:.0f}% of samples high quality.")


if follow:
    live.live(trainer, lambda snap: snap.snapshot and draw_frame(snap, snap.snapshot))
else:
    snap = trainer.state
    framed = [f for f in snap.snapshots if f.pictured]  # a long run's, thinned (run_state)
    steps = [f.step for f in framed]
    if steps:
        step = st.select_slider("Snapshot (step)", steps, value=steps[-1], key="lab_step")
        draw_frame(snap, framed[steps.index(step)])
