import numpy as np
import pytest

from gan_core import latent


def test_noise_is_the_same_for_a_seed_and_differs_between_seeds():
    a = latent.noise(7, 4, 3)
    assert a.shape == (4, 3) and a.dtype == np.float32
    np.testing.assert_array_equal(a, latent.noise(7, 4, 3))
    assert not np.allclose(a, latent.noise(8, 4, 3))
    np.testing.assert_array_equal(
        a, np.random.default_rng(7).standard_normal((4, 3)).astype(np.float32))


def test_lerp_is_the_straight_line_with_both_ends():
    a, b = np.array([0.0, 2.0], np.float32), np.array([4.0, -2.0], np.float32)
    np.testing.assert_allclose(latent.lerp(a, b, 5),
                               [[0, 2], [1, 1], [2, 0], [3, -1], [4, -2]], atol=1e-6)


def test_slerp_runs_on_the_great_circle_between_its_ends():
    a, b = np.array([3.0, 0.0, 0.0], np.float32), np.array([0.0, 3.0, 0.0], np.float32)
    path = latent.slerp(a, b, 7)
    assert path.shape == (7, 3) and path.dtype == np.float32
    np.testing.assert_allclose(path[0], a, atol=1e-6)
    np.testing.assert_allclose(path[-1], b, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 3.0, rtol=1e-6)  # equal-norm ends
    np.testing.assert_allclose(path[3], (a + b) / np.sqrt(2), atol=1e-6)  # the halfway point
    angles = np.arctan2(path[:, 1], path[:, 0])
    np.testing.assert_allclose(np.diff(angles), np.pi / 2 / 6, atol=1e-6)  # constant speed
    assert path[:, 2].max() == 0  # stays in the plane of its ends


def test_slerp_keeps_a_typical_noise_norm_where_lerp_sags():
    a, b = latent.noise(1, 1, 64)[0], latent.noise(2, 1, 64)[0]
    ends = np.linalg.norm([a, b], axis=1)
    mid_s = np.linalg.norm(latent.slerp(a, b, 9)[4])
    mid_l = np.linalg.norm(latent.lerp(a, b, 9)[4])
    assert ends.min() * 0.99 <= mid_s <= ends.max() * 1.01
    assert mid_l < 0.9 * ends.min()  # near-orthogonal: the line dips towards the centre


@pytest.mark.parametrize("b", [[2.0, 4.0], [-1.0, -2.0], [-3.0, -6.0 + 1e-9]])
def test_slerp_of_parallel_or_opposite_vectors_is_the_line(b):
    a, b = np.array([1.0, 2.0], np.float32), np.array(b, np.float32)
    path = latent.slerp(a, b, 5)
    assert np.isfinite(path).all()
    np.testing.assert_allclose(path, latent.lerp(a, b, 5), atol=1e-6)


def test_slerp_with_one_dimensional_noise_stays_between_its_ends():
    for seed in range(20):  # z_dim 1: every pair is parallel or opposite
        a, b = latent.noise(seed, 1, 1)[0], latent.noise(seed + 100, 1, 1)[0]
        path = latent.slerp(a, b, 9)
        assert min(a[0], b[0]) - 1e-6 <= path.min() and path.max() <= max(a[0], b[0]) + 1e-6


def test_latent_grid_covers_the_first_two_dimensions_row_by_row():
    z = latent.latent_grid(4, side=3, extent=2.0)
    assert z.shape == (9, 4) and z.dtype == np.float32
    np.testing.assert_array_equal(z[:, :2], [[-2, -2], [0, -2], [2, -2], [-2, 0], [0, 0], [2, 0],
                                             [-2, 2], [0, 2], [2, 2]])
    assert not z[:, 2:].any()
    one = latent.latent_grid(1, side=3, extent=1.0)
    np.testing.assert_array_equal(one[:, 0], [-1, 0, 1] * 3)
