"""Lessons in the app: the home page's cards, and the panel on a lesson's page that says what
the lesson shows, how far it is, and at the end whether its claim held, why, and the fix."""
from __future__ import annotations

import streamlit as st

from gan_core import GanscopeError, Trainer
from gan_core.lessons import LESSONS, judge, parse_tag, settings_beside
from ui import live, roles, state

COLUMNS = 3


def start(name: str) -> list[str]:
    """Create and start the lesson's runs (seed 0), each training to the budget its claim is
    made at, then pausing. Returns the run ids, the first one selected."""
    lesson = LESSONS.get(name)
    ids = []
    for run in lesson.runs:
        cfg = run.make(0).replace(title=f"{lesson.title}: {run.label}",
                                  lesson=lesson.tag(name, run))
        trainer = state.runs().create(cfg, owner=roles.new_run_owner())
        trainer.start(paused=True)
        trainer.resume(until=run.steps)
        # The page opened next must see it training, or its live views would not tick.
        trainer.wait(lambda s: s.training or s.step > 0 or s.status == "error", timeout=10)
        ids.append(trainer.run_id)
    state.select(ids[0])
    if len(ids) > 1:  # the Runs page opens comparing them
        st.session_state["runs_cmp"] = ids
        if lesson.compare:
            st.session_state["runs_metric"] = lesson.compare
    return ids


def result(name: str) -> tuple[dict[str, Trainer], tuple[bool, str] | None]:
    """The lesson's newest live runs, and its claim checked once they reached the budget
    (memoised per run and step for every tab: evaluating takes a moment)."""
    lesson = LESSONS.get(name)
    runs = state.runs().lesson_runs(name)
    token = tuple(sorted((label, t.run_id, t.state.step, t.state.busy)
                         for label, t in runs.items()))
    return runs, live.memo("lesson", (name, token), lambda: judge(lesson, runs))


def status_line(name: str, runs: dict[str, Trainer], res: tuple[bool, str] | None) -> str:
    """"Done: claim held: ..." or "Training: step 1,200 of 5,000"; "" before it started."""
    if res is not None:
        return f"Done. Claim {'held' if res[0] else 'did NOT hold'}: {res[1]}."
    if not runs:
        return ""
    lesson = LESSONS.get(name)
    steps = min(t.state.step for t in runs.values())
    stuck = next((t.state.message for t in runs.values() if t.state.message), "")
    if stuck:
        return f"Stopped at step {steps:,}: {stuck}"
    if not all(t.state.busy for t in runs.values()) and steps < lesson.budget():
        return f"Paused at step {steps:,} of {lesson.budget():,}: resume its runs to finish."
    return f"Training: step {steps:,} of {lesson.budget():,}; the claim is checked there."


def _show_status(name: str) -> None:
    """The lesson's progress, or its result once its runs reached the budget."""
    runs, res = result(name)
    line = status_line(name, runs, res)
    if res is not None:
        (st.success if res[0] else st.warning)(line)
    elif line:
        st.info(line)


def _start_button(name: str, label: str, key: str) -> None:
    if st.button(label, key=key, icon=":material/school:"):
        try:
            with st.spinner("Building the runs…"):
                start(name)
        except GanscopeError as exc:
            st.error(str(exc))
        else:
            st.switch_page(LESSONS.get(name).page)


def cards() -> None:
    names = LESSONS.names()
    cols = st.columns(COLUMNS)
    for i, name in enumerate(names):
        lesson = LESSONS.get(name)
        runs, res = result(name)
        with cols[i % COLUMNS].container(border=True):
            done = " · done" if res is not None else ""
            st.markdown(f"**{i + 1}. {lesson.title}**{done}")
            st.markdown(lesson.question)
            st.caption(f"Watch: {lesson.watch}")
            st.caption(f"Checked claim: {lesson.claim}")
            _show_status(name)
            if runs:
                if st.button("Open", key=f"lesson_open_{name}", icon=":material/open_in_new:"):
                    first = runs[lesson.runs[0].label] if lesson.runs[0].label in runs \
                        else next(iter(runs.values()))
                    state.select(first.run_id)
                    if len(runs) > 1:
                        st.session_state["runs_cmp"] = [t.run_id for t in runs.values()]
                    st.switch_page(lesson.page)
            _start_button(name, "Start again" if runs else "Start this lesson", f"lesson_{name}")


def panel(trainers: list[Trainer]) -> None:
    """On a lesson's page, for the runs shown there: the lesson, its progress or result, the
    settings that cause it beside the healthy ones, and the fix."""
    tags = [parse_tag(t.config.lesson) for t in trainers]
    name = next((tag[0] for tag in tags if tag), None)
    if name is None:
        return
    lesson = LESSONS.get(name)
    runs, _ = result(name)
    with st.container(border=True):
        number = LESSONS.names().index(name) + 1
        st.markdown(f"**Lesson {number}: {lesson.title}.** {lesson.question}")
        live.every_tick(lambda: any(t.state.training for t in runs.values()),
                        lambda: _show_status(name), [t.run_id for t in runs.values()])
        st.markdown(f"**Why.** {lesson.cause}")
        st.dataframe(settings_beside(lesson), hide_index=True, key=f"lesson_settings_{name}")
        st.markdown(f"**Fix.** {lesson.fix}")
        if lesson.fix_lesson:
            number = LESSONS.names().index(lesson.fix_lesson) + 1
            title = LESSONS.get(lesson.fix_lesson).title
            _start_button(lesson.fix_lesson, f"Start lesson {number}: {title}", f"lesson_fix_{name}")
