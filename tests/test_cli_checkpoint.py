"""``--checkpoint PATH`` of ``evaluate`` and ``upscale``: srtutor's training checkpoints and the
authors' released ones (with ``--model``); every user error exits 2 with one ``error:`` line."""

import importlib.util
import json
from pathlib import Path

import pytest
import torch

from srtutor import data
from srtutor.checkpoint import load_model_file, save_checkpoint
from srtutor.cli import main
from srtutor.evaluate import evaluate_images
from srtutor.io import read_image, write_image
from srtutor.models import create
from srtutor.models.official import load_official

FIX = Path(__file__).resolve().parent / "fixtures" / "official"
_spec = importlib.util.spec_from_file_location("official_fixture_gen", FIX / "generate.py")
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)
CASES = torch.load(FIX / "reference.pt", weights_only=True)


def _official_state(case="carn-m-x3"):
    c = CASES[case]
    return gen.seeded_state(gen.decode_layout(c["layout"]), c["fixed"], c["seed"])


@pytest.fixture
def files(tmp_path):
    """A one-image 'Set5' folder (scored with --no-verify), an authors' CARN-M x3 file (seeded
    weights, their layout) and an srtutor ESPCN x3 training checkpoint."""
    hr = tmp_path / "data" / "Set5" / "HR"
    hr.mkdir(parents=True)
    img = data.embedded_image("astronaut")[:, 60:108, 180:228]  # 48 x 48
    write_image(hr / "crop.png", img)
    official = tmp_path / "carn_m_x3.pth"
    torch.save(_official_state(), official)
    torch.manual_seed(0)
    own = tmp_path / "espcn.pt"
    save_checkpoint(own, create("espcn", scale=3), meta={"name": "espcn", "scale": 3, "kwargs": {}})
    return {"root": tmp_path / "data", "png": hr / "crop.png", "official": official, "own": own, "tmp": tmp_path}


def _evaluate(capsys, files, *args):
    rc = main(["evaluate", "--dataset", "Set5", "--scale", "3", "--data-dir", str(files["root"]), "--no-verify",
               "--format", "json", "--no-progress", *args])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_evaluate_official_checkpoint_matches_python_api(capsys, files):
    rc, out, _ = _evaluate(capsys, files, "--model", "carn-m", "--checkpoint", str(files["official"]))
    assert rc == 0
    r = json.loads(out)
    net = load_official("carn-m", files["official"], scale=3)
    img = read_image(files["png"])
    expect = evaluate_images({"crop": img}, 3, net)
    assert r["psnr"] == pytest.approx(expect["psnr"], abs=1e-9) and r["protocol"] == "rgb"
    assert "carn-m-x3 (carn_m_x3.pth)" in r["method"]


def test_evaluate_own_checkpoint_reads_its_model(capsys, files):
    rc, out, _ = _evaluate(capsys, files, "--checkpoint", str(files["own"]))
    assert rc == 0
    r = json.loads(out)
    net, info = load_model_file(files["own"])
    assert info == {"kind": "srtutor", "name": "espcn", "scale": 3, "path": str(files["own"]),
                    "meta": {"name": "espcn", "scale": 3, "kwargs": {}}}
    assert r["psnr"] == pytest.approx(evaluate_images({"crop": read_image(files["png"])}, 3, net)["psnr"], abs=1e-9)
    assert r["protocol"] == "srcnn"  # ESPCN is a Y-channel model
    rc, out, _ = _evaluate(capsys, files, "--model", "espcn", "--checkpoint", str(files["own"]))
    assert rc == 0


def _one_error(capsys, argv, *needles):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error: " in err, err
    for n in needles:
        assert n in err, (n, err)
    return err


@pytest.mark.parametrize("command", ["evaluate", "upscale"])
def test_checkpoint_user_errors_exit_2(capsys, files, command):
    tmp = files["tmp"]
    if command == "evaluate":
        base = ["evaluate", "--dataset", "Set5", "--data-dir", str(files["root"]), "--no-verify", "--no-progress"]
    else:
        base = ["upscale", str(files["png"]), str(tmp / "out.png"), "--no-progress"]
    ok3 = ["--scale", "3"]
    # a released checkpoint without --model
    _one_error(capsys, base + ok3 + ["--checkpoint", str(files["official"])], "--checkpoint", "not an srtutor training "
               "checkpoint", "carn-m")
    # wrong model / wrong scale for a released checkpoint
    _one_error(capsys, base + ok3 + ["--model", "carn", "--checkpoint", str(files["official"])], "does not fit",
               "'carn'")
    _one_error(capsys, base + ["--scale", "2", "--model", "carn-m", "--checkpoint", str(files["official"])],
               "shape mismatch", "upsample.2.0.weight")
    # srtutor checkpoint: another model named, or another scale
    _one_error(capsys, base + ok3 + ["--model", "carn", "--checkpoint", str(files["own"])], "of model 'espcn', not "
               "'carn'")
    _one_error(capsys, base + ["--scale", "2", "--checkpoint", str(files["own"])], "for scale(s) 3, not 2")
    # missing, truncated, interpolation named with a checkpoint, unknown model
    _one_error(capsys, base + ok3 + ["--model", "carn-m", "--checkpoint", str(tmp / "nope.pth")], "does not exist")
    bad = tmp / "truncated.pth"
    bad.write_bytes(files["official"].read_bytes()[:1000])
    _one_error(capsys, base + ok3 + ["--model", "carn-m", "--checkpoint", str(bad)], "truncated")
    interp = "nearest" if command == "evaluate" else "bicubic"
    _one_error(capsys, base + ok3 + ["--model", interp, "--checkpoint", str(files["official"])], "interpolation")
    _one_error(capsys, base + ok3 + ["--model", "nosuch", "--checkpoint", str(files["official"])], "nosuch")
    assert not (tmp / "out.png").exists()


def test_upscale_with_checkpoints(capsys, files):
    out = files["tmp"] / "sr.png"
    assert main(["upscale", str(files["png"]), str(out), "--model", "carn-m", "--checkpoint", str(files["official"]),
                 "--scale", "3", "--tile", "0"]) == 0
    assert "carn-m x3" in capsys.readouterr().out
    sr = read_image(out)
    assert sr.shape == (3, 144, 144)
    net = load_official("carn-m", files["official"], scale=3)
    with torch.no_grad():
        expect = net(read_image(files["png"])[None]).clamp(0, 1)[0]
    assert (sr - expect).abs().max() <= 0.5 / 255 + 1e-6  # the PNG rounds to 8 bits
    out2 = files["tmp"] / "sr2.png"
    assert main(["upscale", str(files["png"]), str(out2), "--checkpoint", str(files["own"]), "--scale", "3"]) == 0
    assert read_image(out2).shape == (3, 144, 144)
    _one_error(capsys, ["upscale", str(files["png"]), str(out2), "--scale", "3"], "--model is required")
