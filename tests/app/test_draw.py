"""The Draw page (pages/8_Draw.py, ui/drawing.py): shapes make a drawing, the summary counts
its points and modes, a run trains on it, and a later visit reuses it. Canvas clicks need a
browser (tests/e2e); here `picked` reads plotly selections as the canvas' callback does."""
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from gan_core.data import is_drawn, shapes
from gan_core.views import canvas as views
from ui.drawing import picked

pytestmark = pytest.mark.usefixtures("app_runs")


def draw_page() -> AppTest:
    # a hang guard for one script run (seconds here), not a budget a busy machine should meet
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300).run()
    at.switch_page("pages/8_Draw.py").run()
    assert not at.exception, at.exception
    return at


def shown(markdown: str) -> str:
    """What a reader sees of a message: markdown's escapes taken out."""
    return re.sub(r"\\(.)", r"\1", markdown)


def summary(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "make one mode" in m.value)


def add_shape(at: AppTest, shape: str, replace: bool = False, **value) -> AppTest:
    at.selectbox(key="draw_shape").select(shape).run()
    if shape == "letters":
        at.text_input(key="draw_text").input(value["text"]).run()
    elif "n" in value:
        at.number_input(key=f"draw_n_{shape}").set_value(value["n"]).run()
    at.button(key="draw_replace_shape" if replace else "draw_add_shape").click().run()
    assert not at.exception, at.exception
    return at


def test_shapes_make_points_and_modes_and_a_run_trains_on_them():
    at = draw_page()
    assert any("Nothing drawn yet" in c.value for c in at.caption)
    add_shape(at, "ring", n=5)
    assert summary(at).startswith("**5 points in 5 modes**")
    add_shape(at, "letters", text="GAN")  # added to the ring: 5 + 53 dots, 5 + 3 modes
    assert summary(at).startswith("**58 points in 8 modes**")
    at.button(key="draw_undo").click().run()
    assert summary(at).startswith("**5 points in 5 modes**")
    add_shape(at, "letters", replace=True, text="GAN")
    assert summary(at).startswith("**53 points in 3 modes**")
    at.text_input(key="draw_title").input("my letters")
    next(b for b in at.button if b.label == "Train on this drawing").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "2D Lab"  # the new run's page
    from ui import state

    (info,) = state.runs().list()
    t = state.runs().get(info.run_id)
    assert is_drawn(info.dataset) and info.title == "my letters"
    assert t.config.data_std == 0.02 and t.data.modes.max() == 2
    np.testing.assert_array_equal(t.data.centers, shapes.letters("GAN"))
    assert t.wait(lambda s: s.step > 0, timeout=300)
    at.switch_page("pages/6_Mode_collapse.py").run()  # the diagnostics count the 3 letters
    t.pause()
    assert t.wait(lambda s: not s.busy and s.snapshot is not None, timeout=300)
    at.run()
    assert not at.exception, at.exception
    assert [m.value.split(" / ")[1] for m in at.metric if m.label == "Modes captured"] == ["3"]


def test_a_wider_spread_joins_nearby_points_into_one_mode():
    at = add_shape(draw_page(), "grid", n=5)  # 0.5 apart
    assert summary(at).startswith("**25 points in 25 modes**")
    at.select_slider(key="draw_spread").set_value(0.08).run()  # linked up to 0.48: still apart
    assert summary(at).startswith("**25 points in 25 modes**")
    add_shape(at, "grid", replace=True, n=7)  # 0.33 apart
    assert summary(at).startswith("**49 points in 1 mode**")


def test_too_few_points_or_a_bad_shape_say_what_is_wrong():
    at = draw_page()
    next(b for b in at.button if b.label == "Train on this drawing").click().run()
    assert [shown(e.value) for e in at.error] == ["draw at least 3 points (this drawing has 0)"]
    add_shape(at, "letters", text="GAN*")
    assert [shown(w.value) for w in at.warning] == ["letters: only A-Z, 0-9 and spaces, not *"]
    from ui import state

    assert state.runs().list() == []


def test_a_drawing_an_earlier_run_trained_on_is_loaded_again():
    at = add_shape(draw_page(), "spiral", n=120)
    assert any("show up here to reuse" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "Train on this drawing").click().run()
    from ui import state

    state.runs().stop_all()
    at = draw_page()  # a new visit: nothing drawn
    assert any("Nothing drawn yet" in c.value for c in at.caption)
    at.button(key="draw_load").click().run()
    assert summary(at).startswith("**120 points in 1 mode**")


def test_a_canvas_selection_adds_candidates_and_picks_drawn_points_to_erase():
    drawn_points = np.array([[0.5, 0.5], [-1.0, 0.25]], np.float32)
    selection = {"points": [
        {"curve_number": views.CANDIDATES, "point_index": 7, "x": 0.35, "y": -0.4},
        {"curve_number": views.CANDIDATES, "point_index": 9, "x": -1.0, "y": 0.25},  # under point 1
        {"curve_number": views.DRAWN, "point_index": 0, "x": 0.5, "y": 0.5},
        {"curve_number": views.DRAWN, "point_index": 5},  # no such drawn point: ignored
    ], "box": [], "lasso": []}
    xy, hit = picked(selection, drawn_points)
    np.testing.assert_array_equal(xy, np.float32([[0.35, -0.4], [-1.0, 0.25]]))
    assert hit == [0, 1]
    assert picked({}, drawn_points)[0].shape == (0, 2)
    grid = views.candidates()
    assert len(grid) == 61 * 61 and grid.min() == -1.5 and grid.max() == 1.5
    assert set(np.round(grid[:, 0], 3)) == set(np.round(np.arange(-1.5, 1.501, 0.05), 3))
