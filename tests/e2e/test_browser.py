"""Start the real server and drive it in headless Chromium, as a student would."""
import os
import time

import pytest

from conftest import ROOT
from devtools.app_server import CHROMIUM, CHROMIUM_ARGS, app_server

SHOTS = ROOT / "artifacts" / "screenshots"
PAGES = ["Train", "2D Lab", "Evolution", "Latent explorer", "Runs", "Mode collapse", "Draw"]
pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium missing")]


@pytest.fixture
def server(tmp_path):
    with app_server(tmp_path / "runs") as url:
        yield url


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def settle(page, ms=2500):
    """Let the page's script (and a few live ticks) finish drawing, for a screenshot."""
    page.wait_for_timeout(ms)


# Waits follow the app, not the clock: a busy machine makes every step slower (a lesson card
# builds its run before the page switches, the first call traces the graph), so a fixed
# budget fails there. `until` waits as long as the app is visibly working (a script run in
# progress, or the page changed lately), and fails once it has gone quiet without the
# expected result, or after CAP_S (a hang; pytest stops any test at 600 s).
QUIET_S = 90.0  # no script run and no change on the page for this long: the app is stuck
CAP_S = 540.0
WATCH = """() => { window.__changed = performance.now();
  new MutationObserver(() => { window.__changed = performance.now(); })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true}); }"""
PROBE = """() => {{
  const app = document.querySelector('[data-testid=stApp]');
  return [Boolean({condition}), app ? app.getAttribute('data-test-script-state') : 'loading',
          window.__changed || 0]; }}"""
WORKING = ("initial", "loading", "running", "rerunRequested")


def until(page, condition: str, what: str) -> None:
    """Wait until the JavaScript expression `condition` holds on the page (see QUIET_S)."""
    from playwright.sync_api import Error as PlaywrightError

    start = quiet_since = time.monotonic()
    seen = None
    while True:
        try:
            ok, state, changed = page.evaluate(PROBE.format(condition=condition))
        except PlaywrightError:  # the page is navigating: that is activity
            ok, state, changed = False, "loading", None
        now = time.monotonic()
        if ok:
            return
        if state in WORKING or changed != seen:
            quiet_since, seen = now, changed
        assert now - quiet_since < QUIET_S, f"the app went quiet without {what}"
        assert now - start < CAP_S, f"no {what} after {CAP_S:.0f} s of activity"
        page.wait_for_timeout(250)


def heading(name: str) -> str:
    return f"[...document.querySelectorAll('h1')].some(e => e.innerText.includes({name!r}))"


def count_at_least(selector: str, n: int) -> str:
    return f"document.querySelectorAll({selector!r}).length >= {n}"


def new_page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.add_init_script(f"({WATCH})()")
    page.set_default_timeout(CAP_S * 1000)  # clicks and screenshots: `until` did the waiting
    page.set_default_navigation_timeout(CAP_S * 1000)
    return page


def no_exception(page):
    assert page.locator("[data-testid='stException']").count() == 0, page.content()[:3000]


IMAGES = "[data-testid='stImage'] img"
PLOTS = ".js-plotly-plot"


