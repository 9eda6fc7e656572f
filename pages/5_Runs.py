"""Runs: compare, reopen, resume, export and delete runs."""
import tempfile
from pathlib import Path

import numpy as np
import streamlit as st

from gan_core import GanscopeError
from gan_core.data import POINT_DATASETS, is_drawn, load_dataset
from gan_core.gan import METRICS
from gan_core.views import pillow_images, plotly_charts, style
from gan_core.views.pillow_charts import overlay_image, png
from ui import lessons, live, navigation, roles, state

navigation.arrived()  # a page opened before the app's home: through dashboard.py
st.set_page_config(page_title="Runs · GANscope", layout="wide")
st.title("Runs")
THUMB = 320  # pixels: the compared runs' latest samples
reg = state.runs()
runs, skipped = reg.scan()
state.skipped_note(skipped)
if not runs:
    if "runs_deleted" in st.session_state:
        st.success(st.session_state.pop("runs_deleted"))
    st.info("No runs yet: start one on the home page.")
    st.stop()
# The browser knows an option by its label: a label that changed (a training run's step) lost
# the selection, so the boxes name runs by what never changes; steps show where they are live.
names = {r.run_id: f"{r.title} · {r.run_id[-4:]} · {r.loss}" for r in runs}
current = state.current()
if "runs_cmp" in st.session_state:  # set by a lesson card, or kept from a visit: drop deleted runs
    st.session_state["runs_cmp"] = [r for r in st.session_state["runs_cmp"] if r in names]
    default = None
else:
    default = [current.run_id] if current else [runs[0].run_id]
chosen = st.multiselect("Compare", list(names), default=default, format_func=names.get,
                        key="runs_cmp", max_selections=4)


def history(run_id: str) -> dict:
    return reg.history(run_id)


