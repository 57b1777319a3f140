"""Loss functions for SR (survey §3.4.1): pixel, content, texture, total variation,
adversarial and cycle-consistency losses, and a weighted combinator that reports each term.

Functional forms take ``(sr, hr)`` tensors of the same shape (any float dtype, any device;
images ``(N, C, H, W)`` in [0, 1], but pixel losses accept any tensors, e.g. features) and
return a 0-dim tensor; module forms wrap them for :func:`srtutor.train.train`.

===================  ====================================================================
loss                 definition (mean over all elements unless stated)
===================  ====================================================================
L1                   :math:`|\\hat y - y|`
L2 (MSE)             :math:`(\\hat y - y)^2`
Charbonnier          :math:`\\sqrt{(\\hat y - y)^2 + \\epsilon^2}` (LapSRN, :math:`\\epsilon = 10^{-3}`)
smooth L1 (Huber)    :math:`0.5 d^2/\\beta` if :math:`|d| < \\beta` else :math:`|d| - 0.5\\beta`
content              :math:`\\sum_l w_l\\, \\mathrm{crit}(\\phi_l(\\hat y), \\phi_l(y))` on features of any network
texture (Gram)       :math:`\\sum_l w_l \\| G(\\phi_l(\\hat y)) - G(\\phi_l(y)) \\|^2`, :math:`G = F F^T / (C H W)`
total variation      :math:`\\sum |\\nabla_h \\hat y|^p + |\\nabla_w \\hat y|^p`, divided by ``numel``
adversarial          vanilla (non-saturating) GAN or relativistic average GAN (ESRGAN)
cycle consistency    :math:`\\mathrm{crit}(B(\\hat y), x)` with a backward mapping ``B`` (CinCGAN)
===================  ====================================================================
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from srtutor._checks import check_float, check_same_shape, check_tensor
from srtutor.vgg import VGG19Features, vgg19_features

Tensor = torch.Tensor
FeatureFn = Callable[[Tensor], "Tensor | Sequence[Tensor] | Mapping[str, Tensor]"]

__all__ = [
    "l1_loss", "l2_loss", "charbonnier_loss", "smooth_l1_loss", "L1Loss", "L2Loss", "CharbonnierLoss",
    "SmoothL1Loss", "gram_matrix", "ContentLoss", "TextureLoss", "total_variation", "TVLoss",
    "PatchDiscriminator", "discriminator_loss", "generator_loss", "AdversarialLoss",
    "cycle_consistency_loss", "CycleConsistencyLoss", "CombinedLoss", "RandomFeatures", "MultiSupervisionLoss",
]


def _pair(sr: object, hr: object) -> tuple[Tensor, Tensor]:
    check_tensor(sr, "sr"), check_tensor(hr, "hr")
    check_float(sr, "sr"), check_float(hr, "hr")
    check_same_shape(sr, hr, "sr", "hr")
    return sr, hr


# ----------------------------------------------------------------------------- pixel losses
def l1_loss(sr: Tensor, hr: Tensor) -> Tensor:
    """Mean absolute error (EDSR, RCAN, RDN train with it)."""
    sr, hr = _pair(sr, hr)
    return (sr - hr).abs().mean()


def l2_loss(sr: Tensor, hr: Tensor) -> Tensor:
    """Mean squared error (SRCNN, VDSR); minimising it maximises PSNR."""
    sr, hr = _pair(sr, hr)
    return (sr - hr).pow(2).mean()


def charbonnier_loss(sr: Tensor, hr: Tensor, eps: float = 1e-3) -> Tensor:
    """Charbonnier penalty ``mean(sqrt(d^2 + eps^2))``, a differentiable L1 (LapSRN, Lai et al. 2017)."""
    sr, hr = _pair(sr, hr)
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    return torch.sqrt((sr - hr).pow(2) + eps * eps).mean()


def smooth_l1_loss(sr: Tensor, hr: Tensor, beta: float = 1.0) -> Tensor:
    """Huber / smooth L1: quadratic for ``|d| < beta``, linear beyond (``F.smooth_l1_loss``)."""
    sr, hr = _pair(sr, hr)
    if not beta > 0:
        raise ValueError(f"beta must be > 0, got {beta}")
    return F.smooth_l1_loss(sr, hr, beta=beta)


class L1Loss(nn.Module):
    """Module form of :func:`l1_loss`."""

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        return l1_loss(sr, hr)


class L2Loss(nn.Module):
    """Module form of :func:`l2_loss`."""

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        return l2_loss(sr, hr)


class CharbonnierLoss(nn.Module):
    """Module form of :func:`charbonnier_loss`."""

    def __init__(self, eps: float = 1e-3):
        super().__init__()
        self.eps = eps

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        return charbonnier_loss(sr, hr, self.eps)


class SmoothL1Loss(nn.Module):
    """Module form of :func:`smooth_l1_loss`."""

    def __init__(self, beta: float = 1.0):
        super().__init__()
        self.beta = beta

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        return smooth_l1_loss(sr, hr, self.beta)


_CRITERIA: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "l1": l1_loss, "l2": l2_loss, "charbonnier": charbonnier_loss, "smooth_l1": smooth_l1_loss}


def _criterion(c: str | Callable[[Tensor, Tensor], Tensor]) -> Callable[[Tensor, Tensor], Tensor]:
    if callable(c):
        return c
    if c not in _CRITERIA:
        raise ValueError(f"criterion must be one of {sorted(_CRITERIA)} or a callable, got {c!r}")
    return _CRITERIA[c]


# ----------------------------------------------------------------------------- feature losses
class RandomFeatures(nn.Module):
    """A small fixed random-feature network: three ``3x3`` conv + ReLU stages (stride 1, 2, 2)
    with seeded He-normal weights, frozen. Returns ``{"f1", "f2", "f3"}``.

    A cheap, offline stand-in for VGG features in quick experiments: random conv features
    still capture local edge/texture statistics (Ulyanov et al. 2018 showed random
    networks work for texture synthesis), but they are *not* the ImageNet VGG loss.
    """

    def __init__(self, channels: Sequence[int] = (32, 64, 128), in_channels: int = 3, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        convs, c = [], in_channels
        for i, co in enumerate(channels):
            m = nn.Conv2d(c, co, 3, stride=1 if i == 0 else 2, padding=1)
            with torch.no_grad():
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / (c * 9)) ** 0.5)
                m.bias.zero_()
            convs.append(m)
            c = co
        self.convs = nn.ModuleList(convs)
        self.requires_grad_(False)

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        out, h = {}, x
        for i, m in enumerate(self.convs):
            h = F.relu(m(h))
            out[f"f{i + 1}"] = h
        return out


def _features(fn: FeatureFn, x: Tensor, layers: Sequence[str] | None) -> list[Tensor]:
    out = fn(x, layers) if layers is not None and _accepts_layers(fn) else fn(x)
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, Mapping):
        keys = list(layers) if layers is not None else list(out)
        missing = [k for k in keys if k not in out]
        if missing:
            raise ValueError(f"feature network did not return layers {missing}; it returned {list(out)}")
        return [out[k] for k in keys]
    return list(out)


def _accepts_layers(fn: FeatureFn) -> bool:

    return isinstance(fn, VGG19Features)


class ContentLoss(nn.Module):
    """Content (perceptual) loss: distance between features of ``sr`` and ``hr`` computed by any
    network (Johnson et al. 2016; SRGAN, Ledig et al. 2017 use VGG19 ``relu5_4``).

    Args:
        features: a callable ``x -> Tensor | list | dict`` of feature maps; default: VGG19
            from :func:`srtutor.vgg.vgg19_features` (ImageNet weights if available,
            random with a warning otherwise).
        layers: names to use when ``features`` returns a dict (VGG19: e.g. ``("relu2_2",
            "relu5_4")``); ``None`` uses every returned map.
        weights: one weight per layer (default 1).
        criterion: ``"l2"`` (default), ``"l1"``, ``"charbonnier"`` or a callable.
    """

    def __init__(self, features: FeatureFn | None = None, layers: Sequence[str] | None = ("relu5_4",),
                 weights: Sequence[float] | None = None, criterion: str | Callable = "l2"):
        super().__init__()
        if features is None:
            features = vgg19_features("imagenet")
        self.features = features
        self.layers = tuple(layers) if layers is not None else None
        self.weights = tuple(weights) if weights is not None else None
        self.criterion = _criterion(criterion)

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        sr, hr = _pair(sr, hr)
        fs = _features(self.features, sr, self.layers)
        with torch.no_grad():
            fh = _features(self.features, hr, self.layers)
        w = self.weights or (1.0,) * len(fs)
        if len(w) != len(fs):
            raise ValueError(f"weights has {len(w)} entries for {len(fs)} feature maps")
        return sum(wi * self.criterion(a, b) for wi, a, b in zip(w, fs, fh))


def gram_matrix(features: Tensor) -> Tensor:
    """Gram matrix ``G = F F^T / (C H W)`` of ``(N, C, H, W)`` features -> ``(N, C, C)``.

    ``G[c, d]`` is the (scaled) correlation of channels ``c`` and ``d`` over all positions:
    a texture statistic that forgets *where* things are (Gatys et al. 2016).
    """
    check_tensor(features, "features")
    if features.ndim != 4:
        raise ValueError(f"features must have shape (N, C, H, W), got {tuple(features.shape)}")
    n, c, h, w = features.shape
    f = features.reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def _patches(f: Tensor, p: int | None) -> Tensor:
    if p is None:
        return f
    n, c, h, w = f.shape
    if h < p or w < p:
        return f
    f = f[..., : h - h % p, : w - w % p]
    f = f.unfold(2, p, p).unfold(3, p, p)  # n, c, h/p, w/p, p, p
    return f.permute(0, 2, 3, 1, 4, 5).reshape(-1, c, p, p)


class TextureLoss(nn.Module):
    """Texture (style) loss: squared Frobenius distance of Gram matrices of features
    (EnhanceNet, Sajjadi et al. 2017, computes them on ``16 x 16`` patches: ``patch_size``).

    ``features``/``layers``/``weights`` as in :class:`ContentLoss` (default VGG19 ``relu1_1,
    relu2_1, relu3_1``).
    """

    def __init__(self, features: FeatureFn | None = None,
                 layers: Sequence[str] | None = ("relu1_1", "relu2_1", "relu3_1"),
                 weights: Sequence[float] | None = None, patch_size: int | None = None):
        super().__init__()
        if features is None:
            features = vgg19_features("imagenet")
        self.features = features
        self.layers = tuple(layers) if layers is not None else None
        self.weights = tuple(weights) if weights is not None else None
        self.patch_size = patch_size

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        sr, hr = _pair(sr, hr)
        fs = _features(self.features, sr, self.layers)
        with torch.no_grad():
            fh = _features(self.features, hr, self.layers)
        w = self.weights or (1.0,) * len(fs)
        total = sr.new_zeros(())
        for wi, a, b in zip(w, fs, fh):
            ga, gb = gram_matrix(_patches(a, self.patch_size)), gram_matrix(_patches(b, self.patch_size))
            total = total + wi * (ga - gb).pow(2).sum((1, 2)).mean()
        return total


# ----------------------------------------------------------------------------- total variation
def total_variation(x: Tensor, p: int = 1, *, isotropic: bool = False, reduction: str = "mean",
                    eps: float = 1e-8) -> Tensor:
    """Total variation of images ``(N, C, H, W)`` or ``(C, H, W)`` (Rudin et al. 1992; used in
    SR by Aly & Dubois 2005, SRGAN).

    Anisotropic (default): ``sum |x[i+1,j]-x[i,j]|^p + |x[i,j+1]-x[i,j]|^p``; isotropic:
    ``sum sqrt(dh^2 + dw^2 + eps)`` over the ``(H-1) x (W-1)`` grid. ``reduction="mean"``
    divides by ``x.numel()``, ``"sum"`` does not, ``"none"`` gives one value per image.
    """
    check_tensor(x, "x"), check_float(x, "x")
    if x.ndim == 3:
        x = x.unsqueeze(0)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (C, H, W) or (N, C, H, W), got {tuple(x.shape)}")
    if p not in (1, 2):
        raise ValueError(f"p must be 1 or 2, got {p}")
    dh = x[..., 1:, :] - x[..., :-1, :]
    dw = x[..., :, 1:] - x[..., :, :-1]
    if isotropic:
        per = torch.sqrt(dh[..., :, :-1].pow(2) + dw[..., :-1, :].pow(2) + eps).flatten(1).sum(1)
    else:
        per = dh.abs().pow(p).flatten(1).sum(1) + dw.abs().pow(p).flatten(1).sum(1)
    if reduction == "none":
        return per
    if reduction == "sum":
        return per.sum()
    if reduction == "mean":
        return per.sum() / x.numel()
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


class TVLoss(nn.Module):
    """Module form of :func:`total_variation` on ``sr`` (``hr`` is ignored: a regulariser)."""

    def __init__(self, p: int = 1, isotropic: bool = False):
        super().__init__()
        self.p, self.isotropic = p, isotropic

    def forward(self, sr: Tensor, hr: Tensor | None = None) -> Tensor:
        return total_variation(sr, self.p, isotropic=self.isotropic)


# ----------------------------------------------------------------------------- adversarial
class PatchDiscriminator(nn.Module):
    """A small PatchGAN discriminator (Isola et al. 2017): ``4x4`` stride-2 convs with leaky
    ReLU (``n_layers`` downsamplings, channels doubling from ``base``), then a ``3x3`` conv to
    one logit per patch. ``(N, C, H, W) -> (N, 1, H', W')`` raw logits (no sigmoid)."""

    def __init__(self, in_channels: int = 3, base: int = 32, n_layers: int = 3):
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        for i in range(n_layers):
            co = base * 2 ** i
            layers += [nn.Conv2d(c, co, 4, 2, 1), nn.LeakyReLU(0.2)]
            c = co
        layers.append(nn.Conv2d(c, 1, 3, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


def _check_kind(kind: str) -> None:
    if kind not in ("vanilla", "ragan"):
        raise ValueError(f"kind must be 'vanilla' or 'ragan', got {kind!r}")


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor, kind: str = "vanilla") -> Tensor:
    """Discriminator loss from logits ``C(x_real)``, ``C(x_fake)``.

    ``vanilla``: ``-log D(real) - log(1 - D(fake))`` with ``D = sigmoid(C)`` (Goodfellow 2014).
    ``ragan`` (relativistic average, Jolicoeur-Martineau 2018; ESRGAN):
    ``-log D_Ra(real, fake) - log(1 - D_Ra(fake, real))``, ``D_Ra(a, b) = sigmoid(C(a) - mean C(b))``.
    """
    _check_kind(kind)
    bce = F.binary_cross_entropy_with_logits
    if kind == "vanilla":
        return bce(real_logits, torch.ones_like(real_logits)) + bce(fake_logits, torch.zeros_like(fake_logits))
    return (bce(real_logits - fake_logits.mean(), torch.ones_like(real_logits))
            + bce(fake_logits - real_logits.mean(), torch.zeros_like(fake_logits)))


def generator_loss(real_logits: Tensor | None, fake_logits: Tensor, kind: str = "vanilla") -> Tensor:
    """Generator loss. ``vanilla``: non-saturating ``-log D(fake)`` (``real_logits`` unused).
    ``ragan``: ``-log(1 - D_Ra(real, fake)) - log D_Ra(fake, real)`` (both terms get gradients
    through the fake logits)."""
    _check_kind(kind)
    bce = F.binary_cross_entropy_with_logits
    if kind == "vanilla":
        return bce(fake_logits, torch.ones_like(fake_logits))
    if real_logits is None:
        raise ValueError("real_logits is required for kind='ragan'")
    return (bce(real_logits - fake_logits.mean(), torch.zeros_like(real_logits))
            + bce(fake_logits - real_logits.mean(), torch.ones_like(fake_logits)))


class AdversarialLoss(nn.Module):
    """Generator-side adversarial loss with its discriminator, usable in :class:`CombinedLoss`.

    ``forward(sr, hr)`` returns the generator loss (the discriminator is not updated);
    ``discriminator_loss(sr, hr)`` returns the discriminator's (``sr`` detached). Alternate
    the two (see :func:`srtutor.strategies.train_gan`).
    """

    def __init__(self, discriminator: nn.Module | None = None, kind: str = "vanilla"):
        super().__init__()
        _check_kind(kind)
        self.discriminator = discriminator if discriminator is not None else PatchDiscriminator()
        self.kind = kind

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        d = self.discriminator
        req = [p.requires_grad for p in d.parameters()]
        d.requires_grad_(False)
        try:
            fake = d(sr)
            real = d(hr).detach() if self.kind == "ragan" else None
            return generator_loss(real, fake, self.kind)
        finally:
            for p, r in zip(d.parameters(), req):
                p.requires_grad_(r)

    def discriminator_loss(self, sr: Tensor, hr: Tensor) -> Tensor:
        return discriminator_loss(self.discriminator(hr), self.discriminator(sr.detach()), self.kind)


# ----------------------------------------------------------------------------- cycle consistency
def cycle_consistency_loss(x: Tensor, reconstruction: Tensor, criterion: str | Callable = "l1") -> Tensor:
    """``crit(reconstruction, x)``: after a forward and a backward mapping the input should
    come back (CycleGAN, Zhu et al. 2017; CinCGAN for SR, Yuan et al. 2018)."""
    return _criterion(criterion)(reconstruction, x)


class CycleConsistencyLoss(nn.Module):
    """``forward(sr, lr) = crit(backward(sr), lr)``: the SR output mapped back to LR (by a
    fixed degradation such as bicubic downscaling, or a learned network) must match the input."""

    def __init__(self, backward: Callable[[Tensor], Tensor], criterion: str | Callable = "l1"):
        super().__init__()
        self.backward_map = backward
        self.criterion = _criterion(criterion)

    def forward(self, sr: Tensor, lr: Tensor) -> Tensor:
        return self.criterion(self.backward_map(sr), lr)


# ----------------------------------------------------------------------------- combinator
class CombinedLoss(nn.Module):
    """Weighted sum of named losses that remembers each term.

    ``CombinedLoss({"l1": (1.0, L1Loss()), "tv": (1e-3, TVLoss())})(sr, hr)`` returns
    ``sum w_k L_k(sr, hr)``; afterwards ``.last`` is ``{name: unweighted value}`` and
    ``.last_weighted`` ``{name: weighted value}`` (Python floats), plus ``"total"``.
    """

    def __init__(self, terms: Mapping[str, tuple[float, Callable[[Tensor, Tensor], Tensor]]]):
        super().__init__()
        if not terms:
            raise ValueError("terms must name at least one loss")
        self.weights: dict[str, float] = {}
        self.fns: dict[str, Callable] = {}
        mods = {}
        for name, spec in terms.items():
            if not (isinstance(spec, tuple) and len(spec) == 2 and callable(spec[1])):
                raise TypeError(f"terms[{name!r}] must be a (weight, loss) tuple, got {spec!r}")
            self.weights[name] = float(spec[0])
            self.fns[name] = spec[1]
            if isinstance(spec[1], nn.Module):
                mods[name] = spec[1]
        self.modules_ = nn.ModuleDict(mods)
        self.last: dict[str, float] = {}
        self.last_weighted: dict[str, float] = {}

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        total = None
        self.last, self.last_weighted = {}, {}
        for name, fn in self.fns.items():
            v = fn(sr, hr)
            wv = self.weights[name] * v
            self.last[name] = float(v.detach())
            self.last_weighted[name] = float(wv.detach())
            total = wv if total is None else total + wv
        self.last["total"] = self.last_weighted["total"] = float(total.detach())
        return total


# ----------------------------------------------------------------------------- multi-supervision
class MultiSupervisionLoss(nn.Module):
    """Loss on every intermediate prediction (DRCN, Kim et al. 2016; LapSRN's per-level loss;
    MemNet; survey §3.4.5): ``sum_i w_i crit(pred_i, resize(hr, pred_i))``.

    ``forward(preds, hr)``: ``preds`` a tensor or a list of tensors; a prediction smaller than
    ``hr`` (a pyramid level, LapSRN) is compared with ``hr`` downscaled to its size
    (antialiased bicubic). ``weights`` default to equal weights summing to one.
    """

    def __init__(self, criterion: str | Callable[[Tensor, Tensor], Tensor] = "l1",
                 weights: Sequence[float] | None = None):
        super().__init__()
        self.criterion = _criterion(criterion)
        self.weights = tuple(float(w) for w in weights) if weights is not None else None

    def forward(self, preds: Tensor | Sequence[Tensor], hr: Tensor) -> Tensor:
        check_tensor(hr, "hr")
        ps = [preds] if isinstance(preds, Tensor) else list(preds)
        if not ps:
            raise ValueError("preds must hold at least one prediction")
        w = self.weights or (1.0 / len(ps),) * len(ps)
        if len(w) != len(ps):
            raise ValueError(f"weights has {len(w)} entries for {len(ps)} predictions")
        total = hr.new_zeros(())
        for wi, p in zip(w, ps):
            target = hr
            if p.shape[-2:] != hr.shape[-2:]:
                target = F.interpolate(hr, size=p.shape[-2:], mode="bicubic", align_corners=False, antialias=True)
            total = total + wi * self.criterion(p, target)
        return total
