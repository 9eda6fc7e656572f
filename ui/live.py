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
from gan_core.commands import SlowMotion
from gan_core.losses import LOSSES
from gan_core.slots import SHARE_BESIDE_FIRST, SLOTS
from gan_core.views import plotly_charts
from gan_core.views.pillow_charts import curve_image, png
from ui import replay, roles, state
from ui.labels import said

TICK_SECONDS = 2.0  # a view's live parts redraw every 2 s in a class (the floor for
# a student): every second, 30 viewers took 0.18-0.19 cores of the server, at 2 s 0.10-0.11
PROJECTOR_SECONDS = 1.0  # ... and every second on the projector, or with few viewers
SMALL_AUDIENCE = 2  # a session that first draws while at most this many watch ticks every second
# (one person, two tabs); five tabs in Chromium beside training kept 0.86 of its speed with 2,
# 0.80 with 5 (bench/NOTES.md 17)
SEEN_SECONDS = 60.0  # a session that drew nothing for this long no longer counts as watching
CURVE_TICKS = 5  # live curves redraw every 5th tick: one plotly update costs the browser ~100 ms
# of CPU, 3 curves a second took a third of a core from training (bench/NOTES.md, 13)
CURVE_SECONDS = CURVE_TICKS * PROJECTOR_SECONDS  # the live curves' shared clock (curve_clock)
HEARTBEAT_SECONDS = 1.0  # a still page looks this often whether its runs changed elsewhere
SLOW_VIEW_SECONDS = 0.5  # a run in slow motion ticks its views with its ticks, at most this
# often (half the projector's pace): its thread works ~30 ms a tick (bench/NOTES.md 20), so the
# cores that training used are free for the views
FAST_VIEW = "_fast_view"  # session flag: whether this view ticks every PROJECTOR_SECONDS. Set
# by `?view=projector` in the URL and for the teacher (roles on); a page for the projector may
# set it too; else decided once, when the session first draws (view_seconds).


class Viewers:
    """How many sessions drew a live view lately, process-wide."""

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()  # guards _seen: every tab's script thread updates it

    def saw(self, viewer: str, now: float) -> int:
        """Record `viewer` at `now`; how many viewers drew within SEEN_SECONDS."""
        with self._lock:
            self._seen[viewer] = now
            for who, last in list(self._seen.items()):
                if now - last > SEEN_SECONDS:
                    del self._seen[who]
            return len(self._seen)


VIEWERS = Viewers()


def view_seconds(slow: SlowMotion | None = None) -> float:
    """Seconds between this view's live updates: PROJECTOR_SECONDS on a fast view, else
    TICK_SECONDS; for a run in `slow` motion, its period when shorter, down to
    SLOW_VIEW_SECONDS (every view follows every tick of a half-second slow motion). A session
    is fast when the URL says `?view=projector`, for the teacher when roles are on
    (ui/roles.py), or when it first drew while at most SMALL_AUDIENCE sessions watched (one
    person at a laptop, the teacher before the class arrives): decided once, so a view never
    changes pace (that would redraw its page). Each run's pictures are built once per clock
    for every viewer (memo); a viewer costs the server its fragment reruns (bench/NOTES.md
    17)."""
    if st.query_params.get("view") == "projector" or roles.on() and roles.is_teacher():
        st.session_state[FAST_VIEW] = True  # kept when a page switch drops the URL's parameters
    fast = st.session_state.setdefault(FAST_VIEW, _watching() <= SMALL_AUDIENCE)
    pace = PROJECTOR_SECONDS if fast else TICK_SECONDS
    if slow is not None:
        pace = min(pace, max(SLOW_VIEW_SECONDS, slow.every_ms / 1000))
    return pace


def _watching() -> int:
    """Count this session as watching now; how many do."""
    viewer = st.session_state.setdefault("_viewer", secrets.token_hex(8))
    return VIEWERS.saw(viewer, time.monotonic())


