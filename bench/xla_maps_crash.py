"""The segfault of a long-lived process, in a minute: XLA:CPU keeps every program it compiles
(~300 memory mappings for a tiny MLP step) until the process ends, and a compilation that
meets vm.max_map_count dies ("LLVM compilation error: Cannot allocate memory", then SIGSEGV in
the run's first compiled call). This fills the process's mappings up to HEADROOM below the
limit (separate shared anonymous mmaps, never merged), then builds and trains tiny runs (as
Trainers with --trainer) and prints the mappings each leaves.

    PYTHONPATH=. python bench/xla_maps_crash.py HEADROOM [RUNS] [--trainer]

HEADROOM 1350-1650 crashed 5 of 5 before gan.xla_room (within the 5th or 6th run); since, runs
compile without XLA there and all survive.
"""
import faulthandler
import mmap
import os
import sys
import tempfile

faulthandler.enable(all_threads=True)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.pop("GANSCOPE_XLA", None)  # the app's default: XLA on
from gan_core import RunConfig, Trainer  # noqa: E402
from gan_core.spares import build  # noqa: E402


def maps() -> int:
    with open("/proc/self/maps", "rb") as fh:
        return fh.read().count(b"\n")


headroom, runs = int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 20
trainer = "--trainer" in sys.argv
with open("/proc/sys/vm/max_map_count") as fh:
    limit = int(fh.read())
cfg = RunConfig(dataset="ring8", width=32, depth=2, batch=64, z_dim=2, lr_d=1e-3, lr_g=1e-3,
                snapshot_every=25)
p = build(cfg)  # one run first, so TensorFlow's own start-up mappings are in place
p.gan.run(4)
p.observer.snapshot(0)
del p
fillers = []
while maps() < limit - headroom:
    fillers.extend(mmap.mmap(-1, 4096) for _ in range(max(1, (limit - headroom - maps()) // 2)))
print(f"limit {limit}, filled to {maps()} maps (headroom {limit - maps()})", flush=True)
root = tempfile.mkdtemp()
for i in range(runs):
    if trainer:
        t = Trainer(cfg.replace(seed=i), runs_dir=root)
        s = t.train(steps=7)
        assert s.status == "paused", (s.status, s.message)
        assert t.stop()
        gan = t.gan
    else:
        gan = build(cfg.replace(seed=i)).gan
        gan.run(8)
    print(f"run {i + 1} ok (xla {gan.xla}): maps {maps()} (headroom {limit - maps()})",
          flush=True)
print("survived", flush=True)
