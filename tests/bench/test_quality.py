"""The defaults must stay good: bench/quality.py on the bundled digits, in a CI-friendly
form (a fixed step budget instead of wall-clock seconds, so no timing enters the test)."""
import re
import subprocess
import sys

from conftest import ROOT


def test_digits_defaults_keep_a_quality_floor(tmp_path):
    env = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin",
           "GANSCOPE_CACHE": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "bench/quality.py", "--dataset", "digits",
                          "--steps", "8000"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    last = out.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"classes=(\d+) confident=([\d.]+)(?: \w+=\S+)*", last)
    assert m, out.stdout
    # 8,000 steps is ~40 % of what the defaults train in 60 s; seed 0 reaches 10 classes.
    assert int(m[1]) >= 8 and float(m[2]) >= 0.6, last


def test_a_conditional_digits_run_draws_the_class_asked_for(tmp_path):
    env = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin",
           "GANSCOPE_CACHE": str(tmp_path / "cache"), "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "bench/quality.py", "--dataset", "digits",
                          "--conditional", "--steps", "2000"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    last = out.stdout.strip().splitlines()[-1]
    m = re.fullmatch(r"asked=([\d.]+) per_class_min=([\d.]+) classes=(\d+)(?: \w+=\S+)*", last)
    assert m, out.stdout
    # The goal is >= 0.85 in 2 minutes (~20,000 steps here); seed 0 read 0.909 at
    # 1,000 steps, 0.989 at 2,000 with packs of 2 (bench/NOTES.md 21), 0.946 at 2,000 with
    # the packs of 4 of today's digits defaults (worst class 0.585; NOTES 27); chance is 0.1.
    assert float(m[1]) >= 0.85 and float(m[2]) >= 0.5 and int(m[3]) == 10, last
