"""Start the real server and drive it in headless Chromium, as a student would."""
import os

import pytest

from conftest import ROOT
from devtools.app_server import CHROMIUM, CHROMIUM_ARGS, app_server

SHOTS = ROOT / "artifacts" / "screenshots"
PAGES = ["Train", "2D Lab", "Evolution", "Latent explorer", "Runs", "Mode collapse"]
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
    """Let the page's script (and a few live ticks) finish drawing."""
    page.wait_for_timeout(ms)


def no_exception(page):
    assert page.locator("[data-testid='stException']").count() == 0, page.content()[:3000]


def test_start_a_run_watch_it_and_visit_every_page(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    page.get_by_role("button", name="Start the 8-Gaussian ring").wait_for(timeout=60_000)
    page.screenshot(path=SHOTS / "0_home.png", full_page=True)
    page.get_by_role("button", name="Start the 8-Gaussian ring").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
        ".some(e => parseInt(e.innerText.replace(/,/g, '')) > 300)", timeout=120_000)
    page.wait_for_timeout(6000)  # let the fragments tick (the curves' every 5 s)
    no_exception(page)
    # while it trains: three curve pictures and the samples; interactive charts on request
    assert page.locator("[data-testid='stImage'] img").count() >= 4
    page.screenshot(path=SHOTS / "1_train.png", full_page=True)
    page.locator(".st-key-interactive_live label").first.click()
    page.locator(".js-plotly-plot").nth(2).wait_for(timeout=30_000)
    page.locator(".st-key-interactive_live label").first.click()
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length == 0",
                           timeout=30_000)
    for i, name in enumerate(PAGES[1:], start=2):
        page.locator("[data-testid='stSidebarNav'] a", has_text=name).first.click()
        page.get_by_role("heading", name=name).first.wait_for(timeout=60_000)
        settle(page)
        no_exception(page)
        page.screenshot(path=SHOTS / f"{i}_{name.replace(' ', '_').lower()}.png", full_page=True)
    # A reload re-attaches to the running run (its id is in the URL).
    page.locator("[data-testid='stSidebarNav'] a", has_text="Train").first.click()
    page.get_by_role("heading", name="Train").first.wait_for(timeout=60_000)
    page.reload()
    page.get_by_role("heading", name="Train").first.wait_for(timeout=60_000)
    settle(page)
    no_exception(page)
    assert page.locator("[data-testid='stImage'] img").count() >= 4


def test_a_lesson_card_opens_its_page_with_live_diagnostics(server, browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    start = page.locator(".st-key-lesson_mode-hopping button")  # Streamlit's class for a key
    start.wait_for(timeout=60_000)
    page.screenshot(path=SHOTS / "7_lessons.png", full_page=True)
    start.click()
    page.get_by_role("heading", name="Mode collapse").first.wait_for(timeout=90_000)
    page.wait_for_function(  # the live view ticks: the bars move past the step-0 snapshot
        "() => /Samples per mode, step [1-9]/.test(document.body.innerText)", timeout=120_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)  # the bars
    settle(page, 4000)
    assert page.locator("[data-testid='stImage'] img").count() >= 2  # the curves, as pictures
    no_exception(page)
    page.screenshot(path=SHOTS / "8_lesson_mode_collapse.png", full_page=True)
