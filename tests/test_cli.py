"""``python -m srtutor evaluate``: published bicubic baselines and error handling.

Published figures: bicubic rows of the SR results tables (e.g. SRCNN, VDSR, EDSR papers; the
survey's Table/Fig. of §3.6), PSNR (dB) / SSIM on Y, crop = scale.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from srtutor.cli import build_parser, main

REPO = Path(__file__).resolve().parents[1]


def _benchmarks():
    env = os.environ.get("SRTUTOR_DATA")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data" / "benchmarks"]:
        if (cand / "Set5" / "HR").is_dir() and (cand / "Set14" / "HR").is_dir():
            return cand
    return None


DATA = _benchmarks()
needs_data = pytest.mark.skipif(
    DATA is None, reason="benchmark folder with Set5/Set14 not found ($SRTUTOR_DATA or ../shared/data/benchmarks)")

PUBLISHED = {("Set5", 4): (28.42, 0.8104),
             ("Set14", 2): (30.24, 0.8688), ("Set14", 3): (27.55, 0.7742), ("Set14", 4): (26.00, 0.7027)}


def _run_json(capsys, *args):
    rc = main(["evaluate", "--format", "json", *args])
    out = capsys.readouterr().out
    assert rc == 0
    return json.loads(out)


@needs_data
@pytest.mark.parametrize("dataset,scale", list(PUBLISHED))
def test_bicubic_matches_published(capsys, dataset, scale):
    r = _run_json(capsys, "--method", "bicubic", "--dataset", dataset, "--scale", str(scale),
                  "--data-dir", str(DATA))
    p, s = PUBLISHED[(dataset, scale)]
    assert abs(r["psnr"] - p) <= 0.02, r["psnr"]
    assert abs(r["ssim"] - s) <= 0.001, r["ssim"]
    assert r["dataset"] == dataset and r["scale"] == scale and r["method"] == "bicubic"
    assert r["protocol"] == "srcnn" and len(r["images"]) == {"Set5": 5, "Set14": 14}[dataset]
    assert {"name", "psnr", "ssim"} <= set(r["images"][0])
    assert abs(sum(i["psnr"] for i in r["images"]) / len(r["images"]) - r["psnr"]) < 1e-9


@needs_data
def test_srcnn_convention_set5_x4(capsys):
    """The SRCNN-style convention reproduces an independent float64 implementation (data README)."""
    r = _run_json(capsys, "--dataset", "set5", "--scale", "4", "--data-dir", str(DATA), "--y-convention", "srcnn")
    assert abs(r["psnr"] - 28.4207) < 5e-4 and abs(r["ssim"] - 0.8104) < 5e-4
    assert r["protocol"] == "srcnn" and r["dataset"] == "Set5"


@needs_data
def test_table_output(capsys):
    assert main(["evaluate", "--dataset", "Set5", "--scale", "4", "--data-dir", str(DATA)]) == 0
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    assert lines[0].startswith("Set5 x4") and "bicubic" in lines[0]
    assert "5 images in" in out.err and "images/s (device cpu" in out.err  # timing on stderr
    assert lines[-1].split()[0] == "mean" and abs(float(lines[-1].split()[1]) - 28.42) <= 0.02
    assert any(line.startswith("butterfly") for line in lines)


def test_unknown_dataset_exit_2(capsys):
    assert main(["evaluate", "--dataset", "Set6", "--scale", "4"]) == 2
    err = capsys.readouterr().err
    assert "unknown benchmark 'Set6'" in err and "Set5" in err


def test_missing_folder_exit_2(capsys, tmp_path):
    assert main(["evaluate", "--dataset", "Set5", "--scale", "2", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "Set5" / "HR") in err and "--data-dir" in err and "--download" in err
    assert main(["evaluate", "--dataset", "Manga109", "--scale", "2", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "none of its 109 files" in err and "--download" in err and err.count("\n") == 1


@needs_data
def test_incomplete_set_exit_2_and_no_verify_names_images(capsys, tmp_path):
    """After a failed download only 2 of Set5's 5 images are there: no Set5 mean is printed."""
    import shutil

    hr = tmp_path / "Set5" / "HR"
    hr.mkdir(parents=True)
    for name in ("baby.png", "bird.png"):
        shutil.copy(DATA / "Set5" / "HR" / name, hr / name)
    assert main(["evaluate", "--dataset", "Set5", "--scale", "4", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "3 of 5 files missing (butterfly.png, head.png, woman.png)" in err and "--no-verify" in err
    assert err.count("\n") == 1
    assert main(["evaluate", "--dataset", "Set5", "--scale", "4", "--data-dir", str(tmp_path), "--no-verify"]) == 0
    out = capsys.readouterr().out
    assert "2 unverified images" in out and "baby, bird" in out and "mean" in out
    r = _run_json(capsys, "--dataset", "Set5", "--scale", "4", "--data-dir", str(tmp_path), "--no-verify")
    assert r["verified"] is False and r["n_images"] == 2 and [i["name"] for i in r["images"]] == ["baby", "bird"]
    r = _run_json(capsys, "--dataset", "Set5", "--scale", "4", "--data-dir", str(DATA))
    assert r["verified"] is True and r["folder"] == str(DATA / "Set5" / "HR")


def test_bad_method_and_scale_exit_2(capsys):
    assert main(["evaluate", "--dataset", "Set5", "--scale", "2", "--method", "lanczos"]) == 2
    assert "unknown method 'lanczos'" in capsys.readouterr().err
    assert main(["evaluate", "--dataset", "Set5", "--scale", "1"]) == 2
    assert "--scale must be an integer >= 2" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["evaluate", "--dataset", "Set5", "--scale", "x"])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main([])
    assert e.value.code == 2


def test_parser_structure():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert "evaluate" in sub.choices
    args = parser.parse_args(["evaluate", "--dataset", "B100", "--scale", "3"])
    assert args.method == "bicubic" and args.format == "table" and args.protocol == "auto" and not args.download


def test_module_entry_point_exit_code(tmp_path):
    env = dict(os.environ, SRTUTOR_DATA=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "srtutor", "evaluate", "--dataset", "Set5", "--scale", "4"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert proc.returncode == 2
    assert "benchmark Set5 not found" in proc.stderr and str(tmp_path) in proc.stderr


_RUN = """
import atexit, sys
atexit.register(lambda: print("atexit handler ran", file=sys.stderr))
from srtutor.cli import run
run(sys.argv[1:])
"""


def _run_entry(*args, env=None):
    return subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True, cwd=REPO,
                          env=env, timeout=300)


def test_run_exits_with_mains_code_after_atexit_handlers(tmp_path):
    # --version: argparse's SystemExit(0); the version line is flushed before os._exit
    proc = _run_entry("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("srtutor ") and "atexit handler ran" in proc.stderr
    # a usage error of a command: exit 2, one error line, then the atexit handler
    proc = _run_entry("evaluate", "--dataset", "Set5", "--scale", "4", env=dict(os.environ, SRTUTOR_DATA=str(tmp_path)))
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2 and lines[0].startswith("srtutor evaluate: error: --dataset Set5")
    assert lines[1:] == ["atexit handler ran"]
    # argparse's own usage error (a required option missing): exit 2
    proc = _run_entry("evaluate", "--scale", "2")
    assert proc.returncode == 2 and "required: --dataset" in proc.stderr and "atexit handler ran" in proc.stderr


@needs_data
def test_run_writes_the_whole_json_through_a_pipe():
    # the largest output of the command (per-image rows of B100) must reach the pipe complete
    proc = _run_entry("evaluate", "--dataset", "B100", "--scale", "4", "--format", "json", "--data-dir", str(DATA))
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    assert res["n_images"] == len(res["images"]) == 100
    assert abs(res["psnr"] - 25.96) < 0.005  # the published B100 x4 bicubic figure (srcnn protocol)


def _downloaded(name):
    env = os.environ.get("SRTUTOR_DATA")
    if not env:
        return None
    from srtutor.data import verify_set

    return Path(env) if verify_set(name, env)["ok"] else None


@pytest.mark.parametrize("dataset", ["Urban100", "Manga109"])
def test_pinned_urban100_manga109_reproduce_published_bicubic(capsys, dataset):
    """The pinned Urban100/Manga109 images (``srtutor data download``; CI downloads them) give RCAN's
    Table 3 bicubic rows: measured here 23.1411/0.6570 and 24.9051/0.7846 at x4 (published
    23.14/0.6577 and 24.89/0.7866)."""
    root = _downloaded(dataset)
    if root is None:
        pytest.skip(f"{dataset} not downloaded into $SRTUTOR_DATA (python -m srtutor data download {dataset})")
    from srtutor.published import published

    p, s = published("bicubic", dataset, 4)
    r = _run_json(capsys, "--dataset", dataset, "--scale", "4", "--data-dir", str(root), "--no-progress")
    assert r["verified"] and r["n_images"] == {"Urban100": 100, "Manga109": 109}[dataset]
    assert abs(r["psnr"] - p) <= 0.02 and abs(r["ssim"] - s) <= 0.0025
