"""Class load: N lightweight viewers (bench/ws_viewer.py) watching one training run.

    PYTHONPATH=. python bench/class_load.py [--viewers 30] [--seconds 30] [--settle 10] [--cycles 3]

Starts the real server, starts the 8-Gaussian ring from the home page (a click, as a
student would), waits past compilation, then alternates windows without viewers and with N
viewers on the run's Train page: one of them the projector (`?view=projector`), the others
students. In a class the browsers run on the students' laptops; what the server pays per
viewer is its fragment reruns and the bytes it sends, which is what this measures:

- training ratio: steps/s with the viewers over the mean of the viewer-free windows just
  before and after (the run's own speed drifts ~10 % a minute, bench/NOTES.md 15);
- server CPU for the viewers: the server's CPU time minus that of the threads busy without
  viewers (the training thread, TensorFlow's pools), in cores and per viewer;
- updates: how often each viewer's shown step changed, per second (median and slowest
  student, the projector) and the longest gap between two changes;
- bytes per viewer per second: websocket payload plus pictures fetched (each new one once).

The viewers' own CPU (this process) is printed too: here they share the server's two cores,
in a class they do not, so the ratio is pessimistic.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from ws_viewer import Viewer

from devtools.app_server import app_server
from gan_core.runs import Runs
from gan_core.store import RunStore

TICK = os.sysconf("SC_CLK_TCK")
ARRIVAL_SECONDS = 5.0  # the viewers connect at random moments within this time


def server_pid(url: str) -> int:
    """The streamlit process serving `url` (other servers may run on this machine)."""
    port = url.rsplit(":", 1)[1]
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if f"--server.port\x00{port}\x00".encode() in (proc / "cmdline").read_bytes():
                return int(proc.name)
        except OSError:
            continue
    raise RuntimeError(f"no server process on port {port}")


def cpu(pid: int) -> tuple[float, dict[int, float]]:
    """CPU seconds of the process (its ended threads included) and of each live thread."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    threads = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            f = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        threads[int(task.name)] = (int(f[11]) + int(f[12])) / TICK
    return (int(fields[11]) + int(fields[12])) / TICK, threads


def own_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def last_step(runs: Path, run_id: str) -> int:
    return RunStore(runs / run_id).last_recorded_step()


class Window:
    """Steps, CPU and time between `start()` and `stop()`."""

    def __init__(self, runs: Path, run_id: str, pid: int) -> None:
        self.runs, self.run_id, self.pid = runs, run_id, pid

    def start(self) -> None:
        self.t0, self.s0, (self.c0, self.th0), self.own0 = (
            time.monotonic(), last_step(self.runs, self.run_id), cpu(self.pid), own_cpu())

    def stop(self) -> None:
        t1, s1, (c1, th1), own1 = time.monotonic(), last_step(self.runs, self.run_id), \
            cpu(self.pid), own_cpu()
        self.dt = t1 - self.t0
        self.rate = (s1 - self.s0) / self.dt
        self.cores = (c1 - self.c0) / self.dt
        self.threads = {t: (c - self.th0.get(t, 0.0)) / self.dt for t, c in th1.items()}
        self.own = (own1 - self.own0) / self.dt


async def start_ring(url: str, runs: Path, teacher_key: str | None = None) -> str:
    """Click "Start the 8-Gaussian ring" on the home page, signed in as the teacher first
    when `teacher_key` is given (roles on); the new run's id."""
    stop = asyncio.Event()
    home = Viewer(url)
    task = asyncio.create_task(home.run(stop))
    if teacher_key is not None:
        while "teacher_in" not in home.buttons or "teacher_key_input" not in home.texts:
            await asyncio.sleep(0.2)
        await home.click("teacher_in", {"teacher_key_input": teacher_key})
        while "teacher_out" not in home.buttons:
            await asyncio.sleep(0.2)
    while "quick_start" not in home.buttons:
        await asyncio.sleep(0.2)
    await home.click("quick_start")
    while not Runs(runs).list():
        await asyncio.sleep(0.5)
    run_id = Runs(runs).list()[0].run_id
    while last_step(runs, run_id) < 1000:  # past tracing and the first calls
        await asyncio.sleep(1)
    stop.set()
    await task
    return run_id


