"""A conditional run on the pages: the form's switch, the per-class grid, the class picker
and the within-class diversity panel. Each page calls one function here, so conditional runs
add a line or two to a page, not a branch through it."""
from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from gan_core import RunState, conditional, diagnostics
from gan_core.data import DATASETS, POINT_DATASETS
from gan_core.views import pillow_images, plotly_charts
from ui import live
from ui.labels import LABELS

# The named datasets with a label per image (every registered image dataset); a user's own
# file may have labels too: the switch shows for uploads, and the run says if it has none.
LABELLED = tuple(n for n in DATASETS.names() if n not in POINT_DATASETS)
HELP = ("G is told which class to draw (and D which class an image claims to be): the "
        "sample grid shows one row per class. Needs labelled images.")


def switch(dataset: str, on: bool, upload: bool = False) -> bool:
    """The new-run form's switch, above the form (turning it on shows the conditional
    defaults in the form), for labelled image data only; False where it is not shown."""
    if dataset not in LABELLED and not upload:
        return False
    return st.toggle(LABELS["conditional"], value=on, key="new_conditional",
                     help=HELP + (" Your file needs labels: subfolders per class, or y in "
                                  "an .npz." if upload else ""))


def names(run: Any) -> list[str]:
    """The run's class names (class ids as text when the data names none)."""
    data = run.data
    return list(data.class_names) or [str(i) for i in range(data.n_classes)]


def grid_png(run: Any, grid: np.ndarray, scale: int) -> bytes:
    """A snapshot's sample grid, enlarged; a conditional run's with its rows named."""
    picture = pillow_images.enlarge(grid, scale)
    if run.config.conditional:
        rows = conditional.grid_rows(run.data.n_classes)
        picture = pillow_images.label_rows(picture, names(run), rows)
    return pillow_images.png_bytes(picture)


def grid_caption(run: Any, step: int) -> str:
    if not run.config.conditional:
        return f"Fixed-noise samples at step {step:,}"
    rows = conditional.grid_rows(run.data.n_classes)
    more = f" (the first {rows} of {run.data.n_classes})" if rows < run.data.n_classes else ""
    return (f"One row per class{more}, at step {step:,}: each column is one noise vector "
            "drawn as every class, so a column changes class but keeps its style.")


def picker(run: Any, label: str, key: str, index: int = 0) -> int:
    """A class chosen by name; its id."""
    shown = names(run)
    return int(st.selectbox(label, range(len(shown)), index=min(index, len(shown) - 1),
                            format_func=lambda c: shown[c], key=key))


PATHS = ("same class, noise A → B", "same noise, class a → class b")


def interpolation(run: Any, frames: int) -> tuple[str, np.ndarray | None, str]:
    """The Latent explorer's choice for a conditional run: which path to walk. Returns (the
    path, the class weights per frame (None: noise moves, class fixed and returned in the
    caption), a caption)."""
    how = st.radio("Interpolate", PATHS, horizontal=True, key="lat_cond_path",
                   help="a conditional G takes noise and a class: keep one, move the other")
    c = st.columns(2)
    if how == PATHS[0]:
        cls = picker(run, "Class", "lat_cond_class")
        return how, np.full(frames, cls, np.int32), f"class {names(run)[cls]}: noise A → B"
    with c[0]:
        first = picker(run, "From class", "lat_cond_from", 3)
    with c[1]:
        last = picker(run, "To class", "lat_cond_to", 8)
    weights = conditional.blend(first, last, frames, run.data.n_classes)
    return how, weights, f"noise A: class {names(run)[first]} → {names(run)[last]}"


def within_class(snap: RunState, run: Any) -> None:
    """The Mode collapse page's panel for a conditional run: does each class get the class
    asked for, and how varied is each class (a conditional G can still collapse within one)."""
    snapshot = snap.snapshot
    m = snapshot.metrics if snapshot is not None else {}
    if "class_diversity" not in m:
        return
    st.subheader("Within each class")
    shown = names(run)
    diversity = [None if v is None else 100.0 * v for v in m["class_diversity"]]
    st.info(diagnostics.within_verdict(m, shown))
    c = st.columns(3)
    c[0].metric("Within-class diversity", f"{100 * m['within_diversity']:.0f} % of real",
                help="per class, how much the samples differ pixel by pixel (the mean per-pixel "
                     "standard deviation), as a share of the real images of that class; the "
                     "mean over the classes")
    c[1].metric("Least varied class", f"{shown[m['least_diverse_class']]}: "
                f"{100 * m['least_diversity']:.0f} %")
    if "class_match_pct" in m:
        c[2].metric("Drawn as asked", f"{m['class_match_pct']:.0f} %",
                    help="samples the classifier confidently puts in the class G was asked for")
    left, right = st.columns(2)
    left.plotly_chart(live.memo("wbars", (snap.run_id, snapshot.step), lambda: plotly_charts.mode_bars(
        [0 if v is None else v for v in diversity], None, shown,
        f"Within-class diversity, step {snapshot.step:,}", expected=100.0,
        names=("% of the real class's", ""), y_title="% of real")), key="fig_wbars")
    left.caption("Each bar: how varied the samples of one class are, against the real images "
                 "of that class (the dotted line). A bar near 0 is a class drawn as one image.")
    d = snap.diagnostics()
    if "within_diversity" in d:
        d["within_diversity_pct"] = 100.0 * d["within_diversity"]
        d["least_diversity_pct"] = 100.0 * d["least_diversity"]
        with right:
            live.curve_chart("wdiv", (snap.run_id, live.curve_clock(snap)), snap, d,
                             ["within_diversity_pct", "least_diversity_pct"],
                             title="Within-class diversity over time (% of real)", height=260)
