"""Slow motion and the model graph on the pages: the controls start the plan chosen, the graph
shows which network moved, and two tabs on one run both follow the ticks at the slow pace."""
import pytest
from test_tabs_in_step import Tab, shown

from gan_core.commands import SlowMotion

pytestmark = pytest.mark.usefixtures("isolated_runs")
HANG = 300  # seconds: a hang guard, never a timing claim


@pytest.fixture
def isolated_runs(app_runs, monkeypatch):
    from ui import live

    monkeypatch.setattr(live, "VIEWERS", live.Viewers())  # no one watches yet


def graph_title(at) -> str:
    """The title of the model graph the page drew last ('' when none)."""
    charts = at.get("graphviz_chart")
    if not charts:
        return ""
    spec = charts[-1].proto.spec
    return spec.split('labelloc="t", label="', 1)[1].split('"', 1)[0]


def lab_step(at) -> int:
    """The step of the 2D Lab's plot, from the caption under it."""
    line = next(c.value for c in at.caption if c.value.startswith("Step "))
    return int(line.split(":")[0].removeprefix("Step ").replace(",", ""))


def start_slow_motion(tab: Tab, steps: int, every_ms: int, alternate: bool) -> None:
    at = tab.at
    at.number_input(key="slow_n").set_value(steps)
    at.number_input(key="slow_ms").set_value(every_ms)
    at.toggle(key="slow_alt").set_value(alternate)
    at.button(key="slow_go").click()
    tab.run()


def test_the_2d_lab_starts_the_slow_motion_chosen_and_pause_ends_it(tiny, monkeypatch):
    from ui import state

    t = state.runs().create(tiny)
    t.train(steps=10)
    lab = Tab("pages/2_2D_Lab.py", t.run_id, monkeypatch)
    lab.run()
    assert graph_title(lab.at) == "Last step: D and G"  # the plot shows the latest step
    start_slow_motion(lab, 2, 400, True)
    assert t.state.slow == SlowMotion(2, 400, True) and t.state.training
    assert any(c.value.startswith("In slow motion: 2 steps every 0.4 s, D then G.")
               for c in lab.at.caption)
    assert set(lab.timers.values()) == {0.5}  # views tick with the ticks, at most every 0.5 s
    assert t.wait(lambda s: s.step >= 12, timeout=HANG)
    lab.tick()
    moved = graph_title(lab.at)
    assert moved.startswith("Slow motion: ") and moved.endswith(("next: G", "next: D"))
    lab.run()  # after a tick `at` holds only the fragments: the whole page, as a click sees it
    lab.at.button(key="ctl_pause").click()
    lab.run()
    assert t.wait(lambda s: s.status == "paused", timeout=HANG) and t.state.slow is None
    assert not any(c.value.startswith("In slow motion") for c in lab.at.caption)


def test_a_bad_plan_shows_what_is_allowed(tiny, monkeypatch):
    """The boxes keep to the allowed range; a plan the engine refuses anyway (here: its range
    narrowed under the page) is an error on the page, not a traceback."""
    from gan_core import commands
    from ui import state

    t = state.runs().create(tiny)
    lab = Tab("pages/2_2D_Lab.py", t.run_id, monkeypatch)
    lab.run()
    monkeypatch.setattr(commands, "SLOW_MS", (1_000, 10_000))
    start_slow_motion(lab, 1, 500, False)
    assert [e.value for e in lab.at.error] == [
        "slow motion: the period must be a whole number of milliseconds from 1000 to 10,000, "
        "got 500"]
    assert t.state.slow is None


