"""A class on one server, at length (issue 16, item 8). Three readings, each its own command:

    PYTHONPATH=. python bench/class_soak.py tabs  [--tabs 10] [--minutes 5]
    PYTHONPATH=. python bench/class_soak.py queue [--students 30] [--seconds 30]
    PYTHONPATH=. python bench/class_soak.py soak  [--minutes 60]

tabs:  N headless-Chromium tabs on one training run's Train page for M minutes. Every 30 s:
       each tab's shown step (every tab must advance in every interval), the server's threads
       and RSS. Then steps/s with the tabs live against the same tabs paused (CDP
       Debugger.pause: a paused tab asks for nothing, as if closed), alternating 10 s windows
       so the run's own drift cancels (bench/ui_tick.py's method); and the server log's
       tracebacks. The tabs run on the server's own two cores here; in a class they do not.
queue: a teacher's run trains; then N students (websocket clients, bench/ws_viewer.py) each
       click "Start the 8-Gaussian ring" within 5 s. `--roles`: a teacher key is set and the
       teacher's browser signs in before its click, so the students' runs are theirs and the
       teacher's goes first for a slot (gan_core/slots.py). The training slots (gan_core/slots.py)
       let at most the server's core count train; the rest wait in line. Prints what each
       student's page says (running, queued #k), how many runs step, the teacher's steps/s
       before and with the class, and the server's RSS (peak too).
soak:  one run with one Chromium tab on its Train page for M minutes: RSS and thread count
       every minute; growth from the fifth minute (past compilation and warm-up) to the end.

Roles are off (any browser may start a run) except in `queue --roles`: in the others roles
change who may click, not the load.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import tempfile
import time
from pathlib import Path

from class_load import Window, server_pid, start_ring
from ui_tick import paused_ratio
from ws_viewer import Viewer

from devtools.app_server import CHROMIUM, CHROMIUM_ARGS, app_server
from gan_core.runs import Runs
from gan_core.store import RunStore

STEP_JS = ("(() => { const m = [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
           ".map(e => e.innerText.split('\\n')).find(t => t[0] === 'Step');"
           " return m ? parseInt(m.slice(-1)[0].replace(/,/g, '')) : -1; })()")


def status(pid: int) -> tuple[float, float, int]:
    """The server's RSS and peak RSS in MB, and its thread count."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text()
                  .splitlines() if ":" in line)
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024,
            int(fields["Threads"]))


def tracebacks(log: Path) -> int:
    return log.read_text(errors="replace").count("Traceback (most recent call last)")


