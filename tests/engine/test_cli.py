import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from gan_core import Trainer
from gan_core.evaluate import evaluate


def cli(*args, cwd):
    env = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin",
           "GANSCOPE_CACHE": str(cwd / "cache"), "HOME": str(cwd)}
    return subprocess.run([sys.executable, "-m", "gan_core", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def same_as_in_process(printed: dict, run_dir: str) -> None:
    """`eval --json` prints what evaluate() computes for the run reopened in this process."""
    t = Trainer.open(run_dir)
    expected = json.loads(json.dumps(evaluate(t)))  # the same types JSON gives back
    assert printed == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_train_eval_export_round_trip(tmp_path):
    # The ring's defaults, 2,000 steps: all 8 modes at seeds 0-4 (high quality 42-94 %),
    # measured; at 120 steps none yet (0 % high quality), so a broken run cannot pass.
    out = cli("train", "--dataset", "ring8", "--steps", "2000", "--runs-dir", "runs",
              "--set", "snapshot_every=500", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    run_dir = out.stdout.strip().splitlines()[-1]
    result = json.loads(cli("eval", run_dir, "--json", cwd=tmp_path).stdout)
    assert result["step"] == 2000 and result["modes_total"] == 8
    assert result["modes_captured"] >= 6 and result["high_quality_pct"] >= 25, result
    same_as_in_process(result, run_dir)
    exp = cli("export", run_dir, "--generator", "g.keras", "--gif", "e.gif", "--csv", "m.csv",
              cwd=tmp_path)
    assert exp.returncode == 0, exp.stderr
    import keras

    g = keras.models.load_model(tmp_path / "g.keras", safe_mode=True)
    assert g.input_shape == (None, 2) and g.output_shape == (None, 2)
    assert np.isfinite(g.predict(np.zeros((3, 2)), verbose=0)).all()
    assert (tmp_path / "e.gif").read_bytes()[:3] == b"GIF"
    assert len((tmp_path / "m.csv").read_text().splitlines()) == 2001


def test_bad_arguments_exit_nonzero_with_one_line(tmp_path):
    out = cli("train", "--dataset", "ring9", cwd=tmp_path)
    assert out.returncode == 2 and out.stderr.strip().splitlines()[-1].startswith("error: unknown")
    out = cli("eval", str(tmp_path), cwd=tmp_path)
    assert out.returncode == 2 and "not a GANscope run folder" in out.stderr


def test_eval_reports_classes_for_labelled_images(tmp_path, monkeypatch):
    out = cli("train", "--dataset", "digits", "--steps", "200", "--runs-dir", "runs",
              "--set", "snapshot_every=100", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    result = json.loads(cli("eval", out.stdout.strip().splitlines()[-1], "--json",
                            cwd=tmp_path).stdout)
    assert result["step"] == 200 and result["classes_total"] == 10
    assert result["classifier_accuracy"] >= 0.95
    monkeypatch.setenv("GANSCOPE_CACHE", str(tmp_path / "cache"))  # the classifier eval used
    same_as_in_process(result, out.stdout.strip().splitlines()[-1])
    g = cli("export", out.stdout.strip().splitlines()[-1], "--generator", "g.keras", cwd=tmp_path)
    assert g.returncode == 0, g.stderr
    import keras

    model = keras.models.load_model(tmp_path / "g.keras", safe_mode=True)
    x = model.predict(np.zeros((2, model.input_shape[1])), verbose=0)
    assert x.shape == (2, 8, 8, 1) and x.min() >= -1 and x.max() <= 1


def test_lessons_record_writes_compact_replayable_runs(tmp_path):
    """--record on a tiny budget: one run folder per distinct lesson run (a shared pair once),
    no checkpoints, the index naming them with the claim the recording shows, and the exit
    code saying whether every claim held."""
    from gan_core.lessons.recording import judge_recording, read_index
    from gan_core.replay import Recording

    out = cli("lessons", "--record", "--only", "collapse-ring", "d-too-strong", "collapse-digits",
              "--steps", "120", "--out", "rec", cwd=tmp_path)
    index = read_index(tmp_path / "rec")
    assert set(index) == {"collapse-ring", "d-too-strong", "collapse-digits"}, out.stderr
    assert out.returncode == (0 if all(r.holds for r in index.values()) else 1), out.stderr
    assert index["d-too-strong"].runs == index["collapse-digits"].runs  # trained once
    folders = sorted(p.name for p in (tmp_path / "rec").iterdir() if p.is_dir())
    assert folders == sorted({*index["collapse-ring"].runs.values(), *index["d-too-strong"].runs.values()})
    for name, recorded in index.items():
        assert f"{name:24} {'holds' if recorded.holds else 'FAILS'} on the recording" in out.stdout
        assert recorded.detail.endswith(")") and "at step 120" in recorded.detail
        assert judge_recording(name, tmp_path / "rec") == (recorded.holds, recorded.detail)
    for run_id in folders:
        rec = Recording(tmp_path / "rec" / run_id)
        assert rec.end == 120 and rec.kept[-1] == 120 and rec.snapshot_steps[-1] == 120
        assert not (tmp_path / "rec" / run_id / "checkpoints").exists()
    assert "MB for 3 recorded lesson(s)" in out.stdout
    # recording one lesson again replaces its folder and keeps the others
    again = cli("lessons", "--record", "--only", "collapse-ring", "--steps", "60", "--out", "rec",
                cwd=tmp_path)
    index2 = read_index(tmp_path / "rec")
    assert again.returncode == (0 if index2["collapse-ring"].holds else 1), again.stderr
    assert index2["d-too-strong"] == index["d-too-strong"]
    assert index2["collapse-ring"].runs != index["collapse-ring"].runs
    assert sorted(p.name for p in (tmp_path / "rec").iterdir() if p.is_dir()) == sorted(
        {*index2["collapse-ring"].runs.values(), *index["d-too-strong"].runs.values()})
