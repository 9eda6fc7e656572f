"""What a class does on the pages, beyond rendering them: delete a run, randomise seeds,
upload data, pick runs while they train (issue 16's bugs, each with its test)."""
import json

import pytest
from test_pages import _with_run, app, isolated_runs  # noqa: F401  (isolated_runs: autouse)


@pytest.mark.parametrize("kind", ["points", "images"])
def test_randomise_seeds_changes_both_seeds_and_keeps_the_interpolation(tiny, kind):
    if kind == "images":
        tiny = tiny.replace(dataset="digits", z_dim=8)
    t = _with_run(tiny)
    at = app("pages/4_Latent_explorer.py")
    at.query_params["run"] = t.run_id
    at.run()

    def path_shown():
        if kind == "images":  # a picture's URL names its content
            return [u for i in at.get("image") for u, c in zip(i.value, i.captions) if c == "A → B"]
        return [d for c in at.get("plotly_chart") for d in json.loads(c.proto.spec)["data"]
                if d.get("name") == "A → B"]

    before = path_shown()
    assert before
    at.button(key="lat_rand").click().run()
    assert not at.exception, at.exception
    a, b = at.number_input(key="lat_a").value, at.number_input(key="lat_b").value
    assert (a, b) != (1, 2)
    assert "Interpolation" in [h.value for h in at.subheader]
    after = path_shown()
    assert after and after != before  # the path drawn is the new seeds' path
