import json
import subprocess
import sys

import numpy as np

from conftest import ROOT
from gan_core import classifier, diagnostics
from gan_core.data import load_dataset

# A fresh process reads the cached classifier with training made impossible: it must load the
# saved model (same accuracy, same answers), not train a new one.
FROM_CACHE = """
import json, sys, keras, numpy as np
def no_training(*a, **k):
    raise AssertionError("trained again instead of reading the cache")
keras.Model.fit = no_training
from gan_core import classifier
from gan_core.data import load_dataset
clf = classifier.for_dataset(load_dataset("digits"))
x = np.load(sys.argv[1])
print(json.dumps({"accuracy": clf.accuracy, "probs": clf.probabilities(x).tolist()}))
"""


def test_digits_classifier_is_accurate_cached_and_reads_real_data(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSCOPE_CACHE", str(tmp_path))
    data = load_dataset("digits")
    clf = classifier.for_dataset(data)
    assert clf.accuracy >= 0.95
    assert classifier.for_dataset(data) is clf  # loaded once per process
    saved = list((tmp_path / "classifiers").glob("*.keras"))
    assert len(saved) == 1
    mtime = saved[0].stat().st_mtime_ns
    x = data.to_model(data.pool[:20])
    np.save(tmp_path / "x.npy", x)
    env = {"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin",
           "GANSCOPE_CACHE": str(tmp_path), "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", FROM_CACHE, str(tmp_path / "x.npy")], env=env,
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    again = json.loads(out.stdout.strip().splitlines()[-1])
    assert again["accuracy"] == clf.accuracy
    np.testing.assert_allclose(again["probs"], clf.probabilities(x), atol=1e-5)
    assert saved[0].stat().st_mtime_ns == mtime  # read, not rewritten

    real = data.pool[:500]
    m = diagnostics.image_metrics(real, data, clf)
    assert m["classes_covered"] == 10 and m["classes_total"] == 10
    one_class = data.pool[data.labels == 3][:150]
    m1 = diagnostics.image_metrics(one_class, data, clf)
    assert m1["classes_covered"] <= 2 and m1["class_kl"] > 1.5 and m1["fcd"] > m["fcd"]
