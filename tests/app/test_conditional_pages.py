"""A conditional run on the pages: the form's switch, the per-class grid, the Latent
explorer's class picker and interpolations, the within-class panel of the Mode collapse page."""
import io

import numpy as np
import pytest
from PIL import Image
from test_forms import button, shown, widget
from test_pages import app

from gan_core.defaults import defaults_for
from ui.labels import LABELS

pytestmark = pytest.mark.usefixtures("app_runs")
SWITCH = LABELS["conditional"]


@pytest.fixture
def cond_run(tmp_path, monkeypatch):
    """A conditional digits run, trained a little, with its classifier ready."""
    monkeypatch.setenv("GANSCOPE_CACHE", str(tmp_path / "cache"))
    from ui import state

    t = state.runs().create(defaults_for("digits", conditional=True, width=64, z_dim=8,
                                         snapshot_every=50))
    assert t.observer.wait_for_judge(timeout=300) is not None
    t.train(steps=100)
    return t


def opened(page: str, t):
    at = app(page)
    at.query_params["run"] = t.run_id
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_switch_shows_for_labelled_images_only_and_starts_a_conditional_run():
    at = app("dashboard.py").run()
    assert SWITCH not in [t.label for t in at.toggle]  # ring8: 2D points, no classes
    at.selectbox(key="new_dataset").select("digits").run()
    assert at.toggle(key="new_conditional").label == SWITCH
    assert not at.toggle(key="new_conditional").value
    at.toggle(key="new_conditional").set_value(True).run()
    assert widget(at, LABELS["z_dim"]).value == defaults_for("digits", conditional=True).z_dim
    widget(at, LABELS["seed"]).set_value(4)
    button(at, "Create and start").click().run()
    assert not at.exception, at.exception
    from ui import state

    (info,) = state.runs().list()
    t = state.runs().get(info.run_id)
    assert t.config == defaults_for("digits", conditional=True, seed=4)


def test_a_link_asking_for_a_conditional_ring_names_the_switch():
    at = app("dashboard.py")
    at.query_params.update(dataset="ring8", conditional="true")
    at.run()
    assert not at.exception, at.exception
    (warned,) = [shown(w.value) for w in at.warning]
    assert f"({SWITCH}): {SWITCH} needs labelled images" in warned, warned
    assert "ring8 is 2D points" in warned
    at = app("dashboard.py")
    at.query_params.update(dataset="digits", conditional="true", seed="2")
    at.run()
    assert at.toggle(key="new_conditional").value  # the link's switch, on
    assert widget(at, LABELS["seed"]).value == 2


def test_the_train_page_shows_one_row_per_class(cond_run):
    at = opened("pages/1_Train.py", cond_run)
    (grid,) = [i for i in at.get("image") if any("One row per class" in c for c in i.captions)]
    assert "· conditional ·" in at.caption[0].value
    from ui import conditional

    snapshot = cond_run.state.snapshot
    png = Image.open(io.BytesIO(conditional.grid_png(cond_run, snapshot.grid, 6)))
    mosaic = snapshot.grid.shape[1] * 6
    assert png.height == snapshot.grid.shape[0] * 6 and png.width > mosaic
    names = np.asarray(png.convert("L"))[:, : png.width - mosaic]  # the column of class names
    rows = np.array_split(names, 10)
    assert all((row < 128).any() for row in rows)  # a name drawn on each of the ten rows


def test_the_latent_explorer_draws_the_class_picked(cond_run):
    at = opened("pages/4_Latent_explorer.py", cond_run)

    def picture(caption):
        return [u for i in at.get("image") for u, c in zip(i.value, i.captions) if c == caption]

    picker = at.selectbox(key="lat_class")
    assert picker.options == [str(i) for i in range(10)]  # AppTest shows the formatted names
    three = picture("G(z, 0)")
    assert three
    picker.select(3).run()
    assert not at.exception, at.exception
    assert picture("G(z, 3)") and picture("G(z, 3)") != three
    path = at.radio(key="lat_cond_path")
    assert path.value == "same class, noise A → B" and not at.radio(key="lat_how").disabled
    at.selectbox(key="lat_cond_class").select(5).run()
    assert picture("class 5: noise A → B")
    path.set_value("same noise, class a → class b").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="lat_cond_from").value == 3 and at.selectbox(key="lat_cond_to").value == 8
    assert picture("noise A: class 3 → 8")
    assert at.radio(key="lat_how").disabled  # the noise stays A: its path's shape means nothing


def test_the_mode_collapse_page_shows_within_class_diversity(cond_run):
    at = opened("pages/6_Mode_collapse.py", cond_run)
    assert "Within each class" in [h.value for h in at.subheader]
    labels = [m.label for m in at.metric]
    m = cond_run.state.snapshot.metrics
    shown_value = at.metric[labels.index("Within-class diversity")].value
    assert shown_value == f"{100 * m['within_diversity']:.0f} % of real"
    assert at.metric[labels.index("Drawn as asked")].value == f"{m['class_match_pct']:.0f} %"
    assert any(i.value.startswith(("No class collapsed", "Collapsed within")) for i in at.info)
    specs = [c.proto.spec for c in at.get("plotly_chart")]  # the run is paused: plotly charts
    assert any("within-class diversity, mean (%)" in s and "least varied class (%)" in s
               for s in specs)


def test_the_class_demo_names_the_rows_of_a_conditional_grid(cond_run):
    at = opened("pages/7_Class_demo.py", cond_run)
    assert at.get("image")
    from gan_core.views import pillow_images
    from ui import conditional, live

    snapshot = cond_run.state.snapshot
    shown_png = live.memo("demo_grid", (cond_run.run_id, snapshot.step),
                          lambda: pytest.fail("the page drew no grid"))
    scale = pillow_images.display_scale(cond_run.data.shape[0], 96)
    assert shown_png == conditional.grid_png(cond_run, snapshot.grid, scale)
    png = Image.open(io.BytesIO(shown_png))
    assert png.width > snapshot.grid.shape[1] * scale  # the column of class names on its left
