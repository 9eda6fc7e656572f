"""Faults in run folders and in training, each made in a temp folder: the message a user sees,
the exit code, and that reading a run leaves every byte of it as it was (issue: run folders
you can trust). The input side (bad datasets, bad configs) is in test_input_faults.py."""
import json
import os
import shutil
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from conftest import ROOT
from gan_core import RunConfig, Trainer, cli
from gan_core.runs import Runs

TINY = dict(dataset="ring8", width=32, depth=2, batch=64, z_dim=2, lr_d=1e-3, lr_g=1e-3,
            snapshot_every=25)


def tree(path):
    """Every file under `path` with its bytes."""
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file()}


def run_cli(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A ring run trained 60 steps, stopped: checkpoints at steps 0 and 60, 4 snapshots."""
    t = Trainer(RunConfig(**TINY), runs_dir=tmp_path_factory.mktemp("runs"))
    t.train(steps=60)
    assert t.stop()
    return t.store.path


@pytest.fixture
def run(trained, tmp_path):
    dest = tmp_path / "runs" / trained.name
    shutil.copytree(trained, dest, ignore=shutil.ignore_patterns("lock"))
    return dest


def metrics_lines(path):
    return (path / "metrics.csv").read_text().splitlines()


def good_steps(path):
    """The steps of metrics.csv's well-formed rows, in file order."""
    out = []
    for line in metrics_lines(path)[1:]:
        try:
            values = [float(v) for v in line.split(",")]
        except ValueError:
            continue
        if len(values) == 9:
            out.append(int(values[0]))
    return out


# ---- reading is read-only ------------------------------------------------------------------------

def test_viewing_evaluating_and_exporting_change_no_byte(run, tmp_path, capsys):
    with open(run / "metrics.csv", "a") as fh:  # a crash's leftovers past the checkpoint
        fh.write("".join(f"{s},1,1,1,1,1,1,1,1\n" for s in range(61, 90)) + "90,1,1")
    lines = metrics_lines(run)
    lines[20] = "20,not,a,number"
    (run / "metrics.csv").write_text("\n".join(lines))
    before = tree(run)
    code, out, err = run_cli(capsys, "eval", run, "--json")
    assert code == 0 and json.loads(out)["step"] == 60
    assert "skipped 2 damaged line(s)" in err  # line 21 and the torn last line
    code, _, err = run_cli(capsys, "export", run, "--gif", tmp_path / "e.gif", "--csv",
                           tmp_path / "m.csv", "--generator", tmp_path / "g.keras")
    assert code == 0, err
    t = Trainer.open(run)
    assert t.state.step == 60 and len(t.state.history["step"]) == 59
    reg = Runs(run.parent)
    assert [r.run_id for r in reg.list()] == [run.name]
    assert len(reg.history(run.name)["step"]) == 88 and reg.latest_snapshot(run.name).step == 60
    assert tree(run) == before
    # Training again is what drops the leftovers, and it keeps the damaged row's neighbours.
    t.train(steps=10)
    assert t.stop()
    assert good_steps(run) == [s for s in range(1, 71) if s != 20]


def test_missing_checkpoints_are_said_and_never_evaluated(run, capsys):
    shutil.rmtree(run / "checkpoints")
    before = tree(run)
    for args in (["eval", run], ["export", run, "--generator", run.parent / "g.keras"],
                 ["resume", run, "--steps", "5"]):
        code, out, err = run_cli(capsys, *args)
        assert code == 2 and "no checkpoint" in err and err.count("\n") <= 2, (args, err)
        assert '"step"' not in out
    t = Trainer.open(run)  # the curves and snapshots are still there to look at
    assert len(t.state.history["step"]) == 60 and len(t.state.snapshots) == 4
    assert any("no checkpoint" in w for w in t.state.warnings)
    assert tree(run) == before


def test_a_damaged_checkpoint_falls_back_to_the_one_before(run, capsys):
    newest = sorted((run / "checkpoints").glob("ckpt-60.data*"))[0]
    newest.write_bytes(b"\0" * 64)
    before = tree(run)
    code, out, err = run_cli(capsys, "eval", run, "--json")
    assert code == 0, err
    assert json.loads(out)["step"] == 0
    assert "damaged checkpoint(s) skipped: ckpt-60" in err
    assert tree(run) == before


# ---- one writer per run --------------------------------------------------------------------------

def waited_for(condition, process, timeout=300.0) -> bool:
    """Whether `condition()` came to hold while `process` ran (polled; `timeout` is a hang
    guard, not a budget: a slow machine only makes this take longer)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_a_second_writer_is_refused_and_a_reader_cuts_nothing(run, capsys):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    other = subprocess.Popen([sys.executable, "-m", "gan_core", "resume", str(run), "--steps",
                              "10000000"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        # until the other process has trained and flushed a while (however long that takes)
        assert waited_for(lambda: len(metrics_lines(run)) >= 400, other)
        assert (run / "lock").read_text() == str(other.pid)
        code, _, err = run_cli(capsys, "resume", run, "--steps", "5")
        assert code == 2 and f"is being trained by process {other.pid}" in err
        size = (run / "metrics.csv").stat().st_size
        code, out, _ = run_cli(capsys, "eval", run, "--json")
        assert code == 0
        # the other process goes on writing to the same file, never cut
        assert waited_for(lambda: (run / "metrics.csv").stat().st_size > size, other)
    finally:
        other.kill()  # a crash: rows past its last checkpoint are left behind
        other.wait()
    code, _, err = run_cli(capsys, "resume", run, "--steps", "30")  # the OS freed the lock
    assert code == 0, err
    steps = good_steps(run)
    assert steps == list(range(1, len(steps) + 1))  # leftovers dropped: no step twice


# ---- full disk ------------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1500k", "tmpfs", str(mount)],
                          capture_output=True)
    if made.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_pauses_saying_so_and_leaves_no_torn_or_temp_file(small_disk, capsys):
    code, out, err = run_cli(capsys, "train", "--dataset", "ring8", "--steps", "100",
                             "--runs-dir", small_disk, "--set", "width=32", "snapshot_every=25")
    assert code == 0, err
    run = next(small_disk.iterdir())
    code, out, err = run_cli(capsys, "resume", run, "--steps", "1000000")
    assert code == 1
    assert "No space left on device" in err and "rolled back to step 100," in err, err
    leftovers = [p.name for p in run.rglob("*") if ".tmp" in p.name or "_temp" in p.name]
    assert leftovers == []
    assert all(len(ln.split(",")) == 9 for ln in metrics_lines(run))  # no torn line
    assert good_steps(run) == list(range(1, 101))  # disk and weights agree: step 100
    assert Trainer.open(run).state.step == 100


# ---- malformed folders ----------------------------------------------------------------------------

@pytest.mark.parametrize("damage, says", [
    (lambda p: (p / "config.json").write_text("[]"), "unreadable config.json"),
    (lambda p: (p / "config.json").write_text('{"ema": "x"}'), "unreadable config.json"),
    (lambda p: (p / "config.json").write_text("{not json"), "unreadable config.json"),
    (lambda p: (p / "status.json").write_text('{"step": "abc"}'), "not a whole number"),
])
def test_a_malformed_run_folder_is_skipped_and_the_others_stay(run, trained, damage, says,
                                                                capsys):
    bad = run.parent / "20990101-000000-ring8-dead"
    shutil.copytree(trained, bad, ignore=shutil.ignore_patterns("lock"))
    damage(bad)
    infos, skipped = Runs(run.parent).scan()
    assert [i.run_id for i in infos] == [run.name]
    assert len(skipped) == 1 and bad.name in skipped[0] and says in skipped[0]
    if "config" in says:
        code, _, err = run_cli(capsys, "eval", bad)
        assert code == 2 and err.startswith("error: ") and err.count("\n") == 1


# ---- exports and budgets --------------------------------------------------------------------------

def test_exports_that_cannot_be_written_say_why(run, tmp_path, capsys):
    cases = [(["--csv", tmp_path], "is a folder"),
             (["--csv", tmp_path / "missing" / "m.csv"], "does not exist"),
             (["--gif", "/proc/ganscope.gif"], "cannot write /proc/ganscope.gif"),
             (["--generator", "/proc/g.keras"], "cannot write /proc/g.keras")]
    before = tree(run)
    for args, says in cases:
        code, _, err = run_cli(capsys, "export", run, *args)
        assert code == 2 and says in err and err.count("\n") == 1, (args, err)
    assert tree(run) == before


def test_exports_of_an_untrained_run_say_there_is_nothing(tmp_path, capsys):
    t = Trainer(RunConfig(**TINY), runs_dir=tmp_path / "runs")
    path = t.store.path
    for args, says in ((["--gif", tmp_path / "e.gif"], "0 snapshot(s)"),
                       (["--csv", tmp_path / "m.csv"], "no metrics yet")):
        code, _, err = run_cli(capsys, "export", path, *args)
        assert code == 2 and says in err, err


@pytest.mark.parametrize("budget", [["--minutes", "nan"], ["--minutes", "0"],
                                    ["--minutes", "-1"], ["--minutes", "inf"],
                                    ["--steps", "0"], ["--steps", "-5"]])
def test_a_bad_budget_is_refused_before_a_run_folder_exists(tmp_path, capsys, budget):
    code, _, err = run_cli(capsys, "train", "--runs-dir", tmp_path / "runs", *budget)
    assert code == 2 and ("--minutes must be" in err or "--steps must be" in err)
    assert not (tmp_path / "runs").exists()


# ---- the training thread --------------------------------------------------------------------------

def test_a_failed_thread_keeps_its_error_and_the_cli_exits_nonzero(tmp_path, capsys,
                                                                    monkeypatch):
    from gan_core.gan import Gan

    def broken(self, k, d_steps=1, mode="both"):
        raise RuntimeError("injected fault")

    monkeypatch.setattr(Gan, "run", broken)
    code, out, err = run_cli(capsys, "train", "--steps", "50", "--runs-dir", tmp_path)
    assert code == 1 and "injected fault" in err
    t = Trainer(RunConfig(**TINY), runs_dir=tmp_path)
    snap = t.train(steps=5)
    assert snap.status == "error" and t.stop()
    assert t.state.status == "error" and "injected fault" in t.state.message


def test_a_divergence_rolls_back_to_real_weights_and_train_waits_for_its_command(tmp_path):
    huge = np.random.default_rng(0).normal(size=(1000, 2)) * 1e25  # overflows float32 squares
    np.savez(tmp_path / "huge.npz", points=huge)
    cfg = RunConfig(**{**TINY, "dataset": str(tmp_path / "huge.npz"), "loss": "least_squares"})
    t = Trainer(cfg, runs_dir=tmp_path / "runs")
    first = t.train(steps=50)
    assert first.status == "paused" and "rolled back to step 0, the last checkpoint" in first.message
    assert all(np.isfinite(w).all() for w in t.gan.g.get_weights())
    assert (t.store.path / "checkpoints" / "ckpt-0.index").exists()
    handled = first.handled
    again = t.train(steps=50)  # must not return on the stale paused snapshot
    assert again.handled > handled and not again.busy and "diverged at step 1" in again.message
    assert not t.wait(lambda s: s.busy, timeout=1.0)  # nothing runs on in the background
    assert t.stop()


def test_every_pause_has_a_checkpoint(tmp_path):
    t = Trainer(RunConfig(**TINY), runs_dir=tmp_path)
    t.start(paused=True)
    assert t.wait(lambda s: s.status == "paused", timeout=300)
    ckpts = t.store.path / "checkpoints"
    assert (ckpts / "ckpt-0.index").exists()
    t.train(steps=7)
    assert (ckpts / "ckpt-7.index").exists()
    cid = t.resume()
    assert t.wait(lambda s: s.handled >= cid and s.step > 40, timeout=300)
    cid = t.pause()
    assert t.wait(lambda s: s.handled >= cid and not s.busy, timeout=300)
    assert (ckpts / f"ckpt-{t.state.step}.index").exists()
    assert t.stop()


def test_a_command_flood_cannot_starve_training(tmp_path):
    t = Trainer(RunConfig(**TINY), runs_dir=tmp_path)
    saves, calls = [0], [0]
    checkpoint, run = t.recorder.checkpoint, t.gan.run

    def counted_checkpoint():
        saves[0] += checkpoint()
        return True

    def counted_run(*a, **k):
        calls[0] += 1
        return run(*a, **k)

    t.recorder.checkpoint, t.gan.run = counted_checkpoint, counted_run
    end = time.monotonic() + 3.0
    rng = np.random.default_rng(0)

    def click(seed):
        r = np.random.default_rng(seed)
        while time.monotonic() < end:
            [t.start, t.pause, t.resume, lambda: t.step(int(r.integers(1, 50))),
             lambda: t.set_hparams(lr_d=float(r.uniform(1e-4, 1e-3)))][r.integers(5)]()

    threads = [threading.Thread(target=click, args=(int(s),)) for s in rng.integers(0, 1e6, 20)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    names = [th.name for th in threading.enumerate() if th.name == f"ganscope-{t.run_id}"]
    assert len(names) == 1
    start = t.state.step
    cid = t.resume()
    assert t.wait(lambda s: s.handled >= cid and s.step > start + 300, timeout=300), t.state
    assert saves[0] <= calls[0] + 1  # a checkpoint only after training since the last one
    assert t.stop(timeout=30) and t.state.status == "stopped"
