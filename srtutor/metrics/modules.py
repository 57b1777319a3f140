"""Metrics as modules: stateful ``PSNR``/``SSIM``/``MSSSIM`` and the losses ``PSNRLoss``/``SSIMLoss``/``MSSSIMLoss``.

The stateful metrics follow torchmetrics' convention: ``update(sr, hr)`` adds a batch,
``compute()`` returns the mean over every image seen so far (the SR convention: the mean of
per-image values), ``reset()`` starts again; calling the module, ``metric(sr, hr)``, returns
the batch's value and also updates the state. The state is two float64 tensors (registered
buffers: they follow ``.to(device)`` and appear in ``state_dict``): the sum of per-image values
and the number of images. Sums are what a distributed all-reduce adds correctly: under
``torch.distributed`` (DDP), ``compute()`` all-reduces copies of them (every rank must call it)
and every rank gets the mean over all ranks' images, as if one process had seen them all.

Example::

    metric = PSNR(crop_border=4, y_channel=True)
    for sr, hr in loader:
        metric.update(sr, hr)
    print(metric.compute())     # mean PSNR over the whole set, dB
    metric.reset()

The losses are differentiable, skip the value checks (no host synchronisation; network
outputs may leave ``[0, 1]``) and have finite gradients also for identical images.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import torch
from torch import nn

from srtutor.metrics import _common as C
from srtutor.metrics.functional import MS_SSIM_WEIGHTS, ms_ssim, mse, psnr, ssim

Tensor = torch.Tensor

__all__ = ["PSNR", "SSIM", "MSSSIM", "PSNRLoss", "SSIMLoss", "MSSSIMLoss"]


class _Stateful(nn.Module):
    """Base of the stateful metrics: keyword arguments fixed at construction, a sum and a count."""

    _fn: Callable[..., Tensor] = staticmethod(psnr)

    def __init__(self, *, reduction: str = "mean", process_group: Any = None, **kwargs: Any) -> None:
        super().__init__()
        self.reduction = C.check_reduction(reduction)
        self.kwargs = kwargs
        self.process_group = process_group
        self.register_buffer("total", torch.zeros((), dtype=torch.float64))
        self.register_buffer("count", torch.zeros((), dtype=torch.float64))

    def _values(self, sr: Tensor, hr: Tensor) -> Tensor:
        """Per-image values ``(N,)`` (a 3-D input counts as one image)."""
        v = type(self)._fn(sr, hr, reduction="none", **self.kwargs)
        return v.reshape(-1)

    def _add(self, values: Tensor) -> None:
        values = values.detach()
        if self.total.device != values.device:
            self.total, self.count = self.total.to(values.device), self.count.to(values.device)
        self.total += values.sum()
        self.count += values.numel()

    def update(self, sr: Tensor, hr: Tensor) -> None:
        """Add the images of a batch (``(C, H, W)`` or ``(N, C, H, W)``) to the state."""
        with torch.no_grad():
            self._add(self._values(sr, hr))

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        """The batch's value (``reduction`` of the constructor); also updates the state."""
        values = self._values(sr, hr)
        self._add(values)
        if self.reduction == "mean":
            return values.mean()
        return values[0] if sr.ndim == 3 else values

    def _synced(self) -> tuple[Tensor, Tensor]:
        total, count = self.total, self.count
        dist = torch.distributed
        if dist.is_available() and dist.is_initialized() and dist.get_world_size(self.process_group) > 1:
            both = torch.stack([total, count])
            dist.all_reduce(both, op=dist.ReduceOp.SUM, group=self.process_group)
            total, count = both[0], both[1]
        return total, count

    def compute(self) -> Tensor:
        """Mean of the per-image values seen since the last :meth:`reset` (0-dim float64).

        Under ``torch.distributed`` the sums of every rank are added first (a collective:
        every rank must call ``compute``). Raises ``RuntimeError`` before any update.
        """
        total, count = self._synced()
        if float(count) == 0:
            raise RuntimeError(f"{type(self).__name__}.compute() called before any update(); add images first")
        return total / count

    def reset(self) -> None:
        """Forget every image seen."""
        self.total.zero_()
        self.count.zero_()

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in {"reduction": self.reduction, **self.kwargs}.items())