def latest_picture(run_id: str) -> tuple[bytes, int] | None:
    """The run's newest sample grid (images) or scatter (2D), from memory or from disk, and
    the step it shows."""
    live_run = reg.live(run_id)
    snapshot = reg.latest_snapshot(run_id)
    if snapshot is None:
        return None
    data = live_run.data if live_run is not None else saved_points(run_id)
    if snapshot.grid is not None:  # crisp pixels: an integer upscale to about THUMB wide
        scale = max(1, THUMB // snapshot.grid.shape[1])
        picture = pillow_images.enlarge(snapshot.grid, scale)
    elif data is not None:  # the real data in grey under the generated points, the Train view
        picture = pillow_images.scatter_image(snapshot.points[:1000], data.bounds(),
                                              data.pool[:500], size=THUMB, dot=3)
    else:
        pts = snapshot.points[:1000]
        lo, hi = np.nanmin(pts, 0) - 0.5, np.nanmax(pts, 0) + 0.5
        picture = pillow_images.scatter_image(pts, (lo[0], hi[0], lo[1], hi[1]), size=THUMB)
    return pillow_images.png_bytes(picture), snapshot.step


def saved_points(run_id: str):
    """A saved 2D run's toy or drawn dataset, rebuilt from its config (instant); None for
    other data."""
    cfg = reg.config(run_id)
    if is_drawn(cfg.dataset):
        reg.drawing(run_id)  # its points, from its folder
    elif cfg.dataset not in POINT_DATASETS:
        return None
    return live.memo("points", (cfg.dataset, cfg.data_std, cfg.seed),
                     lambda: load_dataset(cfg.dataset, std=cfg.data_std, seed=cfg.seed))


def clock(run_id: str):
    """What a run's curve depends on: the live curve clock, or nothing for a saved run."""
    live_run = reg.live(run_id)
    return live.curve_clock(live_run.state) if live_run is not None else names[run_id]


def overlay(draw=plotly_charts.overlay):
    series = {names[r]: history(r) for r in chosen}
    return draw({n: (h["step"], h[metric]) for n, h in series.items()},
                style.LABELS[metric], log_y=metric.endswith("grad_norm"))


def training() -> bool:
    return any(reg.live(r) is not None and reg.live(r).state.training for r in chosen)


def compare() -> None:
    token = (tuple(chosen), metric, tuple(clock(r) for r in chosen))
    if training() and not st.session_state.get("_interactive", False):  # as on the Train page
        st.image(live.memo("runs_pic", token, lambda: png(overlay(overlay_image))),
                 width="stretch")
    else:
        st.plotly_chart(live.memo("runs", token, overlay), key="fig_runs")
    st.caption("Overlaid curves (smoothed; gradient norms on a log scale). Compare losses, how "
               "close each run's D(G(z)) stays to D(x), or how large G's gradient is.")
    for col, run_id in zip(st.columns(len(chosen)), chosen):
        picture = latest_picture(run_id)
        if picture is not None:  # captioned with the step it shows, read at this tick
            col.image(picture[0], caption=f"{names[run_id]} · step {picture[1]:,}", width=THUMB)


lessons.panel([t for t in map(reg.live, chosen) if t is not None])
if chosen:
    c = st.columns([3, 1])
    metric = c[0].selectbox("Metric", METRICS, format_func=lambda m: style.LABELS[m],
                            key="runs_metric")
    live.interactive_toggle(c[1])
    live.every_tick(training, compare, chosen)
    configs = {names[r]: reg.config(r).to_dict() for r in chosen}
    keys = list(next(iter(configs.values())))
    st.dataframe({"setting": keys, **{n: [str(c[k]) for k in keys] for n, c in configs.items()}},
                 key="runs_configs", hide_index=True)


def delete(run_id: str) -> None:
    """The Delete button's callback: it runs before the page is drawn again, so the page
    that follows no longer lists the run and says what was deleted."""
    if roles.on() and not roles.may_control(reg.owner(run_id)):  # checked again at the act
        st.session_state["runs_deleted"] = "Not deleted: " + roles.controller_note(reg.owner(run_id))
        return
    title = next(r.title for r in runs if r.run_id == run_id)
    reg.delete(run_id)
    if st.session_state.get("run_id") == run_id:  # this tab followed it: forget it
        st.session_state.pop("run_id")
    if st.query_params.get("run") == run_id:
        del st.query_params["run"]
    st.session_state["runs_deleted"] = f"Deleted {title} ({run_id})."


st.subheader("Manage")
if "runs_deleted" in st.session_state:
    st.success(st.session_state.pop("runs_deleted"))
target = st.selectbox("Run", list(names), format_func=names.get, key="runs_target")
c = st.columns(4)
if c[0].button("Open on Train", key="runs_open"):
    state.select(target)
    st.switch_page("pages/1_Train.py")
allowed = roles.may_control(reg.owner(target)) if roles.on() else True
if not allowed:
    st.caption(roles.controller_note(reg.owner(target)))
if c[1].button("Resume training", key="runs_resume", disabled=not allowed):
    try:
        t = reg.get(target)
        t.start(paused=True)
        t.resume()
        state.select(target)
        st.switch_page("pages/1_Train.py")
    except GanscopeError as exc:
        st.error(str(exc))
with c[2]:
    if st.button("Prepare exports", key="runs_export"):
        try:
            t = reg.get(target)
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "generator.keras"
                t.export_generator(path)
                st.session_state["export"] = (target, path.read_bytes())
        except GanscopeError as exc:
            st.error(str(exc))
    if st.session_state.get("export", (None,))[0] == target:
        st.download_button("generator.keras", st.session_state["export"][1],
                           file_name=f"{target}-generator.keras", key="dl_gen")
        metrics = reg.metrics_csv(target)
        if metrics is not None:
            st.download_button("metrics.csv", metrics, file_name=f"{target}-metrics.csv",
                               key="dl_csv")
with c[3]:
    # One confirmation per run: picking another run (or the box moving on after a delete)
    # shows an unticked box, so a tick never carries over to a run it was not given for.
    sure = st.checkbox("Yes, delete it", key=f"runs_sure_{target}", disabled=not allowed)
    st.button("Delete", disabled=not (sure and allowed), key="runs_delete", on_click=delete,
              args=(target,))