def test_start_a_run_watch_it_and_visit_every_page(server, browser):
    """Start the ring, watch it train, visit every page from the sidebar while it trains and
    again by its URL once paused: each page stays at its URL with Home first in the sidebar.
    A class may have no internet: every request a page makes goes to the app's own server (no
    web font, icon or emoji picture from a CDN), on every page with a run to draw."""
    from urllib.parse import urlsplit

    SHOTS.mkdir(parents=True, exist_ok=True)
    here = urlsplit(server).netloc
    elsewhere: list[str] = []
    page = new_page(browser)
    page.on("request", lambda r: elsewhere.append(r.url)
            if urlsplit(r.url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(r.url).netloc != here else None)
    page.goto(server)
    quick = page.get_by_role("button", name="Start the 8-Gaussian ring")
    quick.wait_for()
    page.screenshot(path=SHOTS / "0_home.png", full_page=True)
    quick.click()
    until(page, "[...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
                ".some(e => parseInt(e.innerText.replace(/,/g, '')) > 300)", "step 300 shown")
    # while it trains: three curve pictures and the samples; interactive charts on request
    until(page, count_at_least(IMAGES, 4), "the curves and samples as pictures")
    no_exception(page)
    page.screenshot(path=SHOTS / "1_train.png", full_page=True)
    page.locator(".st-key-interactive_live label").first.click()
    until(page, count_at_least(PLOTS, 3), "three interactive charts")
    page.locator(".st-key-interactive_live label").first.click()
    until(page, f"document.querySelectorAll({PLOTS!r}).length == 0", "pictures again")
    for i, name in enumerate(PAGES[1:], start=2):
        page.locator("[data-testid='stSidebarNav'] a", has_text=name).first.click()
        until(page, heading(name), f"the {name} page")
        settle(page)
        no_exception(page)
        page.screenshot(path=SHOTS / f"{i}_{name.replace(' ', '_').lower()}.png", full_page=True)
    # A reload re-attaches to the running run (its id is in the URL).
    page.locator("[data-testid='stSidebarNav'] a", has_text="Train").first.click()
    until(page, heading("Train"), "the Train page")
    page.reload()
    until(page, heading("Train") + " && " + count_at_least(IMAGES, 4),
          "the Train page, re-attached to the training run")
    no_exception(page)
    page.locator(".st-key-ctl_pause button").click()  # still pages draw interactive charts
    until(page, "/paused/.test(document.body.innerText)", "the run paused")
    for path, name in [("", "GANscope")] + [(n.replace(" ", "_"), n) for n in PAGES]:
        page.goto(f"{server}/{path}")
        until(page, heading(name), f"the {name} page")
        settle(page)
        no_exception(page)
        assert page.url.split("?")[0].rstrip("/") == f"{server}/{path}".rstrip("/"), page.url
        assert page.evaluate(NAV_LABELS) == ["Home", *PAGES, "Class demo"]  # no sidebar there:
        # the class demo has its own test (test_the_class_demo_follows_the_teachers_run...)
        assert page.locator("[data-testid='stAppDeployButton']").count() == 0
        icon = page.evaluate("document.querySelector(\"link[rel='shortcut icon']\").href")
        assert icon.startswith(f"{server}/media/"), icon  # the app's own picture
    assert page.locator("[data-testid='stMainMenu']").count() == 1  # the viewer's menu stays
    assert elsewhere == []


def test_a_lesson_card_opens_its_page_with_live_diagnostics(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(browser)
    page.goto(server)
    start = page.locator(".st-key-lesson_mode-hopping button")  # Streamlit's class for a key
    start.wait_for()
    page.screenshot(path=SHOTS / "7_lessons.png", full_page=True)
    # The card builds the run and starts it before switching pages: seconds here, far
    # longer on a busy machine. The page must open seeing it train, or nothing would tick.
    start.click()
    until(page, heading("Mode collapse"), "the Mode collapse page")
    until(page, "/Samples per mode, step [1-9]/.test(document.body.innerText)",
          "the bars past the step-0 snapshot (the live view ticks)")
    until(page, count_at_least(PLOTS, 1) + " && " + count_at_least(IMAGES, 2),
          "the bars and the curves, as pictures")
    no_exception(page)
    settle(page)
    page.screenshot(path=SHOTS / "8_lesson_mode_collapse.png", full_page=True)


NAV_LABELS = """() => [...document.querySelectorAll("[data-testid='stSidebarNav'] a")].map(a => {
  const label = a.cloneNode(true);  // the link's text without its icon's ligature name
  label.querySelectorAll('[data-testid=stIconMaterial]').forEach(i => i.remove());
  return label.innerText.trim(); })"""


def test_a_shared_link_opened_first_on_a_fresh_server_gets_the_apps_sidebar(server, browser):
    """Before anyone opens the app's home, Streamlit runs a page named in the URL as the
    legacy pages/ app ("dashboard" first, no icons, no dashboard.py). A student arriving on a
    shared link to the Train page must get the app's sidebar and stay on the Train page."""
    page = new_page(browser)
    page.goto(f"{server}/Train?dataset=ring8&loss=hinge")  # the first visit since the start
    until(page, heading("Train") + " && document.querySelectorAll("
          "\"[data-testid='stSidebarNav'] a\").length > 0", "the Train page with a sidebar")
    settle(page)
    assert page.evaluate(NAV_LABELS) == ["Home", *PAGES, "Class demo"]
    assert "/Train" in page.url and "loss=hinge" in page.url
    no_exception(page)
    other = new_page(browser)  # and every session after it
    other.goto(f"{server}/Runs")
    until(other, heading("Runs"), "the Runs page")
    settle(other)
    assert other.evaluate(NAV_LABELS) == ["Home", *PAGES, "Class demo"]


def test_a_lesson_replays_at_once_and_plays_on_the_train_page_and_the_2d_lab(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(browser)
    page.goto(server)
    replay = page.locator(".st-key-lesson_replay_collapse-ring button").first
    replay.wait_for()
    replay.click()
    until(page, heading("Mode collapse"), "the Mode collapse page")
    until(page, "/Replay · step [1-9]/.test(document.body.innerText)", "the replay playing")
    for name in ("Train", "2D Lab"):
        page.locator("[data-testid='stSidebarNav'] a", has_text=name).first.click()
        until(page, heading(name), f"the {name} page")
        first = page.locator(".st-key-replay_at [data-testid='stSliderThumbValue']").inner_text()
        # the playhead moves on by itself: the slider and the page's views follow it
        until(page, "document.querySelector(\".st-key-replay_at [data-testid='stSliderThumbValue']\")"
              f".innerText.replace(/,/g, '') - {int(first.replace(',', ''))} >= 200",
              f"the {name} page's replay 200 steps on")
        no_exception(page)
        page.screenshot(path=SHOTS / f"9_replay_{name.replace(' ', '_').lower()}.png",
                        full_page=True)
    page.locator(".st-key-replay_play button").first.click()  # pause: the sidebar says Play
    until(page, "[...document.querySelectorAll('.st-key-replay_play button')]"
                ".some(b => b.innerText.includes('Play'))", "the replay paused")
    no_exception(page)


def metric(label: str) -> str:
    """JavaScript: the value shown under the metric labelled `label` ('' when absent)."""
    return ("([...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
            f".map(e => e.innerText.split('\\n')).find(t => t[0] === {label!r}) || ['']).slice(-1)[0]")


STEP = f"parseInt({metric('Step')}.replace(/,/g, ''))"


def test_two_tabs_on_one_run_stay_in_step(server, browser):
    """Tab B pauses and resumes the run; tab A, untouched, follows within seconds (it used
    to stay 'paused' for good: a page drawn paused had nothing that ticked)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    a = new_page(browser)
    a.goto(server)
    a.get_by_role("button", name="Start the 8-Gaussian ring").click()
    until(a, f"{STEP} > 300", "step 300 shown in tab A")
    b = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    b.add_init_script(f"({WATCH})()")
    b.set_default_timeout(CAP_S * 1000)
    b.goto(a.url)  # the run's id is in the URL
    until(b, f"{metric('State')} === 'running'", "tab B on the training run")
    b.locator(".st-key-ctl_pause button").click()
    until(b, f"{metric('State')} === 'paused'", "tab B paused")
    until(a, f"{metric('State')} === 'paused'", "tab A showing the pause")
    paused_at = a.evaluate(STEP)
    b.locator(".st-key-ctl_run button").click()
    until(a, f"{metric('State')} === 'running' && {STEP} > {paused_at}",
          "tab A showing the resumed run's step moving")
    moving = a.evaluate(STEP)
    until(a, f"{STEP} > {moving}", "tab A's step moving on")
    no_exception(a)
    a.screenshot(path=SHOTS / "9_two_tabs_A_after_B_resumed.png", full_page=True)


def test_the_class_demo_follows_the_teachers_run_and_its_pause(server, browser):
    """The projector opens the class demo before any run exists; the teacher starts the ring
    in another window: the projector shows it moving, then the teacher's pause, by itself.
    The Train page's link opens the same run full screen."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    projector = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    projector.add_init_script(f"({WATCH})()")
    projector.set_default_timeout(CAP_S * 1000)
    projector.goto(server + "/Class_demo")
    until(projector, "document.body.innerText.includes('When the teacher starts one')",
          "the class demo waiting for a run")
    assert projector.locator("[data-testid=stSidebar]").is_hidden()
    teacher = new_page(browser)
    teacher.goto(server)
    teacher.get_by_role("button", name="Start the 8-Gaussian ring").click()
    until(projector, heading("8-Gaussian ring") + f" && {STEP} > 100",
          "the projector showing the teacher's run moving")
    until(projector, "document.body.innerText.includes('modes captured')", "the modes line")
    until(teacher, f"{metric('State')} === 'running'", "the teacher's Train page")
    teacher.locator(".st-key-ctl_pause button").click()
    until(projector, f"{metric('State')} === 'paused'", "the projector showing the pause")
    settle(projector)
    no_exception(projector)
    projector.screenshot(path=SHOTS / "10_class_demo_paused.png")
    link = teacher.get_by_role("link", name="Show this run full screen (class demo)")
    assert link.get_attribute("href").startswith("Class_demo?run=")
    with teacher.context.expect_page() as opened:
        link.click()
    demo = opened.value
    until(demo, heading("8-Gaussian ring") + f" && {metric('State')} === 'paused'",
          "the linked class demo on the paused run")
    no_exception(demo)


CANVAS_SPAN = 1.6  # the Draw canvas' axes run from -1.6 to 1.6 (gan_core/views/canvas.py)


def canvas_xy(page, x: float, y: float) -> tuple[float, float]:
    """Where a data position (x, y) is on the screen, on the Draw page's canvas."""
    box = page.locator(f"{PLOTS} .nsewdrag").first.bounding_box()
    return (box["x"] + (x + CANVAS_SPAN) / (2 * CANVAS_SPAN) * box["width"],
            box["y"] + (CANVAS_SPAN - y) / (2 * CANVAS_SPAN) * box["height"])


def drawn_count(text: str) -> str:
    return f"document.body.innerText.includes({text!r})"


def test_clicking_the_draw_canvas_adds_points_and_a_lasso_fills_a_region(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(browser)
    page.goto(f"{server}/Draw")  # the fresh server's first visit: the legacy pages/ mode, whose
    # widget ids differ from the app's, so the first click was lost (navigation.arrived)
    until(page, heading("Draw") + " && " + count_at_least(PLOTS, 1), "the Draw page's canvas")
    settle(page)
    for n, (x, y) in enumerate([(-0.8, 0.5), (0.8, 0.5)], start=1):
        page.mouse.move(*canvas_xy(page, x, y))  # plotly selects the point under the hover
        page.mouse.click(*canvas_xy(page, x, y))
        until(page, drawn_count(f"{n} point{'s' * (n > 1)} in {n} mode{'s' * (n > 1)}"),
              f"click {n} drawn and counted")
    page.get_by_text("Lasso to fill").click()
    settle(page, 1500)
    corners = [(-0.4, -0.9), (0.4, -0.9), (0.4, -0.5), (-0.4, -0.5), (-0.4, -0.9)]
    page.mouse.move(*canvas_xy(page, *corners[0]))
    page.mouse.down()
    for a, b in zip(corners, corners[1:]):  # a lasso round a box, in small moves
        for t in (0.25, 0.5, 0.75, 1.0):
            page.mouse.move(*canvas_xy(page, a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])))
    page.mouse.up()
    # the candidates inside, 0.05 apart: one new mode of 15 x 7 points (edges may fall either way)
    until(page, "/\\b\\d{2,3} points in 3 modes/.test(document.body.innerText)",
          "the lassoed region filled as one mode")
    no_exception(page)
    page.screenshot(path=SHOTS / "11_draw.png", full_page=True)
    page.get_by_role("button", name="Train on this drawing").click()
    until(page, heading("2D Lab"), "the 2D Lab on the new run")
    until(page, "/modes captured/.test(document.body.innerText)", "a snapshot of the drawn run")
    no_exception(page)
    settle(page)
    page.screenshot(path=SHOTS / "12_draw_2d_lab.png", full_page=True)


GRAPH = "[data-testid='stGraphVizChart'] svg"


def graph_js() -> str:
    """JavaScript: the model graph's title ('' while none is drawn)."""
    return f"((document.querySelector(\"{GRAPH} > g > text\") || {{}}).textContent || '')"


def test_slow_motion_on_the_2d_lab_moves_the_model_graph_in_two_tabs(server, browser):
    """Tab A starts slow motion (D and G taking turns) on the 2D Lab; the model graph, drawn by
    the browser's own Graphviz, shows D and then G updating in A and in tab B, and nothing is
    fetched from another host; B's pause stills A."""
    from urllib.parse import urlsplit

    SHOTS.mkdir(parents=True, exist_ok=True)
    here, elsewhere = urlsplit(server).netloc, []

    def watch(page):
        page.on("request", lambda r: elsewhere.append(r.url)
                if urlsplit(r.url).scheme in ("http", "https", "ws", "wss")
                and urlsplit(r.url).netloc != here else None)

    a = new_page(browser)
    watch(a)
    a.goto(server)
    a.get_by_role("button", name="Start the 8-Gaussian ring").click()
    until(a, f"{STEP} > 50", "the ring training")
    a.locator(".st-key-ctl_pause button").click()
    until(a, f"{metric('State')} === 'paused'", "the run paused")
    a.locator("[data-testid='stSidebarNav'] a", has_text="2D Lab").first.click()
    until(a, heading("2D Lab") + " && " + count_at_least(GRAPH, 1), "the 2D Lab's model graph")
    a.locator("summary", has_text="Slow motion").first.click()
    a.locator(".st-key-slow_go button").first.click()  # 1 step every 500 ms, D and G taking turns
    b = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()  # graph and plot
    b.add_init_script(f"({WATCH})()")
    b.set_default_timeout(CAP_S * 1000)
    watch(b)
    b.goto(a.url)  # the run's id is in the URL
    for page in (a, b):
        for who in ("D", "G"):
            until(page, f"{graph_js()}.includes('{who} just updated')", f"{who} updating")
    no_exception(a)
    a.screenshot(path=SHOTS / "10_slow_motion_2d_lab.png", full_page=True)
    b.screenshot(path=SHOTS / "10_slow_motion_2d_lab_tab_b.png")
    b.locator(".st-key-ctl_pause button").first.click()
    until(a, "!document.querySelector('.st-key-ctl_run button').disabled"
             f" && !{graph_js()}.includes('Slow motion')", "tab A showing the pause")
    no_exception(a), no_exception(b)
    assert elsewhere == []
