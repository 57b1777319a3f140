"""A small, readable training loop for SR models (survey §3.4–3.5), single process or DDP.

    >>> import srtutor
    >>> from srtutor.data import PairedPatchDataset, load_training_images
    >>> net = srtutor.models.create("espcn", scale=2)
    >>> ds = PairedPatchDataset(load_training_images(), scale=2, patch_size=17, length=10_000)
    >>> hist = srtutor.train.train(net, ds, steps=1000, lr=1e-3, scale=2)   # doctest: +SKIP

What the loop does at every step: take a batch of ``(lr, hr)`` patches; convert both to the
model's channels (RGB -> Y for 1-channel models, :func:`srtutor.models.inference.to_model_channels`);
for **pre-upsampling** models (``model.upsampling == "pre"``: SRCNN, VDSR) upscale the LR
patch bicubically to the HR size first; predict; take the pixel loss (L1, L2 or Charbonnier);
Adam step; learning-rate schedule (step decay or cosine). On CUDA it uses automatic mixed
precision (float16 autocast + gradient scaling).

**Distributed**: run the same script under ``torchrun --nproc_per_node N``; :func:`train`
sees ``WORLD_SIZE > 1``, initialises the process group (``nccl`` on CUDA, ``gloo`` on CPU),
wraps the model in ``DistributedDataParallel`` and samples with a ``DistributedSampler``, so
each process trains on a different shard and gradients are averaged (the replicas' weights stay
identical). Validation, logging and checkpoints happen on rank 0.

Validation (:func:`evaluate`) follows the literature's protocol through
:func:`srtutor.evaluate.evaluate_images`: LR by MATLAB bicubic, SR rounded to 8 bits, PSNR/SSIM
on Y (BT.601 studio range) with ``scale`` pixels cropped at each border.

Checkpoints (:func:`save_checkpoint`, :func:`load_checkpoint`, re-exported from
:mod:`srtutor.checkpoint`) are a ``state_dict`` plus a small ``meta`` dict of plain values,
loadable with ``torch.load(..., weights_only=True)``.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, DistributedSampler, RandomSampler

from tqdm.auto import tqdm

from srtutor import get_device, metrics
from srtutor._checks import check_positive_int, check_scale
from srtutor.checkpoint import load_checkpoint, load_matching, save_checkpoint
from srtutor.evaluate import evaluate_images
from srtutor.io import quantize as q8
from srtutor.losses import MultiSupervisionLoss
from srtutor.models.inference import (
    _net, bicubic_upsample, forward_sr, in_channels, prepare_input, to_model_channels, upscale,
)
from srtutor.resize import imresize

Tensor = torch.Tensor
PathLike = Union[str, os.PathLike]

LOSSES = ("l1", "l2", "charbonnier")
SCHEDULES = ("step", "cosine", "constant")


# ----------------------------------------------------------------------------- history
@dataclass
class History:
    """What :func:`train` records. ``loss[i]`` is the mean training loss of the ``log_every``
    steps ending at ``step[i]``; ``val_psnr[i]`` the mean validation PSNR (dB, Y, crop = scale)
    at ``val_step[i]``; ``bicubic_psnr`` the same for bicubic upscaling."""

    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    val_step: list[int] = field(default_factory=list)
    val_psnr: list[float] = field(default_factory=list)
    bicubic_psnr: Optional[float] = None
    seconds: float = 0.0
    world_size: int = 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ----------------------------------------------------------------------------- losses & schedules
def pixel_loss(sr: Tensor, hr: Tensor, kind: str = "l1", eps: float = 1e-3) -> Tensor:
    """Mean pixel loss: ``"l1"`` mean of ``|e|``, ``"l2"`` of ``e**2``, ``"charbonnier"`` of ``sqrt(e**2 + eps**2)`` (LapSRN)."""
    if kind == "l1":
        return F.l1_loss(sr, hr)
    if kind == "l2":
        return F.mse_loss(sr, hr)
    if kind == "charbonnier":
        return torch.sqrt((sr - hr) ** 2 + eps**2).mean()
    raise ValueError(f"loss must be one of {LOSSES}, got {kind!r}")


def make_scheduler(optimizer: torch.optim.Optimizer, schedule: str, steps: int,
                   min_lr_ratio: float = 0.01) -> torch.optim.lr_scheduler.LRScheduler:
    """Per-step schedule: ``"step"`` halves the rate at 50 % and 75 % of ``steps``;
    ``"cosine"`` anneals it to ``min_lr_ratio`` times the initial rate; ``"constant"``."""
    if schedule == "step":
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, [steps // 2, (3 * steps) // 4], gamma=0.5)
    if schedule == "cosine":
        return torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda t: min_lr_ratio + (1 - min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * min(t, steps) / steps)))
    if schedule == "constant":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda t: 1.0)
    raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")


# ----------------------------------------------------------------------------- distributed
def init_distributed() -> tuple[int, int, int]:
    """Initialise ``torch.distributed`` from torchrun's environment when ``WORLD_SIZE > 1``.

    Returns ``(rank, world_size, local_rank)``; ``(0, 1, 0)`` for a single process.
    Backend: ``nccl`` when CUDA is available, else ``gloo``.
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1, 0
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend)
    return dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0))