def gaps(steps: list[tuple[float, int]], t0: float, t1: float) -> tuple[int, float]:
    """Changes of the shown step within [t0, t1], and the longest time without one."""
    times = [t for t, _ in steps if t0 <= t <= t1]
    edges = [t0, *times, t1]
    return len(times), max(b - a for a, b in zip(edges, edges[1:]))


async def cycle(url: str, runs: Path, run_id: str, pid: int, n: int, seconds: float,
                settle: float) -> dict:
    """A window without viewers, then one with `n` viewers."""
    quiet = Window(runs, run_id, pid)
    quiet.start()
    await asyncio.sleep(seconds)
    quiet.stop()
    trainers = {t for t, c in quiet.threads.items() if c > 0.05}  # training and TF's pools
    stop = asyncio.Event()
    viewers = [Viewer(url, "Train", f"run={run_id}" + ("&view=projector" if i == 0 else ""))
               for i in range(n)]
    tasks = []
    arrive = Window(runs, run_id, pid)
    arrive.start()
    for v in viewers:  # a class arrives over a few seconds, not in one instant
        tasks.append(asyncio.create_task(v.run(stop)))
        await asyncio.sleep(random.uniform(0, 2 * ARRIVAL_SECONDS / n))
    deadline = time.monotonic() + 600  # a hang guard
    while any(v.seen.full_runs == 0 for v in viewers):  # every page drawn once
        assert time.monotonic() < deadline, "the viewers' pages did not load"
        await asyncio.sleep(0.1)
    arrive.stop()
    await asyncio.sleep(settle)
    busy = Window(runs, run_id, pid)
    for v in viewers:
        v.seen.reset()
    busy.start()
    await asyncio.sleep(seconds)
    busy.stop()
    t1 = time.monotonic()
    stop.set()
    await asyncio.gather(*tasks)
    viewer_cores = busy.cores - sum(c for t, c in busy.threads.items() if t in trainers)
    changes = [gaps(v.seen.steps, busy.t0, t1) for v in viewers]
    rates = [c / busy.dt for c, _ in changes]
    return dict(
        quiet=quiet.rate, busy=busy.rate, viewer_cores=viewer_cores,
        rate_median=statistics.median(rates[1:]), rate_min=min(rates[1:]),
        projector=rates[0], gap_max=max(g for _, g in changes[1:]), gap_projector=changes[0][1],
        kib_ws=statistics.mean(v.seen.ws_bytes for v in viewers) / busy.dt / 1024,
        kib_media=statistics.mean(v.seen.media_bytes for v in viewers) / busy.dt / 1024,
        runs=statistics.mean(v.seen.runs for v in viewers) / busy.dt,
        full_runs=sum(v.seen.full_runs for v in viewers),
        errors=sum(len(v.seen.errors) for v in viewers), own=busy.own, arrival=arrive.dt,
        arrival_cpu=arrive.cores * arrive.dt - sum(
            c for t, c in arrive.threads.items() if t in trainers) * arrive.dt,
        server_cores=busy.cores, quiet_cores=quiet.cores)