def curve_clock(snap: RunState) -> Hashable:
    """What live curves depend on: the snapshot itself when the run is still, and while it
    trains a clock that moves every CURVE_SECONDS for the whole server (so the memo builds one
    figure per move, whoever asks). The step counter and the samples move at every tick.
    The first rows of a run move it too: a chart drawn before them would say "no data yet"
    for up to CURVE_SECONDS while the step counter ran."""
    if not snap.training:
        return ("at", snap.version)
    return ("live", int(time.monotonic() // CURVE_SECONDS), len(snap.history["step"]) > 0)


MEMO_SIZE = 256  # figures and pictures kept for all tabs; a few snapshots' worth per run
_memo: OrderedDict[tuple, Any] = OrderedDict()
_building: dict[tuple, threading.Event] = {}  # keys being built, set when done
_memo_lock = threading.Lock()  # guards _memo and _building: every tab's script thread uses them


def memo(name: str, token: Any, build: Callable[[], Any]) -> Any:
    """`build()` once per (name, token) for the whole server: a tick whose snapshot did not
    change rebuilds nothing, and thirty tabs watching one run build each figure once, not
    thirty times (figure building holds the GIL that training also needs); a tab asking while
    another builds waits for that build. `token` must identify everything the value depends
    on; values are shared read-only."""
    key = (name, token)
    while True:
        with _memo_lock:
            if key in _memo:
                _memo.move_to_end(key)
                return _memo[key]
            busy = _building.get(key)
            if busy is None:
                _building[key] = done = threading.Event()
                break
        busy.wait()  # then take its value, or build it here if that build failed
    try:
        value = build()  # outside the lock: other keys are served meanwhile
        with _memo_lock:
            _memo[key] = value
            while len(_memo) > MEMO_SIZE:
                _memo.popitem(last=False)
    finally:
        with _memo_lock:
            del _building[key]
        done.set()
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


def curve_png(*args: Any, **kwargs: Any) -> bytes:
    """pillow_charts.curve_image(...) as a palette PNG (pillow_charts.png)."""
    return png(curve_image(*args, **kwargs))


def curve_chart(key: str, token: Hashable, snap: RunState, history: dict, names: list[str],
                smoothing: float = 0.0, log_y: bool = False, title: str = "",
                events: Any = (), height: int = 300) -> None:
    """Curves of `names`: a picture while the run trains (unless the viewer asked for
    interactive charts), the interactive plotly chart when it is still. Both memoised under
    `token`, which must name everything they depend on."""
    if snap.training and not st.session_state.get("_interactive", False):
        st.image(memo(key + "_pic", token, lambda: curve_png(
            history, names, smoothing, log_y, title, events, height=height)), width="stretch")
    else:
        st.plotly_chart(memo(key, token, lambda: plotly_charts.curves(
            history, names, smoothing, log_y, title, events, height=height)), key=f"fig_{key}")


def pace_note(snap: RunState) -> str:
    """Says how often the live views move, so a lagging curve is not a mystery."""
    pace = PROJECTOR_SECONDS if st.session_state.get(FAST_VIEW) else TICK_SECONDS
    if snap.slow is not None:
        return (f"Slow motion: {snap.slow.text()}; samples and step every "
                f"{view_seconds(snap.slow):g} s, curves every {CURVE_TICKS * pace:.0f} s.")
    return (f"Live: samples and step every {pace:.0f} s, curves every {CURVE_TICKS * pace:.0f} s.")


def live(trainer: Trainer, draw: Callable[[RunState], None], ticks: int = 1) -> None:
    """Run `draw(snapshot)` now, and again every `ticks` ticks while the run trains; a page
    that keeps in step with its run whoever changes it (see every_tick). Slow views (curves)
    drawn before the run's first rows tick every tick until those come, then the page is
    redrawn at their pace: otherwise they said "no data yet" for CURVE_SECONDS while the
    step counter ran."""
    snap = trainer.state
    empty = ticks > 1 and snap.training and len(snap.history["step"]) == 0
    every_tick(lambda: trainer.state.training, lambda: draw(trainer.state),
               [trainer.run_id], ticks, snap.slow,
               until=(lambda: len(trainer.state.history["step"]) > 0) if empty else None)


def every_tick(training: Callable[[], bool], draw: Callable[[], None],
               run_ids: Iterable[str], ticks: int = 1, slow: SlowMotion | None = None,
               until: Callable[[], bool] | None = None) -> None:
    """Run `draw()` now, and again every `ticks` ticks (view_seconds) while `training()` holds.
    A page puts what changes every tick and what changes slowly (curves: ticks=CURVE_TICKS) in
    two calls: a fragment's rerun re-sends everything it draws, and re-sending three unchanged
    charts every second cost training ~10 % through the GIL (bench/NOTES.md, 15).

    The call with ticks=1 also keeps the whole page in step with `run_ids` when another tab,
    the CLI in this process or a lesson changes them: while they train, its tick redraws the
    page when a state or a live setting changed; while they are still, a heartbeat (an empty
    fragment every HEARTBEAT_SECONDS, which sends nothing) redraws it when any was published
    anew. A fragment ticks only while the page that drew it runs, so without the heartbeat a
    page drawn paused stayed paused when another tab resumed the run. A run in `slow` motion
    ticks at its pace (view_seconds). `until`: tick every tick (not every `ticks`) until it
    holds, then redraw the page (which draws this at its own pace)."""
    run_ids = list(run_ids)
    running = training()
    seen = _drawn_from(run_ids, running)  # read before drawing: a later change redraws
    keep_in_step = ticks == 1
    every = 1 if until is not None else ticks

    @st.fragment(run_every=view_seconds(slow) * every if running else None)
    def tick() -> None:
        if running:
            _watching()
        draw()
        if running and (not training()
                        or keep_in_step and _drawn_from(run_ids, running) != seen
                        or until is not None and until()):
            st.rerun(scope="app")  # paused, failed, changed elsewhere, or its first rows

    tick()
    if keep_in_step and not running:
        _heartbeat(run_ids, seen)


def _drawn_from(run_ids: list[str], running: bool) -> tuple:
    """What a page shows of its runs besides its ticking parts. Still: every publish (a step,
    a pause, a setting...). Training: each run's state and live settings (the controls and
    the settings form, and slow motion: its pace; the ticks draw the rest)."""
    reg = state.runs()
    states = [t.state if t is not None else None for t in map(reg.live, run_ids)]
    if not running:
        return tuple(s and s.version for s in states)
    return tuple(s and (s.status, s.slow, tuple(sorted(s.hparams.items()))) for s in states)


def _heartbeat(run_ids: list[str], seen: tuple) -> None:
    """An empty fragment every HEARTBEAT_SECONDS that redraws the page when its runs changed."""

    @st.fragment(run_every=HEARTBEAT_SECONDS)
    def heartbeat() -> None:
        if _drawn_from(run_ids, False) != seen:
            st.rerun(scope="app")

    heartbeat()


def status(snap: RunState, note: str = "", per_row: int = 4) -> None:
    """Step, steps/s, training time and state (`per_row` metrics a row), then `note`."""
    c = [col for _ in range(4 // per_row) for col in st.columns(per_row)]
    c[0].metric("Step", f"{snap.step:,}")
    c[1].metric("Steps/s", f"{snap.steps_per_sec:,.0f}" if snap.training else "—")
    c[2].metric("Training time", f"{snap.elapsed:,.0f} s")
    c[3].metric("State", f"queued #{snap.queued}" if snap.queued else snap.status)
    if note:
        st.caption(note)
    if snap.config.strategy != "default" and snap.devices:  # tf.distribute: where it trains
        st.caption(f":material/memory: Devices: {snap.devices}")
    if snap.queued:
        first = "; the teacher's runs go first" if roles.on() else ""
        st.info(f"Waiting for a training slot: {snap.queued} run(s) ahead in line, counting "
                f"this one. It starts by itself when a run pauses or stops "
                f"(at most {SLOTS.size} train at once on this server{first}).")
    elif snap.yielding and snap.training:
        st.caption(f":material/hourglass_top: Training a {SHARE_BESIDE_FIRST:.0%} share of the "
                   f"time while the teacher's run trains, so that the class's view keeps its "
                   f"speed; full speed again when it pauses.")
    if snap.status == "error":
        st.error(snap.message)
    elif snap.message:
        st.warning(snap.message)
    for warning in snap.warnings:
        st.caption(f":material/warning: {warning}")


def run_controls(trainer: Trainer, settings: bool = True) -> None:
    """The run's controls (and its live settings when `settings`) for whoever may use them;
    a line saying where they are for a replay (its sidebar) or who has them (roles on)."""
    if replay.is_replay(trainer):
        st.caption(replay.NOTE)
    elif not roles.may_control_run(trainer):
        st.caption(roles.controller_note(trainer.store.owner()))
    else:
        controls(trainer)
        if settings:
            hparams(trainer)


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
                        done = "Applied: " + ", ".join(f"{k}={v}" for k, v in changes.items())
                        st.success(done)
                        after = {**h, **changes}
                        st.session_state["hp_applied"] = (
                            done, (trainer.run_id, *(after[k] for k in HPARAM_KEYS)))
                except GanscopeError as exc:
                    st.error(said(exc))  # names the settings by the labels above
            elif st.session_state.get("hp_applied", (None, None))[1] == in_force:
                # the page redraws once the settings take effect (every_tick): say it again
                st.success(st.session_state["hp_applied"][0])
