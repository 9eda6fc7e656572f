"""Lessons in the app: the home page's cards, and the panel on a lesson's page that says what
the lesson shows, how far it is, and at the end whether its claim held, why, and the fix.
A lesson is replayed from its recording at once, or trained live."""
from __future__ import annotations

import streamlit as st

from gan_core import GanscopeError
from gan_core.lessons import LESSONS, judge, parse_tag, settings_beside
from gan_core.lessons import recording as recordings
from gan_core.runs import Run
from ui import live, replay, roles, state

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
        if run.slow is not None:  # a lesson watched one update at a time
            trainer.slow_motion(run.slow.steps, run.slow.every_ms, run.slow.alternate,
                                until=run.steps)
        else:
            trainer.resume(until=run.steps)
        # The page opened next must see it training, or its live views would not tick.
        trainer.wait(lambda s: s.training or s.step > 0 or s.status == "error", timeout=10)
        ids.append(trainer.run_id)
    _show(name, ids)
    return ids


def _show(name: str, ids: list[str]) -> None:
    """Select the lesson's first run; the Runs page opens comparing them all."""
    state.select(ids[0])
    if len(ids) > 1:
        st.session_state["runs_cmp"] = ids
        lesson = LESSONS.get(name)
        if lesson.compare:
            st.session_state["runs_metric"] = lesson.compare


def start_replay(name: str) -> list[str]:
    """Replay the lesson's recording from step 0, playing: this tab's replay of it again when
    it has one, else a new one. Returns the run ids, the first one selected."""
    reg, mine = state.runs(), st.session_state.setdefault("_replays", {})
    runs = [reg.live(run_id) for run_id in mine.get(name, [])]
    if runs and all(replay.is_replay(r) for r in runs):
        runs[0].playhead.seek(0)
        runs[0].playhead.play()
    else:
        runs = list(reg.replay_lesson(name).values())
        mine[name] = [r.run_id for r in runs]
    _show(name, [r.run_id for r in runs])
    return [r.run_id for r in runs]


def result(name: str) -> tuple[dict[str, Run], tuple[bool, str] | None]:
    """The lesson's newest runs (live or replayed), and its claim once they reached the
    budget: checked on live runs (memoised per run and step for every tab: evaluating takes a
    moment), as recorded for a replay."""
    lesson = LESSONS.get(name)
    runs = state.runs().lesson_runs(name)
    if runs and all(replay.is_replay(t) for t in runs.values()):
        return runs, _recorded_result(name, runs)
    token = tuple(sorted((label, t.run_id, t.state.step, t.state.busy)
                         for label, t in runs.items()))
    return runs, live.memo("lesson", (name, token), lambda: judge(lesson, runs))


def _recorded_result(name: str, runs: dict[str, Run]) -> tuple[bool, str] | None:
    """The claim as judged on the recording (tests/engine/test_recordings.py checks that the
    current code judges it so), once the replay has reached the recording's end."""
    if any(t.state.busy or t.state.step < t.recording.end for t in runs.values()):
        return None
    folder = next(iter(runs.values())).recording.store.path.parent
    recorded = recordings.read_index(folder).get(name)
    return None if recorded is None else (recorded.holds, recorded.detail)


def status_line(name: str, runs: dict[str, Run], res: tuple[bool, str] | None) -> str:
    """"Done: claim held: ..." or "Training: step 1,200 of 5,000"; "" before it started."""
    replayed = bool(runs) and all(replay.is_replay(t) for t in runs.values())
    if res is not None:
        how = " (replay of the recorded runs)" if replayed else ""
        return f"Done{how}. Claim {'held' if res[0] else 'did NOT hold'}: {res[1]}."
    if not runs:
        return ""
    lesson = LESSONS.get(name)
    steps = min(t.state.step for t in runs.values())
    if replayed:
        moving = any(t.state.training for t in runs.values())
        return (f"Replay {'playing' if moving else 'paused'} at step {steps:,} of "
                f"{lesson.budget():,}; the recorded claim shows at the end.")
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


def _recorded(name: str) -> bool:
    try:
        return name in recordings.read_index(recordings.RECORDINGS)
    except GanscopeError:  # a damaged index: the lessons still train live
        return False


def _replay_button(name: str, label: str, key: str, where=st) -> None:
    recorded = _recorded(name)
    # help only when disabled: Streamlit draws a button with help twice (one measures)
    if where.button(label, key=key, icon=":material/play_circle:", disabled=not recorded,
                    help=None if recorded else
                    f"no recording yet: python -m gan_core lessons --record --only {name}"):
        try:
            start_replay(name)
        except GanscopeError as exc:
            st.error(str(exc))
        else:
            st.switch_page(LESSONS.get(name).page)


def _start_button(name: str, label: str, key: str, where=st) -> None:
    if where.button(label, key=key, icon=":material/school:"):
        try:
            with st.spinner("Building the runs…"):
                start(name)
        except GanscopeError as exc:
            st.error(str(exc))
        else:
            st.switch_page(LESSONS.get(name).page)


def cards() -> None:
    st.caption("**Replay** plays a lesson's recorded runs at once, at the speed you choose; "
               "**Train it live** trains them here for real (2-4 minutes).")
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
            c = st.columns(2)
            _replay_button(name, "Replay", f"lesson_replay_{name}", c[0])
            _start_button(name, "Train it live", f"lesson_{name}", c[1])


def panel(trainers: list[Run]) -> None:
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
            if any(replay.is_replay(t) for t in runs.values()):
                _replay_button(lesson.fix_lesson, f"Replay lesson {number}: {title}",
                               f"lesson_fix_{name}")
            else:
                _start_button(lesson.fix_lesson, f"Start lesson {number}: {title}",
                              f"lesson_fix_{name}")
