"""UI cost: server time of one live tick, and training speed with browser tabs open.

    python bench/ui_tick.py [--tabs] [--seconds S] [--settle S] [--cycles N]

Part 1 times one curve tick of the Train page's live view on the default runs (ring8,
digits): snapshot -> three curve pictures (the default while training; or plotly figures and
the JSON st.plotly_chart sends, with Streamlit's own validation call) -> the sample PNG.
Part 2 (--tabs) starts the real server, trains the
default ring and measures steps/s with 1 and 5 headless-Chromium tabs on the Train page,
once they have loaded, against the same run with no tab just before and after.
The last line is `tick_ms=<worst default run>`. Targets: <= 50 ms; tabs ratio >= 0.90.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import plotly.io
import plotly.tools

from common import seed
from devtools.app_server import CHROMIUM, CHROMIUM_ARGS, app_server
from gan_core import Trainer
from gan_core.defaults import defaults_for
from gan_core.runs import Runs
from gan_core.store import RunStore
from gan_core.views import pillow_images, plotly_charts
from ui.live import curve_png


def send(fig) -> int:
    """What st.plotly_chart does with a figure on the server."""
    fig = plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)
    return len(plotly.io.to_json(fig, validate=False))


def tick(trainer: Trainer, interactive: bool = False) -> int:
    """One curve tick of the Train page (the costliest: every CURVE_TICKS-th tick): its three
    curves, as pictures (the default while training) or as plotly figures, and the samples."""
    snap = trainer.state
    h, ev = snap.history, snap.events
    charts = ((["d_loss", "g_loss"], False, "Losses"), (["d_real", "d_fake"], False, "D"),
              (["d_grad_norm", "g_grad_norm"], True, "grad"))
    if interactive:
        size = sum(send(plotly_charts.curves(h, names, 0.6, log_y, title, ev))
                   for names, log_y, title in charts)
    else:
        size = sum(len(curve_png(h, names, 0.6, log_y, title, ev)) for names, log_y, title in charts)
    snapshot = snap.snapshot
    if snapshot.grid is not None:
        scale = pillow_images.display_scale(trainer.data.shape[0])
        size += len(pillow_images.png_bytes(pillow_images.enlarge(snapshot.grid, scale)))
    else:  # the Train page draws the 2D view as a PNG
        size += len(pillow_images.png_bytes(pillow_images.scatter_image(
            snapshot.points[:500], trainer.data.bounds(), trainer.data.pool[:300], size=420, dot=3)))
    return size


def tick_ms(dataset: str, steps: int, runs: Path) -> dict[bool, tuple[float, int]]:
    """Median server time and bytes of one tick, with picture and with interactive curves."""
    seed(0)
    t = Trainer(defaults_for(dataset), runs_dir=runs)
    t.train(steps=steps)
    t.stop()
    out = {}
    for interactive in (False, True):
        tick(t, interactive)  # warm caches
        times = []
        for _ in range(10):
            t0 = time.perf_counter()
            size = tick(t, interactive)
            times.append(time.perf_counter() - t0)
        out[interactive] = 1000 * sorted(times)[len(times) // 2], size
    return out


def last_step(runs: Path) -> int:
    """The newest step the server's run has recorded (it trains in another process)."""
    infos = Runs(runs).list()
    return RunStore(runs / infos[0].run_id).last_recorded_step() if infos else 0


