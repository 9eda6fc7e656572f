import io

import numpy as np
import pytest
from PIL import Image

from gan_core.views import pillow_images as pi

BG = 40  # the mosaic's background between tiles


def test_to_uint8_maps_model_space_to_bytes_and_clips():
    x = np.array([-1.0, -0.5, 0.0, 1.0, -3.0, 2.0])
    np.testing.assert_array_equal(pi.to_uint8(x), [0, 64, 128, 255, 0, 255])
    assert pi.to_uint8(x).dtype == np.uint8


def test_tile_puts_each_image_at_its_place_with_padding_between():
    images = np.stack([np.full((2, 3, 1), v, np.uint8) for v in (10, 20, 30)])
    out = pi.tile(images)  # 3 images: 2 columns (ceil sqrt), 2 rows, 1-pixel padding
    expected = np.array([
        [BG, BG, BG, BG, BG, BG, BG, BG, BG],
        [BG, 10, 10, 10, BG, 20, 20, 20, BG],
        [BG, 10, 10, 10, BG, 20, 20, 20, BG],
        [BG, BG, BG, BG, BG, BG, BG, BG, BG],
        [BG, 30, 30, 30, BG, BG, BG, BG, BG],
        [BG, 30, 30, 30, BG, BG, BG, BG, BG],
        [BG, BG, BG, BG, BG, BG, BG, BG, BG]], np.uint8)[..., None]
    np.testing.assert_array_equal(out, expected)


def test_tile_keeps_each_pixel_and_colour_in_order():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (5, 4, 4, 3), dtype=np.uint8)
    out = pi.tile(images, cols=3, pad=2)
    assert out.shape == (2 * 6 + 2, 3 * 6 + 2, 3)
    for i in range(5):
        r, q = divmod(i, 3)
        np.testing.assert_array_equal(out[2 + 6 * r: 6 + 6 * r, 2 + 6 * q: 6 + 6 * q], images[i])
    assert (out[8:, 14:] == BG).all()  # the sixth place is empty
    np.testing.assert_array_equal(pi.tile(images[:2], cols=2, pad=0),
                                  np.concatenate([images[0], images[1]], axis=1))


def test_enlarge_repeats_each_pixel_into_a_square():
    m = np.array([[1, 2], [3, 4]], np.uint8)[..., None]
    np.testing.assert_array_equal(pi.enlarge(m, 2)[..., 0],
                                  [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    assert pi.enlarge(m, 1) is m and pi.enlarge(m, 0) is m


@pytest.mark.parametrize("side, scale", [(8, 6), (28, 1), (24, 2), (100, 1)])
def test_display_scale_makes_a_tile_about_48_pixels(side, scale):
    assert pi.display_scale(side) == scale


def test_png_bytes_round_trip_grey_and_colour():
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4, 1) * 20
    back = Image.open(io.BytesIO(pi.png_bytes(grey)))
    assert back.mode == "L"
    np.testing.assert_array_equal(np.asarray(back), grey[..., 0])
    rgb = np.random.default_rng(1).integers(0, 256, (5, 6, 3), dtype=np.uint8)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(pi.png_bytes(rgb)))), rgb)


def test_gif_bytes_has_every_frame_and_loops_forever():
    frames = [np.full((4, 5, 1), v, np.uint8) for v in (0, 100, 200)]
    gif = Image.open(io.BytesIO(pi.gif_bytes(frames, ms_per_frame=80)))
    assert gif.format == "GIF" and gif.n_frames == 3 and gif.size == (5, 4)
    assert gif.info["loop"] == 0 and gif.info["duration"] == 80
    for i, v in enumerate((0, 100, 200)):
        gif.seek(i)
        assert (np.asarray(gif.convert("L")) == v).all()


