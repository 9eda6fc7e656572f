"""Run controls, live fragments and process-wide memoisation of what a tick draws."""
from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import streamlit as st

from gan_core import GanscopeError, RunState, Trainer
from gan_core.losses import LOSSES
from gan_core.slots import SLOTS
from gan_core.views import plotly_charts
from gan_core.views.pillow_charts import curve_jpeg
from ui.labels import said

TICK_SECONDS = 1.0  # one viewer's live views redraw once a second: at 2 Hz the browser took a core
CURVE_TICKS = 5  # live curves redraw every 5th tick: one plotly update costs the browser ~100 ms
# of CPU, 3 curves a second took a third of a core from training (bench/NOTES.md, 13)


class Audience:
    """Who watches which run, process-wide: the sessions that ticked recently. The live views'
    work per run is one tick per second *in total*, shared by everyone watching, so a class
    of thirty laptops on one run does not starve its training (bench/ui_tick.py --tabs)."""

    def __init__(self) -> None:
        self._seen: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()  # guards _seen: every tab's script thread updates it

    def watch(self, viewer: str, run_ids: Iterable[str], now: float) -> float:
        """Record `viewer` on `run_ids`; the seconds between its ticks (TICK_SECONDS times the
        largest audience among those runs)."""
        most = 1
        with self._lock:
            for run_id in run_ids:
                seen = self._seen.setdefault(run_id, {})
                seen[viewer] = now
                self._expire(seen, now)
                most = max(most, len(seen))
        return TICK_SECONDS * most

    def pace(self, run_id: str, now: float) -> float:
        """Seconds between ticks of the views of `run_id` (without recording anyone)."""
        with self._lock:
            seen = self._seen.get(run_id, {})
            self._expire(seen, now)
            return TICK_SECONDS * max(1, len(seen))

    @staticmethod
    def _expire(seen: dict[str, float], now: float) -> None:
        ttl = 3 * TICK_SECONDS * len(seen) + 2  # a viewer ticks every len(seen) ticks
        for viewer, last in list(seen.items()):
            if now - last > ttl:
                del seen[viewer]


AUDIENCE = Audience()


