"""The training engine (srtutor.train.engine): direction of learning for GAN and multi-supervision
runs, mixed precision, resume, non-finite losses, output-path checks, callbacks, the domain and
unsupervised loops running through it, and the CLI's error paths."""

import math

import pytest
import torch
import torch.nn.functional as F

from srtutor import losses as L
from srtutor import models
from srtutor.checkpoint import read_checkpoint
from srtutor.cli import main
from srtutor.data import PairedPatchDataset
from srtutor.train import Callback, NonFiniteLossError, train


def _images(n=2, size=48, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [F.interpolate(torch.rand(1, 3, size // 8, size // 8, generator=g), size=(size, size), mode="bilinear",
                          align_corners=False)[0] for _ in range(n)]


def _texture(n=64, size=16, seed=0):
    """Sharp binary textures (HR) and their 2x2 averages (LR): a bicubic-like generator cannot
    produce the sharp edges, so a discriminator can learn to tell its outputs from the real ones."""
    g = torch.Generator().manual_seed(seed)
    hr = (torch.rand(n, 3, size, size, generator=g) > 0.5).float()
    return torch.utils.data.TensorDataset(F.avg_pool2d(hr, 2), hr)


def _tiny():
    return models.create("espcn", scale=2, features=(8, 4))


class _Stop(Callback):
    """Interrupt a run after ``step`` (after the checkpoint callback has written it)."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, state):
        if state.step == self.step:
            raise KeyboardInterrupt


# ----------------------------------------------------------------------------- direction of learning
@pytest.mark.parametrize("kind", ["vanilla", "ragan"])
def test_gan_discriminator_learns_above_chance(kind):
    torch.manual_seed(0)
    net = models.create("blocknet", scale=2, n_blocks=1, features=8)
    adv = L.AdversarialLoss(L.PatchDiscriminator(3, 8, 2), kind)
    loss = L.CombinedLoss({"l1": (1.0, L.L1Loss()), "adv": (1e-3, adv)})
    d0 = [p.detach().clone() for p in adv.discriminator.parameters()]
    hist = train(net, _texture(), steps=40, loss=loss, adversarial=adv, lr=1e-4, d_lr=2e-3, batch_size=8,
                 log_every=5, schedule="constant", device="cpu", progress=False)
    assert len(hist.d_acc) == len(hist.d_loss) == 8 and set(hist.terms) == {"l1", "adv"}
    assert hist.d_acc[-1] >= 0.9 > 0.5  # far above chance (0.5) once trained
    assert hist.d_acc[-1] > hist.d_acc[0] and hist.d_loss[-1] < hist.d_loss[0]
    assert any(not torch.equal(a, b) for a, b in zip(d0, adv.discriminator.parameters()))


def test_multi_supervision_lapsrn_loss_falls():
    torch.manual_seed(0)
    net = models.create("lapsrn", scale=4, depth=1, features=8)
    ds = PairedPatchDataset(_images(3, 64), scale=4, patch_size=8, length=256)
    hist = train(net, ds, steps=60, lr=2e-3, loss="charbonnier", deep_supervision=True, batch_size=4, log_every=20,
                 device="cpu", progress=False)
    assert hist.loss[-1] < 0.8 * hist.loss[0]


def test_forward_all_outputs_with_a_named_loss_is_multi_supervised():
    torch.manual_seed(0)
    net = models.create("memnet-lite", scale=2, features=8, memory_blocks=2, recursions=2)
    g = torch.Generator().manual_seed(1)
    lr, hr = torch.rand(2, 3, 8, 8, generator=g), torch.rand(2, 3, 16, 16, generator=g)
    with torch.no_grad():
        from srtutor.models.inference import prepare_input
        outs = net.forward_all(prepare_input(net, lr, 2, (16, 16)))
        expected = sum(F.l1_loss(o, hr) for o in outs) / len(outs)
    hist = train(net, [(lr, hr)], steps=1, loss="l1", outputs="all", log_every=1, device="cpu", progress=False)
    assert hist.loss[0] == pytest.approx(float(expected), rel=1e-5)


# ----------------------------------------------------------------------------- precision, layout
def test_bf16_autocast_on_cpu_trains():
    torch.manual_seed(0)
    seen = []

    class Dtype(Callback):
        def on_step_end(self, state):
            seen.append(state.pred.dtype)

    ds = PairedPatchDataset(_images(), scale=2, patch_size=8, length=128)
    hist = train(_tiny(), ds, steps=30, lr=3e-3, batch_size=8, log_every=10, amp=True, device="cpu",
                 progress=False, callbacks=[Dtype()])
    assert set(seen) == {torch.bfloat16}
    assert hist.loss[-1] < hist.loss[0] and all(math.isfinite(v) for v in hist.loss)
    with pytest.raises(ValueError, match="float16"):
        train(_tiny(), ds, steps=1, amp=True, amp_dtype="float16", device="cpu", progress=False)


def test_channels_last_training_matches_contiguous():
    ds = PairedPatchDataset(_images(), scale=2, patch_size=8, length=64)
    out = []
    for cl in (False, True):
        torch.manual_seed(0)
        net = models.create("edsr-baseline", scale=2, n_resblocks=1, features=8)
        hist = train(net, ds, steps=4, lr=1e-3, batch_size=4, log_every=2, device="cpu", progress=False,
                     channels_last=cl)
        assert net.head.weight.is_contiguous(memory_format=torch.channels_last) == cl
        out.append((hist.loss, [p.detach().clone() for p in net.parameters()]))
    assert out[0][0] == pytest.approx(out[1][0], rel=1e-4)
    for a, b in zip(out[0][1], out[1][1]):
        assert torch.allclose(a, b, atol=1e-5)


def test_torch_compile_smoke():
    import shutil

    if not (shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")):
        pytest.skip("torch.compile (inductor) needs a C compiler; none on PATH")
    torch.manual_seed(0)
    net = _tiny().eval()
    x = torch.rand(1, 1, 8, 8)
    try:
        compiled = torch.compile(net)
        y = compiled(x)
    except Exception as exc:  # a missing toolchain piece shows up only when compiling
        pytest.skip(f"torch.compile is not usable here: {type(exc).__name__}: {str(exc)[:200]}")
    assert torch.allclose(y, net(x), atol=1e-5)


# ----------------------------------------------------------------------------- resume, safety
def test_resume_continues_exactly(tmp_path):
    ds = PairedPatchDataset(_images(), scale=2, patch_size=8, length=48)  # 6 batches per epoch: crosses epochs
    kw = dict(steps=10, lr=3e-3, batch_size=8, log_every=2, device="cpu", progress=False, schedule="step",
              val_images=_images(1, 32, seed=5), val_every=4)
    torch.manual_seed(0)
    full = _tiny()
    h_full = train(full, ds, **kw)
    after_full = torch.rand(3)  # the global RNG after the run
    torch.manual_seed(0)
    part = _tiny()
    ckpt = tmp_path / "run.pt"
    with pytest.raises(KeyboardInterrupt):
        train(part, ds, checkpoint=ckpt, checkpoint_every=7, callbacks=[_Stop(7)], **kw)
    assert read_checkpoint(ckpt)["training"]["step"] == 7
    torch.manual_seed(123)  # a fresh process: other initial weights, other RNG state
    resumed = _tiny()
    h_res = train(resumed, ds, resume=ckpt, checkpoint=ckpt, **kw)
    for a, b in zip(full.parameters(), resumed.parameters()):
        assert torch.equal(a, b)
    assert h_res.loss == h_full.loss and h_res.step == h_full.step and h_res.lr == h_full.lr
    assert h_res.val_step == h_full.val_step == [4, 8, 10] and h_res.val_psnr == h_full.val_psnr
    assert torch.equal(torch.rand(3), after_full)
    with pytest.raises(ValueError, match="resume"):  # already at steps=10
        train(_tiny(), ds, resume=ckpt, **kw)


def test_non_finite_loss_stops_with_the_step_and_writes_no_nan_checkpoint(tmp_path):
    calls = []

    def loss(sr, hr):
        calls.append(1)
        value = F.l1_loss(sr, hr)
        return value * float("nan") if len(calls) == 5 else value

    ds = PairedPatchDataset(_images(), scale=2, patch_size=8, length=64)
    ckpt = tmp_path / "m.pt"
    with pytest.raises(NonFiniteLossError, match="step 5") as info:
        train(_tiny(), ds, steps=20, loss=loss, lr=1e-3, batch_size=4, log_every=10, checkpoint=ckpt,
              checkpoint_every=3, device="cpu", progress=False, checkpoint_meta={"name": "espcn"})
    assert info.value.step == 5
    state = read_checkpoint(ckpt)
    assert state["meta"]["step"] == 3  # the step-6 checkpoint was refused
    assert all(torch.isfinite(v).all() for v in state["state_dict"].values())


def test_output_path_is_checked_before_training(tmp_path):
    def never():
        raise AssertionError("training started")
        yield

    for bad, msg in [(tmp_path, "directory"), (tmp_path / "no" / "m.pt", "does not exist")]:
        with pytest.raises(ValueError, match=msg):
            train(_tiny(), never(), steps=1, checkpoint=bad, device="cpu", progress=False)


def test_cli_errors_exit_2_with_one_error_line(tmp_path, capsys):
    base = ["train", "--recipe", "espcn-x2", "--steps", "3", "--batch", "2", "--patch", "8", "--device", "cpu",
            "--no-progress"]
    for extra, needle in [(["--lr", "inf", "--out", str(tmp_path / "a.pt")], "--lr"),
                          (["--out", str(tmp_path)], "--out"),
                          (["--out", str(tmp_path / "x" / "a.pt")], "--out"),
                          (["--lr", "1e30", "--model", "srcnn", "--out", str(tmp_path / "b.pt")], "diverged at step"),
                          (["--resume", str(tmp_path / "missing.pt"), "--out", str(tmp_path / "c.pt")], "--resume")]:
        assert main(base + extra) == 2, extra
        err = [ln for ln in capsys.readouterr().err.splitlines() if "error:" in ln]
        assert len(err) == 1 and needle in err[0], (extra, err)
    assert not (tmp_path / "b.pt").exists()  # no checkpoint of the diverged network


def test_cli_resume_continues_the_run(tmp_path, capsys):
    out = tmp_path / "espcn.pt"
    args = ["train", "--recipe", "espcn-x2", "--batch", "2", "--patch", "8", "--device", "cpu", "--no-progress",
            "--log-every", "1", "--out", str(out)]
    assert main(args + ["--steps", "3"]) == 0
    first = read_checkpoint(out)
    assert first["training"]["step"] == 3 and first["meta"]["cli"]["steps"] == 3
    capsys.readouterr()
    assert main(["train", "--resume", str(out), "--steps", "5", "--out", str(out), "--device", "cpu",
                 "--no-progress"]) == 0
    again = read_checkpoint(out)
    assert again["training"]["step"] == 5 and again["meta"]["history"]["step"] == [1, 2, 3, 4, 5]
    assert again["meta"]["recipe"] == "espcn-x2" and again["meta"]["cli"]["patch"] == 8


# ----------------------------------------------------------------------------- loops through the engine
def test_domain_and_unsupervised_loops_run_through_the_engine(monkeypatch):
    import srtutor.domains.depth as depth
    import srtutor.unsupervised as U

    calls = []
    real = depth.train

    def spy(*a, **kw):
        calls.append(kw.get("forward") is not None)
        return real(*a, **kw)

    monkeypatch.setattr(depth, "train", spy)
    monkeypatch.setattr(U, "train", spy)
    b = depth.depth_sr_batch(2, 32, 2)
    losses = depth.train_guided_depth(depth.GuidedDepthNet(8, 3), b, steps=3, patch=16, batch_size=2)
    lr = torch.rand(3, 16, 16)
    U.zssr(lr, 2, steps=2, patch=8, batch=2, features=8, depth=3, ensemble=False)
    res = U.deep_image_prior(lr, 2, steps=4, hr=torch.rand(3, 32, 32), record_every=2, features=8, levels=2)
    assert calls == [True, True, True] and len(losses) == 3
    assert res["iters"] == [2, 4] and len(res["psnr"]) == 2


# ----------------------------------------------------------------------------- DDP, multi-scale
def test_torchrun_two_gloo_processes_train_multi_scale_carn(tmp_path):
    """``torchrun --nproc_per_node 2 -m srtutor train --recipe carn-x234``: one of CARN's three
    upsamplers is used per step; DDP runs with find_unused_parameters (it crashed without)."""
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "carn.pt"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(port),
           "-m", "srtutor", "train", "--recipe", "carn-x234", "--steps", "20", "--batch", "2", "--patch", "6",
           "--device", "cpu", "--threads", "1", "--no-progress", "--log-every", "10", "--out", str(out)]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    ckpt = read_checkpoint(out)
    hist = ckpt["meta"]["history"]
    assert hist["world_size"] == 2 and hist["step"] == [10, 20] and all(math.isfinite(v) for v in hist["loss"])
    assert hist["images"] == 20 * 2 * 2  # 20 steps, batch 2 per process, 2 processes
    torch.manual_seed(0)
    init = models.create("carn", scale=2, multi_scale=True).state_dict()
    for s in ("2", "3", "4"):  # every upsampler trained (the draw of the factor is shared by the ranks)
        assert not torch.equal(ckpt["state_dict"][f"upsample.{s}.0.weight"], init[f"upsample.{s}.0.weight"])
