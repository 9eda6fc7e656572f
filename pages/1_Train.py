"""Train: steer the run and watch its curves and samples live."""
import streamlit as st

from gan_core import figures, render
from gan_core.losses import LOSSES
from ui import live, state

st.set_page_config(page_title="Train · GANscope", page_icon="🎛️", layout="wide")
st.title("Train")
trainer = state.need_run()
cfg = trainer.config
st.caption(f"{cfg.title or cfg.dataset} · {cfg.model} · {cfg.loss} loss · batch {cfg.batch} · "
           f"z {cfg.z_dim} · run {trainer.run_id}")
live.controls(trainer)
live.hparams(trainer)
c = st.columns([2, 1, 1])
smoothing = c[0].slider("Curve smoothing", 0.0, 0.99, 0.6, 0.01, key="smooth")
log_y = c[1].toggle("Log scale", key="log_y")
real = trainer.data.pool[:300] if trainer.data.kind == "points" else None
bounds = trainer.data.bounds() if real is not None else None


def scatter_png(frame) -> bytes:
    """The live 2D view as a picture, not a chart: this view redraws every tick, and an image
    swap costs the browser almost nothing where SVG markers took CPU from training on the
    same laptop (bench/ui_tick.py --tabs). The 2D Lab keeps the interactive chart."""
    return render.png_bytes(render.scatter_image(frame.points[:500], bounds, real, size=420, dot=3))


def draw(snap) -> None:
    live.status(snap)
    if snap.training:
        st.caption(live.pace_note(snap))
    h, ev = snap.history, snap.events
    token = (snap.run_id, live.curve_clock(snap), smoothing, log_y)
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(live.memo("loss", token, lambda: figures.curves(
            h, ["d_loss", "g_loss"], smoothing, log_y, "Losses", ev)), key="fig_loss")
        st.caption("Losses do not fall steadily in a GAN: D and G play a game. Watch for a "
                   "D loss near 0 (D wins, G learns nothing) or sudden spikes (instability).")
        prob = LOSSES.get(snap.hparams["loss"]).probability
        st.plotly_chart(live.memo("dout", token, lambda: figures.curves(
            h, ["d_real", "d_fake"], smoothing, False,
            "D(x) and D(G(z))" if prob else "D score on real and generated", ev)), key="fig_dout")
        st.caption("D(x) and D(G(z)) both near 0.5: the discriminator can no longer tell "
                   "real from generated. Far apart: D is winning.")
        st.plotly_chart(live.memo("grad", token, lambda: figures.curves(
            h, ["d_grad_norm", "g_grad_norm"], smoothing, True, "Gradient norms", ev)),
            key="fig_grad")
        st.caption("A generator gradient that collapses towards 0 means G has stopped learning "
                   "(the saturating minimax loss does this early on).")
    with right:
        frame = snap.frame
        if frame is None:
            st.info("No samples yet.")
        elif frame.grid is not None:
            scale = render.display_scale(cfg_side := trainer.data.shape[0])
            png = live.memo("grid", (snap.run_id, frame.step),
                            lambda: render.png_bytes(render.tile_scaled(frame.grid, scale)))
            st.image(png, caption=f"Fixed-noise samples at step {frame.step:,}",
                     width="stretch")
            st.caption("The same 64 noise vectors at every snapshot: changes are learning, "
                       f"not luck. ({cfg_side}x{cfg_side} images, enlarged)")
        else:
            st.image(live.memo("scatter", (snap.run_id, frame.step), lambda: scatter_png(frame)),
                     caption=f"Real (grey) vs generated (orange) at step {frame.step:,}",
                     width="stretch")
            m = frame.metrics
            if m:
                st.caption(f"Modes captured {m['modes_captured']}/{m['modes_total']}, high "
                           f"quality {m['high_quality_pct']:.0f}%. The 2D Lab adds D's view.")


live.live(trainer, draw)
