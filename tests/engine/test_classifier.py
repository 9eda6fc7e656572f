
from gan_core import classifier, diagnostics
from gan_core.data import load_dataset


def test_digits_classifier_is_accurate_cached_and_reads_real_data(tmp_path, monkeypatch):
    monkeypatch.setenv("GANSCOPE_CACHE", str(tmp_path))
    data = load_dataset("digits")
    clf = classifier.for_dataset(data)
    assert clf.accuracy >= 0.95
    assert list((tmp_path / "classifiers").glob("*.keras"))
    again = classifier.for_dataset(data)  # from the cache
    assert again.accuracy == clf.accuracy
    real = data.pool[:500]
    m = diagnostics.image_metrics(real, data, again)
    assert m["classes_covered"] == 10 and m["classes_total"] == 10
    one_class = data.pool[data.labels == 3][:150]
    m1 = diagnostics.image_metrics(one_class, data, again)
    assert m1["classes_covered"] <= 2 and m1["class_kl"] > 1.5 and m1["fcd"] > m["fcd"]
