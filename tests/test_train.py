"""Training loop: losses, schedules, pre-upsampling inputs, checkpoints, evaluation, DDP."""

import math
import os
import socket

import pytest
import torch
import torch.multiprocessing as mp

from srtutor import metrics, models
from srtutor.data import PairedPatchDataset, make_pair
from srtutor.io import quantize
from srtutor.train import (History, evaluate, load_checkpoint, load_matching, make_scheduler, pixel_loss,
                           save_checkpoint, train)


def _images(n=2, size=48, seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):  # smooth random images: low-resolution noise upscaled
        small = torch.rand(1, 3, size // 8, size // 8, generator=g)
        out.append(torch.nn.functional.interpolate(small, size=(size, size), mode="bilinear", align_corners=False)[0])
    return out


def _tiny_espcn(scale=2):
    return models.create("espcn", scale=scale, features=(8, 4))


def test_pixel_loss_hand_values():
    a, b = torch.zeros(4), torch.tensor([0.0, 0.5, -1.0, 2.0])
    assert pixel_loss(a, b, "l1").item() == pytest.approx(0.875)
    assert pixel_loss(a, b, "l2").item() == pytest.approx((0.25 + 1 + 4) / 4)
    assert pixel_loss(a, b, "charbonnier", eps=0.0).item() == pytest.approx(0.875)
    with pytest.raises(ValueError, match="loss"):
        pixel_loss(a, b, "l3")


def test_schedules():
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    s = make_scheduler(opt, "step", 8)
    rates = []
    for _ in range(8):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        s.step()
    assert rates == [1, 1, 1, 1, 0.5, 0.5, 0.25, 0.25]
    opt = torch.optim.SGD([p], lr=1.0)
    s = make_scheduler(opt, "cosine", 10, min_lr_ratio=0.1)
    for _ in range(5):
        opt.step()
        s.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 + 0.9 * 0.5)
    with pytest.raises(ValueError, match="schedule"):
        make_scheduler(opt, "linear", 10)


def test_train_decreases_loss_and_validates(tmp_path):
    torch.manual_seed(0)
    imgs = _images()
    ds = PairedPatchDataset(imgs, scale=2, patch_size=8, length=64)
    net = _tiny_espcn()
    hist = train(net, ds, steps=40, lr=3e-3, batch_size=8, log_every=10, val_images=imgs[:1], val_every=20,
                 progress=False, device="cpu", checkpoint=tmp_path / "m.pt",
                 checkpoint_meta={"name": "espcn", "kwargs": {"features": [8, 4]}})
    assert isinstance(hist, History)
    assert hist.step == [10, 20, 30, 40] and hist.val_step == [20, 40]
    assert hist.loss[-1] < hist.loss[0]
    assert hist.bicubic_psnr is not None and all(math.isfinite(v) for v in hist.val_psnr)
    # checkpoint: plain torch.load(weights_only=True) works and rebuilds the same network
    raw = torch.load(tmp_path / "m.pt", weights_only=True)
    assert raw["meta"]["step"] == 40 and raw["meta"]["name"] == "espcn"
    net2, meta = load_checkpoint(tmp_path / "m.pt")
    x = torch.rand(1, 1, 6, 6)
    assert torch.equal(net2(x), net(x))
    assert meta["history"]["val_psnr"] == hist.val_psnr


def test_pre_upsampling_model_gets_bicubic_input():
    # an SRCNN-like identity: its loss is exactly the bicubic error, so training a zero-init
    # residual-free copy must start from the bicubic L1 error
    imgs = _images(1, 32)
    ds = PairedPatchDataset(imgs, scale=2, patch_size=8, length=8, augment=False)
    net = models.create("srcnn", scale=2, features=(4, 4))
    hist = train(net, ds, steps=2, batch_size=4, log_every=1, progress=False, device="cpu")
    assert len(hist.loss) == 2 and all(math.isfinite(v) for v in hist.loss)

    class Identity(torch.nn.Module):
        upsampling, in_channels, scale = "pre", 1, 2

        def __init__(self):
            super().__init__()
            self.b = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return x + self.b

    lr_p, hr_p = next(iter(torch.utils.data.DataLoader(ds, batch_size=8)))
    from srtutor.color import rgb_to_y
    from srtutor.models.inference import bicubic_upsample
    expected = (bicubic_upsample(rgb_to_y(lr_p), (16, 16)) - rgb_to_y(hr_p)).abs().mean()
    hist = train(Identity(), torch.utils.data.DataLoader(ds, batch_size=8), steps=1, lr=1e-9, log_every=1,
                 progress=False, device="cpu")
    assert hist.loss[0] == pytest.approx(float(expected), rel=1e-5)


def test_evaluate_uses_the_benchmark_protocol():
    from srtutor.evaluate import evaluate_images
    hr = _images(1, 40, seed=3)[0]
    res = evaluate(None, {"a": hr}, 2)
    ref = evaluate_images({"a": hr}, 2, "bicubic", protocol="srcnn")
    assert res["names"] == ["a"]
    assert res["psnr"][0] == pytest.approx(ref["psnr"]) and res["ssim"][0] == pytest.approx(ref["ssim"])
    # an "identity" Y model that returns the MATLAB bicubic of its input scores like bicubic
    class Bicubic(torch.nn.Module):
        upsampling, in_channels, scale = "pre", 1, 2

        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return x + self.w

    assert evaluate(Bicubic(), {"a": hr}, 2)["mean_psnr"] == pytest.approx(ref["psnr"], abs=1e-6)