class PSNR(_Stateful):
    """:func:`srtutor.metrics.psnr` as a stateful module (keyword arguments fixed at construction).

    ``compute()`` is the mean of per-image PSNR (``inf`` if any image was identical to its
    reference). Example::

        metric = PSNR(crop_border=4, y_channel=True)
        value = metric(sr, hr)     # this batch, dB; the state also holds it
    """

    _fn = staticmethod(psnr)

    def __init__(self, *, crop_border: int = 0, y_channel: bool = False, data_range: float = 1.0,
                 reduction: str = "mean", check_range: Optional[bool] = None,
                 check_finite: Optional[bool] = None, precision: str = "auto", process_group: Any = None) -> None:
        super().__init__(reduction=reduction, process_group=process_group, crop_border=crop_border,
                         y_channel=y_channel, data_range=data_range, check_range=check_range,
                         check_finite=check_finite, precision=precision)


class SSIM(_Stateful):
    """:func:`srtutor.metrics.ssim` as a stateful module. As a loss use :class:`SSIMLoss`."""

    _fn = staticmethod(ssim)

    def __init__(self, *, crop_border: int = 0, y_channel: bool = False, data_range: float = 1.0,
                 reduction: str = "mean", window_size: int = 11, sigma: float = 1.5, k1: float = 0.01,
                 k2: float = 0.03, check_range: Optional[bool] = None, check_finite: Optional[bool] = None,
                 precision: str = "auto", process_group: Any = None) -> None:
        super().__init__(reduction=reduction, process_group=process_group, crop_border=crop_border,
                         y_channel=y_channel, data_range=data_range, window_size=window_size, sigma=sigma,
                         k1=k1, k2=k2, check_range=check_range, check_finite=check_finite, precision=precision)


class MSSSIM(SSIM):
    """:func:`srtutor.metrics.ms_ssim` as a stateful module (``weights`` fixed at construction;
    other keywords as :class:`SSIM`)."""

    _fn = staticmethod(ms_ssim)

    def __init__(self, *, weights: Sequence[float] = MS_SSIM_WEIGHTS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kwargs["weights"] = tuple(weights)


# --------------------------------------------------------------------------- losses


class _Loss(nn.Module):
    def __init__(self, reduction: str, kwargs: dict) -> None:
        super().__init__()
        self.reduction = C.check_reduction(reduction)
        self.kwargs = {"check_range": False, "check_finite": False, **kwargs}

    def _reduce(self, per_image: Tensor, sr: Tensor) -> Tensor:
        if self.reduction == "mean":
            return per_image.mean()
        return per_image

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in {"reduction": self.reduction, **self.kwargs}.items())


class SSIMLoss(_Loss):
    """``1 - SSIM(sr, hr)`` (:func:`srtutor.metrics.ssim`), a training loss.

    No value checks by default (no host synchronisation; pass ``check_finite=True`` to catch
    NaN). ``reduction="mean"`` gives a 0-dim float64 tensor; the gradient reaches ``sr`` in its
    own dtype. Other keywords as :func:`srtutor.metrics.ssim`.
    """

    def __init__(self, *, reduction: str = "mean", **kwargs: Any) -> None:
        super().__init__(reduction, kwargs)

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        return self._reduce(1.0 - ssim(sr, hr, reduction="none", **self.kwargs), sr)


class MSSSIMLoss(_Loss):
    """``1 - MS-SSIM(sr, hr)`` (:func:`srtutor.metrics.ms_ssim`), a training loss (as :class:`SSIMLoss`)."""

    def __init__(self, *, reduction: str = "mean", **kwargs: Any) -> None:
        super().__init__(reduction, kwargs)

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        return self._reduce(1.0 - ms_ssim(sr, hr, reduction="none", **self.kwargs), sr)


class PSNRLoss(_Loss):
    """``-PSNR`` per image with the MSE floored by ``eps``: ``10 log10(MSE / L^2 + eps)``.

    Minimising it maximises PSNR. Unlike ``-psnr(sr, hr)`` it is finite for identical images
    (``eps = 1e-10`` caps PSNR at 100 dB) and its gradient there is 0. Per image, then the
    mean over the batch (``reduction="mean"``): each image weighs by its log-MSE, not by its
    MSE, which is what distinguishes it from an L2 loss. Other keywords as :func:`srtutor.metrics.mse`.
    """

    def __init__(self, *, reduction: str = "mean", eps: float = 1e-10, **kwargs: Any) -> None:
        super().__init__(reduction, kwargs)
        self.eps = C.check_number(eps, "eps", positive=True)

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        peak = C.check_number(self.kwargs.get("data_range", 1.0), "data_range", positive=True)
        m = mse(sr, hr, reduction="none", **self.kwargs).reshape(-1) / (peak * peak)
        return self._reduce(10.0 * torch.log10(m + self.eps), sr)