def _batches(data: Union[Dataset, DataLoader, Iterable], batch_size: int, world: int, rank: int,
             seed: int, num_workers: int):
    """Endless iterator of batches; a Dataset gets a (distributed) shuffling DataLoader."""
    if isinstance(data, Dataset) and not isinstance(data, torch.utils.data.IterableDataset):
        if world > 1:
            sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=True)
        else:
            sampler = RandomSampler(data, generator=torch.Generator().manual_seed(seed))
        loader = DataLoader(data, batch_size=batch_size, sampler=sampler, drop_last=True, num_workers=num_workers)
        if len(loader) == 0:
            raise ValueError(f"data has {len(data)} items, fewer than batch_size={batch_size} per process")
    else:
        loader, sampler = data, None
    epoch = 0
    while True:
        if isinstance(sampler, DistributedSampler):
            sampler.set_epoch(epoch)
        n = 0
        for batch in loader:
            n += 1
            yield batch
        if n == 0:
            raise ValueError("data yielded no batches")
        epoch += 1


# ----------------------------------------------------------------------------- evaluation
def lr_for_scale(hr: Tensor, scale: float) -> Tensor:
    """LR batch for any scale ``r``: MATLAB bicubic to ``(round(H/r), round(W/r))``, clamped to [0, 1]."""
    size = (max(1, round(hr.shape[-2] / scale)), max(1, round(hr.shape[-1] / scale)))
    return imresize(hr, size=size).clamp(0, 1)


@torch.no_grad()
def evaluate(model: Optional[nn.Module], images: Union[Mapping[str, Tensor], Sequence[Tensor]], scale: float, *,
             ssim: bool = True, protocol: str = "auto") -> dict[str, Any]:
    """PSNR/SSIM of ``model`` (or of bicubic upscaling when ``model is None``) on HR ``images``.

    Integer scales use the package's benchmark protocol, :func:`srtutor.evaluate.evaluate_images`
    (modcrop, MATLAB bicubic ↓``scale``, Y channel, ``scale`` pixels cropped, SR rounded to
    8 bits). ``protocol="auto"`` picks its ``"srcnn"`` convention (Y resized; reproduces the
    published bicubic rows) for bicubic and 1-channel models and ``"rgb"`` for RGB models.
    A non-integer ``scale`` (arbitrary-scale models) makes the LR with :func:`lr_for_scale`
    from the RGB image (rounded to 8 bits, no modcrop), produces SR at the HR size and crops
    ``ceil(scale)`` pixels.

    Returns:
        ``{"names", "psnr", "ssim", "mean_psnr", "mean_ssim"}`` (per-image lists and means;
        SSIM entries are ``None`` when ``ssim=False``).
    """
    s = check_scale(scale)
    items = dict(images) if isinstance(images, Mapping) else {str(i): im for i, im in enumerate(images)}
    dev = next(model.parameters()).device if model is not None else torch.device("cpu")
    if s.is_integer():
        s = int(s)
        if protocol == "auto":
            protocol = "srcnn" if model is None or in_channels(model) == 1 else "rgb"
        method = "bicubic" if model is None else (lambda lr: upscale(model, lr.to(dev), s).cpu())
        res = evaluate_images(items, s, method, protocol=protocol,
                              channels=None if model is None else in_channels(model))
        names = [r["name"] for r in res["images"]]
        ps = [r["psnr"] for r in res["images"]]
        ss = [r["ssim"] for r in res["images"]] if ssim else [None] * len(ps)
    else:
        crop = math.ceil(s)
        names, ps, ss = [], [], []
        for name, hr in items.items():
            lr = q8(lr_for_scale(hr[None], s)[0])
            if model is None:
                sr = bicubic_upsample(lr[None], hr.shape[-2:])[0]
            else:
                sr = upscale(model, lr.to(dev), s, hr_size=tuple(hr.shape[-2:])).cpu().to(hr.dtype)
                if sr.shape[0] != hr.shape[0]:
                    sr, hr = to_model_channels(sr, 1), to_model_channels(hr, 1)
            sr = q8(sr)
            names.append(name)
            ps.append(float(metrics.psnr(sr, hr, crop_border=crop, y_channel=True)))
            ss.append(float(metrics.ssim(sr, hr, crop_border=crop, y_channel=True)) if ssim else None)
    return {"names": names, "psnr": ps, "ssim": ss, "mean_psnr": sum(ps) / len(ps),
            "mean_ssim": (sum(ss) / len(ss)) if ssim else None}


