"""Mode collapse: is the generator covering every mode (or class) of the data?"""
import numpy as np
import streamlit as st

from gan_core import diagnostics
from gan_core.views import pillow_images, plotly_charts
from ui import conditional, lessons, live, navigation, state

navigation.arrived()  # a page opened before the app's home: through dashboard.py
st.set_page_config(page_title="Mode collapse · GANscope", layout="wide")
st.title("Mode collapse")
trainer = state.need_run()
data = trainer.data
st.markdown("A GAN *collapses* when its generator produces only a few kinds of sample (a few "
            "modes of a mixture, a few digit classes) and the game with the discriminator no "
            "longer pushes it to the others. Each snapshot is judged on a fixed set of noise "
            "vectors, so the curves show the generator changing, not sampling luck.")
lessons.panel([trainer])
live.interactive_toggle()
if not data.is_mixture and data.kind != "images":
    st.info(f"{data.name} has no known modes or classes to count: use ring8 or grid25 for "
            "mode counts, or a labelled image dataset (digits, MNIST) for class counts.")
    st.stop()


def draw_mixture(snap) -> None:
    snapshot = snap.snapshot
    if snapshot is None or "mode_counts" not in snapshot.metrics:
        st.info("No snapshot yet.")
        return
    m = snapshot.metrics
    framed = [f for f in snap.snapshots if "mode_counts" in f.metrics]
    at = [f.step for f in framed]
    st.info(diagnostics.verdict(at, [f.metrics["mode_counts"] for f in framed],
                                d_fake=diagnostics.window_mean(snap.history, "d_fake", at)))
    c = st.columns(3)
    c[0].metric("Modes captured", f"{m['modes_captured']} / {m['modes_total']}")
    c[1].metric("High quality", f"{m['high_quality_pct']:.1f} %")
    c[2].metric("Reverse KL (nats)", f"{m['reverse_kl']:.3f}",
                help="KL(generated mode histogram || uniform): 0 = balanced, "
                     f"{np.log(m['modes_total']):.2f} = one mode")
    good, poor = diagnostics.mode_histogram(snapshot.points, data.centers, data.std, data.modes)
    left, right = st.columns(2)
    left.plotly_chart(live.memo("bars", (snap.run_id, snapshot.step), lambda: plotly_charts.mode_bars(
        good, poor, [str(i) for i in range(len(good))], f"Samples per mode, step {snapshot.step:,}",
        expected=len(snapshot.points) / len(good))), key="fig_bars")
    left.caption("Equal green bars reaching the dotted line: every mode covered evenly. Empty "
                 "bars are missed modes; grey is samples between modes (low quality).")
    d = snap.diagnostics()
    series = (snap.run_id, live.curve_clock(snap))  # curves move on the slower clock
    d["modes_captured_pct"] = 100.0 * d["modes_captured"] / np.maximum(d["modes_total"], 1)
    with right:
        live.curve_chart("cov", series, snap, d, ["modes_captured_pct", "high_quality_pct"],
                         title="Coverage over time (%)")
        live.curve_chart("kl", series, snap, d, ["reverse_kl"],
                         title="Reverse KL to uniform over modes (nats)", height=220)
    right.caption("Modes captured rising then falling, or jumping around, is mode collapse "
                  "or mode hopping. Reverse KL near 0: the generator spreads evenly over modes.")


def draw_images(snap) -> None:
    snapshot = snap.snapshot
    if snapshot is None:
        st.info("No snapshot yet.")
        return
    if trainer.config.conditional:  # first what a conditional G can still do: collapse within
        conditional.within_class(snap, trainer)
        st.subheader("Across classes")
    m = snapshot.metrics
    if "class_counts" not in m:
        st.info(m.get("note") or "The classifier that reads the samples is being trained (a few "
                "seconds, once per dataset); class counts appear at the next snapshots.")
    else:
        framed = [f for f in snap.snapshots if "class_counts" in f.metrics]
        at = [f.step for f in framed]
        st.info(diagnostics.verdict(at, [f.metrics["class_counts"] for f in framed], noun="classes",
                                    d_fake=diagnostics.window_mean(snap.history, "d_fake", at)))
        c = st.columns(5)
        c[0].metric("Classes covered", f"{m['classes_covered']} / {m['classes_total']}",
                    help="classes holding >= 1 % of the confidently classified samples")
        c[1].metric("Confidently classified", f"{m['confident_pct']:.0f} %",
                    help="samples the classifier puts in one class with probability > 0.9")
        c[2].metric("Class KL (nats)", f"{m['class_kl']:.2f}",
                    help="KL(generated class shares || the data's): 0 = same mix of classes")
        c[3].metric("FCD", f"{m['fcd']:.1f}", help="Fréchet distance between real and generated "
                    "samples in the classifier's feature space: lower is closer")
        c[4].metric("Near-duplicates", f"{m['duplicate_pct']:.1f} %")
    left, right = st.columns(2)
    with left:
        if "class_counts" in m:
            counts = m["class_counts"]
            labels = list(data.class_names) or [str(i) for i in range(len(counts))]
            st.plotly_chart(live.memo("cbars", (snap.run_id, snapshot.step), lambda: plotly_charts.mode_bars(
                counts, None, labels, f"Confident samples per class, step {snapshot.step:,}",
                expected=sum(counts) / len(counts), names=("confidently classified", ""))),
                key="fig_cbars")
            st.caption("A healthy generator fills every class to about the dotted line; a "
                       "collapsed one piles its samples into a few bars.")
        scale = pillow_images.display_scale(data.shape[0], target=32)
        st.image(live.memo("cgrid", (snap.run_id, snapshot.step), lambda: pillow_images.png_bytes(
            pillow_images.enlarge(snapshot.grid, scale))), caption=f"Samples at step {snapshot.step:,}",
            width=360)
    with right:
        d = snap.diagnostics()
        series = (snap.run_id, live.curve_clock(snap))  # curves move on the slower clock
        if "classes_covered" in d:
            d["classes_covered_pct"] = 100.0 * d["classes_covered"] / np.maximum(d["classes_total"], 1)
            live.curve_chart("ccov", series, snap, d, ["classes_covered_pct", "confident_pct"],
                             title="Coverage over time (%)")
            live.curve_chart("cdist", series, snap, d, ["class_kl", "fcd"], log_y=True,
                             title="Distance to the data (lower is better)", height=240)
            st.caption("Class KL rising while coverage falls: the generator is dropping "
                       "classes. FCD falls as samples look more like real ones.")
        live.curve_chart("dup", series, snap, d, ["duplicate_pct"],
                         title="Near-identical samples (%)", height=200)
        st.caption("Many near-identical samples from different noise is the bluntest sign "
                   "of collapse.")


live.live(trainer, draw_mixture if data.is_mixture else draw_images)
