"""scripts/check_claims_robust.py on a fixture notebook whose lesson claim depends on the seed
and the thread count (score = SEED + 0.25 × CPU_THREADS must exceed 1)."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "check_claims_robust.py"
FIXTURE = REPO / "tests" / "fixtures" / "seeded_claims.ipynb"
if not SCRIPT.exists():  # e.g. tests run against an installed wheel (scripts/check_wheel.sh)
    pytest.skip(f"needs the repository's scripts/ (not found under {REPO})", allow_module_level=True)


def _module():
    spec = importlib.util.spec_from_file_location("check_claims_robust", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def matrix_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("robust")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--notebook", str(FIXTURE), "--seeds", "0", "1",
                           "--threads", "1", "2", "--jobs", "2", "--all-claims", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    return out, proc


def test_matrix_table_per_seed_and_thread_count(matrix_run):
    out, proc = matrix_run
    assert proc.returncode == 1, proc.stdout + proc.stderr  # seed 0 fails: not robust
    md = (out / "robust.md").read_text()
    lines = md.strip().splitlines()
    assert lines[0] == ("| chapter | claim | comparison | seed 0, 1 thr. | seed 0, 2 thr. | seed 1, 1 thr. "
                        "| seed 1, 2 thr. | all runs |")
    assert lines[2] == ("| seeded_claims | score above one | `score > 1` | ✗ score = 0.25 | ✗ score = 0.5 "
                        "| ✓ score = 1.25 | ✓ score = 1.5 | ✗ |")
    # a non-lesson claim only with --all-claims, marked as such
    assert lines[3].startswith("| seeded_claims | threads (not a lesson) | `1.5 > threads` | ✓ threads = 1 | ✗ threads = 2 |")
    assert md in proc.stdout and "NOT ROBUST" in proc.stdout
    report = json.loads((out / "robust.json").read_text())
    assert sorted((r["seed"], r["threads"]) for r in report["runs"]) == [(0, 1), (0, 2), (1, 1), (1, 2)]
    assert all(r["status"] == "ok" for r in report["runs"])


def test_robust_when_every_run_holds(tmp_path):
    mod = _module()
    claim = {"name": "c", "lesson": True, "holds": True, "measured": "a = 1", "check": {"text": "a > 0"}}
    runs = [{"notebook": "book/x.ipynb", "seed": s, "threads": t, "status": "ok", "error": None, "claims": [claim]}
            for s in (0, 1, 2) for t in (1, 2)]
    assert mod.all_hold(runs)
    table = mod.robustness_table(runs, [0, 1, 2], [1, 2])
    assert table.strip().splitlines()[2] == "| x | c | `a > 0` | " + "✓ a = 1 | " * 6 + "✓ |"
    runs[-1]["status"], runs[-1]["claims"], runs[-1]["error"] = "failed", [], "cell 3 raised"
    assert not mod.all_hold(runs)
    table = mod.robustness_table(runs, [0, 1, 2], [1, 2])
    assert "✗ (no run)" in table and "x seed 2 threads 2: cell 3 raised" in table


@pytest.mark.parametrize("args, word", [([], "--only"), (["--only", "nothing-matches"], "--only"),
                                        (["--notebook", "missing.ipynb"], "--notebook"),
                                        (["--only", "ch07", "--threads", "0"], "--threads")])
def test_usage_errors_exit_2(args, word):
    proc = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and word in proc.stderr
