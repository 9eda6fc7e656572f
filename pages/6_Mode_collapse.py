"""Mode collapse: is the generator covering every mode of the data?"""
import streamlit as st

from gan_core import diagnostics, figures
from ui import live, state

st.set_page_config(page_title="Mode collapse · GANscope", page_icon="🩺", layout="wide")
st.title("Mode collapse")
trainer = state.need_run()
data = trainer.data
st.markdown("A GAN *collapses* when its generator produces only a few kinds of sample (a few "
            "modes of a mixture, a few digit classes) because that is enough to fool the "
            "current discriminator. The numbers below follow VEEGAN and PacGAN: 2,500 samples, "
            "a sample is *high quality* within 3 standard deviations of its nearest mode, and a "
            "mode is *captured* when at least one high-quality sample is nearest to it.")
if not data.is_mixture:
    st.info("Mode counts need a dataset with known modes (ring8, grid25). Class-based "
            "diagnostics for image data are coming to this page.")
    st.stop()


def draw(snap) -> None:
    frame = snap.frame
    if frame is None or frame.points is None:
        st.info("No snapshot yet.")
        return
    m = frame.metrics
    framed = [f for f in snap.frames if "mode_counts" in f.metrics]
    st.info(diagnostics.verdict([f.step for f in framed], [f.metrics["mode_counts"] for f in framed]))
    c = st.columns(3)
    c[0].metric("Modes captured", f"{m['modes_captured']} / {m['modes_total']}")
    c[1].metric("High quality", f"{m['high_quality_pct']:.1f} %")
    c[2].metric("Reverse KL (nats)", f"{m['reverse_kl']:.3f}",
                help="KL(generated mode histogram || uniform): 0 = balanced, "
                     f"{diagnostics.np.log(m['modes_total']):.2f} = one mode")
    good, poor = diagnostics.mode_histogram(frame.points, data.centers, data.std)
    left, right = st.columns(2)
    left.plotly_chart(live.memo("bars", (snap.run_id, frame.step), lambda: figures.mode_bars(
        good, poor, [str(i) for i in range(len(good))], f"Samples per mode, step {frame.step:,}")),
        key="fig_bars")
    left.caption("Equal green bars: every mode covered. Empty bars are missed modes.")
    d = snap.diagnostics()
    if len(d["step"]):
        d["modes_captured_pct"] = 100.0 * d["modes_captured"] / d["modes_total"]
    right.plotly_chart(live.memo("cov", (snap.run_id, len(d["step"])), lambda: figures.curves(
        d, ["modes_captured_pct", "high_quality_pct"], title="Coverage over time (%)")),
        key="fig_cov")
    right.plotly_chart(live.memo("kl", (snap.run_id, len(d["step"])), lambda: figures.curves(
        d, ["reverse_kl"], title="Reverse KL to uniform over modes (nats)", height=220)),
        key="fig_kl")
    right.caption("Modes captured rising then falling, or jumping around, is mode collapse "
                  "or mode hopping.")


live.live(trainer, draw, "collapse")
