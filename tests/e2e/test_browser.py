"""Start the real server and drive it in headless Chromium, as a student would."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"
PAGES = ["Train", "2D Lab", "Evolution", "Latent explorer", "Runs", "Mode collapse"]
pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium missing")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = dict(os.environ, GANSCOPE_RUNS=str(tmp_path / "runs"), TF_CPP_MIN_LOG_LEVEL="2")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("server did not start: " + proc.stdout.read().decode()[-2000:])
    yield url
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
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
    page.locator(".js-plotly-plot").first.wait_for(timeout=90_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
        ".some(e => parseInt(e.innerText.replace(/,/g, '')) > 300)", timeout=120_000)
    page.wait_for_timeout(3000)  # let the fragment tick a few times
    no_exception(page)
    assert page.locator(".js-plotly-plot").count() >= 3
    page.screenshot(path=SHOTS / "1_train.png", full_page=True)
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
    assert page.locator(".js-plotly-plot").count() >= 3
