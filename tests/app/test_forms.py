"""The forms: errors in the forms' own words."""
import re

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from ui.labels import LABELS


@pytest.fixture(autouse=True)
def isolated_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSCOPE_RUNS", str(tmp_path / "runs"))
    monkeypatch.chdir(ROOT)
    yield
    from ui import state

    state.runs().stop_all()
    state.runs.clear()


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