def test_train_argument_errors():
    ds = PairedPatchDataset(_images(1, 32), scale=2, patch_size=8, length=8)
    with pytest.raises(ValueError, match="loss"):
        train(_tiny_espcn(), ds, steps=1, loss="l3", progress=False)
    with pytest.raises(ValueError, match="steps"):
        train(_tiny_espcn(), ds, steps=0, progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        train(_tiny_espcn(), ds, steps=1, batch_size=16, progress=False, device="cpu")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(rank, world, port, out_dir):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    torch.manual_seed(0)  # same initial weights on both ranks (DDP also broadcasts rank 0's)
    ds = PairedPatchDataset(_images(), scale=2, patch_size=8, length=32)
    net = _tiny_espcn()
    hist = train(net, ds, steps=4, lr=1e-2, batch_size=4, log_every=1, progress=False, device="cpu")
    torch.save({"params": [p.detach().clone() for p in net.parameters()], "loss": hist.loss,
                "world": hist.world_size}, os.path.join(out_dir, f"rank{rank}.pt"))
    torch.distributed.destroy_process_group()


def test_ddp_two_cpu_processes_keep_replicas_identical(tmp_path):
    mp.spawn(_ddp_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    r0 = torch.load(tmp_path / "rank0.pt", weights_only=True)
    r1 = torch.load(tmp_path / "rank1.pt", weights_only=True)
    assert r0["world"] == r1["world"] == 2
    for a, b in zip(r0["params"], r1["params"]):
        assert torch.equal(a, b)
    # the ranks saw different shards (DistributedSampler): their local losses differ
    assert r0["loss"] != r1["loss"]
    torch.manual_seed(0)
    init = [p.detach() for p in _tiny_espcn().parameters()]
    assert any(not torch.equal(a, b) for a, b in zip(r0["params"], init))


def test_meta_sr_multi_scale_training_and_fractional_evaluation():
    torch.manual_seed(0)
    imgs = _images(2, 48)
    ds = PairedPatchDataset(imgs, scale=2, patch_size=12, length=16)  # HR patches 24x24
    net = models.create("metasr-small", scale=2.0, features=8, n_resblocks=1, hidden=8)
    hist = train(net, ds, steps=3, scales=[1.5, 2.0, 3.0], scale=2.5, batch_size=4, log_every=1,
                 val_images=imgs[:1], val_every=3, progress=False, device="cpu")
    assert len(hist.loss) == 3 and len(hist.val_psnr) == 1
    res = evaluate(net, imgs[:1], 2.5, ssim=False)
    assert math.isfinite(res["mean_psnr"])
    from srtutor.train import lr_for_scale
    assert lr_for_scale(torch.rand(1, 3, 37, 40), 3.7).shape == (1, 3, 10, 11)


def test_deep_supervision_loss_is_the_mean_over_pyramid_levels():
    """LapSRN: the first logged loss is the mean of the x2 level against the HR patch
    downscaled by 2 and the x4 level against the HR patch (initial weights, one fixed batch)."""
    from srtutor.strategies import MultiSupervisionLoss

    torch.manual_seed(0)
    net = models.create("lapsrn", scale=4, depth=1, features=8)
    g = torch.Generator().manual_seed(1)
    lr, hr = torch.rand(2, 1, 8, 8, generator=g), torch.rand(2, 1, 32, 32, generator=g)
    with torch.no_grad():
        x2, x4 = net.pyramid(lr)
        down = torch.nn.functional.interpolate(hr, size=(16, 16), mode="bicubic", align_corners=False, antialias=True)
        expected = 0.5 * ((x2 - down).abs().mean() + (x4 - hr).abs().mean())
        assert MultiSupervisionLoss("l1")([x2, x4], hr) == pytest.approx(float(expected), rel=1e-6)
    hist = train(net, [(lr, hr)], steps=1, lr=1e-3, loss="l1", device="cpu", log_every=1, progress=False,
                 deep_supervision=True)
    assert hist.loss[0] == pytest.approx(float(expected), rel=1e-5)
    with pytest.raises(ValueError, match="pyramid"):
        train(_tiny_espcn(), [(lr, hr)], steps=1, device="cpu", progress=False, deep_supervision=True)


def test_multi_scale_carn_training_updates_every_upsampler():
    torch.manual_seed(0)
    net = models.create("carn", scale=2, features=8, multi_scale=True)
    before = {s: next(iter(up.parameters())).detach().clone() for s, up in net.upsample.items()}
    ds = PairedPatchDataset(_images(size=48), scale=2, patch_size=6, length=64)  # HR 12x12: /2, /3, /4
    train(net, ds, steps=12, lr=1e-3, scale=2, scales=(2, 3, 4), batch_size=2, device="cpu", progress=False)
    for s, up in net.upsample.items():
        after = next(iter(up.parameters())).detach()
        assert not torch.equal(after, before[s]), f"upsampler x{s} never trained"
    lr = torch.rand(1, 3, 7, 9)
    for s in (2, 3, 4):  # inference passes the factor to the network
        assert models.upscale(net, lr, s).shape[-2:] == (7 * s, 9 * s)


def test_load_matching_copies_the_body_and_keeps_the_new_upsampler():
    torch.manual_seed(0)
    x2 = models.create("edsr-baseline", scale=2, n_resblocks=2, features=8)
    x4 = models.create("edsr-baseline", scale=4, n_resblocks=2, features=8)
    tail_before = {k: v.clone() for k, v in x4.state_dict().items() if k.startswith("tail")}
    fresh = load_matching(x4, x2.state_dict())
    assert fresh and all(k.startswith("tail") for k in fresh)
    for k, v in x4.state_dict().items():
        if k in fresh:
            assert torch.equal(v, tail_before[k])
        else:
            assert torch.equal(v, x2.state_dict()[k])
    with pytest.raises(ValueError, match="no tensor"):
        load_matching(x4, {"nothing": torch.zeros(1)})
