"""A class on one server: roles (off without a teacher key; with one, students control only
their own runs) and runs waiting for a training slot."""
import hashlib

import pytest
from test_pages import app

pytestmark = pytest.mark.usefixtures("app_runs")

KEY = "correct horse battery staple"
ALICE, BOB = "a" * 32, "b" * 32


def tag(viewer: str) -> str:
    return hashlib.sha256(viewer.encode()).hexdigest()


def _run(tiny, title, owner):
    from ui import state

    t = state.runs().create(tiny.replace(title=title), owner=owner)
    t.train(steps=30)
    return t


def _runs_page_as(viewer, target):
    at = app("pages/5_Runs.py")
    at.session_state["_viewer_id"] = viewer
    at.run()
    at.selectbox(key="runs_target").select(target).run()
    assert not at.exception, at.exception
    return at


def _may_delete(at):
    sure = next(x for x in at.checkbox if x.label == "Yes, delete it")
    return not sure.disabled and not at.button(key="runs_resume").disabled


def test_without_a_key_everyone_controls_everything(tiny, monkeypatch):
    monkeypatch.delenv("GANSCOPE_TEACHER_KEY", raising=False)
    t = _run(tiny, "someone else's", owner=tag(BOB))
    assert _may_delete(_runs_page_as(ALICE, t.run_id))


def test_a_student_controls_only_their_own_runs(tiny, monkeypatch):
    monkeypatch.setenv("GANSCOPE_TEACHER_KEY", KEY)
    mine = _run(tiny, "alice's", owner=tag(ALICE))
    teachers = _run(tiny.replace(seed=1), "the teacher's", owner=None)
    at = _runs_page_as(ALICE, mine.run_id)
    assert _may_delete(at)
    at.selectbox(key="runs_target").select(teachers.run_id).run()
    assert not _may_delete(at)
    assert any("The teacher controls this run" in c.value for c in at.caption)
    bob = _runs_page_as(BOB, mine.run_id)
    assert not _may_delete(bob)
    assert bob.button(key="runs_delete").disabled
    assert any("Another student's run" in c.value for c in bob.caption)


def test_a_student_run_records_its_owner(monkeypatch):
    from ui import state

    monkeypatch.setenv("GANSCOPE_TEACHER_KEY", KEY)
    at = app("dashboard.py")
    at.session_state["_viewer_id"] = ALICE
    at.run()
    at.button(key="quick_start").click().run()
    assert not at.exception, at.exception
    (info,) = state.runs().list()
    assert state.runs().owner(info.run_id) == tag(ALICE)
    assert ALICE not in (state.runs().runs_dir / info.run_id / "owner.json").read_text()


def _texts(at):
    kinds = ("markdown", "caption", "error", "success", "warning", "info", "text", "code")
    return [str(e.value) for kind in kinds for e in at.get(kind)] + \
        [str(w.value) for w in at.text_input]


def test_the_teacher_key_signs_in_controls_everything_and_is_never_shown(tiny, monkeypatch):
    monkeypatch.setenv("GANSCOPE_TEACHER_KEY", KEY)
    alices = _run(tiny, "alice's", owner=tag(ALICE))
    at = app("dashboard.py")
    at.session_state["_viewer_id"] = "c" * 32
    at.run()
    at.text_input(key="teacher_key_input").input("wrong").run()
    at.button(key="teacher_in").click().run()
    assert any("not the teacher key" in e.value for e in at.error)
    at.text_input(key="teacher_key_input").input(KEY).run()
    at.button(key="teacher_in").click().run()
    assert not at.exception, at.exception
    assert any("You are the teacher" in c.value for c in at.caption)
    assert not any(KEY in text for text in _texts(at))
    at.switch_page("pages/5_Runs.py").run()
    at.selectbox(key="runs_target").select(alices.run_id).run()
    assert _may_delete(at)  # the teacher controls a student's run
    assert not any(KEY in text for text in _texts(at))
    again = _runs_page_as("c" * 32, alices.run_id)  # a reload of the teacher's browser
    assert _may_delete(again)


