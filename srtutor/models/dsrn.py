"""DSRN (Han, Chang, Liu, Yu, Witbrock, Huang, CVPR 2018): dual-state recurrent network —
**global multi-path learning** (survey §3.3.3), next to LapSRN's pyramid.

Two recurrent states exchange information at every step ``t = 1..T``:

* an LR state ``s_l`` (features at the input's resolution) and an HR state ``s_h`` (features at
  the output's resolution);
* ``s_l^t = f_ll(s_l^{t-1}) + f_down(s_h^{t-1})`` — the LR path's own recurrent residual
  block plus a **down** transition (strided ``s x s`` convolution) from the HR path;
* ``s_h^t = f_hh(s_h^{t-1}) + f_up(s_l^t)`` — the HR path's recurrent block plus an **up**
  transition (transposed ``s x s`` convolution, stride ``s``) from the updated LR state;
* every step reconstructs ``ŷ_t = rec(s_h^t) + bicubic(x)``; the output is the average of the
  ``T`` predictions (the paper's recurrent supervision supervises each ``ŷ_t``).

Weights are shared over time (recurrent), so parameters do not grow with ``T``. ``f_ll`` and
``f_hh`` are residual blocks ``x + conv(relu(conv(relu(x))))``. The paper's model (``F = 128``,
``T = 7``) is not reproduced here figure-for-figure; this is the architecture as described in
its §3, at a width chosen by the caller. Framework: post-upsampling input (``upsampling =
"post"``: the network takes the LR image), with a bicubic skip.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor.models import register

Tensor = torch.Tensor


class _Residual(nn.Module):
    def __init__(self, features: int):
        super().__init__()
        self.body = nn.Sequential(nn.ReLU(), nn.Conv2d(features, features, 3, padding=1),
                                  nn.ReLU(), nn.Conv2d(features, features, 3, padding=1))

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class DSRN(nn.Module):
    """Dual-state recurrent SR network. ``(N, C, H, W) -> (N, C, sH, sW)``.

    Args:
        scale: 2, 3 or 4 (the up/down transitions are ``s x s`` kernels with stride ``s``).
        channels: image channels (1 or 3).
        features: width of both states.
        steps: recurrent steps ``T``.

    ``forward(x, all_outputs=True)`` returns ``(mean, [ŷ_1..ŷ_T])``; every ``ŷ_t`` can be
    supervised with :class:`srtutor.strategies.MultiSupervisionLoss`.
    """

    upsampling = "post"
    supported_scales = (2, 3, 4)

    def __init__(self, scale: int = 2, channels: int = 3, features: int = 32, steps: int = 4):
        super().__init__()
        if scale not in self.supported_scales:
            raise ValueError(f"scale must be one of {self.supported_scales} for DSRN, got {scale!r}")
        if steps < 1:
            raise ValueError(f"steps must be >= 1, got {steps}")
        self.scale, self.in_channels, self.steps = scale, channels, steps
        self.head_lr = nn.Conv2d(channels, features, 3, padding=1)
        self.f_ll, self.f_hh = _Residual(features), _Residual(features)
        self.f_up = nn.ConvTranspose2d(features, features, scale, stride=scale)
        self.f_down = nn.Conv2d(features, features, scale, stride=scale)
        self.rec = nn.Conv2d(features, channels, 3, padding=1)
        nn.init.zeros_(self.rec.weight)
        nn.init.zeros_(self.rec.bias)

    def forward_all(self, x: Tensor, steps: int | None = None) -> list[Tensor]:
        """The predictions ``[ŷ_1, ..., ŷ_T]`` of every recurrent step, each ``(N, C, sH, sW)``.

        ``steps`` (default ``self.steps``) runs the shared weights for another number of
        steps. The training engine supervises every ``ŷ_t`` with ``outputs="all"``
        (:class:`srtutor.losses.MultiSupervisionLoss`, the paper's recurrent supervision).
        """
        steps = self.steps if steps is None else int(steps)
        if steps < 1:
            raise ValueError(f"steps must be >= 1, got {steps}")
        base = F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
        s_l = self.head_lr(x)
        s_h = self.f_up(s_l)
        preds = []
        for _ in range(steps):
            s_l = self.f_ll(s_l) + self.f_down(s_h)
            s_h = self.f_hh(s_h) + self.f_up(s_l)
            preds.append(base + self.rec(s_h))
        return preds

    def at_step(self, t: int) -> "DSRNStep":
        """A view of this network that outputs ``ŷ_t`` alone (shared weights, nothing copied):
        ``(N, C, H, W) -> (N, C, sH, sW)``, runnable by :func:`srtutor.models.upscale` and
        :func:`srtutor.train.evaluate`, to score each recurrent step."""
        return DSRNStep(self, t)

    def forward(self, x: Tensor, all_outputs: bool = False):
        preds = self.forward_all(x)
        out = torch.stack(preds).mean(0)
        return (out, preds) if all_outputs else out


class DSRNStep(nn.Module):
    """The prediction ``ŷ_t`` of step ``t`` of a :class:`DSRN` (see :meth:`DSRN.at_step`)."""

    upsampling = "post"
    supported_scales = DSRN.supported_scales

    def __init__(self, net: DSRN, t: int):
        super().__init__()
        if isinstance(t, bool) or not isinstance(t, int) or t < 1:
            raise ValueError(f"t must be a step number >= 1, got {t!r}")
        self.net, self.t = net, t
        self.scale, self.in_channels = net.scale, net.in_channels

    def forward(self, x: Tensor) -> Tensor:
        return self.net.forward_all(x, steps=self.t)[-1]


@register("dsrn")
def dsrn(scale: int = 2, **kw) -> DSRN:
    """DSRN with 32 features and 4 recurrent steps (CPU scale)."""
    return DSRN(scale=scale, **kw)


__all__ = ["DSRN", "DSRNStep"]
