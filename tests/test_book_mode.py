"""srtutor.book.Mode: the quick / full / smoke budgets of the notebooks."""

import pytest

from srtutor.book import SMOKE_STEPS, Mode


def test_modes_and_steps():
    assert Mode(quick=True).name == "quick" and Mode(quick=True).steps(300, 20000) == 300
    assert Mode(quick=False).name == "full" and Mode(quick=False).steps(300, 20000) == 20000
    smoke = Mode(quick=True, smoke=True)
    assert smoke.name == "smoke" and smoke.quick is False  # smoke runs the full mode's data and shapes
    assert smoke.steps(300, 20000) == SMOKE_STEPS
    assert Mode(quick=False, smoke=True).steps(50, 2) == 2  # never more than the full budget
    assert Mode(quick=True).cap(150) == 150 and Mode(quick=False).cap(150) == 150
    assert smoke.cap(150) == SMOKE_STEPS and smoke.cap(1) == 1


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "10"])
def test_steps_must_be_positive_ints(bad):
    with pytest.raises(ValueError):
        Mode().steps(bad, 10)
    with pytest.raises(ValueError):
        Mode().steps(10, bad)


def test_images_keeps_the_smallest_in_smoke_mode():
    import torch

    ims = {"big": torch.zeros(3, 64, 64), "small": torch.zeros(3, 8, 16), "mid": torch.zeros(3, 32, 32)}
    assert Mode(quick=True).images(ims) is ims and Mode(quick=False).images(ims) is ims
    smoke = Mode(smoke=True)
    assert list(smoke.images(ims)) == ["small"]
    assert list(smoke.images(ims, n=2)) == [k for k in ims if k in ("small", "mid")]  # original order
    assert smoke.images(ims)["small"].shape == (3, 8, 16)  # full size
    with pytest.raises(TypeError):
        smoke.images([torch.zeros(3, 4, 4)])
