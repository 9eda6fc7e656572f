"""UI cost: server time of one live tick, and training speed with browser tabs open.

    python bench/ui_tick.py [--tabs] [--seconds S]

Part 1 times one tick of the Train page's live view on the default runs (ring8, digits):
snapshot -> plotly figures -> the JSON st.plotly_chart sends (with Streamlit's own
validation call) -> the sample-grid PNG. Part 2 (--tabs) starts the real server, trains the
default ring and measures steps/s with 0, 1 and 5 headless-Chromium tabs on the Train page.
The last line is `tick_ms=<worst default run>`. Targets: <= 50 ms; tabs ratio >= 0.90.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from common import seed

import plotly.io
import plotly.tools

from gan_core import Trainer, figures, render
from gan_core.defaults import defaults_for
from devtools.app_server import CHROMIUM, CHROMIUM_ARGS, app_server



def send(fig) -> int:
    """What st.plotly_chart does with a figure on the server."""
    fig = plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)
    return len(plotly.io.to_json(fig, validate=False))


def tick(trainer: Trainer) -> int:
    """One tick of the Train page: the figures and picture it draws from a fresh snapshot."""
    snap = trainer.snapshot
    h, ev = snap.history, snap.events
    size = send(figures.curves(h, ["d_loss", "g_loss"], 0.6, False, "Losses", ev))
    size += send(figures.curves(h, ["d_real", "d_fake"], 0.6, False, "D", ev))
    size += send(figures.curves(h, ["d_grad_norm", "g_grad_norm"], 0.6, True, "grad", ev))
    frame = snap.frame
    if frame.grid is not None:
        scale = render.display_scale(trainer.data.shape[0])
        size += len(render.png_bytes(render.tile_scaled(frame.grid, scale)))
    else:  # the Train page draws the 2D view as a PNG
        size += len(render.png_bytes(render.scatter_image(
            frame.points[:500], trainer.data.bounds(), trainer.data.pool[:300], size=420, dot=3)))
    return size


def tick_ms(dataset: str, steps: int, runs: Path) -> tuple[float, int]:
    seed(0)
    t = Trainer(defaults_for(dataset), runs_dir=runs)
    t.train(steps=steps)
    t.stop()
    tick(t)  # warm caches
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        size = tick(t)
        times.append(time.perf_counter() - t0)
    return 1000 * sorted(times)[len(times) // 2], size


def last_step(runs: Path) -> int:
    files = list(runs.glob("*/metrics.csv"))
    if not files:
        return 0
    lines = files[0].read_text().splitlines()
    return int(float(lines[-1].split(",")[0])) if len(lines) > 1 else 0


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


def tabs(seconds: float) -> None:
    from playwright.sync_api import sync_playwright

    runs = Path(tempfile.mkdtemp()) / "runs"
    with app_server(runs) as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url)
            page.get_by_role("button", name="Start the 8-Gaussian ring").click()
            page.wait_for_url("**/Train**", timeout=60_000)
            run_url = page.url
            time.sleep(10)  # past compilation
            page.close()
            rates = {}
            for n in (0, 1, 5):
                pages = [browser.new_page() for _ in range(n)]
                for pg in pages:
                    pg.goto(run_url)
                time.sleep(5)
                s0, t0, c0 = last_step(runs), time.perf_counter(), cpu_seconds()
                time.sleep(seconds)
                rates[n] = (last_step(runs) - s0) / (time.perf_counter() - t0)
                c1 = cpu_seconds()
                share = {k: (c1.get(k, 0) - c0.get(k, 0)) / seconds for k in c1}
                for pg in pages:
                    pg.close()
                print(f"tabs={n}: {rates[n]:.0f} steps/s  ratio {rates[n] / rates[0]:.2f}  "
                      f"(CPU cores busy: server {share.get('server', 0):.2f}, "
                      f"chromium {share.get('chromium', 0):.2f})", flush=True)
            browser.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tabs", action="store_true", help="also measure steps/s with tabs open")
    ap.add_argument("--seconds", type=float, default=15.0)
    args = ap.parse_args()
    runs = Path(tempfile.mkdtemp())
    worst = 0.0
    for dataset, steps in (("ring8", 3000), ("digits", 1000)):
        ms, size = tick_ms(dataset, steps, runs)
        worst = max(worst, ms)
        print(f"{dataset:8} one tick: {ms:6.1f} ms server time, {size / 1024:6.0f} KiB sent")
    if args.tabs:
        tabs(args.seconds)
    print(f"tick_ms={worst:.1f}")


if __name__ == "__main__":
    main()