def test_two_tabs_on_one_run_both_follow_its_slow_motion(tiny, monkeypatch):
    """Tab B starts slow motion on the 2D Lab; tab A (the Train page) and B itself both move
    with its ticks, one update at a time, until B pauses it."""
    from ui import live, state

    t = state.runs().create(tiny)
    t.train(steps=20)
    a = Tab("pages/1_Train.py", t.run_id, monkeypatch)
    b = Tab("pages/2_2D_Lab.py", t.run_id, monkeypatch)
    assert shown(a.run()) == (20, "paused")
    b.run()
    start_slow_motion(b, 1, 500, True)
    assert t.wait(lambda s: s.training, timeout=HANG)
    a.tick()  # A's heartbeat sees the change and redraws the page, now ticking
    assert a.redrawn and shown(a.at)[1] == "running"
    assert min(a.timers.values()) == live.SLOW_VIEW_SECONDS
    assert any(c.value.startswith("Slow motion: 1 step every 0.5 s, D then G") for c in a.at.caption)
    seen_a, seen_b, titles = set(), set(), set()
    for _ in range(3):  # three ticks: each tab shows each new step
        step = t.state.step
        assert t.wait(lambda s, step=step: s.step > step, timeout=HANG)
        seen_a.add(shown(a.tick())[0])
        b.tick()
        seen_b.add(lab_step(b.at))
        titles.add(graph_title(b.at).split(" just")[0])
    assert len(seen_a) >= 2 and len(seen_b) >= 2 and min(seen_a | seen_b) > 20
    assert titles <= {"Slow motion: D", "Slow motion: G"}
    b.run()
    b.at.button(key="ctl_pause").click()
    b.run()
    assert t.wait(lambda s: s.status == "paused", timeout=HANG)
    assert shown(a.tick()) == (t.state.step, "paused")
    assert set(a.timers.values()) == {live.HEARTBEAT_SECONDS}


def test_the_see_saw_lesson_trains_live_in_slow_motion_with_its_panel_on_the_2d_lab(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from conftest import ROOT
    from gan_core.lessons import LESSONS
    from gan_core.lessons.catalogue import SEE_SAW
    from ui import state

    home = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=HANG).run()
    home.button(key="lesson_see-saw").click().run()
    assert not home.exception, home.exception
    t = state.runs().lesson_runs("see-saw")["alternating"]
    try:
        assert t.state.slow == SEE_SAW and t.state.training
        lab = Tab("pages/2_2D_Lab.py", t.run_id, monkeypatch)
        lab.run()
        number = LESSONS.names().index("see-saw") + 1
        assert any(m.value.startswith(f"**Lesson {number}: Watch D move, then G")
                   for m in lab.at.markdown)
        # the plot and the graph see every tick; the lesson's progress line keeps its pace
        assert min(lab.timers.values()) == SEE_SAW.every_ms / 1000
    finally:
        t.stop()


def test_the_class_demo_follows_slow_motion_started_elsewhere(tiny, monkeypatch):
    """The projector's page ticks with the ticks and says so; a pause from the teacher's tab
    stills it."""
    from ui import live, state

    t = state.runs().create(tiny)
    t.train(steps=5)
    demo = Tab("pages/7_Class_demo.py", t.run_id, monkeypatch)
    demo.run()
    assert [m.value for m in demo.at.metric][2] == "paused"
    t.slow_motion(steps=1, every_ms=500)  # from the teacher's tab
    assert t.wait(lambda s: s.slow is not None, timeout=HANG)  # the thread took the command
    demo.tick()  # the heartbeat sees the change and redraws the page, now ticking
    assert demo.redrawn and demo.at.metric[2].value == "slow motion"
    assert min(demo.timers.values()) == live.SLOW_VIEW_SECONDS
    seen = set()
    for _ in range(2):
        step = t.state.step
        assert t.wait(lambda s, step=step: s.step > step, timeout=HANG)
        seen.add(int(demo.tick().metric[0].value.replace(",", "")))
    assert len(seen) == 2 and min(seen) > 5
    t.pause()
    assert t.wait(lambda s: s.status == "paused", timeout=HANG)
    demo.tick()
    assert demo.redrawn and demo.at.metric[2].value == "paused"


def test_the_train_pages_graph_is_off_until_asked_and_lights_the_network_a_step_moved(
        tiny, monkeypatch):
    from ui import state

    t = state.runs().create(tiny)
    t.train(steps=10)
    train = Tab("pages/1_Train.py", t.run_id, monkeypatch)
    train.run()
    assert graph_title(train.at) == ""  # off by default: one view less per student
    train.at.toggle(key="train_graph").set_value(True)
    train.run()
    assert graph_title(train.at) == "Last step: D and G"
    train.at.button(key="ctl_step_g").click()
    train.run()
    assert t.wait(lambda s: s.step == 11 and not s.busy, timeout=HANG)
    train.run()
    assert graph_title(train.at) == "Last step: G only"
    spec = train.at.get("graphviz_chart")[-1].proto.spec
    g_line, d_line = (spec.split(f"\n  {net} [", 1)[1].split("\n", 1)[0] for net in "GD")
    assert "fillcolor" in g_line and "fillcolor" not in d_line  # G filled, D greyed
