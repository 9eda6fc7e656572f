"""The drawing panel (pages/8_Draw.py): points clicked, lassoed or picked as shapes, the modes
they make, and a run that trains on them.

The canvas is Streamlit's own plotly chart with selection events (`on_select`): no extra
component and no JavaScript of ours. The drawable-canvas component (streamlit-drawable-canvas)
was a new dependency for less: it draws Fabric.js shapes and pixels where the data is points,
and its maintenance is "best effort" (archived as unmaintained in March 2025, revived as 0.10.0
for Streamlit >= 1.53). How the canvas turns selections into positions:
gan_core/views/canvas.py.

A tab's drawing lives in its session (each student draws their own) as strokes, so Undo takes
back the last click, lasso or shape. Every change is a widget callback: it runs before the
page is drawn again, so the canvas shows it at once.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import streamlit as st

from gan_core import GanscopeError, Trainer
from gan_core.data import DRAWINGS, drawn, is_drawn, shapes
from gan_core.defaults import defaults_for
from gan_core.views import canvas as views
from ui import roles, state
from ui.labels import literal, said

STROKES, VERSION, NOTE, TOOL, SPREAD = "draw_strokes", "draw_version", "draw_note", "draw_tool", \
    "draw_spread"
TOOLS = {"click": "Click to add", "lasso": "Lasso to fill", "box": "Box to fill",
         "erase": "Lasso to erase"}
SPREADS = (0.01, 0.02, 0.03, 0.05, 0.08)  # data_std choices; drawn.DEFAULT_STD is the ring's
SHAPE_NAMES = {"ring": "ring of N points", "grid": "grid of N x N points", "line": "line of N points",
               "spiral": "spiral of N points", "letters": "letters"}
SHAPE_N = {"ring": 8, "grid": 3, "line": 40, "spiral": 150}  # each shape's N to start with


def strokes() -> list[np.ndarray]:
    """This tab's drawing: float32 `(n, 2)` arrays, oldest first."""
    return st.session_state.setdefault(STROKES, [])


def points() -> np.ndarray:
    """Every drawn point, in the order drawn."""
    drawn_now = strokes()
    return np.concatenate(drawn_now) if drawn_now else np.zeros((0, 2), np.float32)


def spread() -> float:
    return float(st.session_state.get(SPREAD, drawn.DEFAULT_STD))


def _redraw() -> None:
    """A new canvas key: the next chart starts with nothing selected, so the same spot can be
    clicked again."""
    st.session_state[VERSION] = st.session_state.get(VERSION, 0) + 1


def add(new: np.ndarray, replace: bool = False) -> None:
    """Add `new` as one stroke, without the points already drawn; past MAX_POINTS nothing is
    added and a note says so."""
    have = np.zeros((0, 2), np.float32) if replace else points()
    seen = {tuple(p) for p in np.round(have, 4).tolist()}
    fresh = []
    for p, key in zip(np.asarray(new, np.float32), np.round(new, 4).tolist()):
        if tuple(key) not in seen:
            seen.add(tuple(key))
            fresh.append(p)
    if len(have) + len(fresh) > drawn.MAX_POINTS:
        st.session_state[NOTE] = (f"Not added: {len(fresh):,} more points would make "
                                  f"{len(have) + len(fresh):,}, past the {drawn.MAX_POINTS:,} a "
                                  "drawing can hold. Draw a smaller region, or erase some.")
        return
    st.session_state[STROKES] = ([] if replace else strokes()) + (
        [np.array(fresh, np.float32)] if fresh else [])


def erase(indices: list[int]) -> None:
    """Remove the drawn points at `indices` (of `points()`); the strokes keep their order."""
    gone = set(indices)
    kept, start = [], 0
    for stroke in strokes():
        keep = [i not in gone for i in range(start, start + len(stroke))]
        start += len(stroke)
        if any(keep):
            kept.append(stroke[np.array(keep)])
    st.session_state[STROKES] = kept


