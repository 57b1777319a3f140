"""scripts/gpu_check.sh with every budget shrunk (--tiny, on the CPU): the three steps run within
their budgets and the report under $OUT holds the test counts, images/s and the Set5 PSNR."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if not (ROOT / "scripts" / "gpu_check.sh").exists():  # e.g. against an installed wheel
    pytest.skip(f"needs the repository's scripts/gpu_check.sh (not found under {ROOT})", allow_module_level=True)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("timeout") is None, reason="needs coreutils timeout")
def test_gpu_check_tiny_budget_on_cpu(tmp_path):
    env = {**os.environ, "OUT": str(tmp_path), "OMP_NUM_THREADS": "1", "PYTHON": sys.executable}
    r = subprocess.run(["bash", str(ROOT / "scripts" / "gpu_check.sh"), "--tiny", "--device", "cpu",
                        "--chapter", "ch01"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    report = json.loads((tmp_path / "gpu_check" / "report.json").read_text())
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-2000:], report)
    steps = report["steps"]
    assert report["passed"] and report["tiny"] and set(steps) == {"tests", "chapter", "train"}
    assert steps["tests"]["counts"].get("passed", 0) > 0 and not steps["tests"]["counts"].get("failed")
    assert all(s["seconds"] <= s["budget"] for s in steps.values())
    assert steps["train"]["images_per_second"] > 0 and steps["train"]["steps"] > 0
    data = ROOT.parent / "shared" / "data" / "benchmarks" / "Set5"
    if data.is_dir():
        assert steps["train"]["dataset"] == "Set5" and steps["train"]["psnr"] > 20
    assert (tmp_path / "gpu_check" / "report.md").read_text().startswith("# GPU check")


def test_gpu_check_rejects_unknown_options():
    r = subprocess.run(["bash", str(ROOT / "scripts" / "gpu_check.sh"), "--nope"], capture_output=True, text=True)
    assert r.returncode == 2 and "error: unknown option --nope" in r.stderr
