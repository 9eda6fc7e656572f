"""The process-wide run registry and which run this tab is looking at."""
from __future__ import annotations

import keras
import streamlit as st

from gan_core import GanscopeError, Trainer
from gan_core.defaults import quick_start
from gan_core.runs import Run, Runs
from gan_core.spares import SPARES
from ui import replay, roles


def _keep_keras_session() -> None:
    """Streamlit calls keras.backend.clear_session() after every rerun (its clean-up of
    "problem modules", meant for scripts that rebuild models each run). Our models live across
    reruns in training threads: clearing Keras' global state and TensorFlow's kernel cache on
    every fragment tick made the ring train ~20x slower with one tab open (measured 12 vs ~250
    steps/s). In the app process, clearing the session is never what we want."""
    keras.backend.clear_session = lambda *args, **kwargs: None


_keep_keras_session()


@st.cache_resource
def runs() -> Runs:
    """One Runs per server process: every tab and every laptop sees the same runs. Its first
    call (the server's first page) also starts compiling the one-click run ahead."""
    SPARES.prepare(quick_start())
    return Runs()  # $GANSCOPE_RUNS or ./runs


def start_quick() -> Trainer:
    """Create and start the one-click run (on the spare compiled ahead when it is ready),
    and prepare the next one. GanscopeError when it cannot start."""
    trainer = runs().create(quick_start(), owner=roles.new_run_owner())
    trainer.start()
    SPARES.prepare(quick_start())
    return trainer


def select(run_id: str) -> None:
    st.session_state["run_id"] = run_id
    st.query_params["run"] = run_id  # survives a reload: the page re-attaches to the run


def current(controls: bool = True) -> Run | None:
    """The run this tab follows: chosen here, named in the URL, or the newest run. A replay's
    controls go in the sidebar here (unless `controls` is False: the caller draws them), so
    every page showing a replay has them."""
    run_id = st.session_state.get("run_id") or st.query_params.get("run")
    reg = runs()
    if not run_id:
        infos = reg.list()
        if not infos:
            return None
        run_id = next((r.run_id for r in infos if r.live), infos[0].run_id)
    try:
        trainer = reg.get(run_id)
    except GanscopeError as exc:
        st.warning(f"Could not open run {run_id}: {exc}")
        return None
    select(run_id)
    if controls and replay.is_replay(trainer):
        replay.sidebar(trainer)
    return trainer


def teachers_run() -> str | None:
    """The run a class watches, newest first among: the teacher's training runs (runs started
    by no student: every run when roles are off), then the teacher's other runs in this process
    (a pause to explain keeps the projector on its run), then any training run, any run in this
    process, any saved run. A projector asks every second: it reads run folders only when no
    run is in memory."""
    reg = runs()
    infos = reg.list_live()
    training = [r for r in infos if r.status in ("running", "playing")]
    teachers = {r.run_id for r in infos if reg.owner(r.run_id) is None}
    for group in ([r for r in training if r.run_id in teachers],
                  [r for r in infos if r.run_id in teachers], training, infos):
        if group:
            return group[0].run_id
    saved = reg.list()
    return saved[0].run_id if saved else None


def run_picker() -> Run | None:
    """A sidebar box to switch runs (and a replay's controls under it); returns the selected
    trainer."""
    trainer = current(controls=False)
    infos = runs().list()
    if infos:
        ids = [r.run_id for r in infos]
        # Only what never changes: the box is drawn once per page, so a step or a state in it
        # went stale ("training" for a run paused since), and the browser knows the chosen
        # option by its label, so a label that changed lost the choice. The Train page (live)
        # and the home page's run list say the state.
        names = {r.run_id: f"{r.title} · {r.run_id[-4:]}" for r in infos}
        index = ids.index(trainer.run_id) if trainer and trainer.run_id in ids else 0
        chosen = st.sidebar.selectbox("Run", ids, index=index, format_func=names.get, key="run_pick")
        if trainer is None or chosen != trainer.run_id:
            select(chosen)
            try:
                trainer = runs().get(chosen)
            except GanscopeError as exc:
                st.warning(f"Could not open run {chosen}: {exc}")
                return None
    if replay.is_replay(trainer):
        replay.sidebar(trainer)
    return trainer


def skipped_note(skipped: list[str]) -> None:
    """One line for run folders that could not be read; the other runs stay usable."""
    if skipped:
        st.caption(f":material/warning: {len(skipped)} run folder(s) skipped: "
                   + "; ".join(skipped[:3]) + (" ..." if len(skipped) > 3 else ""))


def need_run() -> Run:
    """The current run, or a message and a stop when there is none yet."""
    trainer = run_picker()
    if trainer is None:
        st.info("No run yet: start one on the home page (first entry in the sidebar).")
        st.stop()
    return trainer
