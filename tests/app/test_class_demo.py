"""The class demo page: one run full screen for the projector, following the teacher."""
import hashlib

import pytest
from test_pages import app
from test_tabs_in_step import Tab

pytestmark = pytest.mark.usefixtures("app_runs")

PAGE = "pages/7_Class_demo.py"
KEY = "correct horse battery staple"


def _started(tiny, title, owner=None):
    from ui import state

    t = state.runs().create(tiny.replace(title=title), owner=owner)
    t.start()
    assert t.wait(lambda s: s.step > 0, timeout=300)  # a hang guard
    return t


def _shown(at) -> str:
    return at.title[0].value


def test_it_shows_the_run_named_in_the_url_large_and_live(tiny):
    from ui import state

    t = state.runs().create(tiny.replace(title="ring for the class"))
    t.train(steps=60)
    at = app(PAGE)
    at.query_params["run"] = t.run_id
    at.run()
    assert not at.exception, at.exception
    assert _shown(at).startswith("ring for the class")
    assert [m.label for m in at.metric] == ["Step", "Steps/s", "State"]
    assert at.metric[0].value == "60"
    assert any("modes** captured" in m.value for m in at.markdown)  # the 2D picture's numbers
    assert at.session_state["_fast_view"]  # the projector ticks every second


def test_it_follows_the_teachers_newest_training_run(tiny, monkeypatch):
    """Roles on: a student's newer run does not take the projector; the teacher's next run
    does, at the page's next tick, without a click."""
    monkeypatch.setenv("GANSCOPE_TEACHER_KEY", KEY)
    first = _started(tiny, "the teacher's first")
    student = _started(tiny.replace(seed=3), "a student's",
                       owner=hashlib.sha256(b"s" * 32).hexdigest())
    tab = Tab(PAGE, "", monkeypatch)
    del tab.at.query_params["run"]  # opened from the sidebar: no run named
    assert _shown(tab.run()).startswith("the teacher's first")
    student.stop()
    first.pause()
    tab.tick()
    assert _shown(tab.at).startswith("the teacher's first")  # paused, still the newest of its
    _started(tiny.replace(seed=4), "the teacher's second")
    tab.tick()
    assert tab.redrawn and _shown(tab.at).startswith("the teacher's second")


def test_with_no_run_it_waits_for_one(monkeypatch):
    tab = Tab(PAGE, "", monkeypatch)
    del tab.at.query_params["run"]
    at = tab.run()
    assert any("When the teacher starts one" in i.value for i in at.info)
    assert tab.timers  # it looks again every second
