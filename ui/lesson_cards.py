"""The home page's lesson cards: each starts its preset runs and opens the page to watch."""
from __future__ import annotations

import streamlit as st

from gan_core import GanscopeError
from gan_core.lesson_runs import LESSONS
from gan_core.lessons import Lesson
from ui import state

COLUMNS = 3


def start(lesson: Lesson) -> list[str]:
    """Create and start the lesson's runs (seed 0), each training to the budget its claim is
    made at, then pausing. Returns the run ids, the first one selected."""
    ids = []
    for run in lesson.runs:
        cfg = run.make(0).replace(title=f"{lesson.title}: {run.label}")
        trainer = state.registry().create(cfg)
        trainer.start(paused=True)
        trainer.resume(until=run.steps)
        # The page opened next must see it training, or its live views would not tick.
        trainer.wait(lambda s: s.training or s.step > 0 or s.state == "error", timeout=10)
        ids.append(trainer.run_id)
    state.select(ids[0])
    if len(ids) > 1:  # the Runs page opens comparing them
        st.session_state["runs_cmp"] = ids
        if lesson.compare:
            st.session_state["runs_metric"] = lesson.compare
    return ids


def cards() -> None:
    names = LESSONS.names()
    cols = st.columns(COLUMNS)
    for i, name in enumerate(names):
        lesson = LESSONS.get(name)
        with cols[i % COLUMNS].container(border=True):
            st.markdown(f"**{i + 1}. {lesson.title}**")
            st.markdown(lesson.question)
            st.caption(f"Watch: {lesson.watch}")
            st.caption(f"Checked claim: {lesson.claim}")
            if st.button("Start this lesson", key=f"lesson_{name}", icon=":material/school:"):
                try:
                    with st.spinner("Building the runs…"):
                        start(lesson)
                except GanscopeError as exc:
                    st.error(str(exc))
                else:
                    st.switch_page(lesson.page)