# ----------------------------------------------------------------------------- the loop
def train(
    model: nn.Module,
    data: Union[Dataset, DataLoader, Iterable],
    *,
    steps: int,
    lr: float = 1e-3,
    loss: str = "l1",
    schedule: str = "cosine",
    scale: Optional[float] = None,
    scales: Optional[Sequence[float]] = None,
    batch_size: int = 16,
    val_images: Optional[Union[Mapping[str, Tensor], Sequence[Tensor]]] = None,
    val_every: Optional[int] = None,
    device: Any = "auto",
    amp: Optional[bool] = None,
    checkpoint: Optional[PathLike] = None,
    checkpoint_meta: Optional[Mapping[str, Any]] = None,
    log_every: int = 50,
    progress: bool = True,
    num_workers: int = 0,
    seed: int = 0,
    weight_decay: float = 0.0,
    grad_clip: Optional[float] = None,
    min_lr_ratio: float = 0.01,
    deep_supervision: bool = False,
) -> History:
    """Train ``model`` on ``(lr, hr)`` batches for ``steps`` optimiser steps (Adam).

    Args:
        model: an SR network (reads ``model.upsampling``, ``model.in_channels``, ``model.scale``).
        data: a ``Dataset`` of ``(lr (C, p, p), hr (C, sp, sp))`` items (e.g.
            :class:`srtutor.data.PairedPatchDataset`; shuffled, sharded under DDP), or a
            ``DataLoader``/iterable of batched pairs (used as given, cycled).
        steps: number of optimiser steps.
        lr: initial learning rate.
        loss: ``"l1"``, ``"l2"`` or ``"charbonnier"``.
        schedule: ``"step"``, ``"cosine"`` or ``"constant"`` (:func:`make_scheduler`).
        scale: upscaling factor (default ``model.scale``).
        scales: multi-scale training: at every step one ``r`` is drawn from ``scales`` and the
            LR batch is remade from the HR patches with :func:`lr_for_scale` (the data's LR
            patches are ignored; HR patches must be divisible by every ``r``). For arbitrary-scale
            (Meta-SR) models, for one pre-upsampling network serving several factors (VDSR's
            ×2/×3/×4 model) and for models with several upsamplers (``model.multi_scale``,
            CARN), which get ``scale=r``. Validation uses ``scale``.
        batch_size: per process, when ``data`` is a Dataset.
        val_images: HR images for validation (:func:`evaluate`, PSNR only), at ``val_every``
            steps (default: 4 times per run) and at the end.
        device: ``"auto"``/``"cpu"``/``"cuda"``; under DDP on CUDA, ``cuda:LOCAL_RANK``.
        amp: mixed precision (default: on for CUDA, off on CPU).
        checkpoint: where to save the final (and each validation's) weights, rank 0.
        checkpoint_meta: stored with the weights (``name``, ``scale``, ``kwargs``, ...).
        log_every: record (and show) the mean loss every this many steps.
        progress: tqdm progress bar (rank 0).
        seed: seeds the sampler's shuffling.
        weight_decay: Adam's weight decay.
        grad_clip: clip the global gradient norm to this value (VDSR's adjustable clipping,
            here on the norm).
        min_lr_ratio: final learning rate of the cosine schedule, as a fraction of ``lr``.
        deep_supervision: for progressive models with a pyramid (LapSRN): the loss is the mean
            of ``loss`` over every level, each level against the HR patch downscaled to its size
            (:class:`srtutor.losses.MultiSupervisionLoss`; Lai et al. 2017, Eq. 2).

    Returns:
        :class:`History`.
    """
    check_positive_int(steps, "steps")
    check_positive_int(batch_size, "batch_size")
    check_positive_int(log_every, "log_every")
    if not isinstance(lr, (int, float)) or not lr > 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    scale = getattr(model, "scale", None) if scale is None else scale
    if scale is None:
        raise ValueError("scale must be given for a model without a .scale attribute")
    scale = check_scale(scale)
    scale = int(scale) if float(scale).is_integer() else scale

    multi = None
    if deep_supervision:
        if not hasattr(_net(model), "pyramid"):
            raise ValueError(f"deep_supervision needs a model with a pyramid (LapSRN), got {type(_net(model)).__name__}")
        multi = MultiSupervisionLoss(loss)
    if scales is not None:
        scales = [check_scale(r, "scales[i]") for r in scales]
        if not scales:
            raise ValueError("scales must not be empty")
    pick = torch.Generator().manual_seed(seed)
    rank, world, local_rank = init_distributed()
    dev = get_device(device)
    if world > 1 and dev.type == "cuda":
        dev = torch.device("cuda", local_rank)
        torch.cuda.set_device(dev)
    use_amp = (dev.type == "cuda") if amp is None else bool(amp and dev.type == "cuda")
    net = model.to(dev)
    if world > 1:
        net = nn.parallel.DistributedDataParallel(net, device_ids=[dev.index] if dev.type == "cuda" else None)
    main = rank == 0
    hist = History(world_size=world)
    if val_images is not None and main:
        hist.bicubic_psnr = evaluate(None, val_images, scale, ssim=False)["mean_psnr"]
    val_every = val_every or max(1, steps // 4)

    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=weight_decay)
    sched = make_scheduler(opt, schedule, steps, min_lr_ratio)
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
    batches = _batches(data, batch_size, world, rank, seed, num_workers)
    channels = in_channels(net)

    bar = None
    if progress and main:
        bar = tqdm(total=steps, desc=f"train {type(_net(net)).__name__} x{scale}", leave=False)
    t0, running, count = time.perf_counter(), 0.0, 0
    net.train()
    for step in range(1, steps + 1):
        lr_b, hr_b = next(batches)[:2]
        r = scale if scales is None else scales[int(torch.randint(len(scales), (), generator=pick))]
        hr_b = hr_b.to(dev, non_blocking=True)
        lr_b = lr_for_scale(hr_b, r) if scales is not None else lr_b.to(dev, non_blocking=True)
        hr_b = to_model_channels(hr_b, channels)
        x = prepare_input(net, lr_b, r, tuple(hr_b.shape[-2:]))
        with torch.autocast(device_type=dev.type, dtype=torch.float16, enabled=use_amp):
            sr = net(x, pyramid=True) if multi is not None else forward_sr(net, x, r, tuple(hr_b.shape[-2:]))
        if multi is not None:
            value = multi([p.float() for p in sr], hr_b)
        else:
            value = pixel_loss(sr.float(), hr_b, loss)
        opt.zero_grad(set_to_none=True)
        scaler.scale(value).backward()
        if grad_clip is not None:
            scaler.unscale_(opt)
            nn.utils.clip_grad_norm_(net.parameters(), grad_clip)
        scaler.step(opt)
        scaler.update()
        sched.step()
        running += float(value.detach())
        count += 1
        if step % log_every == 0 or step == steps:
            hist.step.append(step)
            hist.loss.append(running / count)
            hist.lr.append(opt.param_groups[0]["lr"])
            if bar is not None:
                bar.set_postfix(loss=f"{running / count:.4f}", lr=f"{opt.param_groups[0]['lr']:.2e}")
            running, count = 0.0, 0
        if main and ((val_images is not None and (step % val_every == 0 or step == steps))
                     or (checkpoint is not None and step == steps)):
            if val_images is not None:
                hist.val_step.append(step)
                hist.val_psnr.append(evaluate(_net(net), val_images, scale, ssim=False)["mean_psnr"])
                if bar is not None:
                    bar.set_postfix(loss=hist.loss[-1] if hist.loss else float("nan"), val_psnr=f"{hist.val_psnr[-1]:.2f}")
            if checkpoint is not None:
                meta = {"scale": scale, "step": step, **dict(checkpoint_meta or {}),
                        "history": {k: v for k, v in hist.as_dict().items()}}
                save_checkpoint(checkpoint, net, meta=meta)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    hist.seconds = time.perf_counter() - t0
    net.eval()
    return hist


__all__ = ["History", "pixel_loss", "make_scheduler", "init_distributed", "evaluate", "save_checkpoint",
           "load_checkpoint", "load_matching", "train", "lr_for_scale"]
