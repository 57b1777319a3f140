"""Running a trained SR model on an LR image: pre-upsampling and Y-channel handling.

Models carry two attributes read here and by :func:`srtutor.train.train`:

* ``model.upsampling``: the survey's framework (§3.1) — ``"pre"`` (the network takes the
  bicubic-upscaled LR image, e.g. SRCNN, VDSR), ``"post"`` (upsampling at the end, e.g. FSRCNN,
  ESPCN, EDSR), ``"progressive"`` (LapSRN), ``"iterative"`` (DBPN) or ``"meta"`` (Meta-SR,
  arbitrary scale; the forward pass takes ``scale=``).
* ``model.multi_scale`` (optional): one network with several upsamplers (multi-scale CARN);
  :func:`forward_sr` passes the integer ``scale=`` to it.
* ``model.in_channels``: 1 for luminance-only models (they see the Y channel of BT.601
  YCbCr, studio range, as in the papers; the chroma is upscaled bicubically) or 3 for RGB.

:func:`prepare_input` turns an RGB/Y LR batch into what the network expects, and
:func:`upscale` returns an RGB (or Y) SR image in [0, 1].
"""

from __future__ import annotations

import torch
import torch.nn as nn

from srtutor._checks import as_batch, check_image, check_scale

Tensor = torch.Tensor


def _net(model: nn.Module) -> nn.Module:
    """Unwrap ``DistributedDataParallel`` / ``DataParallel``."""
    return getattr(model, "module", model)


def framework(model: nn.Module) -> str:
    """``model.upsampling`` (``"post"`` when the model does not say)."""
    return getattr(_net(model), "upsampling", "post")


def in_channels(model: nn.Module) -> int:
    """``model.in_channels`` (3 when the model does not say)."""
    return int(getattr(_net(model), "in_channels", 3))


def model_scales(model: nn.Module) -> tuple[int, ...] | None:
    """The integer factors this model instance can produce; ``None`` when any factor works.

    ``None`` for Meta-SR (arbitrary scales) and pre-upsampling models (SRCNN, VDSR: the network
    only refines a bicubic upscale, whose size follows the requested factor). Multi-scale
    networks (``model.multi_scale``) give the factors of their upsamplers; other models their
    ``model.scale``.
    """
    net = _net(model)
    if framework(model) in ("meta", "pre"):
        return None
    if getattr(net, "multi_scale", False):
        ups = getattr(net, "upsample", None)
        if isinstance(ups, nn.ModuleDict):
            return tuple(sorted(int(k) for k in ups.keys()))
        scales = getattr(net, "scales", None)
        return tuple(int(v) for v in scales) if scales else None
    s = getattr(net, "scale", None)
    if s is None or isinstance(s, bool) or not isinstance(s, (int, float)) or float(s) != int(s):
        return None
    return (int(s),)


def check_model_scale(model: nn.Module, scale: float) -> None:
    """Refuse a ``scale`` the model cannot produce (see :func:`model_scales`): ``ValueError``."""
    allowed = model_scales(model)
    if allowed is not None and scale not in allowed:
        name = type(_net(model)).__name__
        built = f"scale {allowed[0]}" if len(allowed) == 1 else f"scales {list(allowed)}"
        raise ValueError(f"scale={scale:g} does not match the model: this {name} was built for {built}; "
                         f"pass scale={allowed[0]} or build the model with scale={scale:g}")


def bicubic_upsample(x: Tensor, size: tuple[int, int]) -> Tensor:
    """MATLAB-style bicubic resize of a batch to ``size`` (:func:`srtutor.resize.imresize`)."""
    from srtutor.resize import imresize

    return imresize(x, size=tuple(int(s) for s in size)).clamp(0, 1)


def to_model_channels(x: Tensor, channels: int) -> Tensor:
    """RGB -> Y (BT.601 studio range) when the model is 1-channel; otherwise unchanged."""
    if channels == 1 and x.shape[-3] == 3:
        from srtutor.color import rgb_to_y

        return rgb_to_y(x)
    if channels == 3 and x.shape[-3] == 1:
        return x.expand(*x.shape[:-3], 3, *x.shape[-2:])
    return x


