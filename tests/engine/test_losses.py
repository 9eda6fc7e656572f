import numpy as np
import pytest
import tensorflow as tf

from gan_core.losses import LOSSES


@pytest.mark.parametrize("name", LOSSES.names())
def test_d_loss_rewards_telling_real_from_fake(name):
    fn = LOSSES.get(name).fn
    good = fn(tf.constant([3.0, 2.0]), tf.constant([-3.0, -2.0]))  # D is right
    bad = fn(tf.constant([-3.0, -2.0]), tf.constant([3.0, 2.0]))  # D is wrong
    assert np.isfinite([float(v) for v in good + bad]).all()
    assert float(good[0]) < float(bad[0])  # D prefers being right
    assert float(bad[1]) < float(good[1])  # G prefers fooling D


def test_minimax_saturates_where_non_saturating_does_not():
    """Early in training D rejects fakes confidently (logit -8): the minimax G gradient vanishes."""
    f = tf.Variable([-8.0])
    grads = {}
    for name in ("minimax", "non_saturating"):
        with tf.GradientTape() as tape:
            _, g = LOSSES.get(name).fn(tf.constant([8.0]), f)
        grads[name] = abs(float(tape.gradient(g, f)[0]))
    assert grads["non_saturating"] > 1000 * grads["minimax"]


def test_reference_values():
    r, f = tf.constant([0.0]), tf.constant([0.0])
    d, g = LOSSES.get("non_saturating").fn(r, f)
    assert float(d) == pytest.approx(2 * np.log(2), rel=1e-6)
    assert float(g) == pytest.approx(np.log(2), rel=1e-6)
    d, g = LOSSES.get("least_squares").fn(tf.constant([1.0]), tf.constant([0.0]))
    assert (float(d), float(g)) == (0.0, 0.5)
    d, g = LOSSES.get("hinge").fn(tf.constant([0.5]), tf.constant([0.5]))
    assert (float(d), float(g)) == (2.0, -0.5)
