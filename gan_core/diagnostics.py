"""Mode-collapse measures: pure functions on numpy arrays.

2D mixtures follow VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018) exactly:
a sample is high quality if it lies within 3 standard deviations of its nearest mode centre;
a mode is captured if it is the nearest centre of at least one high-quality sample.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

MIXTURE_SAMPLES = 2500  # the literature's sample count


def nearest_modes(samples: np.ndarray, centers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each sample's nearest centre, and the distance to it."""
    d2 = ((samples[:, None, :] - centers[None, :, :]) ** 2).sum(-1)
    idx = d2.argmin(1)
    return idx, np.sqrt(d2[np.arange(len(samples)), idx])


def mode_histogram(samples: np.ndarray, centers: np.ndarray, std: float,
                   modes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per mode: (high-quality sample count, low-quality sample count). `modes`: the mode of
    each centre when several centres make one mode (a drawn set's points, data/drawn.py); a
    sample then counts for the mode of its nearest centre."""
    idx, dist = nearest_modes(samples, centers)
    good = dist <= 3.0 * std
    k = len(centers)
    if modes is not None:
        idx, k = modes[idx], int(modes.max()) + 1
    return (np.bincount(idx[good], minlength=k), np.bincount(idx[~good], minlength=k))


def mixture_metrics(samples: np.ndarray, centers: np.ndarray, std: float,
                    modes: np.ndarray | None = None) -> dict[str, Any]:
    """modes_captured, modes_total, high_quality_pct and reverse_kl (nats); `modes` as for
    `mode_histogram`.

    reverse_kl = KL(p_gen || uniform) over modes, where p_gen is the histogram of high-quality
    samples by nearest mode; 0 means perfectly balanced, log(K) means a single mode. With no
    high-quality sample at all it is undefined and reported as log(K), the worst case.
    """
    good, _ = mode_histogram(samples, centers, std, modes)
    k = len(good)
    total = good.sum()
    if total == 0:
        kl = float(np.log(k))
    else:
        p = good / total
        nz = p > 0
        kl = float(np.sum(p[nz] * np.log(p[nz] * k)))
    return {
        "mode_counts": [int(c) for c in good],  # high-quality samples per mode
        "modes_captured": int((good > 0).sum()),
        "modes_total": int(k),
        "high_quality_pct": float(100.0 * total / len(samples)),
        "reverse_kl": kl,
    }


# The 2nd percentile of real nearest-neighbour distances: 500 held-out real digits then read
# 0.4-4.6 % (5 splits; the 5th percentile read up to 5.8 %), a collapsed digits run 62 %.
DUPLICATE_PERCENTILE = 2.0
DUPLICATE_REAL = 1000  # real images the threshold is measured on: a 1,000 x 1,000 distance matrix
MIN_DUPLICATE = 0.5 / 255  # RMS below one grey level: pixel-identical, even if the data repeats


def nearest_other(images: np.ndarray) -> np.ndarray:
    """Per uint8 image, the RMS pixel distance (in [0, 1]) to its nearest other image."""
    flat = images.reshape(len(images), -1).astype(np.float32) / 255.0
    sq = (flat ** 2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * flat @ flat.T, 0)
    np.fill_diagonal(d2, np.inf)
    return np.sqrt(d2.min(1) / flat.shape[1])


def duplicate_threshold(real: np.ndarray, percentile: float = DUPLICATE_PERCENTILE) -> float:
    """The RMS pixel distance (in [0, 1]) below which two samples are near-duplicates: the
    `percentile`-th (by default the 2nd) percentile of the distances from each real image to
    its nearest other real image, on a fixed draw of up to DUPLICATE_REAL of them. Compute it
    once per run and pass it on.

    Measured: 0.084 on the bundled digits, 0.077 on 5,000 MNIST test digits; two copies of
    one digit with pixel noise of std 16/255 are ~0.05 apart."""
    if len(real) < 2:
        return MIN_DUPLICATE  # nothing to compare: only pixel-identical samples count
    if len(real) > DUPLICATE_REAL:
        real = real[np.random.default_rng(0).choice(len(real), DUPLICATE_REAL, replace=False)]
    return max(float(np.percentile(nearest_other(real), percentile)), MIN_DUPLICATE)


def duplicate_pct(samples: np.ndarray, real: np.ndarray | None = None,
                  threshold: float | None = None) -> float:
    """% of samples (uint8, at most the first 1,000) whose nearest other sample is closer
    than real images are to each other: `threshold`, or `duplicate_threshold(real)`."""
    if threshold is None:
        if real is None:
            raise ValueError("duplicate_pct needs real images or a threshold")
        threshold = duplicate_threshold(real)
    if len(samples) < 2:
        return 0.0
    return float(100.0 * (nearest_other(samples[:1000]) < threshold).mean())


def pixel_diversity(images: np.ndarray) -> float:
    """Mean per-pixel standard deviation across samples (0 = all samples identical), in [0, 1]."""
    return float((images.astype(np.float32) / 255.0).std(0).mean())


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(C1 + C2 - 2 (C1 C2)^(1/2)) (Heusel et al. 2017), with the trace of
    the matrix square root from the symmetric PSD form sqrt(C1) C2 sqrt(C1): NumPy only."""
    w, v = np.linalg.eigh(cov1)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    inner = np.linalg.eigvalsh(root1 @ cov2 @ root1)
    trace_sqrt = np.sqrt(np.clip(inner, 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(cov1) + np.trace(cov2) - 2 * trace_sqrt)


def frechet_distance_from_activations(a: np.ndarray, b: np.ndarray) -> float:
    return frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


def class_metrics(probs: np.ndarray, data_labels: np.ndarray, n_classes: int,
                  confident: float = 0.9, min_share: float = 0.01) -> dict[str, Any]:
    """Class histogram of confidently classified samples, classes covered (>= min_share of
    them), and KL(generated class distribution || data class distribution) in nats."""
    sure = probs.max(1) > confident
    hist = np.bincount(probs.argmax(1)[sure], minlength=n_classes)
    total = hist.sum()
    data_p = np.bincount(data_labels, minlength=n_classes) / len(data_labels)
    out: dict[str, Any] = {"class_counts": [int(c) for c in hist], "classes_total": n_classes,
                           "confident_pct": float(100.0 * sure.mean())}
    if total == 0:
        out.update(classes_covered=0, class_kl=float(np.log(1 / data_p[data_p > 0].min())))
        return out
    p = hist / total
    nz = p > 0
    out.update(classes_covered=int((p >= min_share).sum()),
               class_kl=float(np.sum(p[nz] * np.log(p[nz] / np.maximum(data_p[nz], 1e-12)))))
    return out


def image_metrics(images: np.ndarray, data, classifier=None,
                  real_features: np.ndarray | None = None,
                  dup_threshold: float | None = None) -> dict[str, Any]:
    """Measures for generated uint8 images. Classifier-based ones (classes, KL, FCD) only
    for labelled data; without labels, `note` says why they are missing. `real_features`:
    the classifier's embedding of real images, when the caller keeps one (per snapshot);
    `dup_threshold`: `duplicate_threshold(data.pool)`, likewise (computed here if None)."""
    if dup_threshold is None:
        dup_threshold = duplicate_threshold(data.pool)
    out: dict[str, Any] = {"duplicate_pct": duplicate_pct(images, threshold=dup_threshold),
                           "pixel_diversity": pixel_diversity(images)}
    if classifier is None:
        if data.labels is None:
            out["note"] = "no labels: class coverage and FCD need a labelled dataset"
        return out
    x = data.to_model(images)
    out.update(class_metrics(classifier.probabilities(x), data.labels, classifier.n_classes))
    if real_features is None:
        real_features = classifier.embed(real_sample(data, len(images)))
    out["fcd"] = frechet_distance_from_activations(real_features, classifier.embed(x))
    out["classifier_accuracy"] = classifier.accuracy
    return out


PER_CLASS_REAL = 500  # real images per class the within-class reference is measured on


def class_pixel_diversity(pool: np.ndarray, labels: np.ndarray | None,
                          n_classes: int) -> np.ndarray:
    """Per class, `pixel_diversity` of (a fixed draw of up to PER_CLASS_REAL of) its real
    images: the reference a conditional generator's within-class diversity is read against
    (0 for a class with fewer than two images; all 0 without labels)."""
    rng = np.random.default_rng(0)
    out = np.zeros(n_classes)
    if labels is None:
        return out
    for c in range(n_classes):
        rows = np.flatnonzero(labels == c)
        if len(rows) >= 2:
            pick = rng.choice(rows, min(len(rows), PER_CLASS_REAL), replace=False)
            out[c] = pixel_diversity(pool[pick])
    return out


def within_class_metrics(images: np.ndarray, asked: np.ndarray, n_classes: int,
                         real_diversity: np.ndarray, dup_threshold: float,
                         probs: np.ndarray | None = None, confident: float = 0.9) -> dict[str, Any]:
    """A conditional generator's samples (uint8) judged class by class (`asked`: the class
    each was drawn for). Per class, None where it has fewer than two samples:
    `class_diversity`, its pixel diversity as a share of the real class's (1 = as varied as
    the data, 0 = one image drawn over and over: collapse within the class);
    `class_duplicates`, % near-duplicates among its samples; with classifier `probs`,
    `class_match`, % of its samples confidently classified as the class asked for. And their
    means over the classes (`within_diversity`, `within_duplicate_pct`, `class_match_pct`)
    and the least varied class (`least_diverse_class`, `least_diversity`)."""
    diversity: list[float | None] = []
    duplicates: list[float | None] = []
    match: list[float | None] = []
    sure = probs.max(1) > confident if probs is not None else None
    for c in range(n_classes):
        mine = asked == c
        if mine.sum() < 2 or real_diversity[c] <= 0:
            diversity.append(None)
            duplicates.append(None)
            match.append(None)
            continue
        diversity.append(pixel_diversity(images[mine]) / float(real_diversity[c]))
        duplicates.append(duplicate_pct(images[mine], threshold=dup_threshold))
        if probs is not None and sure is not None:
            hit = sure[mine] & (probs[mine].argmax(1) == c)
            match.append(float(100.0 * hit.mean()))
    judged = [c for c in range(n_classes) if diversity[c] is not None]
    if not judged:
        return {}
    values = np.array([diversity[c] for c in judged])
    out: dict[str, Any] = {
        "class_diversity": diversity, "class_duplicates": duplicates,
        "within_diversity": float(values.mean()),
        "within_duplicate_pct": float(np.mean([duplicates[c] for c in judged])),
        "least_diverse_class": int(judged[int(values.argmin())]),
        "least_diversity": float(values.min())}
    if probs is not None:
        out["class_match"] = match
        out["class_match_pct"] = float(np.mean([match[c] for c in judged]))
    return out


# A class below half of its real images' pixel diversity is drawn as almost one image: the
# strong-D conditional digits runs (lesson collapse-within-class, seeds 0-1, step 6,000) read
# 0.18-0.66 per class, 4-6 classes below 0.5; the healthy conditional ones 0.70-0.95 at
# step 6,000 and 0.53-0.76 at step 3,000.
WITHIN_COLLAPSED = 0.5


def within_verdict(m: dict[str, Any], names: Sequence[str]) -> str:
    """A plain-words reading of `within_class_metrics` (`names`: the class names)."""
    low = [names[c] for c, v in enumerate(m["class_diversity"])
           if v is not None and v < WITHIN_COLLAPSED]
    asked = (f" {m['class_match_pct']:.0f} % of the samples are confidently the class asked "
             "for." if "class_match_pct" in m else "")
    if not low:
        return (f"No class collapsed within: every class varies at least "
                f"{100 * WITHIN_COLLAPSED:.0f} % as much as its real images.{asked}")
    return (f"Collapsed within {_plural(len(low), 'class', 'classes')} of {len(names)} "
            f"({', '.join(low[:10])}{', ...' if len(low) > 10 else ''}): below "
            f"{100 * WITHIN_COLLAPSED:.0f} % of the real class's diversity, G draws nearly the "
            f"same image whatever the noise. Asking for a class keeps every class present; "
            f"nothing in the game spreads the samples within one.{asked}")


def real_sample(data, n: int) -> np.ndarray:
    """A fixed draw of `n` real images in model space (the FCD's reference)."""
    pick = np.random.default_rng(0).choice(len(data.pool), min(n, len(data.pool)), replace=False)
    return data.to_model(data.pool[pick])


RECENT_SHARE = 0.25  # the verdict judges the last quarter of the snapshots ...
RECENT_MIN = 5  # ... but at least this many (all of them when there are fewer)
D_REJECTS = 0.1  # mean D(G(z)) below this: D rejects almost every generated sample
# ... and below this, most: the collapsed ring runs (0.11-0.19) show D low on G's modes and
# ~1 on the missed ones, not fooled; a balanced digits run holds ~0.38.
D_FOOLED = 0.3


def recent_window(n: int) -> int:
    """How many of the last of `n` snapshots the verdict judges."""
    return min(n, max(RECENT_MIN, math.ceil(RECENT_SHARE * n)))


def window_mean(history: dict[str, np.ndarray], metric: str,
                frame_steps: Sequence[int]) -> float | None:
    """Mean of a per-step metric over the steps of the verdict's recent window of the
    snapshots at `frame_steps`; None when there is no such step (or no such metric)."""
    if not len(frame_steps) or metric not in history:
        return None
    first = frame_steps[-recent_window(len(frame_steps))]
    steps, values = np.asarray(history["step"]), np.asarray(history[metric], np.float64)
    pick = (steps >= first) & (steps <= frame_steps[-1]) & np.isfinite(values)
    return float(values[pick].mean()) if pick.any() else None


def covered_sets(counts: Sequence[Sequence[int]], min_share: float = 0.01) -> list[frozenset]:
    """Per snapshot, the modes holding at least `min_share` of its counted samples."""
    out = []
    for row in counts:
        c = np.asarray(row, float)
        out.append(frozenset(np.flatnonzero(c >= min_share * c.sum()).tolist())
                   if c.sum() else frozenset())
    return out


def hop_indices(covered: Sequence[frozenset], k: int) -> list[int]:
    """The snapshots at which G hopped: see `hop_count` for the definition."""
    hops, ref = [], None
    for i, now in enumerate(covered):
        if not now:
            continue  # nothing covered: G is between modes, the hop is not over
        if len(now) > k // 2:
            ref = None  # spread out: not a collapsed generator, whatever it does next
        elif ref is None or now <= ref:
            ref = now  # the first set, or modes dropped: G settles on what is left
        elif not ref <= now:  # modes left and others entered
            hops.append(i)
            ref = now
        # else modes only gained: keep ref, so a mode flickering in and out never hops
    return hops


def hop_count(counts: Sequence[Sequence[int]], min_share: float = 0.01,
              last: int | None = None) -> int:
    """How many times modes left the covered set while others entered it, with at most half
    the modes covered (a collapsed generator moving between modes).

    Definition: walk the snapshots' covered sets (`covered_sets`) against a reference set R,
    the set G last settled on. A set C with at most half the K modes that lacks a mode of R
    and holds a mode R lacks is a hop; R becomes C. A subset of R (modes dropped) becomes R
    without a hop; a superset (modes gained) leaves R as it was. Empty sets (G between modes)
    are skipped; a set of more than half the modes clears R. So {0} -> {0, 1} -> {1} is one
    hop (G straddled both modes on the way), while growth ({0} -> {0, 1} -> {0, 1, 2, 3}), a
    mode flickering in and out, and two covered modes trading the top place are none.
    `last`: count only the hops between two of the last `last` snapshots (a recent window).
    """
    if not len(counts):
        return 0
    hops = hop_indices(covered_sets(counts, min_share), len(counts[-1]))
    first = 0 if last is None else len(counts) - last + 1  # the hop's both ends in the window
    return sum(1 for i in hops if i >= first)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _collapse_reason(noun: str, d_fake: float | None, a: int, b: int) -> str:
    """Why G stays on its modes, from what D(G(z)) shows over steps a..b. Not "G's gradients
    are too weak": with the non-saturating loss the strong-D digits run's |grad G| was 18 in
    its last quarter, the healthy run's 2.3; what a low D(G(z)) that stays low shows is a D
    that keeps up with every move of G."""
    if d_fake is None:
        return f"The generator keeps drawing the same {noun}: nothing moves it to the others."
    where = f"mean D(G(z)) {d_fake:.2f} over steps {a:,}-{b:,}"
    if d_fake < D_FOOLED:
        share = "almost every sample" if d_fake < D_REJECTS else "most samples"
        return (f"The discriminator rejects {share} ({where}): it adapts faster than the "
                f"generator moves, so G stays on the {noun} it reached.")
    return (f"The generator found {noun} that fool the discriminator ({where}) and has no "
            f"reason to leave them.")


def _streak_start(covered: Sequence[frozenset]) -> int:
    """First snapshot of the current covered set's unbroken streak. A full set's streak is any
    full set; a smaller set's may include single snapshots where one more mode flickered in."""
    now, i = covered[-1], len(covered) - 1
    while i > 0:
        if covered[i - 1] == now:
            i -= 1
        elif covered[i - 1] > now and i >= 2 and covered[i - 2] == now:
            i -= 2  # a mode at the 1 % edge, in for one snapshot: the same collapse
        else:
            break
    return i


def verdict(steps: Sequence[int], counts: Sequence[Sequence[int]], min_share: float = 0.01,
            noun: str = "modes", d_fake: float | None = None) -> str:
    """A plain-words reading of per-snapshot histograms (oldest first) over modes or classes.

    A mode is covered at a snapshot when it holds at least `min_share` of the counted samples.
    The reading judges the recent window (`recent_window`: the last quarter of the snapshots,
    at least 5; all when fewer) by the set of covered modes, not the most-covered one: mode
    hopping (`hop_count` > 0 in the window), full coverage, collapse (fewer than K modes, each
    covered all through the window, however their counts trade places), growth (modes only
    gained), or a set still changing. `d_fake`: the mean D(G(z)) over the window's steps
    (`window_mean`), which picks the explanation of a collapse.
    """
    if not len(steps):
        return "No snapshot yet."
    if steps[-1] == 0:
        return f"Step 0: the untrained generator. Train to see how it covers the {noun}."
    covered = covered_sets(counts, min_share)
    k, n = len(counts[-1]), len(covered)
    w = recent_window(n)
    a, b = steps[n - w], steps[-1]
    now = covered[-1]
    one = noun[:-1] if noun.endswith("s") else noun
    hops = hop_count(counts, min_share, last=w)
    if hops:
        most = max(len(c) for c in covered[n - w:])
        return (f"Mode hopping: {noun} left the covered set while others entered it "
                f"{_plural(hops, 'time', 'times')} between steps {a:,} and {b:,}, with at most "
                f"{most} of {k} {noun} covered. G chases whichever {one} D currently trusts, "
                f"D follows, and G moves on.")
    if not now:
        return f"No confident samples yet: the generator has not reached any of the {noun}."
    if len(now) == k:
        return f"All {k} {noun} covered (since step {steps[_streak_start(covered)]:,})."
    seen = [(t, c) for t, c in zip(steps[n - w:], covered[n - w:]) if c]  # empty: in transit
    pairs = [(x, y) for (_, x), (_, y) in zip(seen, seen[1:])]
    if all(now <= c for _, c in seen):  # the modes held now were held all along
        since = steps[_streak_start(covered)]
        return (f"Collapsed to {len(now)} of {k} {noun} since step {since:,}. "
                + _collapse_reason(noun, d_fake, a, b))
    if all(x <= y for x, y in pairs):
        first_step, first = seen[0]
        return (f"Covering {len(now)} of {k} {noun} and growing: {len(first)} at step "
                f"{first_step:,}, {len(now)} at step {b:,}. No {one} has been lost; train on "
                f"to see whether it reaches all {k}.")
    changes = sum(1 for x, y in pairs if x != y)
    lo, hi = min(len(c) for _, c in seen), max(len(c) for _, c in seen)
    return (f"Covering {len(now)} of {k} {noun}, still changing: the covered set changed "
            f"{_plural(changes, 'time', 'times')} between steps {a:,} and {b:,} "
            f"({lo} to {hi} of {k} covered), gaining some {noun} and losing others.")
