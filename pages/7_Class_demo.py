"""Class demo: one run full screen for the projector, in large type, with no sidebar. It shows
the run named in the URL (`?run=...`) or follows the teacher: it switches to the teacher's
newest training run when one starts."""
import streamlit as st

from gan_core.losses import LOSSES
from gan_core.views import pillow_images
from ui import conditional, live, navigation, replay, state
from ui.labels import literal

navigation.arrived()  # a page opened before the app's home: through dashboard.py
st.set_page_config(page_title="Class demo · GANscope", layout="wide",
                   initial_sidebar_state="collapsed")
# Large type for the back of the room; no sidebar, no toolbar: the page is the run.
st.html("""<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"] {display: none;}
.block-container {padding-top: 1rem; max-width: 100%;}
[data-testid="stMetricValue"] {font-size: 3.2rem;}
[data-testid="stMetricLabel"] p {font-size: 1.4rem;}
.stMarkdown p, [data-testid="stCaptionContainer"] p {font-size: 1.35rem;}
h1 {font-size: 2.6rem;}
.st-key-demo_picture {max-width: max(360px, calc(100vh - 290px));}
</style>""")
st.session_state[live.FAST_VIEW] = True  # the projector ticks every second (ui/live.py)
named = st.query_params.get("run")
run_id = named or state.teachers_run()
if run_id is None:
    st.title("Class demo")
    st.info("No run yet. When the teacher starts one, it shows here.")
    live.every_tick(lambda: False, lambda: None, [])
else:
    trainer = state.runs().get(run_id)
    cfg = trainer.config
    st.title(f"{literal(cfg.title or cfg.dataset)} · {cfg.loss.replace('_', '-')} loss")
    real = trainer.data.pool[:500] if trainer.data.kind == "points" else None
    bounds = trainer.data.bounds() if real is not None else None

    def picture(snap) -> None:
        snapshot = snap.snapshot
        if snapshot is None:
            st.info("No samples yet.")
            return
        if snapshot.grid is not None:
            side = trainer.data.shape[0]
            png = live.memo("demo_grid", (snap.run_id, snapshot.step), lambda: conditional.grid_png(
                trainer, snapshot.grid, pillow_images.display_scale(side, 96)))  # rows named
            st.image(png, width="stretch")
            m = snapshot.metrics
            if m and "classes_covered" in m:
                st.markdown(f"**{m['classes_covered']} of {m['classes_total']} classes** "
                            f"covered · {m['confident_pct']:.0f}% of samples confidently "
                            "classified")
            return
        prob = LOSSES.get(snap.hparams["loss"]).probability
        png = live.memo("demo_field", (snap.run_id, snapshot.step, prob), lambda: (
            pillow_images.png_bytes(pillow_images.field_image(
                snapshot.field, snapshot.points, real, bounds, prob, size=720))
            if snapshot.field else pillow_images.png_bytes(pillow_images.scatter_image(
                snapshot.points[:500], bounds, real, size=720, dot=5))))
        st.image(png, width="stretch")
        m = snapshot.metrics
        if m:
            st.markdown(f"**{m['modes_captured']} of {m['modes_total']} modes** captured · "
                        f"{m['high_quality_pct']:.0f}% of samples high quality")
        st.caption("Background: red = D says fake, blue = D says real. "
                   "Grey: real data. Orange: generated.")

    def now(snap) -> None:
        c = st.columns(3)
        c[0].metric("Step", f"{snap.step:,}")
        c[1].metric("Steps/s", f"{snap.steps_per_sec:,.0f}" if snap.training else "—")
        c[2].metric("State", f"queued #{snap.queued}" if snap.queued
                    else "slow motion" if snap.slow else snap.status)
        if replay.is_replay(trainer):  # its controls are in the teacher's tab's sidebar
            st.markdown(f"**Replay** · step {snap.step:,} of {trainer.playhead.end:,} · "
                        "played from the teacher's window")
        with st.container(key="demo_picture"):  # as tall as the screen leaves (CSS above)
            picture(snap)

    def curves(snap) -> None:
        """Pictures, paused too: read from the back of the room, not hovered."""
        token = (snap.run_id, live.curve_clock(snap))
        prob = LOSSES.get(snap.hparams["loss"]).probability
        for key, names, title in (
                ("demo_loss", ["d_loss", "g_loss"], "Losses"),
                ("demo_dout", ["d_real", "d_fake"],
                 "D(x) and D(G(z))" if prob else "D score on real and generated")):
            st.image(live.memo(key, token, lambda names=names, title=title: live.curve_png(
                snap.history, names, 0.6, False, title, snap.events, height=330)),
                width="stretch")

    left, right = st.columns([5, 4])
    with left:
        live.live(trainer, now)
    with right:
        live.live(trainer, curves, ticks=live.CURVE_TICKS)

if not named:
    @st.fragment(run_every=live.HEARTBEAT_SECONDS)
    def follow_the_teacher() -> None:
        """Switch to the teacher's newest training run when it is another run."""
        if state.teachers_run() != run_id:
            st.rerun(scope="app")

    follow_the_teacher()
