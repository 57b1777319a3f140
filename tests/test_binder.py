"""The Binder environment (binder/): CPU torch first, then srtutor from the checkout."""

import os
import re
import shlex
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BINDER = REPO / "binder"
if not BINDER.is_dir():  # e.g. tests run against an installed wheel (scripts/check_wheel.sh)
    pytest.skip(f"needs the repository's binder/ (not found under {REPO})", allow_module_level=True)


def _commands():
    lines = [x.strip() for x in (BINDER / "postBuild").read_text().splitlines()]
    return [shlex.split(x) for x in lines if x and not x.startswith("#") and not x.startswith("set ")]


def test_postbuild_installs_cpu_torch_then_srtutor_from_the_checkout():
    assert os.access(BINDER / "postBuild", os.X_OK), "postBuild must be executable"
    assert (BINDER / "postBuild").read_text().startswith("#!/bin/bash")
    cmds = _commands()
    assert all(c[:4] == ["python", "-m", "pip", "install"] for c in cmds), cmds
    torch_i = next(i for i, c in enumerate(cmds) if "torch" in c)
    assert cmds[torch_i][cmds[torch_i].index("--index-url") + 1].endswith("/whl/cpu")  # no CUDA wheels
    pkg_i = next(i for i, c in enumerate(cmds) if any(a.startswith(".[") or a == "." for a in c))
    assert torch_i < pkg_i, "torch must be installed before srtutor (pip then keeps it)"
    assert "-U" not in cmds[pkg_i] and "--upgrade" not in cmds[pkg_i]


def test_binder_python_satisfies_the_package():
    runtime = (BINDER / "runtime.txt").read_text().strip()
    m = re.fullmatch(r"python-3\.(\d+)", runtime)
    assert m, runtime
    req = re.search(r'requires-python\s*=\s*">=3\.(\d+)"', (REPO / "pyproject.toml").read_text())
    assert req and int(m.group(1)) >= int(req.group(1))
    # torch is never installed from the default index by requirements.txt
    reqs = [x for x in (BINDER / "requirements.txt").read_text().splitlines() if x.strip() and not x.startswith("#")]
    assert not [x for x in reqs if x.lower().startswith("torch")]
