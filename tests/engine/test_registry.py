import pytest

from gan_core import ConfigError
from gan_core.data import DATASETS
from gan_core.lessons import LESSONS
from gan_core.losses import LOSSES
from gan_core.registry import Registry


def test_names_keep_the_order_of_registration():
    r: Registry[int] = Registry("colour")
    for i, name in enumerate(["red", "green", "blue"]):
        assert r.register(name, i) == i  # the direct form returns the item
    assert r.names() == ["red", "green", "blue"] == list(r)
    assert r.get("green") == 1 and "blue" in r and "pink" not in r


def test_the_decorator_form_registers_and_returns_the_object():
    r: Registry = Registry("loss")

    @r.register("hinge")
    def hinge():
        return "h"

    assert r.get("hinge") is hinge and hinge() == "h"


def test_a_name_registered_twice_is_refused_and_the_first_stays():
    r: Registry[str] = Registry("dataset")
    r.register("ring8", "first")
    with pytest.raises(ValueError, match="dataset 'ring8' is registered twice"):
        r.register("ring8", "second")
    with pytest.raises(ValueError, match="registered twice"):
        r.register("ring8")(lambda: None)
    assert r.get("ring8") == "first" and r.names() == ["ring8"]


def test_an_unknown_name_is_answered_with_the_valid_ones():
    r: Registry[int] = Registry("loss")
    r.register("minimax", 1)
    r.register("hinge", 2)
    with pytest.raises(ConfigError) as e:
        r.get("hnige")
    assert str(e.value) == "unknown loss 'hnige'; choose one of: minimax, hinge"


@pytest.mark.parametrize("registry, kind", [(LOSSES, "loss"), (DATASETS, "dataset"),
                                            (LESSONS, "lesson")])
def test_the_app_registries_name_their_kind_and_list_every_entry(registry, kind):
    with pytest.raises(ConfigError) as e:
        registry.get("no-such-thing")
    assert str(e.value).startswith(f"unknown {kind} 'no-such-thing'; choose one of: ")
    assert str(e.value).endswith(", ".join(registry.names()))
    assert len(registry.names()) >= 3
