"""Cost of an SR model: parameters, floating-point operations and wall-clock time per image.

FLOPs are counted with :class:`torch.utils.flop_counter.FlopCounterMode` (a multiply-add
counts as 2 FLOPs; convolutions, transposed convolutions and matrix products are counted,
element-wise operations are not). Papers often quote multiply-adds ("Mult-Adds") = FLOPs / 2.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import torch
import torch.nn as nn

from srtutor.models.inference import _net, forward_sr, in_channels, prepare_input


def _input(model: nn.Module, lr_size: tuple[int, int], scale: float, device) -> tuple[torch.Tensor, tuple[int, int]]:
    c = in_channels(model)
    lr = torch.rand(1, c, *lr_size, device=device)
    hr = (int(lr_size[0] * scale + 1e-9), int(lr_size[1] * scale + 1e-9))
    return prepare_input(model, lr, scale, hr), hr


@torch.no_grad()
def count_flops(model: nn.Module, lr_size: tuple[int, int] = (64, 64), scale: float | None = None) -> int:
    """FLOPs of one forward pass producing the SR image of an ``lr_size`` LR input.

    Runs on PyTorch's ``meta`` device (shapes only, no arithmetic, instant even for big
    models). For pre-upsampling models the network runs on the ``scale``-times larger input
    (the bicubic interpolation itself is not counted). ``scale`` defaults to ``model.scale``.
    """
    import copy

    from torch.utils.flop_counter import FlopCounterMode

    from srtutor.models.inference import framework

    scale = getattr(_net(model), "scale", 2) if scale is None else scale
    net = copy.deepcopy(_net(model)).to("meta")
    hr = (int(lr_size[0] * scale + 1e-9), int(lr_size[1] * scale + 1e-9))
    size = hr if framework(net) == "pre" else tuple(lr_size)
    x = torch.empty(1, in_channels(net), *size, device="meta")
    with FlopCounterMode(display=False) as fc:
        forward_sr(net, x, scale, hr)
    return int(fc.get_total_flops())


@torch.no_grad()
def time_per_image(model: nn.Module, lr_size: tuple[int, int] = (64, 64), scale: float | None = None, *,
                   repeats: int = 5, warmup: int = 1) -> dict[str, Any]:
    """Median wall-clock seconds of one forward pass (``model``'s device; CUDA synchronised).

    Returns ``{"median_s", "min_s", "device", "lr_size"}``. Timings depend on the machine and its
    load: report them with the device, never assert them in tests.
    """
    scale = getattr(_net(model), "scale", 2) if scale is None else scale
    p = next(model.parameters())
    model.eval()
    x, hr = _input(model, lr_size, scale, p.device)
    x = x.to(p.dtype)
    sync = torch.cuda.synchronize if p.device.type == "cuda" else (lambda: None)
    for _ in range(warmup):
        forward_sr(model, x, scale, hr)
    sync()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        forward_sr(model, x, scale, hr)
        sync()
        times.append(time.perf_counter() - t)
    return {"median_s": statistics.median(times), "min_s": min(times), "device": str(p.device),
            "lr_size": tuple(lr_size)}
