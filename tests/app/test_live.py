"""The live views' shared work: one curve clock and one build per picture for all tabs."""
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from ui import live
from ui.live import CURVE_SECONDS, PROJECTOR_SECONDS


def test_viewers_count_who_drew_lately():
    v = live.Viewers()
    assert v.saw("tab1", now=0.0) == 1
    assert v.saw("tab1", now=1.0) == 1  # the same session again
    assert v.saw("tab2", now=2.0) == 2
    assert v.saw("tab3", now=1.5 + live.SEEN_SECONDS) == 2  # tab1 left: it drew nothing since


def test_curves_move_on_one_clock_for_everyone_only_while_training(monkeypatch):
    still = SimpleNamespace(training=False, version=7, run_id="r")
    assert live.curve_clock(still) == ("at", 7)
    now = [100.0]
    monkeypatch.setattr(live.time, "monotonic", lambda: now[0])
    rows = {"step": np.arange(1, 11)}
    running = SimpleNamespace(training=True, version=8, run_id="r", history=rows)
    seen = []
    for _ in range(round(2 * CURVE_SECONDS / PROJECTOR_SECONDS)):  # ten projector ticks
        seen.append(live.curve_clock(running))
        now[0] += PROJECTOR_SECONDS
    assert seen[0][0] == "live" and len(set(seen)) == 2  # two figures in ten ticks
    other = SimpleNamespace(training=True, version=9, run_id="r2", history=rows)
    assert live.curve_clock(other) == live.curve_clock(running)  # one clock, whoever asks


def test_a_run_s_first_rows_move_the_curve_clock(monkeypatch):
    """A chart drawn before a run's first rows said "no data yet" for a whole curve period
    (5 s) while the step counter ran: the first rows make a new one at once."""
    monkeypatch.setattr(live.time, "monotonic", lambda: 100.0)
    empty = SimpleNamespace(training=True, version=1, history={"step": np.zeros(0, int)})
    some = SimpleNamespace(training=True, version=2, history={"step": np.arange(1, 301)})
    more = SimpleNamespace(training=True, version=3, history={"step": np.arange(1, 701)})
    assert live.curve_clock(empty) != live.curve_clock(some) == live.curve_clock(more)


def test_a_picture_is_built_once_while_other_tabs_ask_for_it(monkeypatch):
    """The first tab builds; a tab asking meanwhile waits for that build instead of
    building it again (thirty tabs turning to a new curve clock at once)."""
    monkeypatch.setattr(live, "_memo", type(live._memo)())
    waiting = threading.Event()

    class Seen(threading.Event):
        def wait(self, timeout=None):
            waiting.set()  # a second tab waits for the first one's build
            return super().wait(timeout)

    monkeypatch.setattr(live.threading, "Event", Seen)
    builds, release = [], threading.Event()

    def build():
        builds.append(threading.current_thread().name)
        release.wait(300)  # a hang guard
        return object()

    got = {}
    first = threading.Thread(target=lambda: got.setdefault("first", live.memo("p", 1, build)))
    first.start()
    deadline = time.monotonic() + 300
    while not builds:  # the first tab is building
        assert time.monotonic() < deadline
        time.sleep(0.01)
    second = threading.Thread(target=lambda: got.setdefault("second", live.memo("p", 1, build)))
    second.start()
    while not (waiting.is_set() or len(builds) > 1):  # the second tab waits, or builds too
        assert time.monotonic() < deadline
        time.sleep(0.01)
    release.set()
    first.join(300)
    second.join(300)
    assert len(builds) == 1 and got["first"] is got["second"]
    assert live.memo("p", 1, build) is got["first"] and len(builds) == 1


def test_a_failed_build_leaves_the_key_to_the_next_tab(monkeypatch):
    monkeypatch.setattr(live, "_memo", type(live._memo)())

    def broken():
        raise ValueError("no picture")

    with pytest.raises(ValueError):
        live.memo("q", 1, broken)
    assert live.memo("q", 1, lambda: "picture") == "picture"


def test_live_curves_are_small_palette_pictures():
    import io

    import numpy as np
    from PIL import Image

    steps = np.arange(1, 20_001)
    rng = np.random.default_rng(0)
    history = {"step": steps, "d_loss": 1 + rng.normal(0, 0.1, steps.size).cumsum() / 100,
               "g_loss": 2 + rng.normal(0, 0.1, steps.size).cumsum() / 100}
    png = live.curve_png(history, ["d_loss", "g_loss"], 0.6, False, "Losses")
    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG" and picture.mode == "P"
    assert picture.size == live.curve_image(history, ["d_loss", "g_loss"]).size
    assert len(png) < 40_000  # every viewer fetches each one (JPEG: 76-113 KB)
