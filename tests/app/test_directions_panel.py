"""The Latent explorer's directions (ui/directions.py): sliders along class and principal
directions, G(z) and the classifier's bars moving with them, one fit per run and step."""
import json

import pytest
from test_pages import app

pytestmark = pytest.mark.usefixtures("app_runs")
PAGE = "pages/4_Latent_explorer.py"
STEPS = 2000  # the digits defaults: the class-direction lesson's budget (its claim holds 5/5)


def _trained(steps: int):
    from gan_core.defaults import defaults_for
    from ui import state

    t = state.runs().create(defaults_for("digits", seed=0))
    t.train(steps=steps)
    return t


def _page(t):
    at = app(PAGE)
    at.query_params["run"] = t.run_id
    at.run()
    assert not at.exception, at.exception
    return at


def bars(at) -> list[float]:
    """The probabilities the directions' bar chart shows."""
    chart = next(c for c in at.get("plotly_chart") if c.proto.id and "dir_bars" in c.proto.id)
    return json.loads(chart.proto.spec)["data"][0]["y"]


def picture(at) -> str:
    """The URL of G(z) in the directions panel (a picture's URL names its content)."""
    return next(u for i in at.get("image") for u, c in zip(i.value, i.captions)
                if c.startswith("G(z) at step"))


def test_sliding_more_like_a_3_raises_the_3_bar_and_changes_the_digit(monkeypatch):
    from gan_core import directions
    from ui import directions as panel

    panel._fitted.clear()
    fits = []
    real_fit = directions.fit
    monkeypatch.setattr(directions, "fit", lambda *a, **k: fits.append(a[1:]) or real_fit(*a, **k))
    t = _trained(STEPS)
    at = _page(t)
    three, pc1 = at.slider(key="dir_class3"), at.slider(key="dir_pc0")
    assert (three.label, three.value, pc1.label) == ("more like a 3", 0.0, "PC 1")
    assert (three.min, three.max) == (-3.0, 3.0)
    # a start whose digit is not a 3
    for seed in range(10):
        at.number_input(key="dir_seed").set_value(seed).run()
        if bars(at)[3] < 0.5:
            break
    before, digit = bars(at), picture(at)
    assert len(before) == 10 and abs(sum(before) - 1) < 1e-3
    at.slider(key="dir_class3").set_value(3.0).run()
    assert not at.exception, at.exception
    after = bars(at)
    assert after[3] > before[3] + 0.3, (before, after)
    assert picture(at) != digit
    at.slider(key="dir_pc0").set_value(-2.0).run()
    assert picture(at) not in (digit,) and bars(at) != after  # PC 1 moves the sample too
    # another direction, picked from the list, gets its own slider
    at.multiselect(key="dir_pick").select("more like a 7").run()
    assert at.slider(key="dir_class7").label == "more like a 7"
    # another tab on the same run and step: no second fit
    _page(t)
    assert fits == [(STEPS,)], fits


def test_an_earlier_generator_gets_its_own_directions():
    from ui import directions as panel

    panel._fitted.clear()
    t = _trained(400)
    at = _page(t)
    now = bars(at)
    earlier = t.kept_generator_steps()[1]
    at.select_slider(key="lat_at").set_value(earlier).run()
    assert not at.exception, at.exception
    assert any(c.startswith(f"G(z) at step {earlier:,}") for i in at.get("image") for c in i.captions)
    assert bars(at) != now


def test_a_2d_run_has_no_directions(tiny):
    from test_pages import _with_run

    at = _page(_with_run(tiny))
    assert "Directions" not in [h.value for h in at.subheader]
    assert not [s for s in at.slider if s.key and s.key.startswith("dir_")]


def test_while_the_run_trains_the_directions_are_the_newest_kept_generator_s():
    t = _trained(400)
    t.resume()
    try:
        assert t.wait(lambda s: s.busy and s.step > 600, timeout=300), t.state
        at = _page(t)
        assert any("The run is training" in c.value for c in at.caption)
        shown = next(c for i in at.get("image") for c in i.captions if c.startswith("G(z) at step"))
        step = int(shown.removeprefix("G(z) at step ").replace(",", ""))
        assert step >= 600 and step in t.kept_generator_steps()
    finally:
        t.pause()


def test_the_lesson_s_replay_turns_a_digit_into_a_3():
    """The class-direction lesson replayed from its home card, at its end: the directions of
    the recorded final generator, and the recording unchanged."""
    from test_lesson_replay import digest, replay_from_the_card

    before = digest()
    replay = replay_from_the_card("class-direction")["digits"]
    replay.playhead.pause()
    replay.playhead.seek(replay.playhead.end)
    at = _page(replay)
    assert any(c == f"G(z) at step {replay.playhead.end:,}" for i in at.get("image")
               for c in i.captions)
    for seed in range(10):
        at.number_input(key="dir_seed").set_value(seed).run()
        if bars(at)[3] < 0.5:
            break
    start = bars(at)[3]
    at.slider(key="dir_class3").set_value(3.0).run()
    assert bars(at)[3] > start + 0.3
    assert digest() == before