async def main_async(args: argparse.Namespace) -> None:
    runs = Path(tempfile.mkdtemp()) / "runs"
    with app_server(runs) as url:
        pid = server_pid(url)
        run_id = await start_ring(url, runs)
        results = []
        for i in range(args.cycles):
            r = await cycle(url, runs, run_id, pid, args.viewers, args.seconds, args.settle)
            results.append(r)
            print(f"cycle {i + 1}: {r['busy']:.0f} steps/s with {args.viewers} viewers, "
                  f"{r['quiet']:.0f} without just before; server {r['server_cores']:.2f} cores "
                  f"(without viewers {r['quiet_cores']:.2f}), for the viewers "
                  f"{r['viewer_cores']:.2f} = {1000 * r['viewer_cores'] / args.viewers:.1f} "
                  f"ms/s per viewer; updates/s per student median {r['rate_median']:.2f} "
                  f"slowest {r['rate_min']:.2f} (longest gap {r['gap_max']:.1f} s), projector "
                  f"{r['projector']:.2f} (gap {r['gap_projector']:.1f} s); script runs/s per "
                  f"viewer {r['runs']:.2f}, full-page runs {r['full_runs']}; KiB/s per viewer: "
                  f"websocket {r['kib_ws']:.1f}, pictures {r['kib_media']:.1f}; page errors "
                  f"{r['errors']}; the viewers' own CPU {r['own']:.2f} cores; all pages drawn "
                  f"{r['arrival']:.1f} s after the first arrived, costing the server "
                  f"{r['arrival_cpu']:.1f} CPU-s besides training", flush=True)
        tail = Window(runs, run_id, pid)  # the viewer-free reading after the last cycle
        tail.start()
        await asyncio.sleep(args.seconds)
        tail.stop()
        quiet = [r["quiet"] for r in results] + [tail.rate]
        ratios = [r["busy"] / ((a + b) / 2) for r, a, b in zip(results, quiet, quiet[1:])]
        print("training ratio per cycle (with viewers / mean of the readings around): "
              + ", ".join(f"{x:.2f}" for x in ratios), flush=True)
        print(f"ratio_min={min(ratios):.2f} ratio_median={statistics.median(ratios):.2f}")
        if args.still:
            await still(url, runs, run_id, pid, args.viewers, args.seconds, args.settle)


async def still(url: str, runs: Path, run_id: str, pid: int, n: int, seconds: float,
                settle: float) -> None:
    """The same viewers on the run paused: what their heartbeats cost."""
    stop = asyncio.Event()
    pauser = Viewer(url, "Train", f"run={run_id}")
    task = asyncio.create_task(pauser.run(stop))
    while "ctl_pause" not in pauser.buttons:
        await asyncio.sleep(0.1)
    await pauser.click("ctl_pause")
    while pauser.seen.state != "paused":
        await asyncio.sleep(0.1)
    stop.set()
    await task
    stop = asyncio.Event()
    viewers = [Viewer(url, "Train", f"run={run_id}") for _ in range(n)]
    tasks = [asyncio.create_task(v.run(stop)) for v in viewers]
    while any(v.seen.full_runs == 0 for v in viewers):
        await asyncio.sleep(0.1)
    await asyncio.sleep(settle)
    window = Window(runs, run_id, pid)
    for v in viewers:
        v.seen.reset()
    window.start()
    await asyncio.sleep(seconds)
    window.stop()
    stop.set()
    await asyncio.gather(*tasks)
    print(f"paused run, {n} viewers: server {window.cores:.3f} cores = "
          f"{1000 * window.cores / n:.2f} ms/s per viewer; script runs/s per viewer "
          f"{statistics.mean(v.seen.runs for v in viewers) / window.dt:.2f}, full-page runs "
          f"{sum(v.seen.full_runs for v in viewers)}; websocket "
          f"{statistics.mean(v.seen.ws_bytes for v in viewers) / window.dt:.0f} B/s per viewer, "
          f"pictures {statistics.mean(v.seen.media_bytes for v in viewers) / window.dt:.0f} B/s",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--viewers", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each reading")
    ap.add_argument("--settle", type=float, default=10.0,
                    help="seconds after every viewer's page was drawn before the reading")
    ap.add_argument("--still", action="store_true",
                    help="then pause the run and measure the viewers' heartbeats")
    ap.add_argument("--file-watcher", default=None,
                    help="the server's fileWatcherType (e.g. none): Streamlit's source watcher "
                         "scans every module on a session's first full run")
    ap.add_argument("--cycles", type=int, default=3, help="pairs of readings without/with")
    args = ap.parse_args()
    random.seed(0)
    if args.file_watcher:
        os.environ["STREAMLIT_SERVER_FILE_WATCHER_TYPE"] = args.file_watcher  # the server's
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
