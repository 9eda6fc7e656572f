"""The live views' pacing: one tick per second per run in total, however many watch."""
from types import SimpleNamespace

from ui import live
from ui.live import CURVE_TICKS, TICK_SECONDS, Audience


def test_each_viewer_slows_as_the_audience_grows():
    a = Audience()
    assert a.watch("tab1", ["run"], now=0.0) == TICK_SECONDS
    for i in range(2, 6):
        pace = a.watch(f"tab{i}", ["run"], now=0.5)
    assert pace == 5 * TICK_SECONDS and a.pace("run", now=1.0) == 5 * TICK_SECONDS
    assert a.watch("other", ["run2"], now=1.0) == TICK_SECONDS  # another run's audience is apart
    # a tab that watches both runs ticks at the slower pace
    assert a.watch("both", ["run", "run2"], now=1.0) == 6 * TICK_SECONDS


def test_viewers_who_stop_ticking_leave_the_audience():
    a = Audience()
    for i in range(3):
        a.watch(f"tab{i}", ["run"], now=0.0)
    assert a.pace("run", now=5.0) == 3 * TICK_SECONDS  # within three of their ticks: kept
    a.watch("tab0", ["run"], now=30.0)  # only tab0 still ticks
    assert a.pace("run", now=30.0) == TICK_SECONDS
    assert a.pace("nobody", now=30.0) == TICK_SECONDS  # pace() records no one


def test_curves_move_on_a_slower_clock_only_while_training(monkeypatch):
    monkeypatch.setattr(live, "AUDIENCE", Audience())
    still = SimpleNamespace(training=False, version=7, run_id="r")
    assert live.curve_clock(still) == ("at", 7)
    now = [100.0]
    monkeypatch.setattr(live.time, "monotonic", lambda: now[0])
    running = SimpleNamespace(training=True, version=8, run_id="r")
    seen = []
    for _ in range(CURVE_TICKS * 2):  # ten ticks of one viewer: two curve figures
        seen.append(live.curve_clock(running))
        now[0] += TICK_SECONDS
    assert seen[0][0] == "live" and len(set(seen)) == 2


def test_the_pace_note_names_the_shared_updates(monkeypatch):
    monkeypatch.setattr(live, "AUDIENCE", Audience())
    monkeypatch.setattr(live.time, "monotonic", lambda: 100.0)  # viewers never time out here
    snap = SimpleNamespace(training=True, version=1, run_id="r")
    assert live.pace_note(snap) == "Live: samples and step every 1 s, curves every 5 s."
    for i in range(3):
        live.AUDIENCE.watch(f"tab{i}", ["r"], live.time.monotonic())
    assert "every 3 s, curves every 15 s (3 viewers share the updates)" in live.pace_note(snap)
