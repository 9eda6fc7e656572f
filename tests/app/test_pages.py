
import threading

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT

PAGES = ["dashboard.py"] + sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))


pytestmark = pytest.mark.usefixtures("app_runs")


def app(page: str) -> AppTest:
    # a hang guard for one script run (seconds here), not a budget a busy machine should meet
    return AppTest.from_file(str(ROOT / page), default_timeout=300)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_a_run(page):
    at = app(page).run()
    assert not at.exception, at.exception
    assert at.title[0].value


def _with_run(tiny_config):
    from ui import state

    t = state.runs().create(tiny_config)
    t.train(steps=60)
    return t


@pytest.mark.parametrize("kind", ["points", "images"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_a_trained_run(page, kind, tiny):
    if kind == "images":
        tiny = tiny.replace(dataset="digits", model="mlp", z_dim=8, ema=0.9)
    t = _with_run(tiny)
    at = app(page)
    at.query_params["run"] = t.run_id
    at.run()
    assert not at.exception, at.exception
    if page.endswith("Runs.py"):
        assert at.multiselect(key="runs_cmp").value == [t.run_id]
    elif page.endswith("Class_demo.py"):  # no sidebar: the run named in the URL, full screen
        assert at.title[0].value.startswith(t.config.dataset) and len(at.get("image")) >= 3
    elif page != "dashboard.py":
        assert at.sidebar.selectbox(key="run_pick").value == t.run_id


def test_quick_start_trains_the_ring():
    at = app("dashboard.py").run()
    at.button(key="quick_start").click().run()
    from ui import state

    runs = state.runs().list()
    assert len(runs) == 1 and runs[0].dataset == "ring8"
    t = state.runs().get(runs[0].run_id)
    assert t.wait(lambda s: s.step > 0, timeout=300)


def shown_step(at) -> int:
    """The step the Train page's status shows."""
    return int(at.metric[0].value.replace(",", ""))


def test_train_page_names_the_devices_of_a_distributed_run(tiny):
    """A run on tf.distribute says where it trains (here MirroredStrategy over the one CPU);
    a default run's page says nothing about devices."""
    from ui import state

    for strategy, shown in (("mirrored", ["Devices: 1 replica: CPU:0"]), ("default", [])):
        t = state.runs().create(tiny.replace(strategy=strategy))
        at = app("pages/1_Train.py")
        at.query_params["run"] = t.run_id
        at.run()
        assert not at.exception, at.exception
        assert [c.value.split(": ", 1)[1] for c in at.caption if "Devices:" in c.value] == shown


def test_train_page_reopens_a_multiworker_run_on_one_device(tiny, monkeypatch):
    """Without TF_CONFIG a multiworker run's folder opens on one device, and the page says so
    in one line (distribute.reopened)."""
    import os

    from gan_core.trainer import Trainer

    monkeypatch.delenv("TF_CONFIG", raising=False)
    t = Trainer(tiny.replace(tensorboard=False), runs_dir=os.environ["GANSCOPE_RUNS"])
    t.train(steps=5)
    assert t.stop()
    (t.store.path / "config.json").write_text(t.config.replace(strategy="multiworker").to_json())
    at = app("pages/1_Train.py")
    at.query_params["run"] = t.run_id
    at.run()
    assert not at.exception, at.exception
    notes = [c.value for c in at.caption if "strategy=multiworker" in c.value]
    assert len(notes) == 1 and "TF_CONFIG is not set here: it opens on one device" in notes[0]
    assert [c.value for c in at.caption if "Devices:" in c.value] == [
        ":material/memory: Devices: 1 device: CPU:0"]
    assert shown_step(at) == 5


def test_train_page_buttons_move_the_step_counter(tiny):
    from ui import state

    t = state.runs().create(tiny)
    at = app("pages/1_Train.py")
    at.query_params["run"] = t.run_id
    at.run()
    assert shown_step(at) == 0
    at.number_input(key="ctl_n").set_value(5).run()
    at.button(key="ctl_step_d").click().run()
    # The button waits a while for its steps (the first call traces the graph); a slow machine
    # may outlast that wait, so the test waits on the run, then redraws.
    assert t.wait(lambda s: s.step == 5 and not s.busy, timeout=300), t.state
    assert shown_step(at.run()) == 5
    at.button(key="ctl_step_both").click().run()
    assert t.wait(lambda s: s.step == 10 and not s.busy, timeout=300), t.state
    assert shown_step(at.run()) == 10
    at.button(key="ctl_run").click().run()
    assert t.wait(lambda s: s.step > 40, timeout=300)
    at.run()  # one fragment tick
    assert shown_step(at) > 40
    # while it trains the curves are pictures (cheap for the browser), unless asked otherwise
    assert len(at.get("plotly_chart")) == 0 and len(at.get("image")) == 4
    at.toggle(key="interactive_live").set_value(True).run()
    assert len(at.get("plotly_chart")) == 3
    at.toggle(key="interactive_live").set_value(False).run()
    at.button(key="ctl_pause").click().run()
    assert t.wait(lambda s: s.status == "paused", timeout=60)
    at.run()
    assert len(at.get("plotly_chart")) == 3  # still: interactive charts
    # every click went to the one training thread, which is still there, paused
    names = [th.name for th in threading.enumerate() if th.name == f"ganscope-{t.run_id}"]
    assert names == [f"ganscope-{t.run_id}"] and t.alive


def test_train_page_shows_the_last_steps_on_request(tiny):
    import json

    t = _with_run(tiny.replace(snapshot_every=100))
    t.train(steps=240)  # 300 steps, paused: interactive charts
    at = app("pages/1_Train.py")
    at.query_params["run"] = t.run_id
    at.run()

    def first_step() -> float:
        return json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["xaxis"]["range"][0]

    assert first_step() == 1
    at.selectbox(key="window").select(100).run()
    assert not at.exception, at.exception
    assert first_step() == 201  # the memoised figure follows the window


def test_2d_lab_fills_the_screen_and_says_what_its_colours_mean(tiny):
    import json

    t = _with_run(tiny)
    at = app("pages/2_2D_Lab.py")
    at.query_params["run"] = t.run_id
    at.run()
    assert not at.exception, at.exception
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    assert "height" not in layout  # the chart takes the screen-high container's height
    key = [c.value for c in at.caption if c.value.startswith("**Key**")]
    assert key and "red = D says fake" in key[0] and "blue = D says real" in key[0]


def test_bad_live_setting_shows_an_error_and_changes_nothing(tiny):
    from ui import state

    t = state.runs().create(tiny)
    at = app("pages/1_Train.py")
    at.query_params["run"] = t.run_id
    at.run()
    at.number_input(key="hp_lr_d").set_value(5.0)
    at.button(key="hp_apply").click().run()
    assert any("**D learning rate** must be between" in e.value for e in at.error)  # its label
    assert t.state.hparams["lr_d"] == tiny.lr_d
    assert at.number_input(key="hp_lr_d").value == 5.0  # left for the student to correct


def test_live_settings_apply_and_follow_changes_made_elsewhere(tiny):
    from ui import state

    t = state.runs().create(tiny.replace(lr_g=2e-4))
    other = state.runs().create(tiny.replace(lr_g=7e-4))
    at = app("pages/1_Train.py")
    at.query_params["run"] = t.run_id
    at.run()
    assert at.number_input(key="hp_lr_g").value == pytest.approx(2e-4)
    at.number_input(key="hp_d_steps").set_value(3)
    at.button(key="hp_apply").click().run()
    assert any(s.value == "Applied: d_steps=3" for s in at.success)
    t.start(paused=True)  # the thread applies posted settings
    assert t.wait(lambda s: s.hparams["d_steps"] == 3, timeout=120)
    t.set_hparams(lr_d=4e-4)  # from another tab, or a script
    assert t.wait(lambda s: s.hparams["lr_d"] == 4e-4, timeout=120)
    at.run()
    assert at.number_input(key="hp_lr_d").value == pytest.approx(4e-4)
    assert at.number_input(key="hp_d_steps").value == 3
    at.sidebar.selectbox(key="run_pick").select(other.run_id).run()  # another run: its values
    assert at.number_input(key="hp_lr_g").value == pytest.approx(7e-4)
    assert at.number_input(key="hp_d_steps").value == tiny.d_steps


def test_new_run_form_reports_an_offline_dataset(monkeypatch):
    from gan_core.data import images

    monkeypatch.setattr(images, "_online", lambda *a, **k: False)
    monkeypatch.setenv("KERAS_HOME", "/nonexistent-keras-home")
    at = app("dashboard.py").run()
    at.selectbox(key="new_dataset").select("cifar10").run()
    form_submit = [b for b in at.button if b.label == "Create and start"][0]
    form_submit.click().run()
    assert any("cannot reach the internet" in e.value for e in at.error)


def test_runs_overlay_is_a_picture_while_a_compared_run_trains(tiny):
    from ui import state

    t = state.runs().create(tiny)
    t.start()
    assert t.wait(lambda s: s.step > 50, timeout=300)
    at = app("pages/5_Runs.py").run()
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == 0 and len(at.get("image")) >= 1
    at.toggle(key="interactive_live").set_value(True).run()
    assert len(at.get("plotly_chart")) == 1
    at.toggle(key="interactive_live").set_value(False).run()
    t.pause()
    assert t.wait(lambda s: not s.training, timeout=60)
    at.run()
    assert len(at.get("plotly_chart")) == 1  # still: the interactive overlay


def test_a_lesson_card_starts_its_runs_to_the_budget():
    from gan_core.lessons import LESSONS
    from ui import state

    at = app("dashboard.py").run()
    lesson = LESSONS.get("d-too-strong")
    at.button(key="lesson_d-too-strong").click().run()
    assert not at.exception, at.exception
    runs = state.runs().list()
    assert sorted(r.title for r in runs) == sorted(f"{lesson.title}: {r.label}" for r in lesson.runs)
    assert at.session_state["runs_cmp"] and at.session_state["runs_metric"] == "d_fake"
    for info in runs:  # each trains towards its budget, then pauses there
        t = state.runs().get(info.run_id)
        assert t.wait(lambda s: s.step > 0, timeout=300)
        t.pause()


def test_mode_collapse_page_reads_classes_of_an_image_run(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("GANSCOPE_CACHE", str(tmp_path / "cache"))
    from ui import state

    t = state.runs().create(tiny.replace(dataset="digits", z_dim=8, snapshot_every=50))
    assert t.observer.wait_for_judge(timeout=300) is not None
    t.train(steps=100)
    at = app("pages/6_Mode_collapse.py")
    at.query_params["run"] = t.run_id
    at.run()
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert "Classes covered" in labels and "FCD" in labels
    m = t.state.snapshot.metrics  # the page shows the newest snapshot's numbers
    assert at.metric[labels.index("Classes covered")].value == f"{m['classes_covered']} / 10"
    assert at.metric[labels.index("FCD")].value == f"{m['fcd']:.1f}"
    assert any("classes" in i.value for i in at.info)  # the verdict speaks of classes


@pytest.mark.parametrize("kind", ["points", "images"])
def test_latent_explorer_looks_back_at_an_earlier_generator(tiny, kind):
    if kind == "images":
        tiny = tiny.replace(dataset="digits", z_dim=8)
    t = _with_run(tiny)
    at = app("pages/4_Latent_explorer.py")
    at.query_params["run"] = t.run_id
    at.run()
    slider = at.select_slider(key="lat_at")
    assert slider.options[-1].startswith("now") and len(slider.options) >= 3
    slider.set_value(0).run()
    assert not at.exception, at.exception


def test_a_finished_lesson_says_its_result_why_and_the_fix():
    from ui import state

    at = app("dashboard.py").run()
    at.button(key="lesson_saturating-loss").click().run()  # two digits runs, 1,000 steps each
    runs = state.runs().lesson_runs("saturating-loss")
    assert set(runs) == {"minimax", "non-saturating"}
    for t in runs.values():
        assert t.wait(lambda s: s.step >= 1000 and not s.busy, timeout=600), t.state
    page = app("pages/5_Runs.py")
    page.query_params["run"] = runs["minimax"].run_id
    page.run()
    assert not page.exception, page.exception
    done = [s.value for s in page.success]
    assert len(done) == 1 and done[0].startswith("Done. Claim held: median |grad G| over the "
                                                 "first 500 steps"), done
    assert "(claim: >= 100x)" in done[0]
    said = " ".join(m.value for m in page.markdown)
    assert "**Why.** With the minimax loss" in said and "**Fix.** Train G with the non-saturating" in said
    table = next(d.value for d in page.dataframe if "healthy defaults" in d.value.columns)
    loss = table[table["setting"] == "loss"].iloc[0]
    assert (loss["minimax"], loss["healthy defaults"]) == ("minimax", "non_saturating")
    home = app("dashboard.py").run()
    assert any(m.value == "**3. Saturating vs non-saturating loss** · done" for m in home.markdown)
    assert done[0] in [s.value for s in home.success]


def test_the_train_page_says_what_was_changed_or_skipped_in_the_data(tiny, tmp_path):
    from PIL import Image

    from ui import state

    for cls in ("a", "b"):  # non-square images: the loader centre-crops them, and says so
        (tmp_path / "data" / cls).mkdir(parents=True)
        for i in range(6):
            Image.new("L", (12, 8), 40 * i).save(tmp_path / "data" / cls / f"{i}.png")
    (tmp_path / "data" / "a" / "broken.png").write_bytes(b"not a picture")
    t = state.runs().create(tiny.replace(dataset=str(tmp_path / "data"), z_dim=4))
    at = app("pages/1_Train.py")
    at.query_params["run"] = t.run_id
    at.run()
    assert not at.exception, at.exception
    said = " ".join(e.label for e in at.expander) + " " + " ".join(m.value for m in at.markdown)
    assert "About this data" in said and "broken.png" in said and "crop" in said, said
