"""What a class does on the pages, beyond rendering them: delete a run, randomise seeds,
upload data, pick runs while they train (issue 16's bugs, each with its test)."""
import json

import pytest
from test_pages import _with_run, app

pytestmark = pytest.mark.usefixtures("app_runs")


@pytest.mark.parametrize("kind", ["points", "images"])
def test_randomise_seeds_changes_both_seeds_and_keeps_the_interpolation(tiny, kind):
    if kind == "images":
        tiny = tiny.replace(dataset="digits", z_dim=8)
    t = _with_run(tiny)
    at = app("pages/4_Latent_explorer.py")
    at.query_params["run"] = t.run_id
    at.run()

    def path_shown():
        if kind == "images":  # a picture's URL names its content
            return [u for i in at.get("image") for u, c in zip(i.value, i.captions) if c == "A → B"]
        return [d for c in at.get("plotly_chart") for d in json.loads(c.proto.spec)["data"]
                if d.get("name") == "A → B"]

    before = path_shown()
    assert before
    at.button(key="lat_rand").click().run()
    assert not at.exception, at.exception
    a, b = at.number_input(key="lat_a").value, at.number_input(key="lat_b").value
    assert (a, b) != (1, 2)
    assert "Interpolation" in [h.value for h in at.subheader]
    after = path_shown()
    assert after and after != before  # the path drawn is the new seeds' path


def _runs_page():
    at = app("pages/5_Runs.py").run()
    assert not at.exception, at.exception
    return at


def test_delete_deletes_the_chosen_run_says_so_and_asks_again(tiny):
    from ui import state

    a, b, c = (_with_run(tiny.replace(title=f"run {n}")) for n in "abc")
    at = _runs_page()
    at.multiselect(key="runs_cmp").set_value([a.run_id, c.run_id]).run()
    at.selectbox(key="runs_target").select(b.run_id).run()
    sure = next(x for x in at.checkbox if x.label == "Yes, delete it")
    assert at.button(key="runs_delete").disabled
    sure.check().run()
    assert not at.button(key="runs_delete").disabled
    at.button(key="runs_delete").click().run()
    assert not at.exception, at.exception
    assert sorted(r.run_id for r in state.runs().list()) == sorted([a.run_id, c.run_id])
    assert [s.value for s in at.success] == [f"Deleted run b ({b.run_id})."]
    # the box now shows another run: the confirmation was for the deleted one
    assert at.selectbox(key="runs_target").value in (a.run_id, c.run_id)
    assert [x.value for x in at.checkbox if x.label == "Yes, delete it"] == [False]
    assert at.button(key="runs_delete").disabled
    assert at.multiselect(key="runs_cmp").value == [a.run_id, c.run_id]  # unchanged
    at.run()
    assert not at.success  # said once


def test_a_confirmation_is_for_one_run_only(tiny):
    a, b = (_with_run(tiny.replace(title=f"run {n}")) for n in "ab")
    at = _runs_page()
    at.selectbox(key="runs_target").select(a.run_id).run()
    next(x for x in at.checkbox if x.label == "Yes, delete it").check().run()
    at.selectbox(key="runs_target").select(b.run_id).run()
    assert [x.value for x in at.checkbox if x.label == "Yes, delete it"] == [False]
    assert at.button(key="runs_delete").disabled


def test_runs_page_selections_hold_while_the_runs_train(tiny):
    # The browser sends back a selection as its option's label, and drops it once no option
    # has that label any more: a label that changes while a run trains loses the selection
    # (AppTest keeps it, so the labels themselves are checked).
    from ui import state

    still = _with_run(tiny.replace(title="still"))
    moving = state.runs().create(tiny.replace(title="moving"))
    moving.start()
    assert moving.wait(lambda s: s.step > 0, timeout=300)
    at = _runs_page()
    at.multiselect(key="runs_cmp").set_value([still.run_id, moving.run_id]).run()
    at.selectbox(key="runs_target").select(moving.run_id).run()
    labels = at.multiselect(key="runs_cmp").options, at.selectbox(key="runs_target").options
    shown = moving.state.step
    assert moving.wait(lambda s: s.step > shown + 50, timeout=300)  # its step moved on
    next(x for x in at.checkbox if x.label == "Yes, delete it").check().run()
    assert (at.multiselect(key="runs_cmp").options, at.selectbox(key="runs_target").options) == labels
    assert at.multiselect(key="runs_cmp").value == [still.run_id, moving.run_id]
    assert at.selectbox(key="runs_target").value == moving.run_id
    at.button(key="runs_delete").click().run()
    assert [r.run_id for r in state.runs().list()] == [still.run_id]  # the one chosen


def test_runs_page_captions_say_the_step_of_the_picture_shown(tiny):
    from ui import state

    t = state.runs().create(tiny.replace(snapshot_every=1_000_000))  # one picture: step 0's
    t.start()
    assert t.wait(lambda s: s.step > 100, timeout=300)
    at = _runs_page()
    assert t.state.snapshot.step == 0
    captions = [c for i in at.get("image") for c in i.captions if t.run_id[-4:] in c]
    assert captions == [f"{tiny.dataset} · {t.run_id[-4:]} · {tiny.loss} · step 0"]


