import numpy as np
import pytest

from conftest import MNIST5K
from gan_core import diagnostics as dg

CENTERS = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])


def test_mixture_metrics_hand_computed():
    # 3 samples on mode 0, 1 on mode 1 (all within 3 std), 1 far from everything.
    x = np.array([[0.01, 0], [0, 0.02], [-0.01, 0], [10.0, 0.01], [5.0, 5.0]])
    m = dg.mixture_metrics(x, CENTERS, std=0.01)
    assert m["modes_captured"] == 2 and m["modes_total"] == 4
    assert m["high_quality_pct"] == pytest.approx(80.0)
    p = np.array([0.75, 0.25])  # histogram of the high-quality samples
    assert m["reverse_kl"] == pytest.approx(float(np.sum(p * np.log(p * 4))))
    assert m["mode_counts"] == [3, 1, 0, 0]


def test_three_std_boundary_and_extremes():
    on_edge = np.array([[0.03, 0.0]])  # exactly 3 std: high quality
    assert dg.mixture_metrics(on_edge, CENTERS, 0.01)["high_quality_pct"] == 100.0
    assert dg.mixture_metrics(np.array([[0.031, 0.0]]), CENTERS, 0.01)["modes_captured"] == 0
    balanced = np.repeat(CENTERS, 5, axis=0)
    assert dg.mixture_metrics(balanced, CENTERS, 0.01)["reverse_kl"] == pytest.approx(0.0)
    one = np.repeat(CENTERS[:1], 5, axis=0)
    assert dg.mixture_metrics(one, CENTERS, 0.01)["reverse_kl"] == pytest.approx(np.log(4))


def test_verdicts():
    steps = [0, 1000, 2000, 3000]
    full = [10, 10, 10, 10]
    assert "All 4 modes covered" in dg.verdict(steps, [full] * 4)
    collapse = [[10, 10, 10, 10], [10, 10, 10, 10], [20, 20, 0, 0], [30, 10, 0, 0]]
    assert dg.verdict(steps, collapse).startswith("Collapsed to 2 of 4 modes since step 2,000")
    hop = [[40, 0, 0, 0], [0, 40, 0, 0], [0, 0, 40, 0], [0, 0, 0, 40], [40, 0, 0, 0]]
    assert dg.verdict(list(range(5)), hop).startswith("Mode hopping: the most-covered mode changed 4 times")
    assert dg.verdict([], []) == "No snapshot yet."


def test_frechet_distance_matches_a_scipy_reference():
    from scipy import linalg

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(400, 6)), rng.normal(0.5, 2.0, size=(400, 6)) @ rng.normal(size=(6, 6))
    m1, c1, m2, c2 = a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)
    ref = ((m1 - m2) ** 2).sum() + np.trace(c1 + c2 - 2 * linalg.sqrtm(c1 @ c2).real)
    assert dg.frechet_distance(m1, c1, m2, c2) == pytest.approx(ref, rel=1e-6)
    assert dg.frechet_distance_from_activations(a, a) == pytest.approx(0.0, abs=1e-6)


def test_class_metrics_coverage_and_kl():
    probs = np.zeros((100, 3))
    probs[:80, 0] = 1.0
    probs[80:99, 1] = 1.0
    probs[99] = [0.4, 0.3, 0.3]  # not confident: ignored
    m = dg.class_metrics(probs, np.array([0, 1, 2] * 10), 3)
    assert m["classes_covered"] == 2 and m["class_counts"] == [80, 19, 0]
    p = np.array([80, 19]) / 99
    assert m["class_kl"] == pytest.approx(float(np.sum(p * np.log(p * 3))))


def test_class_verdict_and_hop_count_by_hand():
    # 10 classes; snapshots: all covered, then only classes 3 and 7
    full = [10] * 10
    two = [0, 0, 0, 60, 0, 0, 0, 40, 0, 0]
    assert dg.verdict([100, 200, 300], [full, two, two], noun="classes") \
        .startswith("Collapsed to 2 of 10 classes since step 200")
    # a class with under 1 % of the samples is not covered: 1 of 200 = 0.5 %
    assert dg.covered_sets([[199, 1, 0]]) == [frozenset({0})]
    # top mode 0 -> 1 -> 1 -> 2 -> 0 while <= half covered: 3 changes; a full-coverage
    # snapshot in between is not counted as a position
    one = lambda i: [50 if j == i else 0 for j in range(8)]  # noqa: E731
    assert dg.hop_count([one(0), one(1), one(1), [5] * 8, one(2), one(0)]) == 3
    assert dg.hop_count([]) == 0
    assert dg.verdict([100], [[0] * 8]).startswith("No confident samples yet")
    assert dg.verdict([0], [[9, 0, 0]]).startswith("Step 0: the untrained generator")


def test_verdict_since_counts_from_the_current_streak():
    none, full = [0] * 4, [5] * 4
    two = [5, 5, 0, 0]
    # coverage 0 -> 4 -> 4: "all covered since" the first full snapshot, not step 0
    assert dg.verdict([0, 100, 200], [none, full, full]) == "All 4 modes covered (since step 100)."
    # 0 -> 2 -> 2: the collapse streak starts when G first reached its modes
    assert "since step 100" in dg.verdict([0, 100, 200], [none, two, two])


# ---- near-duplicates: closer than real images are to each other ---------------------------

def digit_images():
    from gan_core.data import load_dataset

    return load_dataset("digits").pool  # load_digits scaled 0..16 -> 0..255, uint8


def noisy_copies(image: np.ndarray, n: int, std: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noisy = image[None].astype(np.float32) + rng.normal(0.0, std, (n, *image.shape))
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def split_halves(pool: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(seed).permutation(len(pool))
    return pool[order[: len(pool) // 2]], pool[order[len(pool) // 2:]]


def mnist_images():
    if not MNIST5K.is_dir():
        pytest.skip("the 5,000 MNIST test images are not on this machine")
    from gan_core.data.files import load_path

    return load_path(MNIST5K).pool


@pytest.mark.parametrize("images", [digit_images, mnist_images])
def test_duplicates_read_copies_of_one_digit_but_not_distinct_digits(images):
    pool = images()
    reference, held_out = split_halves(pool)
    threshold = dg.duplicate_threshold(reference)
    copies = noisy_copies(held_out[0], 500, std=16.0)  # ~0.05 RMS apart
    assert dg.duplicate_pct(copies, threshold=threshold) >= 50.0
    assert dg.duplicate_pct(held_out[:500], threshold=threshold) <= 5.0
    assert dg.duplicate_pct(held_out[:500], reference) == dg.duplicate_pct(
        held_out[:500], threshold=threshold)  # the same threshold, derived inside


def test_duplicate_threshold_is_a_low_percentile_of_real_neighbour_distances():
    pool = digit_images()[:300]
    flat = pool.reshape(300, -1).astype(np.float64) / 255
    d = np.sqrt(((flat[:, None] - flat[None]) ** 2).mean(-1))
    np.fill_diagonal(d, np.inf)
    reference = np.percentile(d.min(1), dg.DUPLICATE_PERCENTILE)  # a plain NumPy reference
    assert dg.duplicate_threshold(pool) == pytest.approx(reference, rel=1e-4)
    same = np.repeat(pool[:1], 10, axis=0)
    assert dg.duplicate_threshold(same) == dg.MIN_DUPLICATE  # repeated data: exact copies count
    assert dg.duplicate_pct(same, same) == 100.0
    with pytest.raises(ValueError, match="real images or a threshold"):
        dg.duplicate_pct(same)
