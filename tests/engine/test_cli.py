import json
import subprocess
import sys

import numpy as np

from conftest import ROOT


def cli(*args, cwd):
    env = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin",
           "GANSCOPE_CACHE": str(cwd / "cache"), "HOME": str(cwd)}
    return subprocess.run([sys.executable, "-m", "gan_core", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_train_eval_export_round_trip(tmp_path):
    out = cli("train", "--dataset", "ring8", "--steps", "120", "--runs-dir", "runs",
              "--set", "width=32", "snapshot_every=40", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    run_dir = out.stdout.strip().splitlines()[-1]
    result = json.loads(cli("eval", run_dir, "--json", cwd=tmp_path).stdout)
    assert result["step"] == 120 and result["modes_total"] == 8
    assert 0 <= result["modes_captured"] <= 8 and 0 <= result["high_quality_pct"] <= 100
    exp = cli("export", run_dir, "--generator", "g.keras", "--gif", "e.gif", "--csv", "m.csv",
              cwd=tmp_path)
    assert exp.returncode == 0, exp.stderr
    import keras

    g = keras.models.load_model(tmp_path / "g.keras", safe_mode=True)
    assert g.input_shape == (None, 2) and g.output_shape == (None, 2)
    assert np.isfinite(g.predict(np.zeros((3, 2)), verbose=0)).all()
    assert (tmp_path / "e.gif").read_bytes()[:3] == b"GIF"
    assert len((tmp_path / "m.csv").read_text().splitlines()) == 121


def test_bad_arguments_exit_nonzero_with_one_line(tmp_path):
    out = cli("train", "--dataset", "ring9", cwd=tmp_path)
    assert out.returncode == 2 and out.stderr.strip().splitlines()[-1].startswith("error: unknown")
    out = cli("eval", str(tmp_path), cwd=tmp_path)
    assert out.returncode == 2 and "not a GANscope run folder" in out.stderr


def test_eval_reports_classes_for_labelled_images(tmp_path):
    out = cli("train", "--dataset", "digits", "--steps", "200", "--runs-dir", "runs",
              "--set", "snapshot_every=100", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    result = json.loads(cli("eval", out.stdout.strip().splitlines()[-1], "--json",
                            cwd=tmp_path).stdout)
    assert result["step"] == 200 and result["classes_total"] == 10
    assert 0 <= result["classes_covered"] <= 10 and result["classifier_accuracy"] >= 0.95
    assert result["fcd"] >= 0 and 0 <= result["duplicate_pct"] <= 100
    g = cli("export", out.stdout.strip().splitlines()[-1], "--generator", "g.keras", cwd=tmp_path)
    assert g.returncode == 0, g.stderr
    import keras

    model = keras.models.load_model(tmp_path / "g.keras", safe_mode=True)
    x = model.predict(np.zeros((2, model.input_shape[1])), verbose=0)
    assert x.shape == (2, 8, 8, 1) and x.min() >= -1 and x.max() <= 1
