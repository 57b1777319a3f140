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
    r = evaluate_images({"x": hr}, 2, protocol="rgb", precision="float64")
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
    r = evaluate_images({"x": hr}, 4, protocol="srcnn", precision="float64")
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
        custom = evaluate_images(imgs, 3, replicate, protocol=protocol, channels=1)  # works on Y under srcnn
        assert custom["method"] == "replicate"
        for u, v in zip(named["images"], custom["images"]):
            assert abs(u["psnr"] - v["psnr"]) < 1e-9 and abs(u["ssim"] - v["ssim"]) < 1e-9


def _recorder(in_channels=None):
    seen = []

    def fn(lr):
        seen.append(tuple(lr.shape))
        return lr.repeat_interleave(2, -2).repeat_interleave(2, -1)

    if in_channels is not None:
        fn.in_channels = in_channels
    return fn, seen


def test_rgb_method_sees_rgb_under_every_protocol():
    """Issue 12 item 5: an RGB model always gets the RGB LR image; the protocol only decides
    the scoring (srcnn: the rounded Y of the rounded SR against the rounded Y of HR)."""
    from srtutor.resize import imresize as resize

    hr = _smooth(40, 36, seed=7)
    for protocol in ("rgb", "srcnn"):
        fn, seen = _recorder()
        r = evaluate_images({"x": hr}, 2, fn, protocol=protocol, precision="float64")
        assert seen == [(3, 20, 18)]
        assert r["protocol"] == protocol
    # srcnn scoring by hand
    u8 = to_numpy(hr)
    lr = to_tensor(resize(u8, scale=0.5), dtype=torch.float64)
    sr = quantize(lr.repeat_interleave(2, -2).repeat_interleave(2, -1))
    ys, yr = quantize(rgb_to_y(sr))[0, 2:-2, 2:-2], quantize(rgb_to_y(hr))[0, 2:-2, 2:-2]
    assert abs(r["psnr"] - 10 * math.log10(1 / float(((ys - yr) ** 2).mean()))) < 1e-9


def test_y_method_sees_y_under_srcnn_and_default_protocols():
    hr = _smooth(40, 36, seed=8)
    fn, seen = _recorder(in_channels=1)
    r = evaluate_images({"x": hr}, 2, fn)
    assert r["protocol"] == "srcnn" and seen == [(1, 20, 18)]
    rgb_fn, _ = _recorder()
    assert evaluate_images({"x": hr}, 2, rgb_fn)["protocol"] == "rgb"
    assert evaluate_images({"x": hr}, 2)["protocol"] == "srcnn"  # bicubic
    from srtutor.evaluate import default_protocol

    assert default_protocol("bicubic") == "srcnn" and default_protocol(rgb_fn) == "rgb"
    assert default_protocol(fn) == "srcnn" and default_protocol(rgb_fn, channels=1) == "srcnn"


def test_network_batches_and_protocols():
    """An nn.Module is run on batches of equal-size images, in inference mode, and gives the
    same numbers as the same network wrapped in a per-image callable."""
    from srtutor.models import create

    torch.manual_seed(0)
    net = create("espcn", scale=2).eval()
    imgs = {f"i{k}": _smooth(40 + 4 * (k % 2), 36, seed=k) for k in range(5)}
    imgs["grey"] = _smooth(32, 32, seed=9)[:1]
    calls = []
    net.register_forward_pre_hook(lambda mod, args: calls.append((tuple(args[0].shape), torch.is_inference_mode_enabled())))
    from srtutor.models import upscale

    for protocol in ("rgb", "srcnn"):
        calls.clear()
        batched = evaluate_images(imgs, 2, net, protocol=protocol, batch_size=4)
        assert max(c[0][0] for c in calls) == 3 and all(c[1] for c in calls)  # 3 images of one size in a batch
        one = evaluate_images(imgs, 2, lambda lr: upscale(net, lr, 2), protocol=protocol, channels=net.in_channels)
        assert [r["name"] for r in batched["images"]] == list(imgs)
        for u, v in zip(batched["images"], one["images"]):
            assert abs(u["psnr"] - v["psnr"]) < 1e-4 and abs(u["ssim"] - v["ssim"]) < 1e-5
    assert batched["method"] == "espcn" and batched["device"] == "cpu" and batched["images_per_second"] > 0


def test_float32_scoring_matches_float64():
    imgs = {f"i{k}": _smooth(48, 44, seed=k) for k in range(3)}
    for protocol in ("rgb", "srcnn"):
        a = evaluate_images(imgs, 2, protocol=protocol)
        b = evaluate_images(imgs, 2, protocol=protocol, precision="float64", workers=0)
        for u, v in zip(a["images"], b["images"]):
            assert abs(u["psnr"] - v["psnr"]) < 1e-5 and abs(u["ssim"] - v["ssim"]) < 1e-6


def test_files_are_decoded_by_the_workers(tmp_path):
    from srtutor.io import write_image

    imgs = {f"i{k}": _smooth(40, 36, seed=k) for k in range(3)}
    files = {k: write_image(tmp_path / f"{k}.png", v) for k, v in imgs.items()}
    a = evaluate_images(imgs, 2)
    b = evaluate_images(files, 2, workers=2)
    assert [r["psnr"] for r in a["images"]] == [r["psnr"] for r in b["images"]]


def test_non_finite_output_is_an_error():
    hr = _smooth()
    with pytest.raises(ValueError, match="NaN or inf"):
        evaluate_images({"x": hr}, 2, lambda lr: torch.full((3, 2 * lr.shape[1], 2 * lr.shape[2]), float("nan")))


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
    with pytest.raises(ValueError, match="channels must be 1"):
        evaluate_images({"x": hr}, 2, lambda lr: lr, channels=2)
    with pytest.raises(ValueError, match="batch_size"):
        evaluate_images({"x": hr}, 2, batch_size=0)
    with pytest.raises(TypeError, match="method must be"):
        evaluate_images({"x": hr}, 2, 3)
    assert np.isfinite(evaluate_images({"x": hr}, 2)["psnr"])


def test_progress_bar_over_images(capsys):
    imgs = {f"i{k}": _smooth(seed=k) for k in range(3)}
    evaluate_images(imgs, 2, progress=True, dataset="Toy")
    err = capsys.readouterr().err
    assert "Toy x2 bicubic" in err and "/3" in err and "img" in err
    evaluate_images(imgs, 2, progress=None)  # stderr is not a terminal here: no bar
    evaluate_images(imgs, 2)
    assert capsys.readouterr().err == ""
    with pytest.raises(TypeError, match="progress"):
        evaluate_images(imgs, 2, progress="yes")
