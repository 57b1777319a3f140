"""srtutor.evaluate: the benchmark protocol on synthetic images (published figures: test_cli.py)."""

import math

import numpy as np
import pytest
import torch

from srtutor.color import rgb_to_y
from srtutor.evaluate import evaluate_images, format_table
from srtutor.io import quantize, to_numpy, to_tensor
from srtutor.resize import imresize


def _smooth(h=40, w=36, seed=0):
    g = torch.Generator().manual_seed(seed)
    small = torch.rand(3, h // 4, w // 4, generator=g, dtype=torch.float64)
    return quantize(imresize(small, size=(h, w)).clamp(0, 1))


def test_rgb_protocol_by_hand():
    hr = _smooth(41, 38)  # not a multiple of 2: modcrop to 40 x 38
    r = evaluate_images({"x": hr}, 2, protocol="rgb")
    u8 = to_numpy(hr[:, :40, :38])
    sr = to_tensor(imresize(imresize(u8, scale=0.5), scale=2.0), dtype=torch.float64)
    ref = to_tensor(u8, dtype=torch.float64)
    ys, yr = rgb_to_y(sr)[0, 2:-2, 2:-2], rgb_to_y(ref)[0, 2:-2, 2:-2]
    expected = 10 * math.log10(1 / float(((ys - yr) ** 2).mean()))
    assert abs(r["psnr"] - expected) < 1e-9
    assert r["images"][0]["name"] == "x" and 0 < r["ssim"] < 1
    assert r["crop_border"] == 2 and r["y_channel"] and r["n_images"] == 1


def test_srcnn_protocol_by_hand():
    hr = _smooth()
    r = evaluate_images({"x": hr}, 4, protocol="srcnn")
    y = quantize(rgb_to_y(hr))
    sr = quantize(imresize(imresize(y, scale=0.25), scale=4.0))
    d = (sr - y)[0, 4:-4, 4:-4]
    assert abs(r["psnr"] - 10 * math.log10(1 / float((d ** 2).mean()))) < 1e-9


def test_callable_equals_named_nearest():
    imgs = {"a": _smooth(seed=1), "b": _smooth(32, 48, seed=2)[:1]}  # an RGB and a grey image

    def replicate(lr):
        return lr.repeat_interleave(3, -2).repeat_interleave(3, -1)

    for protocol in ("rgb", "srcnn"):
        named = evaluate_images(imgs, 3, "nearest", protocol=protocol)
        custom = evaluate_images(imgs, 3, replicate, protocol=protocol)
        assert custom["method"] == "replicate"
        for u, v in zip(named["images"], custom["images"]):
            assert abs(u["psnr"] - v["psnr"]) < 1e-9 and abs(u["ssim"] - v["ssim"]) < 1e-9


def test_methods_order_and_constant_image():
    hr = _smooth(48, 48, seed=3)
    p = {m: evaluate_images({"x": hr}, 2, m)["psnr"] for m in ("nearest", "bilinear", "bicubic")}
    assert p["bicubic"] > p["bilinear"] > p["nearest"]
    same = evaluate_images({"x": hr}, 2, "nearest", lr_kernel="same")
    assert same["lr_kernel"] == "nearest" and same["psnr"] != p["nearest"]
    flat = torch.full((3, 16, 16), 100 / 255, dtype=torch.float64)
    r = evaluate_images({"flat": flat}, 2)
    assert math.isinf(r["psnr"]) and abs(r["ssim"] - 1) < 1e-12


def test_table_format():
    r = evaluate_images({"first": _smooth(seed=4), "second": _smooth(seed=5)}, 2, dataset="Toy")
    lines = format_table(r).splitlines()
    assert lines[0].startswith("Toy x2") and lines[-1].startswith("mean")
    assert f"{r['psnr']:.4f}" in lines[-1] and lines[3].startswith("first")


def test_errors():
    hr = _smooth()
    with pytest.raises(ValueError, match="protocol"):
        evaluate_images({"x": hr}, 2, protocol="matlab")
    with pytest.raises(ValueError, match="unknown method"):
        evaluate_images({"x": hr}, 2, "lanczos")
    with pytest.raises(ValueError, match="scale"):
        evaluate_images({"x": hr}, 1)
    with pytest.raises(ValueError, match="too small"):
        evaluate_images({"x": hr[:, :6, :6]}, 4)
    with pytest.raises(ValueError, match="upscaler returned shape"):
        evaluate_images({"x": hr}, 2, lambda lr: lr)
    with pytest.raises(ValueError, match="empty"):
        evaluate_images({}, 2)
    with pytest.raises(ValueError, match="channels"):
        evaluate_images({"x": torch.rand(2, 16, 16)}, 2)
    assert np.isfinite(evaluate_images({"x": hr}, 2)["psnr"])
