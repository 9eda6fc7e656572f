"""Train: steer the run and watch its curves and samples live."""
import streamlit as st

from gan_core.losses import LOSSES
from gan_core.views import pillow_images, style
from ui import conditional, graph, links, live, navigation, slowmo, state
from ui.labels import literal

navigation.arrived()  # a page opened before the app's home: through dashboard.py
st.set_page_config(page_title="Train · GANscope", layout="wide")
st.title("Train")
trainer = state.need_run()
cfg = trainer.config
st.caption(f"{literal(cfg.title or cfg.dataset)} · {cfg.model}"
           f"{' · conditional' if cfg.conditional else ''} · {cfg.loss} loss · batch {cfg.batch} · "
           f"z {cfg.z_dim} · run {trainer.run_id}")
notes = trainer.data.report(max_lines=8)
if notes:  # what the loader skipped or changed in the user's data (also printed by the CLI)
    with st.expander(f"About this data: {len(trainer.data.notes) + len(trainer.data.skipped)} "
                     "note(s)", icon=":material/info:"):
        st.markdown("\n".join(f"- {line}" for line in notes))
live.run_controls(trainer)
slowmo.controls(trainer)
with st.expander("Link to these settings", icon=":material/link:"):
    links.share(cfg, "Opens the home page's new-run form filled in with this run's settings "
                "(seed included): hand it to a class and everyone starts the same run.")
# A plain link (the browser opens it in a new tab, for the projector's window); page_link
# needs the app's navigation, which a page opened on its own (a test) does not have
st.markdown(f":material/co_present: [Show this run full screen (class demo)]"
            f"(Class_demo?run={trainer.run_id})", help="Large type, no sidebar, every second: "
            "for the projector. Opened from the sidebar instead, the class demo follows the "
            "teacher's newest training run.")
c = st.columns([2, 1.2, 1, 1])
smoothing = c[0].slider("Curve smoothing", 0.0, 0.99, 0.6, 0.01, key="smooth")
WINDOWS = {0: "all steps", 100: "last 100 steps", 1_000: "last 1,000 steps",
           10_000: "last 10,000 steps"}
last = c[1].selectbox("Show", list(WINDOWS), format_func=WINDOWS.get, key="window",
                      help="the last steps only: a few manual steps fill the chart")
log_y = c[2].toggle("Log scale", key="log_y")
live.interactive_toggle(c[3])
real = trainer.data.pool[:300] if trainer.data.kind == "points" else None
bounds = trainer.data.bounds() if real is not None else None
side = trainer.data.shape[0] if real is None else None
scale = pillow_images.display_scale(side) if side else None


def scatter_png(snapshot) -> bytes:
    """The live 2D view as a picture, not a chart: this view redraws every tick, and an image
    swap costs the browser almost nothing where SVG markers took CPU from training on the
    same laptop (bench/ui_tick.py --tabs). The 2D Lab keeps the interactive chart."""
    picture = pillow_images.scatter_image(snapshot.points[:500], bounds, real, size=420, dot=3)
    return pillow_images.png_bytes(picture)


def draw_curves(snap) -> None:
    """Every CURVE_TICKS ticks: the curves change slowly, and re-sending them costs."""
    h, ev = style.recent(snap.history, last), snap.events
    token = (snap.run_id, live.curve_clock(snap), smoothing, log_y, last)
    live.curve_chart("loss", token, snap, h, ["d_loss", "g_loss"], smoothing, log_y, "Losses", ev)
    st.caption("Losses do not fall steadily in a GAN: D and G play a game. Watch for a "
               "D loss near 0 (D wins, G learns nothing) or sudden spikes (instability).")
    prob = LOSSES.get(snap.hparams["loss"]).probability
    live.curve_chart("dout", token, snap, h, ["d_real", "d_fake"], smoothing, False,
                     "D(x) and D(G(z))" if prob else "D score on real and generated", ev)
    st.caption("D(x) and D(G(z)) both near 0.5: the discriminator can no longer tell "
               "real from generated. Far apart: D is winning.")
    live.curve_chart("grad", token, snap, h, ["d_grad_norm", "g_grad_norm"], smoothing, True,
                     "Gradient norms", ev)
    st.caption("A generator gradient that collapses towards 0 means G has stopped learning "
               "(the saturating minimax loss does this early on).")


def draw_now(snap) -> None:
    """Every tick: the step counter and the latest samples."""
    note = live.pace_note(snap) if snap.training else ""
    if note and not st.session_state.get("_interactive"):
        note += (" Curves are pictures while it trains: pause, or switch on Interactive "
                 "charts, to hover and zoom.")
    live.status(snap, note, per_row=2)
    snapshot = snap.snapshot
    if snapshot is None:
        st.info("No samples yet.")
    elif snapshot.grid is not None:
        png = live.memo("grid", (snap.run_id, snapshot.step),
                        lambda: conditional.grid_png(trainer, snapshot.grid, scale))
        st.image(png, caption=conditional.grid_caption(trainer, snapshot.step), width="stretch")
    else:
        m = snapshot.metrics
        modes = (f" · modes {m['modes_captured']}/{m['modes_total']}, high quality "
                 f"{m['high_quality_pct']:.0f}%" if m else "")
        st.image(live.memo("scatter", (snap.run_id, snapshot.step), lambda: scatter_png(snapshot)),
                 caption=f"Real (grey) vs generated (orange) at step {snapshot.step:,}{modes}",
                 width="stretch")


left, right = st.columns([3, 2])
with right:
    live.live(trainer, draw_now)
    if real is None:
        st.caption(f"The same {'noise' if cfg.conditional else '64 noise vectors'} at every "
                   f"snapshot: changes are learning, not luck. ({side}x{side} images, enlarged)")
    else:
        st.caption("A mode counts as captured when a generated point lands within 3 std of "
                   "it. The 2D Lab adds D's view.")
with left:
    live.live(trainer, draw_curves, ticks=live.CURVE_TICKS)
if graph.toggle("train_graph", default=False):  # off: one more live view per viewer
    graph.panel(trainer)
