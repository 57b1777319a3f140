"""Device and dtype matrix for the test suite (in the style of kornia's ``device``/``dtype`` fixtures).

    pytest                        # device fixtures run on the CPU
    pytest --device cuda          # the same tests on the GPU (skipped there when CUDA is absent)
    pytest --device all           # every device present: cpu, then cuda
    pytest --dtype float32,float64

A test that takes the ``device`` fixture runs once per selected device; one that takes ``dtype``
once per selected dtype (default ``float32,float64``), unless it parametrizes that name itself. ``amp_dtype`` is the autocast dtype of the
device (bfloat16 on the CPU, float16 on CUDA).
"""

from __future__ import annotations

import pytest
import torch

_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--device", action="store", default="cpu",
                     help="device(s) for tests using the `device` fixture: cpu, cuda, cuda:N, all (comma-separated)")
    parser.addoption("--dtype", action="store", default="float32,float64",
                     help="dtype(s) for tests using the `dtype` fixture (comma-separated)")


def _devices(opt: str) -> list[str]:
    if opt == "all":
        return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    return [d.strip() for d in opt.split(",") if d.strip()]


def _parametrized_by_test(metafunc: pytest.Metafunc, name: str) -> bool:
    """True when the test parametrizes ``name`` itself (its own values win over the matrix)."""
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        if name in names:
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "device" in metafunc.fixturenames and not _parametrized_by_test(metafunc, "device"):
        metafunc.parametrize("device", _devices(metafunc.config.getoption("--device")), indirect=True)
    if "dtype" in metafunc.fixturenames and not _parametrized_by_test(metafunc, "dtype"):
        names = [d.strip() for d in metafunc.config.getoption("--dtype").split(",") if d.strip()]
        unknown = [n for n in names if n not in _DTYPES]
        if unknown:
            raise pytest.UsageError(f"--dtype: unknown {unknown}; choose from {sorted(_DTYPES)}")
        metafunc.parametrize("dtype", names, indirect=True)


@pytest.fixture
def device(request: pytest.FixtureRequest) -> torch.device:
    """The device under test (``--device``); skips a CUDA run on a machine without CUDA."""
    dev = torch.device(request.param)
    if dev.type == "cuda" and not torch.cuda.is_available():
        pytest.skip("--device cuda: CUDA is not available on this machine")
    return dev


@pytest.fixture
def dtype(request: pytest.FixtureRequest) -> torch.dtype:
    """The floating dtype under test (``--dtype``)."""
    return _DTYPES[request.param]


@pytest.fixture
def amp_dtype(device: torch.device) -> torch.dtype:
    """The autocast dtype the engine uses on ``device``: bfloat16 on the CPU, float16 on CUDA."""
    return torch.float16 if device.type == "cuda" else torch.bfloat16
