"""``srtutor upscale`` (tiled inference, Y-only models) and ``srtutor evaluate --method <pretrained>``."""

import json
import os
from pathlib import Path

import pytest
import torch

from srtutor import data
from srtutor.cli import main
from srtutor.io import read_image, write_image
from srtutor.pretrained import available_pretrained, pretrained
from srtutor.tiling import tiled_upscale

SHIPPED = available_pretrained()
needs_weights = pytest.mark.skipif(not SHIPPED, reason="no weights shipped in srtutor/weights")
REPO = Path(__file__).resolve().parents[1]


def _data_root():
    env = os.environ.get("SRTUTOR_DATA")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data" / "benchmarks"]:
        if (cand / "Set5" / "HR").is_dir():
            return cand
    return None


def _first(prefix=None):
    keys = [k for k in SHIPPED if prefix is None or k.startswith(prefix)]
    if not keys:
        pytest.skip(f"no shipped weights matching {prefix!r}")
    name, s = keys[0].rsplit("-x", 1)
    return name, int(s)


@pytest.fixture
def small_png(tmp_path):
    img = data.embedded_image("astronaut")[:, 100:150, 200:262]  # 50 x 62, not a multiple of the tile
    path = tmp_path / "in.png"
    write_image(path, img)
    return path


def test_tiled_equals_untiled_exactly_with_a_random_net():
    """Any post-upsampling conv net: tiles with a margin >= the receptive field give the same output."""
    torch.manual_seed(0)
    from srtutor.models import create

    net = create("espcn", scale=2).eval()
    lr = torch.rand(1, 1, 45, 38)
    full = tiled_upscale(net, lr, 2, tile=0)
    tiled = tiled_upscale(net, lr, 2, tile=16, overlap=6)
    assert full.shape == tiled.shape == (1, 1, 90, 76)
    assert torch.allclose(full, tiled, atol=1e-6)


@needs_weights
def test_upscale_cli_sizes_and_tiling(small_png, tmp_path, capsys):
    name, s = _first("espcn")  # a small Y-channel model
    out_a, out_b = tmp_path / "a.png", tmp_path / "b.png"
    assert main(["upscale", str(small_png), str(out_a), "--model", name, "--scale", str(s), "--tile", "0",
                 "--device", "cpu"]) == 0
    assert main(["upscale", str(small_png), str(out_b), "--model", name, "--scale", str(s), "--tile", "20",
                 "--overlap", "10"]) == 0
    a, b = read_image(out_a), read_image(out_b)
    assert a.shape == b.shape == (3, 50 * s, 62 * s)
    assert (a - b).abs().max() <= 1.5 / 255  # equal up to 8-bit rounding of float noise
    assert "->" in capsys.readouterr().out


@needs_weights
def test_y_model_keeps_bicubic_chroma(small_png, tmp_path):
    """A Y-only model changes the luminance; Cb/Cr equal bicubic's (BT.601, 8-bit rounding)."""
    from srtutor.color import rgb_to_ycbcr

    name, s = _first("espcn")  # a small Y-channel model
    net = pretrained(name, s)
    if net.in_channels != 1:
        pytest.skip("first shipped model is RGB")
    out, bic = tmp_path / "y.png", tmp_path / "bic.png"
    assert main(["upscale", str(small_png), str(out), "--model", name, "--scale", str(s)]) == 0
    assert main(["upscale", str(small_png), str(bic), "--model", "bicubic", "--scale", str(s)]) == 0
    y1, y2 = rgb_to_ycbcr(read_image(out)), rgb_to_ycbcr(read_image(bic))
    assert (y1[1:] - y2[1:]).abs().mean() < 1.5 / 255
    assert (y1[0] - y2[0]).abs().mean() > 1 / 255


def test_upscale_cli_errors(small_png, tmp_path, capsys):
    assert main(["upscale", str(small_png), str(tmp_path / "o.png"), "--model", "nosuch", "--scale", "3"]) == 2
    assert "available" in capsys.readouterr().err
    assert main(["upscale", str(tmp_path / "missing.png"), str(tmp_path / "o.png"), "--model", "bicubic",
                 "--scale", "2"]) == 2
    assert main(["upscale", str(small_png), str(tmp_path / "o.png"), "--model", "bicubic", "--scale", "1"]) == 2


@needs_weights
@pytest.mark.parametrize("prefix", ["espcn", "carn", "lapsrn"])  # single-scale, multi-scale, partial (x2 of x4)
def test_evaluate_cli_with_pretrained_model(capsys, prefix):
    root = _data_root()
    if root is None:
        pytest.skip("Set5 not found ($SRTUTOR_DATA or ../shared/data/benchmarks)")
    name, s = _first(prefix)
    net = pretrained(name, s)
    rc = main(["evaluate", "--method", name, "--dataset", "Set5", "--scale", str(s), "--data-dir", str(root),
               "--format", "json"])
    r = json.loads(capsys.readouterr().out)
    assert rc == 0 and r["method"] == f"{name}-x{s}" and len(r["images"]) == 5
    assert r["protocol"] == ("srcnn" if net.in_channels == 1 else "rgb")
    card = net.card["results"]["Set5"]
    assert abs(r["psnr"] - card["psnr"]) < 1e-3 and r["psnr"] > card["bicubic_psnr"]


def test_evaluate_cli_unknown_method(capsys):
    assert main(["evaluate", "--method", "nosuch", "--dataset", "Set5", "--scale", "3"]) == 2
    err = capsys.readouterr().err
    assert "unknown method 'nosuch'" in err and "bicubic" in err


def test_model_scale_checked_no_mosaic():
    """A model built for x2 asked for x3 is refused (before: tiles of the wrong size stitched into a mosaic)."""
    from srtutor.models import create
    from srtutor.models.inference import model_scales, upscale

    net = create("espcn", scale=2).eval()
    lr = torch.rand(1, 1, 40, 30)
    with pytest.raises(ValueError, match=r"scale=3 does not match the model.*built for scale 2"):
        upscale(net, lr, 3)
    with pytest.raises(ValueError, match="scale=3 does not match"):
        tiled_upscale(net, lr, 3, tile=16, overlap=4)
    assert upscale(net, lr, 2).shape == (1, 1, 80, 60)
    with pytest.raises(ValueError, match="hr_size"):  # a post-upsampling net cannot produce another size
        upscale(net, lr, 2, hr_size=(81, 60))
    multi = create("carn", scale=2, multi_scale=True)
    assert model_scales(multi) == (2, 3, 4) and model_scales(create("srcnn", scale=3)) is None
    assert tiled_upscale(multi, torch.rand(3, 20, 20), 3, tile=8, overlap=2).shape == (3, 60, 60)
    with pytest.raises(ValueError, match=r"scales \[2, 3, 4\]"):
        upscale(multi, torch.rand(3, 20, 20), 5)


def test_non_finite_model_output_refused():
    from srtutor.models import create
    from srtutor.models.inference import upscale

    net = create("espcn", scale=2).eval()
    with torch.no_grad():
        next(net.parameters()).fill_(float("nan"))  # a diverged checkpoint
    with pytest.raises(ValueError, match="NaN or inf.*weights"):
        upscale(net, torch.rand(1, 1, 8, 8), 2)
