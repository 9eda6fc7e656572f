"""Two tabs on one run: whatever one of them (or code in this process) does, the other shows
it at its next tick or heartbeat.

AppTest runs whole scripts only: it has no timers, so a fragment's `run_every` never fires
(streamlit/testing/v1/local_script_runner.py builds every RerunData without fragment ids).
`Tab` adds the browser's side: it keeps the timers the last full run asked for (`auto_rerun`
messages; a full run replaces them, as in the browser) and `tick()` reruns those fragments
through the same script runner, as the browser does when they fire.
"""
import functools

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner import RerunData, ScriptRunnerEvent
from streamlit.testing.v1 import AppTest, app_test, local_script_runner

from conftest import ROOT

LIVE_PAGES = ["pages/1_Train.py", "pages/2_2D_Lab.py", "pages/5_Runs.py",
              "pages/6_Mode_collapse.py"]


@pytest.fixture(autouse=True)
def isolated_runs(app_runs, monkeypatch):
    from ui import live

    monkeypatch.setattr(live, "VIEWERS", live.Viewers())  # no one watches yet


class Tab:
    """One browser tab on `page`, following run `run_id`."""

    def __init__(self, page: str, run_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.at = AppTest.from_file(str(ROOT / page), default_timeout=300)  # a hang guard
        self.at.query_params["run"] = run_id
        self.timers: dict[str, float] = {}  # fragment id -> seconds
        self.redrawn = False  # whether the last run or tick drew the whole page
        self._monkeypatch = monkeypatch

    def run(self) -> AppTest:
        """A full run: a click, a reload."""
        return self._run([])

    def tick(self) -> AppTest:
        """Every timer fires (a second or two pass): their fragments rerun, and whatever they
        ask for (a rerun of the whole page). Nothing happens in a tab without timers. After a
        tick that drew only fragments, `at` holds only what they drew."""
        self.redrawn = False
        return self._run(list(self.timers)) if self.timers else self.at

    def _run(self, fragments: list[str]) -> AppTest:
        runners: list[local_script_runner.LocalScriptRunner] = []

        class Recording(local_script_runner.LocalScriptRunner):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                runners.append(self)

        with self._monkeypatch.context() as m:
            m.setattr(app_test, "LocalScriptRunner", Recording)
            if fragments:  # the rerun request a browser timer sends
                m.setattr(local_script_runner, "RerunData", functools.partial(
                    RerunData, fragment_id_queue=fragments, is_auto_rerun=True))
            self.at.run()
        runner = runners[-1]
        started = [data for event, data in zip(runner.events, runner.event_data)
                   if event == ScriptRunnerEvent.SCRIPT_STARTED]
        msgs: list[ForwardMsg] = runner.forward_msgs()  # since the last full run began
        self.redrawn = any(not data.get("fragment_ids_this_run") for data in started)
        if self.redrawn:
            self.timers = {}  # a full run: the browser drops its timers, then sets these
        for msg in msgs:
            if msg.HasField("auto_rerun"):
                self.timers[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif msg.HasField("stop_auto_rerun"):
                for fid in msg.stop_auto_rerun.fragment_ids:
                    self.timers.pop(fid, None)
        assert not self.at.exception, self.at.exception
        return self.at


def shown(at: AppTest) -> tuple[int, str]:
    """The step and the state the Train page's status shows."""
    metrics = {m.label: m.value for m in at.metric}
    return int(metrics["Step"].replace(",", "")), metrics["State"]


def test_a_tab_follows_what_another_tab_does(tiny, monkeypatch):
    from ui import state

    t = state.runs().create(tiny)
    t.start()
    assert t.wait(lambda s: s.step > 50, timeout=300), t.state
    a, b = Tab("pages/1_Train.py", t.run_id, monkeypatch), Tab("pages/1_Train.py", t.run_id,
                                                                 monkeypatch)
    assert shown(a.run())[1] == "running" and a.timers  # it ticks
    b.run()

    b.at.button(key="ctl_pause").click()
    b.run()
    assert t.wait(lambda s: s.status == "paused", timeout=60)
    assert shown(a.tick()) == (t.state.step, "paused")

    b.at.button(key="ctl_run").click()
    b.run()
    assert t.wait(lambda s: s.training, timeout=60)
    step, status = shown(a.tick())  # the heartbeat notices and redraws the page
    assert status == "running"
    assert t.wait(lambda s: s.step > step + 50, timeout=300)
    assert shown(a.tick())[0] > step  # and it ticks again

    b.at.number_input(key="hp_lr_d").set_value(4e-4)
    b.at.button(key="hp_apply").click()
    b.run()
    assert t.wait(lambda s: s.hparams["lr_d"] == 4e-4, timeout=120)
    a.tick()  # a setting changed while training: the tick redraws the whole page
    assert a.at.number_input(key="hp_lr_d").value == pytest.approx(4e-4)
    # B's page redraws too when the setting takes effect: its confirmation stays
    assert [m.value for m in b.run().success] == ["Applied: lr_d=0.0004"]

    b.at.button(key="ctl_pause").click()
    b.run()
    assert t.wait(lambda s: s.status == "paused", timeout=60)
    a.tick()
    before = t.state.step
    b.at.number_input(key="ctl_n").set_value(7)
    b.at.button(key="ctl_step_both").click()
    b.run()
    assert t.wait(lambda s: s.step == before + 7 and not s.busy, timeout=300), t.state
    assert shown(a.tick()) == (before + 7, "paused")

    b.at.button(key="ctl_stop").click()
    b.run()
    assert not t.alive
    assert shown(a.tick()) == (before + 7, "stopped")


def test_a_still_tab_follows_commands_from_this_process(tiny, monkeypatch):
    """A lesson or the CLI in the server's process drives the run through the same commands."""
    from ui import state

    t = state.runs().create(tiny)
    a = Tab("pages/1_Train.py", t.run_id, monkeypatch)
    assert shown(a.run()) == (0, "idle")
    a.tick()
    assert not a.redrawn  # nothing changed: the heartbeat drew nothing
    t.train(steps=30)
    assert shown(a.tick()) == (30, "paused")
    t.set_hparams(lr_g=3e-4)
    assert t.wait(lambda s: s.hparams["lr_g"] == 3e-4, timeout=120)
    a.tick()
    assert a.at.number_input(key="hp_lr_g").value == pytest.approx(3e-4)


@pytest.mark.parametrize("page", LIVE_PAGES)
def test_every_live_page_keeps_a_timer_still_or_training(page, tiny, monkeypatch):
    from ui import state

    t = state.runs().create(tiny)
    t.train(steps=30)
    tab = Tab(page, t.run_id, monkeypatch)
    tab.run()
    assert tab.timers and set(tab.timers.values()) == {1.0}  # the heartbeat
    t.resume()
    assert t.wait(lambda s: s.training, timeout=60)
    tab.tick()
    assert tab.timers and min(tab.timers.values()) >= 1.0  # the live views' ticks
    t.pause()
    assert t.wait(lambda s: not s.training, timeout=60)
    tab.tick()
    assert set(tab.timers.values()) == {1.0}


def test_the_projector_ticks_every_second_and_other_views_every_two(tiny, monkeypatch):
    from ui import live, state

    monkeypatch.setattr(live, "SMALL_AUDIENCE", 0)  # a class: every newcomer is a student
    t = state.runs().create(tiny)
    t.start()
    assert t.wait(lambda s: s.training and len(s.history["step"]) > 0, timeout=60)
    student, projector = (Tab("pages/1_Train.py", t.run_id, monkeypatch) for _ in range(2))
    projector.at.query_params["view"] = "projector"
    student.run()
    projector.run()
    assert sorted(student.timers.values()) == [live.TICK_SECONDS,
                                               live.CURVE_TICKS * live.TICK_SECONDS]
    assert sorted(projector.timers.values()) == [live.PROJECTOR_SECONDS, live.CURVE_SECONDS]
    notes = [c.value for c in student.at.caption if c.value.startswith("Live:")]
    assert notes[0].startswith("Live: samples and step every 2 s, curves every 10 s.")
    projector.at.query_params.pop("view")  # a page switch drops the URL's parameters
    projector.run()
    assert sorted(projector.timers.values()) == [live.PROJECTOR_SECONDS, live.CURVE_SECONDS]


def test_curves_drawn_before_a_runs_first_rows_tick_until_those_come(monkeypatch, one_queued):
    """A run waiting for a training slot is running without rows: its curves would have said
    "no data yet" for a whole curve period after it started; they tick at the live pace, and
    the page is redrawn at the curves' pace once rows come."""
    from ui import live

    monkeypatch.setattr(live, "SMALL_AUDIENCE", 0)
    first, waiting = one_queued
    tab = Tab("pages/1_Train.py", waiting.run_id, monkeypatch)
    tab.run()
    assert sorted(tab.timers.values()) == [live.TICK_SECONDS] * 2
    first.pause()
    assert waiting.wait(lambda s: len(s.history["step"]) > 0, timeout=300)
    tab.tick()
    assert tab.redrawn
    assert sorted(tab.timers.values()) == [live.TICK_SECONDS,
                                           live.CURVE_TICKS * live.TICK_SECONDS]


def test_views_tick_every_second_until_a_class_arrives(tiny, monkeypatch):
    """One person at a laptop (or the teacher before the class) keeps 1 s updates; a view
    opened while more than SMALL_AUDIENCE watch ticks every 2 s; no view changes pace."""
    from ui import live, state

    t = state.runs().create(tiny)
    t.start()
    assert t.wait(lambda s: s.training, timeout=60)
    tabs = [Tab("pages/1_Train.py", t.run_id, monkeypatch) for _ in range(live.SMALL_AUDIENCE + 1)]
    for tab in tabs:
        tab.run()
    paces = [min(tab.timers.values()) for tab in tabs]
    assert paces == [live.PROJECTOR_SECONDS] * live.SMALL_AUDIENCE + [live.TICK_SECONDS]
    tabs[0].run()
    assert min(tabs[0].timers.values()) == live.PROJECTOR_SECONDS


def test_the_teachers_view_ticks_every_second_in_a_class(tiny, monkeypatch):
    from ui import live, state

    monkeypatch.setattr(live, "SMALL_AUDIENCE", 0)  # a class: every newcomer is a student
    monkeypatch.setenv("GANSCOPE_TEACHER_KEY", "a key for this test")
    home = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    home.session_state["_viewer_id"] = "t" * 32  # the teacher's browser (its cookie)
    home.run()
    home.text_input(key="teacher_key_input").input("a key for this test").run()
    home.button(key="teacher_in").click().run()
    assert any("You are the teacher" in c.value for c in home.caption)
    t = state.runs().create(tiny)
    t.start()
    assert t.wait(lambda s: s.training, timeout=60)
    teacher, student = (Tab("pages/1_Train.py", t.run_id, monkeypatch) for _ in range(2))
    teacher.at.session_state["_viewer_id"] = "t" * 32
    student.at.session_state["_viewer_id"] = "s" * 32
    teacher.run()
    student.run()
    assert min(teacher.timers.values()) == live.PROJECTOR_SECONDS
    assert min(student.timers.values()) == live.TICK_SECONDS
