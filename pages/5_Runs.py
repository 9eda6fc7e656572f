"""Runs: compare, reopen, resume, export and delete runs."""
import tempfile
from pathlib import Path

import streamlit as st

from gan_core import GanscopeError, figures, render
from gan_core.steps import METRICS
from gan_core.store import RunStore
from ui import state

st.set_page_config(page_title="Runs · GANscope", page_icon="🗂️", layout="wide")
st.title("Runs")
reg = state.registry()
runs = reg.list()
if not runs:
    st.info("No runs yet: start one on the home page.")
    st.stop()
names = {r.run_id: f"{r.title} · {r.run_id[-4:]} · {r.loss} · step {r.step:,}" for r in runs}
current = state.current()
default = [current.run_id] if current else [runs[0].run_id]
chosen = st.multiselect("Compare", list(names), default=default, format_func=names.get,
                        key="runs_cmp", max_selections=4)


def history(run_id: str) -> dict:
    live = reg.live(run_id)
    if live is not None:
        return live.snapshot.history
    cols, data = RunStore(reg.runs_dir / run_id).read_metrics()
    return {"step": data[:, 0], **{c: data[:, i + 1] for i, c in enumerate(cols)}}


if chosen:
    metric = st.selectbox("Metric", METRICS, format_func=lambda m: figures.LABELS[m], key="runs_metric")
    fig = None
    for run_id in chosen:
        h = history(run_id)
        one = figures.curves({"step": h["step"], run_id: h[metric]}, [run_id], smoothing=0.6)
        fig = one if fig is None else fig.add_traces(one.data[1:] if len(one.data) > 1 else one.data)
    fig.update_layout(title=figures.LABELS[metric])
    for trace, run_id in zip([t for t in fig.data if t.showlegend is not False], chosen):
        trace.name, trace.line.color = names[run_id], None
    st.plotly_chart(fig, key="fig_runs")
    st.caption("Overlaid curves (smoothed). Compare losses, or how fast each run's D(G(z)) rises.")
    cols = st.columns(len(chosen))
    configs = {}
    for col, run_id in zip(cols, chosen):
        store = RunStore(reg.runs_dir / run_id)
        configs[names[run_id]] = store.config().to_dict()
        pngs = sorted((store.path / "frames").glob("step_*.png"))
        if pngs:
            col.image(str(pngs[-1]), caption=f"{names[run_id]} (latest)", width=320)
        else:
            npzs = sorted((store.path / "frames").glob("step_*.npz"))
            if npzs:
                import numpy as np

                with np.load(npzs[-1]) as z:
                    pts = z["points"][:1000]
                bounds = (pts[:, 0].min() - .5, pts[:, 0].max() + .5, pts[:, 1].min() - .5, pts[:, 1].max() + .5)
                col.image(render.png_bytes(render.scatter_image(pts, bounds)),
                          caption=f"{names[run_id]} (latest)", width=320)
    keys = list(next(iter(configs.values())))
    st.dataframe({"setting": keys, **{n: [str(c[k]) for k in keys] for n, c in configs.items()}},
                 key="runs_configs", hide_index=True)

st.subheader("Manage")
target = st.selectbox("Run", list(names), format_func=names.get, key="runs_target")
c = st.columns(4)
if c[0].button("Open on Train", key="runs_open"):
    state.select(target)
    st.switch_page("pages/1_Train.py")
if c[1].button("Resume training", key="runs_resume"):
    try:
        t = reg.get(target)
        if not t.start():
            t.resume()
        state.select(target)
        st.switch_page("pages/1_Train.py")
    except GanscopeError as exc:
        st.error(str(exc))
with c[2]:
    if st.button("Prepare exports", key="runs_export"):
        t = reg.get(target)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "generator.keras"
            t.steps.sampler.save(path)
            st.session_state["export"] = (target, path.read_bytes())
    if st.session_state.get("export", (None,))[0] == target:
        st.download_button("generator.keras", st.session_state["export"][1],
                           file_name=f"{target}-generator.keras", key="dl_gen")
        metrics_file = reg.runs_dir / target / "metrics.csv"
        if metrics_file.exists():
            st.download_button("metrics.csv", metrics_file.read_bytes(),
                               file_name=f"{target}-metrics.csv", key="dl_csv")
with c[3]:
    sure = st.checkbox("Yes, delete it", key="runs_sure")
    if st.button("Delete", disabled=not sure, key="runs_delete"):
        reg.delete(target)
        st.session_state.pop("run_id", None)
        st.query_params.clear()
        st.success(f"Deleted {target}")
        st.rerun()