def cpu_seconds() -> dict[str, float]:
    """User+system CPU seconds so far of the streamlit server and of all chromium processes."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"server": 0.0, "chromium": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            cmd = (stat.parent / "cmdline").read_bytes()
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        who = "server" if b"streamlit" in cmd and b"run" in cmd else (
            "chromium" if b"chromium" in cmd else None)
        if who:
            out[who] += (int(fields[11]) + int(fields[12])) / tick
    return out


def measure(runs: Path, seconds: float) -> tuple[float, dict[str, float]]:
    """Steps/s over `seconds`, and the CPU cores the server and Chromium kept busy."""
    s0, t0, c0 = last_step(runs), time.perf_counter(), cpu_seconds()
    time.sleep(seconds)
    dt = time.perf_counter() - t0
    c1 = cpu_seconds()
    return (last_step(runs) - s0) / dt, {k: (c1[k] - c0.get(k, 0)) / dt for k in c1}


def paused_ratio(pages: list, runs: Path, cycles: int, window: float = 10.0) -> float:
    """Steps/s with the tabs live over steps/s with their JavaScript paused (CDP
    Debugger.pause: a paused tab asks for no tick and draws nothing, as if closed), in
    alternating windows, so the run's own drift cancels out."""
    cdps = [pg.context.new_cdp_session(pg) for pg in pages]
    for c in cdps:
        c.send("Debugger.enable")
    live = paused = 0.0
    for _ in range(cycles):
        live += measure(runs, window)[0]
        for c in cdps:
            c.send("Debugger.pause")
        time.sleep(1)
        paused += measure(runs, window)[0]
        for c in cdps:
            c.send("Debugger.resume")
        time.sleep(1)
    return live / paused


def tabs(seconds: float, settle: float, cycles: int) -> None:
    """Steady state: each count of tabs is measured `settle` s after they opened (a tab's
    first load parses Streamlit's and plotly's JavaScript: a one-off cost, printed apart),
    against the mean of a tab-free reading just before and just after (training speed drifts
    by ~10 % over a minute on its own), and again against the same tabs paused, alternating."""
    from playwright.sync_api import sync_playwright

    runs = Path(tempfile.mkdtemp()) / "runs"
    with app_server(runs) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url)
        page.get_by_role("button", name="Start the 8-Gaussian ring").click()
        page.wait_for_url("**/Train**", timeout=60_000)
        run_url = page.url
        time.sleep(10)  # past compilation
        page.close()
        before, _ = measure(runs, seconds)
        for n in (1, 5):
            pages = [browser.new_page() for _ in range(n)]
            for pg in pages:
                pg.goto(run_url)
            loading, lcpu = measure(runs, settle)
            rate, cpu = measure(runs, seconds)
            alternating = paused_ratio(pages, runs, cycles)
            for pg in pages:
                pg.close()
            time.sleep(2)
            after, _ = measure(runs, seconds)
            base = (before + after) / 2
            print(f"tabs={n}: {rate:.0f} steps/s vs {base:.0f} without  ratio {rate / base:.2f}"
                  f"  (CPU cores busy: server {cpu['server']:.2f}, chromium "
                  f"{cpu['chromium']:.2f}); first {settle:.0f} s while the tabs load: "
                  f"ratio {loading / base:.2f}, chromium {lcpu['chromium']:.2f}", flush=True)
            print(f"tabs={n}: ratio {alternating:.2f} against the same tabs paused "
                  f"({cycles} alternating pairs of 10 s)", flush=True)
            before = after
        browser.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tabs", action="store_true", help="also measure steps/s with tabs open")
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each reading")
    ap.add_argument("--settle", type=float, default=15.0,
                    help="seconds after the tabs open before the reading starts")
    ap.add_argument("--cycles", type=int, default=4, help="live/paused pairs per tab count")
    args = ap.parse_args()
    runs = Path(tempfile.mkdtemp())
    worst = 0.0
    for dataset, steps in (("ring8", 3000), ("digits", 1000)):
        for interactive, (ms, size) in tick_ms(dataset, steps, runs).items():
            if not interactive:
                worst = max(worst, ms)
            kind = "interactive curves" if interactive else "picture curves (default)"
            print(f"{dataset:8} one curve tick, {kind:25}: {ms:6.1f} ms server time, "
                  f"{size / 1024:6.0f} KiB sent")
    if args.tabs:
        tabs(args.seconds, args.settle, args.cycles)
    print(f"tick_ms={worst:.1f}")


if __name__ == "__main__":
    main()
