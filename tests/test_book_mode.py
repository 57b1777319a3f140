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


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "10"])
def test_steps_must_be_positive_ints(bad):
    with pytest.raises(ValueError):
        Mode().steps(bad, 10)
    with pytest.raises(ValueError):
        Mode().steps(10, bad)
