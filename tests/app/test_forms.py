"""The forms: settings from a link, links to settings, and errors in the forms' own words."""
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from gan_core.defaults import defaults_for
from gan_core.links import from_query
from ui.labels import LABELS

pytestmark = pytest.mark.usefixtures("app_runs")


def app(page: str, **query: str) -> AppTest:
    # a hang guard for one script run (seconds here), not a budget a busy machine should meet
    at = AppTest.from_file(str(ROOT / page), default_timeout=300)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def shown(markdown: str) -> str:
    """What a reader sees of a message: markdown's escapes and bold marks taken out."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("**", "").replace("`", "")


def widget(at: AppTest, label: str):
    return next(w for w in [*at.number_input, *at.selectbox, *at.text_input] if w.label == label)


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


# a small run (width and depth are not on the form: the link still sets them)
LINK = dict(dataset="ring8", loss="wgan-gp", lr_d="2e-4", lr_g="1e-3", d_steps="2", batch="64",
            z_dim="3", seed="3", ema="0.99", width="32", depth="2", title="Class link")


def test_a_link_fills_the_new_run_form_and_its_button_starts_that_run():
    at = app("dashboard.py", **LINK)
    assert not at.exception, at.exception
    said = [shown(i.value) for i in at.info if "came from a link" in i.value]
    assert len(said) == 1 and "D learning rate 0.0002" in said[0] and "Loss wgan_gp" in said[0]
    assert not at.warning
    # (the conditional switch shows for labelled images only: tests/app/test_conditional.py)
    form = {label: widget(at, LABELS[name]).value for name, label in LABELS.items()
            if name not in ("conditional", "strategy")}
    assert not [w for w in at.selectbox if w.label == LABELS["strategy"]]  # one device here
    assert form == {"Dataset": "ring8", "Model": "mlp", "Loss": "wgan_gp",
                    "D learning rate": pytest.approx(2e-4), "G learning rate": pytest.approx(1e-3),
                    "D steps per G step": 2, "Batch": 64, "z size": 3, "Seed": 3,
                    "D judges packs of": 1, "G average for samples (EMA)": pytest.approx(0.99),
                    "Title (optional)": "Class link"}
    button(at, "Create and start").click().run()
    assert not at.exception, at.exception
    from ui import state

    (info,) = state.runs().list()
    t = state.runs().get(info.run_id)
    assert t.config == defaults_for("ring8", loss="wgan_gp", lr_d=2e-4, lr_g=1e-3, d_steps=2,
                                    batch=64, z_dim=3, seed=3, ema=0.99, width=32, depth=2,
                                    title="Class link")
    assert t.wait(lambda s: s.step > 0, timeout=300), t.state  # started


def test_bad_values_in_a_link_name_the_parameter_and_the_label_and_the_rest_fills():
    at = app("dashboard.py", dataset="nope", loss="hinge", lr_d="-1", seed="abc", z_dim="5",
             lr="1e-3")
    assert not at.exception, at.exception
    warned = [shown(w.value) for w in at.warning]
    assert len(warned) == 4, warned
    assert any("dataset=nope" in w and "unknown Dataset 'nope'" in w for w in warned)
    assert any("lr_d=-1 (D learning rate): D learning rate must be between" in w for w in warned)
    assert any("seed=abc (Seed): Seed: cannot read 'abc' as a whole number" in w for w in warned)
    assert any("lr=1e-3: 'lr' is not a setting a link can carry" in w for w in warned)
    # the rest of the link fills the form, on the first dataset's defaults
    assert widget(at, "Dataset").value == "ring8" and widget(at, "Loss").value == "hinge"
    assert widget(at, "z size").value == 5
    assert widget(at, "D learning rate").value == defaults_for("ring8").lr_d
    assert widget(at, "Seed").value == 0


def test_the_form_links_to_its_settings_and_the_link_opens_them_again():
    at = app("dashboard.py")
    widget(at, "Seed").set_value(7)
    widget(at, "Loss").select("hinge")
    widget(at, "D judges packs of").set_value(4)
    button(at, "Link to these settings").click().run()
    assert not at.exception, at.exception
    (code,) = at.code
    url = urlsplit(code.value)
    assert (url.scheme, url.netloc, url.path) == ("http", "localhost:8501", "/")
    query = dict(parse_qsl(url.query))
    assert from_query(query).config == defaults_for("ring8", seed=7, loss="hinge", pack=4)
    again = app("dashboard.py", **query)
    assert (widget(again, "Seed").value, widget(again, "Loss").value,
            widget(again, "D judges packs of").value) == (7, "hinge", 4)
    from ui import state

    assert not state.runs().list()  # a link made, no run started


def test_the_train_page_links_to_its_runs_settings(tiny):
    from ui import state

    t = state.runs().create(tiny.replace(seed=5, loss="hinge"))
    at = app("pages/1_Train.py", run=t.run_id)
    assert not at.exception, at.exception
    (code,) = at.code
    assert from_query(dict(parse_qsl(urlsplit(code.value).query))).config == t.config


@pytest.mark.parametrize("name, value", [
    ("lr_d", 5.0), ("z_dim", 2000), ("batch", 1), ("ema", 0.3), ("seed", 2**31)])
def test_new_run_form_errors_name_the_forms_labels(name, value):
    at = app("dashboard.py")
    widget(at, LABELS[name]).set_value(value)
    button(at, "Create and start").click().run()
    assert not at.exception, at.exception
    (error,) = [shown(e.value) for e in at.error]
    assert error.startswith(LABELS[name] + " must be"), error
    assert name not in error


def test_new_run_form_names_both_labels_when_pack_does_not_divide_the_batch():
    at = app("dashboard.py")
    widget(at, "D judges packs of").set_value(3)
    button(at, "Create and start").click().run()
    assert not at.exception, at.exception
    (error,) = [shown(e.value) for e in at.error]
    assert error.startswith("Batch (256) must be a multiple of D judges packs of (3)"), error


def test_live_settings_errors_name_the_forms_labels(tiny):
    from ui import state

    t = state.runs().create(tiny)
    at = app("pages/1_Train.py", run=t.run_id)
    for name in ("lr_d", "lr_g", "d_steps", "loss"):  # the live form says what the labels say
        element = at.number_input(key=f"hp_{name}") if name != "loss" else at.selectbox(
            key="hp_loss")
        assert element.label == LABELS[name]
    at.number_input(key="hp_lr_g").set_value(5.0)
    at.button(key="hp_apply").click().run()
    (error,) = [shown(e.value) for e in at.error]
    assert error.startswith("G learning rate must be between 1e-07 and 1, got 5"), error
    assert "lr_g" not in error and t.state.hparams["lr_g"] == tiny.lr_g


def test_a_title_is_shown_as_text_not_markup(tiny):
    # a title travels by link to every screen: markup in it must not fetch pictures or links
    from ui import state

    title = "Week 3: ![x](http://e.example/p.png) *big*"
    t = state.runs().create(tiny.replace(title=title))
    home = app("dashboard.py")
    train = app("pages/1_Train.py", run=t.run_id)
    listed = [m.value for m in home.markdown if t.run_id in m.value]
    captions = [c.value for c in train.caption if t.run_id in c.value]
    for said in (listed[0], captions[0]):
        assert title not in said and shown(said).startswith(title), said


def test_the_devices_choice_shows_where_more_than_one_device_is_visible(monkeypatch):
    from gan_core import distribute

    two = ["/job:localhost/replica:0/task:0/device:GPU:0", "/job:localhost/replica:0/task:0/device:GPU:1"]
    monkeypatch.setattr(distribute, "local_devices", lambda: two)
    at = app("dashboard.py", **LINK)
    assert not at.exception, at.exception
    devices = widget(at, LABELS["strategy"])
    assert devices.value == "default" and list(devices.options) == ["one device", "all 2"]
