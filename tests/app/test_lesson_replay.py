"""A replayed lesson in the app: the home card's Replay opens the lesson's recorded runs at
once, the sidebar plays, pauses, speeds and scrubs them, every page shows the run as it was at
the playhead, and the recordings stay byte for byte as they were."""
import hashlib
import json

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from gan_core.lessons.recording import RECORDINGS
from gan_core.replay import Replay

PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))


def digest() -> str:
    h = hashlib.sha256()
    for p in sorted(RECORDINGS.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(RECORDINGS)).encode() + p.read_bytes())
    return h.hexdigest()


@pytest.fixture(autouse=True)
def isolated_runs(app_runs):
    before = digest()
    yield
    assert digest() == before  # a replay never writes into its recording


def app(page: str) -> AppTest:
    return AppTest.from_file(str(ROOT / page), default_timeout=300)  # a hang guard


def replay_from_the_card(name: str) -> dict[str, Replay]:
    from ui import state

    home = app("dashboard.py").run()
    home.button(key=f"lesson_replay_{name}").click().run()
    assert not home.exception, home.exception
    runs = state.runs().lesson_runs(name)
    assert runs and all(isinstance(r, Replay) for r in runs.values())
    return runs


def opened(page: str, run_id: str) -> AppTest:
    at = app(page)
    at.query_params["run"] = run_id
    at.run()
    assert not at.exception, at.exception
    return at


def sidebar_line(at) -> str:
    return next(m.value for m in at.sidebar.markdown if m.value.startswith("**Replay**"))


def test_replay_from_the_home_card_to_the_train_page():
    runs = replay_from_the_card("collapse-ring")
    replay = runs["strong D"]
    head = replay.playhead
    assert head.now().playing  # it plays at once, from step 0
    head.pause()
    head.seek(2500)
    at = opened("pages/1_Train.py", replay.run_id)
    assert at.metric[0].value == "2,500"  # the playhead's step
    assert at.metric[3].value == "replay"
    assert sidebar_line(at) == "**Replay** · step 2,500 of 5,000"
    assert not [b for b in at.button if b.key == "ctl_run"]  # no training controls
    charts = at.get("plotly_chart")  # still: the interactive curves, up to the playhead
    assert len(charts) == 3
    assert json.loads(charts[0].proto.spec)["layout"]["xaxis"]["range"][1] <= 2500 * 1.05
    pictures = [i.proto.imgs[0].caption for i in at.get("imgs") or at.get("image")]
    m = replay.state.snapshot.metrics
    assert pictures == [f"Real (grey) vs generated (orange) at step 2,500 · modes "
                        f"{m['modes_captured']}/8, high quality {m['high_quality_pct']:.0f}%"]
    # scrub: every view follows
    at.sidebar.slider(key="replay_at").set_value(4000).run()
    assert not at.exception, at.exception
    assert replay.state.step == 4000 and at.metric[0].value == "4,000"
    assert sidebar_line(at) == "**Replay** · step 4,000 of 5,000"
    # speed: a multiple of the recorded steps per second
    at.sidebar.selectbox(key="replay_speed").select(16.0).run()
    assert head.now().speed == pytest.approx(16 * replay.recording.rate)  # one run: its rate
    # play: it moves and the page says so; pause: it stays
    at.sidebar.button(key="replay_play").click().run()
    assert head.now().playing and at.metric[3].value == "playing"
    assert len(at.get("plotly_chart")) == 0  # moving: the curves are pictures, as in training
    at.sidebar.button(key="replay_play").click().run()
    assert not head.now().playing and at.metric[3].value == "replay"


def test_the_lesson_panel_shows_the_recorded_claim_at_the_end():
    from gan_core.lessons.recording import read_index

    runs = replay_from_the_card("collapse-ring")
    head = runs["strong D"].playhead
    head.pause()
    head.seek(1000)
    at = opened("pages/6_Mode_collapse.py", runs["strong D"].run_id)
    said = [i.value for i in at.info]
    assert any(s.startswith("Replay paused at step 1,000 of 5,000") for s in said), said
    # the verdict is as of the playhead: judged on the snapshots and curves up to step 1,000
    from gan_core import diagnostics

    snap = runs["strong D"].state
    framed = [f for f in snap.snapshots if "mode_counts" in f.metrics]
    at_steps = [f.step for f in framed]
    assert at_steps[-1] == 1000
    verdict = diagnostics.verdict(at_steps, [f.metrics["mode_counts"] for f in framed],
                                  d_fake=diagnostics.window_mean(snap.history, "d_fake", at_steps))
    assert verdict in said and "1,000" in verdict, said
    head.seek(5000)
    at.run()
    done = [s.value for s in at.success]
    recorded = read_index()["collapse-ring"]
    assert done == [f"Done (replay of the recorded runs). Claim held: {recorded.detail}."]
    home = app("dashboard.py").run()
    assert any(m.value == "**1. Mode collapse on the ring** · done" for m in home.markdown)


def test_a_second_replay_in_the_same_tab_starts_over():
    from ui import state

    home = app("dashboard.py").run()
    home.button(key="lesson_replay_fix-rebalance").click().run()
    first = state.runs().lesson_runs("fix-rebalance")["rebalanced"]
    first.playhead.seek(3000)
    home.switch_page("home.py").run()
    home.button(key="lesson_replay_fix-rebalance").click().run()
    assert not home.exception, home.exception
    again = state.runs().lesson_runs("fix-rebalance")["rebalanced"]
    assert again is first and again.state.step < 3000


# points; images, two runs; a conditional run (its grid, class picker and within-class panel)
@pytest.mark.parametrize("name", ["collapse-ring", "d-too-strong", "collapse-within-class"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_works_on_a_replay(page, name):
    runs = replay_from_the_card(name)
    first = next(iter(runs.values()))
    first.playhead.pause()
    first.playhead.seek(2000)
    at = opened(page, first.run_id)
    if page.endswith("Runs.py"):
        assert at.multiselect(key="runs_cmp").value == [first.run_id]
        at.multiselect(key="runs_cmp").set_value([r.run_id for r in runs.values()]).run()
        assert not at.exception, at.exception
        assert len(at.get("plotly_chart")) == 1  # the overlay, to step 2,000
        at.button(key="runs_resume").click().run()  # a replay cannot train: said, not raised
        assert any("cannot train" in e.value for e in at.error)
    elif page.endswith("Class_demo.py"):  # the projector: no sidebar, the line in the page
        assert at.metric[0].value == "2,000"
        assert any(m.value.startswith(f"**Replay** · step 2,000 of {first.playhead.end:,}")
                   for m in at.main.markdown)
        assert not at.sidebar.markdown
    else:
        assert sidebar_line(at) == "**Replay** · step 2,000 of " + f"{first.playhead.end:,}"
    if page.endswith("Latent_explorer.py"):
        options = at.select_slider(key="lat_at").options
        assert options[-1].startswith("now (2,000)")
        assert all(int(o.replace(",", "")) < 2000 for o in options[:-1])  # kept up to the playhead
        at.select_slider(key="lat_at").set_value(0).run()
        assert not at.exception, at.exception
    if page.endswith("Evolution.py"):
        assert at.select_slider(key="evo_step").value == first.state.snapshot.step <= 2000
