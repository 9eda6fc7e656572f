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
    # covered {0} -> {1} -> {1} -> all -> {2} -> {0}: hops 0->1 and 2->0; spreading over all
    # 8 modes in between clears the reference, so 1 -> (all) -> 2 is not a hop
    assert dg.hop_count([one(0), one(1), one(1), [5] * 8, one(2), one(0)]) == 2
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


# ---- verdicts judge the recent window by the covered set ----------------------------------

def one(*modes: int, k: int = 8, n: int = 50) -> list[int]:
    """A histogram with `n` samples on each of `modes`, none elsewhere."""
    return [n if j in modes else 0 for j in range(k)]


def test_recent_window_is_the_last_quarter_but_at_least_five():
    assert [dg.recent_window(n) for n in (0, 1, 3, 5, 12, 20, 21, 40, 51)] == \
        [0, 1, 3, 5, 5, 5, 6, 10, 13]


def test_two_modes_trading_the_top_place_is_a_stable_collapse():
    # step 0 covers all 8; then 20 snapshots on modes 3 and 4 whose counts swap every time
    counts = [[5] * 8] + [[0, 0, 0, 60, 40, 0, 0, 0] if i % 2 else [0, 0, 0, 40, 60, 0, 0, 0]
                          for i in range(20)]
    steps = [100 * i for i in range(21)]
    assert dg.hop_count(counts) == 0
    assert dg.verdict(steps, counts).startswith("Collapsed to 2 of 8 modes since step 100.")


def test_a_set_moving_between_modes_is_hopping_counted_in_the_window():
    counts = [one(0, 1) if i % 2 == 0 else one(2, 3) for i in range(12)]  # {0,1} <-> {2,3}
    steps = [100 * (i + 1) for i in range(12)]
    assert dg.hop_count(counts) == 11
    assert dg.hop_count(counts, last=5) == 4  # changes between the last 5 snapshots
    text = dg.verdict(steps, counts)
    # window: the last 5 of 12 snapshots, steps 800-1,200
    assert text.startswith("Mode hopping: modes left the covered set while others entered it "
                           "4 times between steps 800 and 1,200, with at most 2 of 8 modes")


def test_a_hop_through_a_shared_snapshot_or_an_empty_one_counts_once():
    # G straddles modes 0 and 1 for one snapshot, then crosses empty space to mode 2
    covered = [one(0), one(0, 1), one(1), [0] * 8, one(2)]
    assert dg.hop_count(covered) == 2


def test_a_mode_flickering_at_the_edge_is_not_a_hop():
    counts = [one(3, 4), one(3, 4, 5), one(3, 4), one(3, 4, 6), one(3, 4), one(3, 4)]
    assert dg.hop_count(counts) == 0
    # the flicker is one snapshot each time: the collapse streak runs back to the first
    assert dg.verdict([100, 200, 300, 400, 500, 600], counts) \
        .startswith("Collapsed to 2 of 8 modes since step 100.")


def test_growth_is_not_hopping():
    counts = [one(0), one(0), one(0, 1), one(0, 1), one(0, 1, 2, 3)]
    assert dg.hop_count(counts) == 0
    assert dg.verdict([100, 200, 300, 400, 500], counts) == (
        "Covering 4 of 8 modes and growing: 1 at step 100, 4 at step 500. No mode has been "
        "lost; train on to see whether it reaches all 8.")


def test_full_coverage_with_the_top_mode_flipping():
    counts = [[0] * 8] + [[40 if j == i % 8 else 30 for j in range(8)] for i in range(19)]
    steps = [100 * i for i in range(20)]
    assert dg.hop_count(counts) == 0
    assert dg.verdict(steps, counts) == "All 8 modes covered (since step 100)."


def test_an_old_hopping_period_then_a_long_stable_window_reads_collapse():
    hopping = [one(i % 8) for i in range(10)]  # 9 hops in steps 100-1,000
    stable = [[0, 0, 0, 0, 0, 60, 40, 0] if i % 3 else [0, 0, 0, 0, 0, 30, 70, 0]
              for i in range(30)]  # modes 5 and 6 from step 1,100 on
    counts, steps = hopping + stable, [100 * (i + 1) for i in range(40)]
    assert dg.hop_count(counts) == 10 and dg.hop_count(counts, last=10) == 0
    assert dg.verdict(steps, counts).startswith("Collapsed to 2 of 8 modes since step 1,100.")


def test_few_snapshots_are_all_judged():
    steps = [100, 200, 300]
    assert dg.verdict(steps, [one(0), one(3), one(5)]).startswith(
        "Mode hopping: modes left the covered set while others entered it 2 times between "
        "steps 100 and 300")
    assert dg.verdict([100, 200], [one(0, 1), one(0, 1)]).startswith(
        "Collapsed to 2 of 8 modes since step 100")
    assert dg.verdict([100], [one(1)]).startswith("Collapsed to 1 of 8 modes since step 100")


def test_changing_coverage_above_half_is_neither_collapse_nor_hopping():
    counts = [one(0, 1, 2, 3, 4, 5), one(0, 1, 2, 3, 4, 6), one(0, 1, 2, 3, 4, 5, 7)]
    assert dg.hop_count(counts) == 0
    assert dg.verdict([100, 200, 300], counts) == (
        "Covering 7 of 8 modes, still changing: the covered set changed 2 times between "
        "steps 100 and 300 (6 to 7 of 8 covered), gaining some modes and losing others.")


def test_the_collapse_explanation_follows_d_of_g_of_z():
    counts, steps = [one(9, k=10)] * 6, [200 * (i + 1) for i in range(6)]  # window: last 5
    rejects = dg.verdict(steps, counts, noun="classes", d_fake=0.02)
    assert "rejects almost every sample (mean D(G(z)) 0.02 over steps 400-1,200)" in rejects
    most = dg.verdict(steps, counts, noun="classes", d_fake=0.19)
    assert "rejects most samples (mean D(G(z)) 0.19" in most
    fooled = dg.verdict(steps, counts, noun="classes", d_fake=0.4)
    assert "found classes that fool the discriminator (mean D(G(z)) 0.40" in fooled
    assert all("fool" not in t for t in (rejects, most, dg.verdict(steps, counts, noun="classes")))


def test_window_mean_averages_the_steps_of_the_recent_window():
    history = {"step": np.arange(1, 1001), "d_fake": np.r_[np.ones(800), np.zeros(200)]}
    frames = list(range(0, 1001, 100))  # 11 snapshots: window of 5, steps 600-1,000
    # steps 600-1,000 inclusive; 600-800 at 1
    assert dg.window_mean(history, "d_fake", frames) == pytest.approx(201 / 401)
    assert dg.window_mean(history, "d_fake", []) is None
    assert dg.window_mean(history, "nothing", frames) is None


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
