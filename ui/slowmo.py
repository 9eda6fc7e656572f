"""Slow motion's controls: N steps every T ms, D and G taking turns if chosen. The training
thread runs it (Trainer.slow_motion), so every tab on the run (the projector's too) follows the
same ticks, and Pause, Resume, the Step buttons and Stop end it at once."""
from __future__ import annotations

import streamlit as st

from gan_core import GanscopeError
from gan_core.commands import SLOW_MS, SLOW_STEPS
from ui import replay, roles

HELP = ("Trains a few steps at a time so you can watch each update: the 2D Lab, the model "
        "graph and every other tab on this run follow each tick. Pause (or Resume, Step, Stop) "
        "ends it.")


def controls(trainer) -> None:
    """The slow-motion row, for whoever may control the run (not for a replay)."""
    if replay.is_replay(trainer) or not roles.may_control_run(trainer):
        return
    snap = trainer.state
    with st.expander("Slow motion", icon=":material/slow_motion_video:",
                     expanded=snap.slow is not None or st.session_state.get("slow_open", False)):
        c = st.columns([1, 1, 1.3, 1.2], vertical_alignment="bottom")
        n = c[0].number_input("Steps per tick", 1, SLOW_STEPS, 1, key="slow_n")
        ms = c[1].number_input("Every (ms)", SLOW_MS[0], SLOW_MS[1], 500, step=100,
                               key="slow_ms")
        alternate = c[2].toggle("D and G take turns", value=True, key="slow_alt",
                                help="one tick updates D only, the next G only")
        if c[3].button("Slow motion", key="slow_go", icon=":material/slow_motion_video:",
                       help=HELP):
            start(trainer, int(n), int(ms), alternate)
        if snap.slow is not None:
            st.caption(f"In slow motion: {snap.slow.text()}. Pause ends it; Resume trains at "
                       "full speed.")


def start(trainer, steps: int, every_ms: int, alternate: bool) -> None:
    """Start the run's thread if needed, then slow motion; an error message when either
    cannot be (another process trains the run, a plan out of range)."""
    try:
        trainer.start(paused=True)
        cid = trainer.slow_motion(steps, every_ms, alternate)
    except GanscopeError as exc:
        st.error(str(exc))
        return
    st.session_state["slow_open"] = True
    # the page redraws seeing it, so its views tick at the slow-motion pace
    trainer.wait(lambda s: s.handled >= cid, timeout=10)
    st.rerun()
