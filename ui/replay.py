"""A replay's controls: play or pause, speed, and a step slider (the scrub), in the sidebar of
every page that shows the replay. The playhead belongs to the replay, so every tab watching it
(the projector's too) follows the same step."""
from __future__ import annotations

from typing import Any

import streamlit as st

from gan_core.replay import Replay

SPEEDS = (0.25, 1.0, 4.0, 16.0)  # multiples of the steps per second the recording trained at
TICK_SECONDS = 1.0  # the slider follows the playhead at the live views' pace (ui/live.py)
NOTE = ("A replay of a recording made with this project's code (`python -m gan_core lessons "
        "--record`): play, pause, change the speed or drag the step in the sidebar. 'Train it "
        "live' on the home page trains the same runs for real.")


def is_replay(run: Any) -> bool:
    return isinstance(run, Replay)


def sidebar(replay: Replay) -> None:
    """The replay's controls in the sidebar; they tick with the playhead while it plays."""
    with st.sidebar:
        _controls(replay, replay.playhead.now().playing)


def _controls(replay: Replay, playing: bool) -> None:
    head = replay.playhead
    rate = head.recorded  # 1x: the steps per second the lesson's runs trained at

    def toggle() -> None:
        head.pause() if head.now().playing else head.play()
        st.session_state["_replay_redraw"] = True

    def seek() -> None:
        head.seek(st.session_state["replay_at"])
        st.session_state["_replay_redraw"] = True

    def speed() -> None:
        head.set_speed(st.session_state["replay_speed"] * rate)

    @st.fragment(run_every=TICK_SECONDS if playing else None)
    def bar() -> None:
        if st.session_state.pop("_replay_redraw", False):
            st.rerun()  # the page's views start or stop ticking, or show the new step
        at = head.now()
        if at.playing != playing:
            st.rerun()  # it reached the end, or another tab paused or played it
        st.markdown(f"**Replay** · step {at.step:,} of {head.end:,}")
        st.button("Pause" if at.playing else "Play", key="replay_play", on_click=toggle,
                  icon=":material/pause:" if at.playing else ":material/play_arrow:",
                  type="primary", width="stretch")
        current = min(SPEEDS, key=lambda m: abs(m * rate - at.speed))
        st.session_state["replay_speed"] = current
        st.selectbox("Speed", SPEEDS, key="replay_speed", on_change=speed,
                     format_func=lambda m: f"{m:g}x · {m * rate:,.0f} steps/s",
                     help="multiples of the speed the recording trained at")
        st.session_state["replay_at"] = at.step
        st.slider("Step", 0, head.end, key="replay_at", on_change=seek,
                  help="drag to any step: every page shows the run as it was then")
        kept = ", ".join(f"{k:,}" for k in replay.recording.kept)
        st.caption(f"Recorded with this project's code. The Latent explorer uses the newest "
                   f"generator kept at or before the step (kept at steps {kept}). 'Train it "
                   "live' on the home page trains the same runs for real.")

    bar()
