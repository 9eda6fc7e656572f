"""TensorBoard logging's cost to training: the real Trainer with `tensorboard` on and off, in
the same process, in pairs whose order alternates (off-on, on-off, ...), so neither a drift
of the machine's speed nor being second in a pair favours one side.

    python bench/tb_overhead.py [--seconds S] [--pairs N]

For each case prints steps/s off and on per pair, the on/off ratio per pair (median and
range), and two direct measures, timed around the writer's calls on the training thread,
free of the run-to-run drift of a shared machine: the share of the window's wall time spent
inside the writer, and the writer's CPU time against the whole process's (training included).
Goal: within 2 %. Last line: `share_max=<largest wall-time share>`.
"""
from __future__ import annotations

import argparse
import functools
import statistics
import tempfile
import time
from pathlib import Path

from common import seed
from gan_core import RunConfig, Trainer
from gan_core.defaults import defaults_for
from gan_core.tensorboard_log import TensorBoardLog

SPENT = [0.0, 0.0]  # wall and CPU seconds inside TensorBoardLog's methods (one thread at a time)


def timed(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return method(*args, **kwargs)
        finally:
            SPENT[0] += time.perf_counter() - t0
            SPENT[1] += time.thread_time() - c0
    return wrapper


for _name in ("metrics", "snapshot", "flush"):
    setattr(TensorBoardLog, _name, timed(getattr(TensorBoardLog, _name)))


def steps_per_sec(cfg: RunConfig, seconds: float, runs: Path) -> tuple[float, float, float]:
    """Steps/s of the Trainer after its second snapshot (past tracing), and the shares of
    that window's wall time and of the process's CPU time spent writing TensorBoard events."""
    seed(cfg.seed)
    t = Trainer(cfg, runs_dir=runs)
    t.start()
    t.wait(lambda s: s.step >= 2 * cfg.snapshot_every + 1, timeout=600)
    s0, spent0, t0, c0 = t.state.step, list(SPENT), time.perf_counter(), time.process_time()
    time.sleep(seconds)
    s1, spent1, t1, c1 = t.state.step, list(SPENT), time.perf_counter(), time.process_time()
    t.stop()
    return ((s1 - s0) / (t1 - t0), (spent1[0] - spent0[0]) / (t1 - t0),
            (spent1[1] - spent0[1]) / (c1 - c0))


def spread(values: list[float], scale: float) -> str:
    return (f"median {scale * statistics.median(values):.3f} (range {scale * min(values):.3f}-"
            f"{scale * max(values):.3f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--pairs", type=int, default=5)
    args = ap.parse_args()
    runs = Path(tempfile.mkdtemp()) / "runs"
    cases = {"ring8 defaults (2D, snapshot every 100)": defaults_for("ring8"),
             "digits defaults (8x8 images, every 200)": defaults_for("digits")}
    shares = []
    for name, cfg in cases.items():
        print(f"{name}: steps/s off -> on, ratio", flush=True)
        ratios, walls, cpus = [], [], []
        for pair in range(args.pairs):
            got = {tb: steps_per_sec(cfg.replace(tensorboard=tb), args.seconds, runs)
                   for tb in ((False, True) if pair % 2 == 0 else (True, False))}
            (off, _, _), (on, wall, cpu) = got[False], got[True]
            ratios.append(on / off)
            walls.append(wall)
            cpus.append(cpu)
            print(f"  pair {pair + 1} ({'off, on' if pair % 2 == 0 else 'on, off'}): "
                  f"{off:8.1f} -> {on:8.1f}  ratio {on / off:5.3f}  "
                  f"writer {100 * wall:4.2f} % of the time, {100 * cpu:4.2f} % of the CPU",
                  flush=True)
        print(f"  ratio {spread(ratios, 1)}; writer {spread(walls, 100)} % of the time, "
              f"{spread(cpus, 100)} % of the CPU")
        shares += walls
    print(f"share_max={max(shares):.4f}")


if __name__ == "__main__":
    main()