def test_the_sidebar_run_picker_never_shows_a_stale_state(tiny, runs_dir):
    # The picker is drawn once per page, not live: a state in its labels ("training") stayed
    # after the run paused or stopped, and a changed label loses the selection in the browser
    # (see above). It names runs by what never changes; each page shows the run's state.
    from gan_core.runs import Runs
    from ui import state

    reg = state.runs()
    stopped, paused = _with_run(tiny.replace(title="stopped")), _with_run(tiny.replace(title="paused"))
    stopped.stop()
    elsewhere = Runs(reg.runs_dir).create(tiny.replace(title="from disk"))  # another process's
    elsewhere.train(steps=30)
    elsewhere.stop()
    reg.get(elsewhere.run_id)  # reopened here
    training = reg.create(tiny.replace(title="training"))
    training.resume(until=5000)
    training.start()
    assert training.wait(lambda s: s.step > 0, timeout=300)
    states = {r.title: r.status for r in reg.list()}  # what the engine says, at this moment
    assert states == {"stopped": "stopped", "paused": "paused", "from disk": "paused",
                      "training": "running"}
    at = app("pages/1_Train.py")
    at.query_params["run"] = paused.run_id
    at.run()
    picker = at.sidebar.selectbox(key="run_pick")
    labels = picker.options
    assert sorted(labels) == sorted(f"{r.title} · {r.run_id[-4:]}" for r in reg.list())
    assert picker.value == paused.run_id
    assert training.wait(lambda s: s.status == "paused", timeout=300)  # at its budget
    at.run()
    assert at.sidebar.selectbox(key="run_pick").options == labels
    assert [m.value for m in at.metric if m.label == "State"] == ["paused"]
    at.sidebar.selectbox(key="run_pick").select(stopped.run_id).run()
    assert [m.value for m in at.metric if m.label == "State"] == ["stopped"]


def test_a_run_from_an_uploaded_file_is_titled_by_the_file_name(tmp_path):
    import io

    import numpy as np

    from ui import state
    from ui.forms import UPLOAD

    blob = io.BytesIO()
    np.savez(blob, x=np.random.default_rng(0).integers(0, 256, (64, 8, 8), dtype=np.uint8))
    at = app("dashboard.py").run()
    at.selectbox(key="new_dataset").select(UPLOAD).run()
    at.file_uploader(key="new_upload").set_value(("my tiny faces.npz", blob.getvalue(),
                                                  "application/octet-stream")).run()
    [b for b in at.button if b.label == "Create and start"][0].click().run()
    assert not at.exception, at.exception
    [info] = state.runs().list()
    assert info.title == "my tiny faces.npz"
    assert "upload-" in info.dataset  # the data itself is kept under a generated name


def test_streamlit_reads_the_toolbar_mode_that_hides_deploy():
    from streamlit import config

    config.get_config_options(force_reparse=True)  # from ./.streamlit/config.toml (ROOT)
    try:
        assert config.get_option("client.toolbarMode") == "viewer"
    finally:
        config.get_config_options(force_reparse=True)


def test_every_page_first_makes_sure_it_runs_inside_the_app():
    """A page opened before the app's home ran as Streamlit's legacy pages/ app (no sidebar
    of ours, no dashboard.py): ui/navigation.arrived() sends it through dashboard.py, so every
    page calls it before it draws (the e2e test opens a shared link on a fresh server)."""
    from conftest import ROOT

    for path in sorted((ROOT / "pages").glob("*.py")):
        text = path.read_text()
        if text.startswith('"""'):  # past the module's docstring
            text = text[text.index('"""', 3) + 3:]
        code = [line for line in text.splitlines()
                if line and not line[0].isspace() and not line.startswith(("import ", "from "))
                and not line.startswith(('"""', "#")) and "=" not in line.split("(")[0]]
        assert code[0].startswith("navigation.arrived()"), (path.name, code[:2])


def test_the_entry_file_opens_home_and_lists_every_page():
    from conftest import ROOT

    at = app("dashboard.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "GANscope" and at.button(key="quick_start")
    for page in sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py")):
        at.switch_page(page).run()  # refused unless st.navigation lists the page
        assert not at.exception, at.exception
        assert at.title[0].value.replace(" ", "_") in page, (page, at.title[0].value)


def test_home_shows_each_run_state_as_a_badge_drawn_without_an_emoji_font(tiny):
    from ui import state

    paused = _with_run(tiny.replace(title="paused"))
    running = state.runs().create(tiny.replace(title="running"))
    running.start()
    assert running.wait(lambda s: s.step > 0, timeout=300)
    at = app("dashboard.py").run()
    assert not at.exception, at.exception
    said = [m.value for m in at.markdown]
    assert ":green-badge[:material/play_arrow: running]" in said  # Streamlit's own badge
    assert ":gray-badge[paused]" in said
    assert not [m for m in said if "🟢" in m]  # a box where no emoji font is installed
    assert paused.state.status == "paused"