def test_the_train_page_shows_controls_only_to_who_controls_the_run(tiny, monkeypatch):
    monkeypatch.setenv("GANSCOPE_TEACHER_KEY", KEY)
    alices = _run(tiny, "alice's", owner=tag(ALICE))
    for viewer, controls in ((ALICE, True), (BOB, False)):
        for page in ("pages/1_Train.py", "pages/2_2D_Lab.py"):
            at = app(page)
            at.session_state["_viewer_id"] = viewer
            at.query_params["run"] = alices.run_id
            at.run()
            assert not at.exception, at.exception
            keys = {b.key for b in at.button}
            assert ("ctl_pause" in keys and "ctl_stop" in keys) == controls, (viewer, page)
            if page.endswith("Train.py"):  # the live settings' Apply
                assert ("hp_apply" in keys) == controls, viewer
            if not controls:
                assert any("Another student's run" in c.value for c in at.caption)


def test_a_run_waiting_for_a_training_slot_says_its_place(one_queued):
    first, second = one_queued
    at = app("pages/1_Train.py")
    at.query_params["run"] = second.run_id
    at.run()
    assert not at.exception, at.exception
    assert "queued #1" in [m.value for m in at.metric]
    assert any("Waiting for a training slot" in i.value for i in at.info)
    first.pause()
    assert second.wait(lambda s: s.step > 0 and not s.queued, timeout=300)


def test_a_students_run_beside_the_teachers_says_it_trains_a_share(tiny, monkeypatch, slots):
    from ui import state

    monkeypatch.setenv("GANSCOPE_TEACHER_KEY", KEY)
    slots.resize(2)
    mine = state.runs().create(tiny.replace(title="alice's"), owner=tag(ALICE))
    teachers = state.runs().create(tiny.replace(seed=1))
    teachers.start()
    mine.start()
    assert mine.wait(lambda s: s.yielding and s.step > 0, timeout=300)
    at = app("pages/1_Train.py")
    at.session_state["_viewer_id"] = ALICE
    at.query_params["run"] = mine.run_id
    at.run()
    assert not at.exception, at.exception
    assert any("share of the time while the teacher's run trains" in c.value
               for c in at.caption)
    teachers.pause()
    assert mine.wait(lambda s: not s.yielding and s.status == "running", timeout=300)
    at.run()
    assert not any("share of the time" in c.value for c in at.caption)


TEACHER = "teacher@school.example"


def test_a_teacher_account_logged_in_with_st_login_controls_everything(tiny, monkeypatch):
    """The teacher as a named account (OIDC through st.login): the account logged in is the
    teacher (e-mail compared without case), any other account or none is a student. The
    identity provider is outside the test: what st.user says is replaced."""
    from ui import roles

    monkeypatch.delenv("GANSCOPE_TEACHER_KEY", raising=False)
    monkeypatch.setenv("GANSCOPE_TEACHER_ACCOUNT", " Teacher@School.example")  # as typed
    alices = _run(tiny, "alice's", owner=tag(ALICE))
    monkeypatch.setattr(roles, "logged_in_account", lambda: None)
    assert not _may_delete(_runs_page_as(BOB, alices.run_id))  # roles on: not logged in
    monkeypatch.setattr(roles, "logged_in_account", lambda: "someone@school.example")
    assert not _may_delete(_runs_page_as(BOB, alices.run_id))  # another account
    monkeypatch.setattr(roles, "logged_in_account", lambda: TEACHER)
    assert _may_delete(_runs_page_as(BOB, alices.run_id))
    at = app("dashboard.py").run()  # the router draws the sidebar's Teacher box
    assert any("Logged in as the teacher" in c.value for c in at.sidebar.caption)
    assert at.sidebar.button(key="teacher_logout")


def test_a_teacher_account_without_login_configured_says_so(monkeypatch):
    from ui import roles

    monkeypatch.delenv("GANSCOPE_TEACHER_KEY", raising=False)
    monkeypatch.setenv("GANSCOPE_TEACHER_ACCOUNT", TEACHER)
    monkeypatch.setattr(roles, "login_configured", lambda: False)
    at = app("dashboard.py").run()
    assert not at.exception, at.exception
    assert any("login is not configured" in c.value for c in at.sidebar.caption)
    assert not [b for b in at.sidebar.button if b.key == "teacher_login"]
    monkeypatch.setattr(roles, "login_configured", lambda: True)
    at = app("dashboard.py").run()
    assert at.sidebar.button(key="teacher_login")  # st.login() on click: the provider's page

