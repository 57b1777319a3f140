"""srtutor/__init__.py: lazy submodules, seeding, device selection."""
from pathlib import Path

import numpy as np
import pytest
import torch

import srtutor


def test_every_module_is_reachable_lazily():
    pkg = Path(srtutor.__file__).parent
    found = sorted([p.stem for p in pkg.glob("*.py") if not p.stem.startswith("_")]
                   + [p.parent.name for p in pkg.glob("*/__init__.py")])
    assert sorted(srtutor._SUBMODULES) == found
    assert srtutor.metrics.psnr is not None and srtutor.models.create is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        srtutor.nope


def test_seed_everything_is_reproducible():
    assert srtutor.seed_everything(3) == 3
    a = (torch.rand(4), np.random.rand(2))
    srtutor.seed_everything(3)
    b = (torch.rand(4), np.random.rand(2))
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1])


@pytest.mark.parametrize("bad", [-1, 1.5, True, "0"])
def test_seed_everything_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="seed"):
        srtutor.seed_everything(bad)


def test_get_device():
    assert srtutor.get_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert srtutor.get_device("auto").type == expected
    with pytest.raises(ValueError, match="device"):
        srtutor.get_device("gpu-please")
