"""Run controls, live fragments and process-wide memoisation of what a tick draws."""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable

import streamlit as st

from gan_core import GanscopeError, Snapshot, Trainer
from gan_core.losses import LOSSES

TICK_SECONDS = 1.0  # live views redraw once a second: at 2 Hz the browser alone took a core (bench/ui_tick.py)


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


def live(trainer: Trainer, draw: Callable[[Snapshot], None], key: str) -> None:
    """Run `draw(snapshot)` now, and again every tick while the run trains (only then)."""
    every_tick(lambda: trainer.snapshot.training, lambda: draw(trainer.snapshot))


def every_tick(training: Callable[[], bool], draw: Callable[[], None]) -> None:
    """Run `draw()` now, and again every tick while `training()` holds (only then)."""
    running = training()

    @st.fragment(run_every=TICK_SECONDS if running else None)
    def tick() -> None:
        draw()
        if running and not training():
            st.rerun()  # training paused or failed: redraw the page and stop ticking

    tick()


def status(snap: Snapshot) -> None:
    c = st.columns(4)
    c[0].metric("Step", f"{snap.step:,}")
    c[1].metric("Steps/s", f"{snap.steps_per_sec:,.0f}" if snap.training else "—")
    c[2].metric("Training time", f"{snap.elapsed:,.0f} s")
    c[3].metric("State", snap.state)
    if snap.state == "error":
        st.error(snap.message)
    elif snap.message:
        st.warning(snap.message)


def controls(trainer: Trainer) -> None:
    """Start / pause / step (both, D only, G only) / stop."""
    snap = trainer.snapshot
    running = snap.training
    c = st.columns([1.1, 1, 1, 1, 1.1, 1.1, 1])
    if c[0].button("Train" if snap.step == 0 else "Resume", disabled=running, key="ctl_run",
                   type="primary", icon=":material/play_arrow:"):
        if not trainer.start():
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
            target = snap.step + int(n)
            trainer.start(paused=True)
            trainer.step(int(n), which)
            trainer.wait(lambda s: s.step >= target or s.message != "", timeout=10)
            st.rerun()
    if c[6].button("Stop", disabled=not trainer.alive, key="ctl_stop", icon=":material/stop:",
                   help="stop the thread and save a checkpoint"):
        trainer.stop()
        st.rerun()


def hparams(trainer: Trainer) -> None:
    """Live edits: sent as a command, applied between two compiled calls, never retrace."""
    h = trainer.snapshot.hparams
    with st.expander("Live settings (take effect without restarting)", expanded=False):
        with st.form("hparams"):
            c = st.columns(4)
            lr_d = c[0].number_input("D learning rate", value=float(h["lr_d"]), format="%.6f",
                                     step=1e-4, min_value=0.0)
            lr_g = c[1].number_input("G learning rate", value=float(h["lr_g"]), format="%.6f",
                                     step=1e-4, min_value=0.0)
            d_steps = c[2].number_input("D steps per G step", value=int(h["d_steps"]), min_value=1,
                                        max_value=50)
            losses = LOSSES.names()
            loss = c[3].selectbox("Loss", losses, index=losses.index(h["loss"]))
            if st.form_submit_button("Apply"):
                changes = {k: v for k, v in dict(lr_d=lr_d, lr_g=lr_g, d_steps=int(d_steps),
                                                 loss=loss).items() if v != h[k]}
                try:
                    if changes:
                        trainer.set_hparams(**changes)
                        st.success("Applied: " + ", ".join(f"{k}={v}" for k, v in changes.items()))
                except GanscopeError as exc:
                    st.error(str(exc))