def test_scatter_image_puts_points_at_their_pixels():
    # bounds 0..10 on an 11-pixel canvas: one pixel per unit, y pointing up
    pts = np.array([[0.0, 0.0], [10.0, 10.0], [3.0, 7.0], [np.nan, 1.0], [11.0, 5.0]])
    real = np.array([[5.0, 5.0], [3.0, 7.0]])
    img = pi.scatter_image(pts, (0, 10, 0, 10), real=real, size=11, dot=1)
    orange, grey, white = (230, 110, 20), (170, 170, 170), (255, 255, 255)
    assert img.shape == (11, 11, 3) and img.dtype == np.uint8
    marked = {(r, c): tuple(img[r, c]) for r, c in zip(*np.nonzero((img != 255).any(-1)))}
    # generated points are drawn over real ones; NaN and out-of-bounds points are left out
    assert marked == {(10, 0): orange, (0, 10): orange, (3, 3): orange, (5, 5): grey}
    assert tuple(img[0, 0]) == white


def test_scatter_image_dots_are_squares_clipped_at_the_edge():
    img = pi.scatter_image(np.array([[1.0, 1.0]]), (0, 1, 0, 1), size=10, dot=3)
    assert (img != 255).any(-1).sum() == 3  # the 3x3 square at the top-right corner, clipped
    assert (img[0, 9] == (230, 110, 20)).all()
    img = pi.scatter_image(np.array([[0.0, 1.0]]), (0, 1, 0, 1), size=10, dot=3)
    np.testing.assert_array_equal(np.argwhere((img != 255).any(-1)),
                                  [[r, c] for r in range(3) for c in range(3)])


def _field(d: np.ndarray) -> dict:
    return {"xs": np.linspace(0, 1, d.shape[1]), "ys": np.linspace(0, 1, d.shape[0]), "d": d}


def test_field_image_colours_d_with_the_top_of_the_picture_at_high_y():
    from gan_core.views.style import FIELD_RGB
    d = np.array([[0.0, 0.0], [1.0, 1.0]])  # row 0 is y = 0 (the bottom): D says fake there
    img = pi.field_image(_field(d), None, None, (0, 1, 0, 1), size=9)
    assert img.shape == (9, 9, 3)
    assert (img[0] == FIELD_RGB[-1]).all() and (img[-1] == FIELD_RGB[0]).all()
    assert (img[4] == FIELD_RGB[4]).all()  # halfway up, D = 0.5: the middle anchor (white-ish)
    left_right = np.array([[0.0, 1.0], [0.0, 1.0]])
    img = pi.field_image(_field(left_right), None, None, (0, 1, 0, 1), size=9)
    assert (img[:, 0] == FIELD_RGB[0]).all() and (img[:, -1] == FIELD_RGB[-1]).all()


def test_field_image_stretches_scores_that_are_not_probabilities():
    from gan_core.views.style import FIELD_RGB
    d = np.array([[-7.0, 3.0], [-7.0, 3.0]])
    img = pi.field_image(_field(d), None, None, (0, 1, 0, 1), probability=False, size=5)
    assert (img[:, 0] == FIELD_RGB[0]).all() and (img[:, -1] == FIELD_RGB[-1]).all()
    flat = pi.field_image(_field(np.full((2, 2), 4.0)), None, None, (0, 1, 0, 1),
                          probability=False, size=5)
    assert (flat == FIELD_RGB[4]).all()  # one value everywhere: "unsure", not a crash


def test_field_image_draws_generated_points_centred_with_an_edge_and_real_ones_grey():
    d = np.full((3, 3), 0.5)
    img = pi.field_image(_field(d), np.array([[0.5, 0.5]]), np.array([[0.0, 0.0]]),
                         (0, 1, 0, 1), size=21, dot=5)
    assert (img[10, 10] == pi.FAKE_RGB).all()
    assert (np.argwhere((img == pi.FAKE_RGB).all(-1)).mean(0) == (10, 10)).all()  # centred
    assert (img[7, 7] == (255, 255, 255)).all()  # the white edge around it
    assert (img[20, 0] == pi.REAL_RGB).all()  # the real point at the bottom-left corner