def prepare_input(model: nn.Module, lr: Tensor, scale: float, hr_size: tuple[int, int] | None = None) -> Tensor:
    """What ``model`` takes for LR batch ``lr``: channel conversion, then bicubic
    pre-upsampling to ``hr_size`` (default ``floor(scale * size)``) for pre-upsampling models."""
    x = to_model_channels(lr, in_channels(model))
    if framework(model) == "pre":
        if hr_size is None:
            hr_size = (int(x.shape[-2] * scale + 1e-9), int(x.shape[-1] * scale + 1e-9))
        x = bicubic_upsample(x, hr_size)
    return x


def forward_sr(model: nn.Module, x: Tensor, scale: float, hr_size: tuple[int, int] | None = None) -> Tensor:
    """Call the network on a prepared input (passes ``scale``/``out_size`` to Meta-SR models)."""
    if framework(model) == "meta":
        return model(x, scale=scale, out_size=hr_size)
    if getattr(_net(model), "multi_scale", False):
        return model(x, scale=int(scale))
    return model(x)


@torch.no_grad()
def upscale(model: nn.Module, lr: Tensor, scale: float | None = None, *,
            hr_size: tuple[int, int] | None = None, clamp: bool = True) -> Tensor:
    """Super-resolve ``lr`` with ``model`` (evaluation mode, no gradients).

    Args:
        model: an SR network (see the module docstring for the attributes read).
        lr: ``(C, H, W)`` or ``(N, C, H, W)`` in [0, 1], RGB or 1-channel.
        scale: upscaling factor; defaults to ``model.scale``.
        hr_size: exact output ``(H', W')`` (default ``floor(scale H) x floor(scale W)``).
        clamp: clamp the result to [0, 1].

    Raises:
        ValueError: ``scale`` is not one the model produces (:func:`model_scales`), the
            network's output does not have the size ``hr_size``, or it holds NaN/inf (weights
            that are not finite, e.g. a diverged training run).

    Returns:
        SR image(s) with ``lr``'s channel count (a 1-channel model applied to an RGB image
        predicts Y; Cb and Cr are upscaled bicubically and the result converted back to RGB),
        shape ``(..., C, H', W')``.
    """
    check_image(lr, "lr", channels=(1, 3))
    if scale is None:
        scale = getattr(_net(model), "scale", None)
        if scale is None:
            raise ValueError("scale must be given for a model without a .scale attribute")
    scale = check_scale(scale)
    check_model_scale(model, scale)
    xb, was3 = as_batch(lr)
    p = next(model.parameters())
    xb = xb.to(device=p.device, dtype=p.dtype)
    if hr_size is None:
        hr_size = (int(xb.shape[-2] * scale + 1e-9), int(xb.shape[-1] * scale + 1e-9))
    was_training = model.training
    model.eval()
    try:
        out = forward_sr(model, prepare_input(model, xb, scale, hr_size), scale, hr_size)
    finally:
        model.train(was_training)
    if tuple(out.shape[-2:]) != tuple(hr_size):
        raise ValueError(f"the model returned {tuple(out.shape[-2:])} for an LR input {tuple(xb.shape[-2:])} at "
                         f"scale={scale:g}; expected hr_size={tuple(hr_size)} (is the model built for this scale?)")
    if not bool(torch.isfinite(out).all()):
        raise ValueError("the model produced NaN or inf values: its weights are not finite (a diverged training "
                         "run?) or the input overflows its dtype; check the checkpoint")
    if in_channels(model) == 1 and xb.shape[1] == 3:
        from srtutor.color import rgb_to_ycbcr, ycbcr_to_rgb

        ycc = bicubic_upsample(rgb_to_ycbcr(xb), hr_size)
        out = ycbcr_to_rgb(torch.cat([out.clamp(0, 1), ycc[:, 1:]], 1))
    elif in_channels(model) == 3 and xb.shape[1] == 1:
        out = out.mean(1, keepdim=True)
    if clamp:
        out = out.clamp(0, 1)
    return out[0] if was3 else out


predict = upscale
