"""The model graph's DOT text: the updating network highlighted per phase, the step's numbers
on the edges that carry them."""
import math
import re

import numpy as np
import pytest

from gan_core.views import graph
from gan_core.views.graph import D_COLOUR, G_COLOUR

NAN = math.nan
ROW = {"step": 7.0, "d_loss": 1.2345, "g_loss": 0.6931, "d_real": 0.6234, "d_fake": 0.4111,
       "d_acc_real": 0.7, "d_acc_fake": 0.6, "d_grad_norm": 0.0512, "g_grad_norm": 2.5e-5}


def statement(dot: str, head: str) -> str:
    """The one line of `dot` that starts with `head` (a node's name, or 'A -> B')."""
    lines = [line.strip() for line in dot.splitlines() if line.strip().startswith(head + " [")]
    assert len(lines) == 1, (head, dot)
    return lines[0]


def attr(line: str, name: str) -> str | None:
    m = re.search(rf'\b{name}="((?:[^"\\]|\\.)*)"', line)
    return m and m.group(1)


def filled(dot: str, node: str) -> bool:
    return "filled" in (attr(statement(dot, node), "style") or "")


@pytest.mark.parametrize("update, d_on, g_on", [("both", True, True), ("d", True, False),
                                                ("g", False, True), ("", False, False)])
def test_the_network_that_updates_is_filled_and_its_gradient_bold(update, d_on, g_on):
    dot = graph.model_graph(ROW, update)
    assert filled(dot, "D") == d_on and filled(dot, "G") == g_on
    d_grad, g_grad = statement(dot, "D_loss -> D"), statement(dot, "G_loss -> G")
    assert ("bold" in attr(d_grad, "style")) == d_on
    assert ("bold" in attr(g_grad, "style")) == g_on
    if update in ("d", "g"):  # the other one greyed, its gradient not sent
        idle, idle_grad = ("G", g_grad) if update == "d" else ("D", d_grad)
        assert attr(statement(dot, idle), "color") == graph.GREY
        assert attr(idle_grad, "style") == "dotted" and graph.NOT_UPDATED in attr(idle_grad, "label")
    if update == "":  # before any step both keep their colours, neither filled
        assert attr(statement(dot, "D"), "color") == D_COLOUR
        assert attr(statement(dot, "G"), "color") == G_COLOUR


def test_the_steps_numbers_are_on_the_edges_that_carry_them():
    dot = graph.model_graph(ROW, "both")
    assert attr(statement(dot, "D -> D_loss"), "label") == r"D(x) 0.623\nD(G(z)) 0.411"
    assert attr(statement(dot, "D -> G_loss"), "label") == "D(G(z)) 0.411"
    assert attr(statement(dot, "D_loss"), "label") == r"D loss\n1.23"
    assert attr(statement(dot, "G_loss"), "label") == r"G loss\n0.693"
    assert attr(statement(dot, "D_loss -> D"), "label") == "∇D |grad| 0.0512"
    assert attr(statement(dot, "G_loss -> G"), "label") == r"∇G |grad| 2.5e-05\n(back through D)"
    critic = graph.model_graph(ROW, "both", prob=False)  # a WGAN critic gives scores
    assert attr(statement(critic, "D -> G_loss"), "label") == "D(G(z)) score 0.411"


def test_which_network_updated_is_read_from_the_row():
    assert graph.updated(ROW) == "both"
    assert graph.updated({**ROW, "g_grad_norm": NAN}) == "d"  # a D-only step measures no G
    assert graph.updated({**ROW, "d_grad_norm": NAN}) == "g"
    assert graph.updated({}) == ""
    dot = graph.model_graph({**ROW, "g_grad_norm": NAN})
    assert filled(dot, "D") and not filled(dot, "G")
    blank = graph.model_graph({}, title="No step yet")
    assert attr(statement(blank, "D_loss"), "label") == r"D loss\n—"
    assert 'label="No step yet"' in statement(blank, "graph")


def test_a_row_is_taken_by_step_from_the_history():
    h = {"step": np.arange(1, 6), "d_fake": np.linspace(0.1, 0.5, 5, dtype=np.float32)}
    assert graph.row(h) == {"step": 5.0, "d_fake": pytest.approx(0.5)}
    assert graph.row(h, 2) == {"step": 2.0, "d_fake": pytest.approx(0.2)}
    assert graph.row(h, 0) == {} and graph.row(h, 9) == {}  # no row: the graph shows "—"
    assert graph.row({"step": np.arange(0)}) == {}


def test_titles_and_labels_are_quoted_for_dot():
    dot = graph.model_graph(ROW, "d", title='a "quoted" title\\')
    assert r'label="a \"quoted\" title\\"' in dot
    with pytest.raises(ValueError, match="update must be one of"):
        graph.model_graph(ROW, "x")
    assert graph.phase_text("d", True) == "Updating: D only"
    assert graph.phase_text("g", False) == "Last step: G only"
    assert graph.phase_text("both", False, 1200) == "Step 1,200: D and G"
    assert graph.phase_text("", True) == "No step yet"