def picked(selection: Mapping[str, Any], drawn_points: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """What a canvas selection (plotly's, as st.plotly_chart reports it) picked: the positions
    of the candidate points it holds, and the indices of the drawn points it holds or that sit
    within half a grid step of a picked candidate (a click on a drawn point may land on the
    candidate under it)."""
    where, hit = [], set()
    for p in selection.get("points", []):
        trace, index = p.get("curve_number"), p.get("point_index")
        if trace == views.CANDIDATES and "x" in p and "y" in p:
            where.append((float(p["x"]), float(p["y"])))
        elif trace == views.DRAWN and isinstance(index, int) and 0 <= index < len(drawn_points):
            hit.add(index)
    xy = np.array(where, np.float32).reshape(-1, 2)
    if len(xy) and len(drawn_points):
        d = np.abs(drawn_points[:, None, :] - xy[None, :, :]).max(-1).min(1)
        hit |= set(np.flatnonzero(d <= views.STEP / 2).tolist())
    return xy, sorted(hit)


def _on_select(key: str) -> None:
    """The canvas' callback: the drawing tools add the candidates selected, the eraser
    removes the drawn points selected."""
    event = st.session_state.get(key) or {}
    xy, hit = picked(event.get("selection") or {}, points())
    if st.session_state.get(TOOL) == "erase":
        erase(hit)
    elif len(xy):
        add(xy)
    _redraw()


def toolbar() -> None:
    """The tool, Undo and Clear, over the canvas (the four tools and both buttons fit in one
    row of a 1280 px window; the spread beside them did not: spread_slider)."""
    st.session_state.setdefault(TOOL, "click")  # a default through the state, not the widget
    c = st.columns([5, 1, 1], vertical_alignment="bottom")
    c[0].segmented_control("Tool", list(TOOLS), key=TOOL, required=True, format_func=TOOLS.get)
    c[1].button("Undo", key="draw_undo", on_click=_undo, disabled=not strokes(),
                icon=":material/undo:", width="stretch")
    c[2].button("Clear", key="draw_clear", on_click=_clear, disabled=not strokes(),
                icon=":material/delete:", width="stretch")


def spread_slider() -> None:
    """The spread of the data round each point, which also sets how points join into modes."""
    st.session_state.setdefault(SPREAD, drawn.DEFAULT_STD)  # through the state: Load sets it
    st.select_slider("Spread (std around each point)", SPREADS, key=SPREAD,
                     help="the data is your points blurred by this much: a wider spread "
                     "also joins nearby points into one mode")


def _undo() -> None:
    st.session_state[STROKES] = strokes()[:-1]
    _redraw()


def _clear() -> None:
    st.session_state[STROKES] = []
    _redraw()


def canvas() -> None:
    """The canvas and, under it, how many points and modes the drawing holds."""
    pts = points()
    modes = drawn.find_modes(pts, spread()) if len(pts) else None
    key = f"draw_canvas_{st.session_state.get(VERSION, 0)}"
    tool = st.session_state.get(TOOL, "click")
    # the tool sets the drag mode: no mode bar to change it behind the tool's back
    st.plotly_chart(views.canvas_figure(pts, modes, tool), key=key,
                    on_select=functools.partial(_on_select, key),
                    selection_mode=("points", "box", "lasso"), width="stretch",
                    config={"displayModeBar": False, "scrollZoom": False})
    note = st.session_state.pop(NOTE, None)
    if note:  # may quote what was typed: shown as text, not markdown
        st.warning(literal(note))
    if modes is None:
        st.caption("Nothing drawn yet.")
        return
    k = int(modes.max()) + 1
    st.markdown(f"**{_count(len(pts), 'point')} in {_count(k, 'mode')}** · points closer "
                f"than {drawn.LINK_STDS * spread():.2f} ({drawn.LINK_STDS:g} x the spread) "
                "make one mode; the Mode collapse page counts them.")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def shapes_panel() -> None:
    """Pick a shape and add it, or put it in place of the drawing."""
    shape = st.selectbox("Shape", list(SHAPE_NAMES), format_func=SHAPE_NAMES.get, key="draw_shape")
    if shape == "letters":
        st.text_input("Letters (A-Z, 0-9)", value="GAN", max_chars=shapes.MAX_LETTERS,
                      key="draw_text")
    else:
        st.number_input("N", min_value=2 if shape != "ring" else 1, value=SHAPE_N[shape],
                        key=f"draw_n_{shape}")
    c = st.columns(2)
    c[0].button("Add shape", key="draw_add_shape", on_click=_shape, args=(shape, False),
                icon=":material/add:")
    c[1].button("Replace with shape", key="draw_replace_shape", on_click=_shape,
                args=(shape, True))


def _shape(shape: str, replace: bool) -> None:
    try:
        if shape == "letters":
            new = shapes.letters(st.session_state.get("draw_text", "GAN"))
        else:
            new = shapes.SHAPES[shape](int(st.session_state.get(f"draw_n_{shape}", SHAPE_N[shape])))
    except GanscopeError as exc:
        st.session_state[NOTE] = str(exc)
        return
    add(new, replace=replace)
    _redraw()


def reuse_panel() -> None:
    """The drawings earlier runs trained on (saved in their folders), to draw on again."""
    seen: dict[str, Any] = {}
    for info in state.runs().list():  # newest first: a drawing shows its newest run's title
        if is_drawn(info.dataset) and info.dataset not in seen:
            seen[info.dataset] = info
    if not seen:
        st.caption("Drawings that runs trained on are saved with them, and show up here to "
                   "reuse.")
        return
    runs = {info.run_id: info for info in seen.values()}
    choice = st.selectbox("A drawing an earlier run trained on", list(runs), key="draw_reuse",
                          format_func=lambda r: f"{runs[r].title} · {r[-4:]}")
    st.button("Load it", key="draw_load", on_click=_load, args=(choice,),
              icon=":material/upload:")


def _load(run_id: str) -> None:
    try:
        add(state.runs().drawing(run_id), replace=True)
        data_std = state.runs().config(run_id).data_std
        if data_std in SPREADS:
            st.session_state[SPREAD] = data_std
    except GanscopeError as exc:
        st.session_state[NOTE] = str(exc)
    _redraw()


def start_form() -> Trainer | None:
    """The title and seed of a run on the drawing, and its button; returns the started run."""
    with st.form("draw_start"):
        c = st.columns([3, 1])
        title = c[0].text_input("Title (optional)", key="draw_title", placeholder="my drawing")
        seed = c[1].number_input("Seed", min_value=0, value=0, key="draw_seed")
        go = st.form_submit_button("Train on this drawing", type="primary",
                                   icon=":material/play_arrow:")
    if not go:
        return None
    try:
        name = DRAWINGS.add(points())
        cfg = defaults_for(name, data_std=spread(), seed=int(seed),
                           title=title.strip() or "my drawing")
        with st.spinner("Building the models…"):
            trainer = state.runs().create(cfg, owner=roles.new_run_owner())
    except GanscopeError as exc:
        st.error(said(exc))
        return None
    trainer.start()
    st.caption(literal(trainer.data.description))
    return trainer