def open_run(browser, url: str):
    """Start the ring from the home page in a tab; that tab and the run's URL."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.get_by_role("button", name="Start the 8-Gaussian ring").click()
    page.wait_for_url("**/Train**", timeout=300_000)
    return page, page.url


def tabs(n: int, minutes: float) -> None:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp())
    runs, log = tmp / "runs", tmp / "server.log"
    with app_server(runs, timeout=120, log_path=log) as url, sync_playwright() as p:
        pid = server_pid(url)
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        first, run_url = open_run(browser, url)
        time.sleep(15)  # past compilation
        first.close()
        print(f"no tab: server {status(pid)[2]} threads, RSS {status(pid)[0]:.0f} MB", flush=True)
        pages = [browser.new_page(viewport={"width": 1400, "height": 1000}) for _ in range(n)]
        for pg in pages:
            pg.goto(run_url)
        time.sleep(20)  # the tabs load
        stalls, t_end = 0, time.monotonic() + 60 * minutes
        last = [pg.evaluate(STEP_JS) for pg in pages]
        while time.monotonic() < t_end:
            time.sleep(30)
            now = [pg.evaluate(STEP_JS) for pg in pages]
            stuck = sum(b <= a for a, b in zip(last, now))
            stalls += stuck
            rss, _, threads = status(pid)
            print(f"  steps shown {min(now):,}-{max(now):,}, tabs not advancing: {stuck}; server "
                  f"{threads} threads, RSS {rss:.0f} MB", flush=True)
            last = now
        ratio = paused_ratio(pages, runs, cycles=6)
        print(f"tabs={n} for {minutes:g} min: intervals where a tab did not advance: {stalls}; "
              f"runs on the server: {len(Runs(runs).list())}; server log tracebacks: "
              f"{tracebacks(log)}; steps/s with the tabs live / the same tabs paused: "
              f"{ratio:.2f} (6 alternating pairs of 10 s)", flush=True)
        browser.close()


async def queue(students: int, seconds: float, roles: bool) -> None:
    tmp = Path(tempfile.mkdtemp())
    runs, log = tmp / "runs", tmp / "server.log"
    key = secrets.token_hex(16) if roles else None
    if key is not None:
        os.environ["GANSCOPE_TEACHER_KEY"] = key  # the server's environment
    with app_server(runs, timeout=120, log_path=log) as url:
        pid = server_pid(url)
        teacher = await start_ring(url, runs, key)  # clicked, past compilation
        print(f"roles {'on: the teacher signed in' if roles else 'off'}; the teacher's run is "
              f"owned by {RunStore(runs / teacher).owner() or 'nobody (the teacher)'}",
              flush=True)
        alone = Window(runs, teacher, pid)
        alone.start()
        await asyncio.sleep(seconds)
        alone.stop()
        rss0, _, threads0 = status(pid)
        print(f"teacher's run alone: {alone.rate:.0f} steps/s; server RSS {rss0:.0f} MB, "
              f"{threads0} threads", flush=True)
        stop = asyncio.Event()
        viewers = [Viewer(url) for _ in range(students)]
        tasks = [asyncio.create_task(v.run(stop)) for v in viewers]

        async def arrive(v: Viewer) -> None:
            await asyncio.sleep(random.uniform(0, 5))
            while "quick_start" not in v.buttons:
                await asyncio.sleep(0.2)
            await v.click("quick_start")

        t0 = time.monotonic()
        await asyncio.gather(*(arrive(v) for v in viewers))
        while (sum(bool(v.seen.state) for v in viewers) < students
               and time.monotonic() - t0 < 600):  # a hang guard
            await asyncio.sleep(0.5)
        print(f"{students} students clicked Start; all their pages showed their run "
              f"{time.monotonic() - t0:.1f} s after the first click", flush=True)
        await asyncio.sleep(10)
        ids = [r.run_id for r in Runs(runs).list() if r.run_id != teacher]
        before = {i: RunStore(runs / i).last_recorded_step() for i in ids}
        with_class = Window(runs, teacher, pid)
        with_class.start()
        await asyncio.sleep(seconds)
        with_class.stop()
        after = {i: RunStore(runs / i).last_recorded_step() for i in ids}
        rss, peak, threads = status(pid)
        shown = [v.seen.state for v in viewers]
        queued = sorted(int(s.split("#")[1]) for s in shown if s.startswith("queued"))
        # the students pause their runs, and the teacher's is timed alone again: its own speed
        # drifts (bench/NOTES.md 15), so the ratio is over the mean of before and after
        await asyncio.gather(*(v.click("ctl_pause") for v in viewers if "ctl_pause" in v.buttons))
        await asyncio.sleep(15)  # a student next in line may be compiling
        held = {i: RunStore(runs / i).last_recorded_step() for i in ids}
        again = Window(runs, teacher, pid)
        again.start()
        await asyncio.sleep(seconds)
        again.stop()
        paused = sum(RunStore(runs / i).last_recorded_step() == held[i] for i in ids)
        stop.set()
        await asyncio.gather(*tasks)
        errors = sum(len(v.seen.errors) for v in viewers)
        running = shown.count("running")
        stepped = sum(after[i] > before[i] for i in ids)
        print(f"student pages say: running {running}, queued {len(queued)} (places "
              f"{queued[:1]}..{queued[-1:]}), other {len(shown) - running - len(queued)}; "
              f"student runs that stepped during the reading: {stepped} of {len(ids)}",
              flush=True)
        moved = sum(after[i] - before[i] for i in ids)
        print(f"student runs' steps during the reading: {moved:,} ({moved / seconds:.0f} "
              f"steps/s in all)", flush=True)
        owned = sum(RunStore(runs / i).owner() is not None for i in ids)
        print(f"student runs owned by their student: {owned} of {len(ids)}", flush=True)
        alone_rate = (alone.rate + again.rate) / 2
        print(f"teacher's run: {with_class.rate:.0f} steps/s with the class vs {alone.rate:.0f} "
              f"alone before and {again.rate:.0f} after the students paused ({paused} of "
              f"{len(ids)} did not step after): ratio {with_class.rate / alone_rate:.2f}; "
              f"server RSS {rss:.0f} MB "
              f"(peak {peak:.0f} MB, before the class {rss0:.0f} MB), {threads} threads; "
              f"page errors {errors}; server log tracebacks {tracebacks(log)}", flush=True)


def soak(minutes: float) -> None:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp())
    runs, log = tmp / "runs", tmp / "server.log"
    with app_server(runs, timeout=120, log_path=log) as url, sync_playwright() as p:
        pid = server_pid(url)
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page, _ = open_run(browser, url)
        samples = []
        for minute in range(1, int(minutes) + 1):
            time.sleep(60)
            rss, peak, threads = status(pid)
            step = page.evaluate(STEP_JS)
            samples.append((minute, rss, threads, step))
            print(f"  minute {minute:3}: step {step:,}, server RSS {rss:.0f} MB (peak "
                  f"{peak:.0f}), {threads} threads", flush=True)
        base = next(s for s in samples if s[0] >= min(5, len(samples)))
        end = samples[-1]
        print(f"soak {minutes:g} min: RSS {base[1]:.0f} MB at minute {base[0]} -> {end[1]:.0f} MB "
              f"at minute {end[0]} ({100 * (end[1] / base[1] - 1):+.1f} %); threads "
              f"{base[2]} -> {end[2]} (range {min(s[2] for s in samples)}-"
              f"{max(s[2] for s in samples)}); steps {base[3]:,} -> {end[3]:,}; server log "
              f"tracebacks {tracebacks(log)}", flush=True)
        browser.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["tabs", "queue", "soak"])
    ap.add_argument("--tabs", type=int, default=10)
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--minutes", type=float, default=None,
                    help="tabs: 5 (default), soak: 60 (default)")
    ap.add_argument("--seconds", type=float, default=30.0, help="queue: length of each reading")
    ap.add_argument("--roles", action="store_true", help="queue: a teacher key, the teacher "
                    "signed in (students' runs theirs)")
    args = ap.parse_args()
    random.seed(0)
    if args.what == "tabs":
        tabs(args.tabs, args.minutes or 5.0)
    elif args.what == "queue":
        asyncio.run(queue(args.students, args.seconds, args.roles))
    else:
        soak(args.minutes or 60.0)


if __name__ == "__main__":
    main()