def curve_clock(snap: RunState) -> Hashable:
    """What live curves depend on: the snapshot itself when the run is still, and while it
    trains a clock that moves every CURVE_TICKS ticks (shared by all tabs, so the memo builds
    one figure per move). The step counter and the samples keep ticking every tick."""
    if not snap.training:
        return ("at", snap.version)
    period = CURVE_TICKS * AUDIENCE.pace(snap.run_id, time.monotonic())
    return ("live", int(time.monotonic() // period))


MEMO_SIZE = 256  # figures and pictures kept for all tabs; a few snapshots' worth per run
_memo: OrderedDict[tuple, Any] = OrderedDict()
_memo_lock = threading.Lock()  # guards _memo: every tab's script thread reads and fills it


def memo(name: str, token: Any, build: Callable[[], Any]) -> Any:
    """`build()` once per (name, token) for the whole server: a tick whose snapshot did not
    change rebuilds nothing, and five tabs watching one run build each figure once, not five
    times (figure building holds the GIL that training also needs). `token` must identify
    everything the value depends on; values are shared read-only."""
    key = (name, token)
    with _memo_lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
    value = build()  # outside the lock: two tabs may build at once, harmlessly
    with _memo_lock:
        _memo[key] = value
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
    return value


def interactive_toggle(where: Any = st) -> bool:
    """The viewer's choice of interactive live curves (kept across pages)."""
    on = where.toggle("Interactive charts", key="interactive_live",
                      value=st.session_state.get("_interactive", False),
                      help="Hover and zoom on the curves while the run trains. Off, they are "
                           "pictures until you pause: an interactive chart makes the browser "
                           "redraw it at every update, which slowed training on the same "
                           "laptop by ~10 % (bench/NOTES.md, 15).")
    st.session_state["_interactive"] = on
    return on


def curve_chart(key: str, token: Hashable, snap: RunState, history: dict, names: list[str],
                smoothing: float = 0.0, log_y: bool = False, title: str = "",
                events: Any = (), height: int = 300) -> None:
    """Curves of `names`: a picture while the run trains (unless the viewer asked for
    interactive charts), the interactive plotly chart when it is still. Both memoised under
    `token`, which must name everything they depend on."""
    if snap.training and not st.session_state.get("_interactive", False):
        st.image(memo(key + "_pic", token, lambda: curve_jpeg(
            history, names, smoothing, log_y, title, events, height=height)), width="stretch")
    else:
        st.plotly_chart(memo(key, token, lambda: plotly_charts.curves(
            history, names, smoothing, log_y, title, events, height=height)), key=f"fig_{key}")


def pace_note(snap: RunState) -> str:
    """Says how often the live views move, so a lagging curve is not a mystery."""
    pace = AUDIENCE.pace(snap.run_id, time.monotonic())
    watchers = round(pace / TICK_SECONDS)
    who = f" ({watchers} viewers share the updates)" if watchers > 1 else ""
    return (f"Live: samples and step every {pace:.0f} s, curves every {CURVE_TICKS * pace:.0f} s"
            f"{who}.")


def live(trainer: Trainer, draw: Callable[[RunState], None], ticks: int = 1) -> None:
    """Run `draw(snapshot)` now, and again every `ticks` ticks while the run trains (only
    then)."""
    every_tick(lambda: trainer.state.training, lambda: draw(trainer.state),
               [trainer.run_id], ticks)


def every_tick(training: Callable[[], bool], draw: Callable[[], None],
               run_ids: Iterable[str], ticks: int = 1) -> None:
    """Run `draw()` now, and again every `ticks` ticks while `training()` holds (only then).
    The tick's pace follows the audience of `run_ids` (see Audience). A page puts what
    changes every tick and what changes slowly (curves: ticks=CURVE_TICKS) in two calls: a
    fragment's rerun re-sends everything it draws, and re-sending three unchanged charts
    every second cost training ~10 % through the GIL (bench/NOTES.md, 15)."""
    run_ids = list(run_ids)
    viewer = st.session_state.setdefault("_viewer", secrets.token_hex(8))
    running = training()
    pace = AUDIENCE.watch(viewer, run_ids, time.monotonic()) if running else None

    @st.fragment(run_every=pace and pace * ticks)
    def tick() -> None:
        draw()
        if not running:
            return
        if not training():
            st.rerun()  # training paused or failed: redraw the page and stop ticking
        if AUDIENCE.watch(viewer, run_ids, time.monotonic()) != pace:
            st.rerun()  # someone came or left: redefine the fragment at the new pace

    tick()


def status(snap: RunState, note: str = "", per_row: int = 4) -> None:
    """Step, steps/s, training time and state (`per_row` metrics a row), then `note`."""
    c = [col for _ in range(4 // per_row) for col in st.columns(per_row)]
    c[0].metric("Step", f"{snap.step:,}")
    c[1].metric("Steps/s", f"{snap.steps_per_sec:,.0f}" if snap.training else "—")
    c[2].metric("Training time", f"{snap.elapsed:,.0f} s")
    c[3].metric("State", f"queued #{snap.queued}" if snap.queued else snap.status)
    if note:
        st.caption(note)
    if snap.queued:
        st.info(f"Waiting for a training slot: {snap.queued} run(s) ahead in line, counting "
                f"this one. It starts by itself when a run pauses or stops "
                f"(at most {SLOTS.size} train at once on this server).")
    if snap.status == "error":
        st.error(snap.message)
    elif snap.message:
        st.warning(snap.message)
    for warning in snap.warnings:
        st.caption(f":material/warning: {warning}")


def controls(trainer: Trainer) -> None:
    """Start / pause / step (both, D only, G only) / stop."""
    snap = trainer.state
    running = snap.training
    c = st.columns([1.1, 1, 1, 1, 1.1, 1.1, 1])
    if c[0].button("Train" if snap.step == 0 else "Resume", disabled=running, key="ctl_run",
                   type="primary", icon=":material/play_arrow:"):
        if _started(trainer, paused=False):
            trainer.resume()
            trainer.wait(lambda s: s.training, timeout=5)
            st.rerun()
    if c[1].button("Pause", disabled=not running, key="ctl_pause", icon=":material/pause:"):
        trainer.pause()
        trainer.wait(lambda s: not s.training, timeout=10)
        st.rerun()
    n = c[2].number_input("steps", 1, 10_000, 1, key="ctl_n", label_visibility="collapsed",
                          help="how many steps the step buttons train")
    for col, which, label in ((c[3], "both", "Step"), (c[4], "d", "Step D"), (c[5], "g", "Step G")):
        if col.button(label, disabled=running, key=f"ctl_step_{which}", icon=":material/skip_next:",
                      help={"both": "one D update, then one G update",
                            "d": "update only the discriminator",
                            "g": "update only the generator"}[which]):
            if _started(trainer, paused=True):
                cid = trainer.step(int(n), which)
                trainer.wait(lambda s, cid=cid: s.handled >= cid and not s.busy, timeout=10)
                st.rerun()
    if c[6].button("Stop", disabled=not trainer.alive, key="ctl_stop", icon=":material/stop:",
                   help="stop the thread and save a checkpoint"):
        trainer.stop()
        st.rerun()


def _started(trainer: Trainer, paused: bool) -> bool:
    """Start the run's thread if it is not running; an error message (e.g. another process
    trains this run) and False when it cannot."""
    try:
        trainer.start(paused=paused)
    except GanscopeError as exc:
        st.error(str(exc))
        return False
    return True


HPARAM_KEYS = {"lr_d": "hp_lr_d", "lr_g": "hp_lr_g", "d_steps": "hp_d_steps", "loss": "hp_loss"}


def hparams(trainer: Trainer) -> None:
    """Live edits: sent as a command, applied between two compiled calls, never retrace."""
    h = trainer.state.hparams
    # Keyed widgets keep their value across reruns: show the values in force whenever they
    # change under the form (another run picked, a change from another tab) or were dropped.
    in_force = (trainer.run_id, *(h[k] for k in HPARAM_KEYS))
    if (st.session_state.get("hp_in_force") != in_force
            or any(key not in st.session_state for key in HPARAM_KEYS.values())):
        st.session_state.update(hp_lr_d=float(h["lr_d"]), hp_lr_g=float(h["lr_g"]),
                                hp_d_steps=int(h["d_steps"]), hp_loss=h["loss"],
                                hp_in_force=in_force)
    with st.expander("Live settings (take effect without restarting)", expanded=False):
        with st.form("hparams"):
            c = st.columns(4)
            lr_d = c[0].number_input("D learning rate", format="%.6f", step=1e-4, min_value=0.0,
                                     key="hp_lr_d")
            lr_g = c[1].number_input("G learning rate", format="%.6f", step=1e-4, min_value=0.0,
                                     key="hp_lr_g")
            d_steps = c[2].number_input("D steps per G step", min_value=1, max_value=50,
                                        key="hp_d_steps")
            loss = c[3].selectbox("Loss", LOSSES.names(), key="hp_loss")
            if st.form_submit_button("Apply", key="hp_apply"):
                changes = {k: v for k, v in dict(lr_d=lr_d, lr_g=lr_g, d_steps=int(d_steps),
                                                 loss=loss).items() if v != h[k]}
                try:
                    if changes:
                        trainer.set_hparams(**changes)
                        st.success("Applied: " + ", ".join(f"{k}={v}" for k, v in changes.items()))
                except GanscopeError as exc:
                    st.error(said(exc))  # names the settings by the labels above
