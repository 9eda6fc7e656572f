import numpy as np

from gan_core.store import MAX_KEYFRAMES, RunStore


def test_keyframes_stay_bounded_and_evenly_spaced(tiny, runs_dir):
    store = RunStore.create(tiny, runs_dir)
    stride, w = 10, [np.zeros(3, np.float32), np.ones((2, 2), np.float32)]
    for step in range(0, 10 * 200, 10):  # 200 snapshots, one every 10 steps
        if step % stride == 0:
            stride = store.write_keyframe(step, [w[0] + step, w[1]], stride)
    steps = store.keyframe_steps()
    assert len(steps) <= MAX_KEYFRAMES and steps[0] == 0
    assert len(set(np.diff(steps))) == 1 and stride == steps[1] - steps[0]
    assert steps[-1] >= 1990 - stride  # the newest part of the run is covered
    back = store.read_keyframe(steps[3])
    assert back[0][0] == steps[3] and back[1].shape == (2, 2)
    assert store.keyframe_steps(max_step=steps[5]) == steps[:6]  # later ones deleted
    assert store.keyframe_steps() == steps[:6]
