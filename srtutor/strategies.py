"""Learning strategies (survey §3.4.2–3.4.5, §3.5): self-ensemble, network interpolation,
curriculum schedules, multi-supervision (:class:`MultiSupervisionLoss`, from
:mod:`srtutor.losses`), and :func:`fit`, the training engine (:func:`srtutor.train.train`) with
the defaults of a fine-tuning stage for arbitrary losses (content, texture, TV, adversarial).

    >>> import srtutor
    >>> from srtutor.strategies import self_ensemble, interpolate_networks
    >>> sr = self_ensemble(model, lr)                     # doctest: +SKIP   x8 geometric ensemble
    >>> net = interpolate_networks(psnr_net, gan_net, 0.8)  # doctest: +SKIP  ESRGAN's interpolation
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence

import torch
import torch.nn as nn

from srtutor._checks import check_positive_int, check_tensor
from srtutor.losses import MultiSupervisionLoss
from srtutor.models.inference import upscale
from srtutor.train import History
from srtutor.train import train as _train

Tensor = torch.Tensor

__all__ = [
    "dihedral", "dihedral_inverse", "self_ensemble", "SelfEnsemble", "interpolate_state_dicts", "interpolate_networks",
    "CurriculumSchedule", "curriculum_train", "MultiSupervisionLoss", "FitHistory", "fit",
    "sharpness_gap", "perception_distortion", "cycle_fit", "multitask_fit", "fit_fusion",
]


# ----------------------------------------------------------------------------- self-ensemble
def _check_mode(mode: int) -> int:
    if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode < 8:
        raise ValueError(f"mode must be an int in 0..7, got {mode!r}")
    return mode


def dihedral(x: Tensor, mode: int) -> Tensor:
    """One of the 8 symmetries of the square on the last two dims.

    ``mode = 4 f + k``: flip left-right if ``f`` (= 1), then rotate by ``k * 90`` degrees
    (counter-clockwise, ``torch.rot90``). ``mode = 0`` is the identity.
    """
    check_tensor(x, "x")
    mode = _check_mode(mode)
    if mode >= 4:
        x = x.flip(-1)
    return torch.rot90(x, mode % 4, dims=(-2, -1))


def dihedral_inverse(x: Tensor, mode: int) -> Tensor:
    """Exact inverse of :func:`dihedral`: ``dihedral_inverse(dihedral(x, m), m) == x``."""
    check_tensor(x, "x")
    mode = _check_mode(mode)
    x = torch.rot90(x, -(mode % 4), dims=(-2, -1))
    return x.flip(-1) if mode >= 4 else x


def self_ensemble(model: nn.Module | Callable[[Tensor], Tensor], lr: Tensor, scale: float | None = None, *,
                  modes: Sequence[int] = tuple(range(8)), reduce: str = "mean") -> Tensor:
    """Geometric self-ensemble (EDSR's "+", Timofte et al. 2016 "seven ways"): run the model
    on the 8 flipped/rotated versions of ``lr``, undo each transform on the output, average.

    Args:
        model: an SR ``nn.Module`` (run through :func:`srtutor.models.inference.upscale`, so
            pre-upsampling and Y-channel models work) or any callable ``lr -> sr``.
        lr: ``(C, H, W)`` or ``(N, C, H, W)``.
        scale: passed to ``upscale`` (default ``model.scale``).
        modes: which of the 8 transforms to use.
        reduce: ``"mean"`` (the literature) or ``"median"``.

    Returns:
        the ensembled output; equals ``model(lr)`` exactly when the model is equivariant to
        the 8 transforms (e.g. the identity or nearest-neighbour upscaling).
    """
    if isinstance(model, nn.Module):
        def fn(t: Tensor) -> Tensor:
            return upscale(model, t, scale)
    elif callable(model):
        fn = model
    else:
        raise TypeError(f"model must be an nn.Module or a callable, got {type(model).__name__}")
    if not modes:
        raise ValueError("modes must not be empty")
    outs = [dihedral_inverse(fn(dihedral(lr, m)), m) for m in modes]
    stack = torch.stack(outs)
    if reduce == "mean":
        return stack.mean(0)
    if reduce == "median":
        return stack.median(0).values
    raise ValueError(f"reduce must be 'mean' or 'median', got {reduce!r}")


class SelfEnsemble(nn.Module):
    """Wrap an SR network so that its forward pass is the x8 geometric self-ensemble of the
    network's own forward pass (on whatever input it takes: LR for post-upsampling models, the
    bicubic-upscaled image for pre-upsampling ones). Copies ``scale``, ``upsampling`` and
    ``in_channels``, so :func:`srtutor.models.inference.upscale` and
    :func:`srtutor.train.evaluate` treat it like the wrapped model."""

    def __init__(self, model: nn.Module, modes: Sequence[int] = tuple(range(8))):
        super().__init__()
        self.model = model
        self.modes = tuple(modes)
        for attr in ("scale", "upsampling", "in_channels"):
            if hasattr(model, attr):
                setattr(self, attr, getattr(model, attr))

    def forward(self, x: Tensor) -> Tensor:
        return self_ensemble(self.model.forward, x, modes=self.modes)


# ----------------------------------------------------------------------------- network interpolation
def interpolate_state_dicts(a: Mapping[str, Tensor], b: Mapping[str, Tensor], alpha: float) -> dict[str, Tensor]:
    """``(1 - alpha) * a + alpha * b`` for every floating-point entry (ESRGAN's network
    interpolation, Wang et al. 2018); integer buffers (e.g. BN's ``num_batches_tracked``) come
    from ``a``. ``alpha = 0`` gives ``a``, ``alpha = 1`` gives ``b``.
    """
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if set(a) != set(b):
        raise ValueError(f"state dicts differ in keys: only in a {sorted(set(a) - set(b))[:3]}, "
                         f"only in b {sorted(set(b) - set(a))[:3]}")
    out = {}
    for k, va in a.items():
        vb = b[k]
        if va.shape != vb.shape:
            raise ValueError(f"entry {k!r} has shapes {tuple(va.shape)} and {tuple(vb.shape)}")
        out[k] = torch.lerp(va, vb.to(va.dtype), float(alpha)) if va.is_floating_point() else va.clone()
    return out


def interpolate_networks(net_a: nn.Module, net_b: nn.Module, alpha: float) -> nn.Module:
    """A copy of ``net_a`` whose weights are :func:`interpolate_state_dicts` of the two nets
    (e.g. a PSNR-oriented model and a GAN fine-tuned from it: a continuous perception-distortion
    knob without retraining)."""
    out = copy.deepcopy(net_a)
    out.load_state_dict(interpolate_state_dicts(net_a.state_dict(), net_b.state_dict(), alpha))
    return out


# ----------------------------------------------------------------------------- curriculum
@dataclass
class CurriculumSchedule:
    """Stages ``[(steps, value), ...]`` from easy to hard (Bengio et al. 2009; for SR: ProSR's
    growing scales, Wang et al. 2018; noise levels, Bei et al. 2018; SRWDNet, Park et al.).

    ``value`` is whatever defines difficulty (a scale, a noise sigma, a blur width...).
    """
    stages: list[tuple[int, Any]]

    def __post_init__(self) -> None:
        if not self.stages:
            raise ValueError("stages must not be empty")
        for i, st in enumerate(self.stages):
            if not (isinstance(st, (tuple, list)) and len(st) == 2):
                raise TypeError(f"stages[{i}] must be a (steps, value) pair, got {st!r}")
            check_positive_int(st[0], f"stages[{i}] steps")

    @classmethod
    def linear(cls, values: Sequence[Any], total_steps: int) -> "CurriculumSchedule":
        """Equal share of ``total_steps`` per value (the last stage takes the remainder)."""
        check_positive_int(total_steps, "total_steps")
        n = len(values)
        if n == 0 or total_steps < n:
            raise ValueError(f"need 1 <= len(values) <= total_steps, got {n} values for {total_steps} steps")
        per = total_steps // n
        return cls([(per if i < n - 1 else total_steps - per * (n - 1), v) for i, v in enumerate(values)])

    @property
    def total_steps(self) -> int:
        return sum(s for s, _ in self.stages)

    def value_at(self, step: int) -> Any:
        """The value in force at 0-based ``step`` (the last value after the end)."""
        edge = 0
        for n, v in self.stages:
            edge += n
            if step < edge:
                return v
        return self.stages[-1][1]

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        return iter(self.stages)


def curriculum_train(model: nn.Module, make_data: Callable[[Any], Any], schedule: CurriculumSchedule,
                     *, trainer: Callable[..., Any] | None = None, **train_kwargs) -> list[Any]:
    """Train stage by stage: for each ``(steps, value)`` call ``trainer(model, make_data(value),
    steps=steps, **train_kwargs)`` (default trainer :func:`srtutor.train.train`, or :func:`fit`).
    Weights carry over between stages (a fresh optimiser per stage). Returns the histories."""
    trainer = _train if trainer is None else trainer
    hist = []
    for i, (steps, value) in enumerate(schedule):
        kw = dict(train_kwargs)
        if "seed" in kw:
            kw["seed"] = kw["seed"] + i
        hist.append(trainer(model, make_data(value), steps=steps, **kw))
    return hist


# ----------------------------------------------------------------------------- fitting
#: what :func:`fit` returns: the engine's :class:`srtutor.train.History` (``step``, ``loss``,
#: ``terms`` of a CombinedLoss, ``d_loss``/``d_acc`` when adversarial, ``seconds``).
FitHistory = History


def fit(model: nn.Module, data: Any, *, steps: int, loss: Callable[[Any, Tensor], Tensor], lr: float = 1e-4,
        batch_size: int = 16, scale: float | None = None, outputs: str = "final",
        adversarial: nn.Module | None = None, d_lr: float | None = None, schedule: str = "constant",
        device: Any = "auto", seed: int = 0, log_every: int = 10, grad_clip: float | None = None,
        **train_kwargs: Any) -> History:
    """Optimise ``model`` with any loss callable — content/texture/TV/GAN losses (SRGAN, ESRGAN).

    A call of the training engine, :func:`srtutor.train.train`, with the defaults of a
    fine-tuning stage (Adam ``lr = 1e-4``, constant rate, no progress bar, a record every 10
    steps): ``loss(sr, hr)`` any callable (a :class:`srtutor.losses.CombinedLoss` logs its
    terms); ``outputs="all"`` hands the list of intermediate predictions to the loss (e.g.
    :class:`srtutor.losses.MultiSupervisionLoss`; models with ``forward_all`` or a pyramid); an
    ``adversarial`` :class:`srtutor.losses.AdversarialLoss` (also a term of ``loss``) has its
    discriminator trained after every generator step (``d_lr``). Other keyword arguments go to
    :func:`srtutor.train.train` (``amp``, ``callbacks``, ``checkpoint`` ...). Returns its
    :class:`srtutor.train.History`.
    """
    if not callable(loss):
        raise TypeError(f"loss must be callable (sr, hr) -> Tensor, got {type(loss).__name__}")
    train_kwargs.setdefault("progress", False)
    return _train(model, data, steps=steps, loss=loss, lr=lr, batch_size=batch_size, scale=scale, outputs=outputs,
                  adversarial=adversarial, d_lr=d_lr, schedule=schedule, device=device, seed=seed,
                  log_every=log_every, grad_clip=grad_clip, **train_kwargs)


# ----------------------------------------------------------------------------- perception–distortion
def sharpness_gap(sr: Tensor, hr: Tensor) -> float:
    """``|ln r|`` with ``r`` = :func:`srtutor.metrics.gradient_ratio` (mean absolute forward
    difference of ``sr`` over that of ``hr``; images ``(C, H, W)`` or ``(N, C, H, W)`` in [0, 1]).

    0 when the SR image has exactly the HR image's gradient energy; a blurred image (``r < 1``)
    and an over-sharpened one (``r > 1``) are both away from 0, symmetrically on the log scale
    (``r = 1/2`` and ``r = 2`` give the same gap, ``ln 2``). A reference-based texture statistic
    for the perception–distortion trade-off (Blau & Michaeli, CVPR 2018; survey §3.4.1, §2.3),
    not a perceptual quality model.
    """
    from srtutor.metrics import gradient_ratio

    r = float(gradient_ratio(sr, hr, check_range=False))
    if not r > 0:
        raise ValueError(f"sr has no gradient energy (ratio {r}); the gap is infinite")
    return abs(math.log(r))


def perception_distortion(model: nn.Module | None, images: Mapping[str, Tensor], scale: int, *,
                          texture_features: Callable[[Tensor], Any] | None = None,
                          texture_layers: Sequence[str] | None = None) -> dict[str, float]:
    """Where ``model`` sits on the perception–distortion plane, measured the same way for every
    method (Blau & Michaeli 2018; survey §3.4.1).

    For every HR image of ``images`` (``{name: (3, H, W)}`` in [0, 1]): the LR image is made by
    :func:`srtutor.data.make_pair` (modcrop, MATLAB bicubic ``↓scale``), super-resolved
    (``model=None``: bicubic) and clamped to [0, 1]. Returns the means over the images of

    * ``psnr``: dB, the benchmark protocol (:func:`srtutor.train.evaluate`, ``protocol="rgb"``:
      Y channel, ``scale`` pixels cropped, SR rounded to 8 bits) — distortion;
    * ``gradient_ratio`` and ``sharpness_gap`` (:func:`sharpness_gap`) — how far the SR image's
      gradient energy is from the HR image's;
    * ``texture_distance`` (only with ``texture_features``): the Gram-matrix distance of
      :class:`srtutor.losses.TextureLoss` on those features and ``texture_layers``.
    """
    from srtutor.data import make_pair
    from srtutor.losses import TextureLoss
    from srtutor.metrics import gradient_ratio
    from srtutor.models.inference import bicubic_upsample
    from srtutor.train import evaluate

    if not isinstance(images, Mapping) or not images:
        raise ValueError("images must be a non-empty dict name -> (3, H, W) HR tensor")
    s = check_positive_int(scale, "scale")
    tex = TextureLoss(texture_features, layers=texture_layers) if texture_features is not None else None
    ratios, gaps, texs = [], [], []
    dev = next(model.parameters()).device if model is not None else torch.device("cpu")
    for hr in images.values():
        lr, hr = make_pair(hr, s)
        with torch.no_grad():
            sr = bicubic_upsample(lr[None], tuple(hr.shape[-2:]))[0] if model is None else \
                upscale(model, lr.to(dev), s).cpu()
            sr = sr.clamp(0, 1)
            ratios.append(float(gradient_ratio(sr, hr, check_range=False)))
            gaps.append(sharpness_gap(sr, hr))
            if tex is not None:
                texs.append(float(tex(sr[None], hr[None])))
    out = {"psnr": float(evaluate(model, images, s, ssim=False, protocol="rgb")["mean_psnr"]),
           "gradient_ratio": sum(ratios) / len(ratios), "sharpness_gap": sum(gaps) / len(gaps)}
    if tex is not None:
        out["texture_distance"] = sum(texs) / len(texs)
    return out


# ----------------------------------------------------------------------------- cycle consistency
def cycle_fit(model: nn.Module, data: Any, *, backward: Callable[[Tensor], Tensor], steps: int,
              criterion: str | Callable[[Tensor, Tensor], Tensor] = "l1", **fit_kwargs: Any) -> History:
    """Train ``model`` from LR images alone with the cycle-consistency loss
    ``criterion(B(G(x)), x)`` — ``G`` the SR network, ``B`` a fixed backward (degradation) map
    such as ``lambda t: srtutor.degradation.bicubic_down(t, s)`` (survey §3.4.1; CinCGAN, Yuan
    et al. 2018, learns ``B``; here it is known, as in back-projection).

    ``data`` yields ``(lr, ...)`` items or batches (the HR part, if any, is never read);
    ``backward`` must map ``(N, C, sH, sW)`` to ``(N, C, H, W)`` differentiably. Other keyword
    arguments go to :func:`fit` (``lr``, ``batch_size``, ``device``, ``seed`` ...).
    Returns the :class:`srtutor.train.History`.
    """
    from srtutor.losses import charbonnier_loss, l1_loss, l2_loss
    from srtutor.models.inference import forward_sr, prepare_input

    named = {"l1": l1_loss, "l2": l2_loss, "charbonnier": charbonnier_loss}
    if isinstance(criterion, str):
        if criterion not in named:
            raise ValueError(f"criterion must be one of {sorted(named)} or a callable, got {criterion!r}")
        criterion = named[criterion]
    if not callable(backward):
        raise TypeError(f"backward must be callable (sr -> lr), got {type(backward).__name__}")
    scale = fit_kwargs.pop("scale", None) or getattr(model, "scale", None)
    if scale is None:
        raise ValueError("scale must be given for a model without a .scale attribute")

    def forward(net: nn.Module, batch: Any) -> tuple[Tensor, Tensor]:
        lr = batch[0] if isinstance(batch, (tuple, list)) else batch
        size = (int(lr.shape[-2] * scale), int(lr.shape[-1] * scale))
        sr = forward_sr(net, prepare_input(net, lr, scale, size), scale, size)
        return backward(sr), lr

    return fit(model, data, steps=steps, loss=criterion, scale=scale, forward=forward, **fit_kwargs)


# ----------------------------------------------------------------------------- multi-task learning
def multitask_fit(model: nn.Module, data: Any, *, steps: int, weight: float = 0.1, edge_threshold: float = 0.1,
                  **fit_kwargs: Any) -> History:
    """Train a :class:`srtutor.models.multitask.MultiTaskSR` on SR plus its auxiliary edge task
    (survey §3.5.3): ``L1(sr, hr) + weight · BCE(edge logits, edge_target(hr))``
    (:func:`srtutor.models.multitask.multitask_loss`). ``weight = 0`` trains the same network
    on SR alone (the auxiliary head then receives no gradient). ``data`` yields ``(lr, hr)``.
    Other keyword arguments go to :func:`fit`. Returns the :class:`srtutor.train.History`.
    """
    from srtutor.models.multitask import edge_target, multitask_loss

    if not (isinstance(weight, (int, float)) and weight >= 0):
        raise ValueError(f"weight must be a number >= 0, got {weight!r}")
    if getattr(model, "aux_classes", None) != 1:
        raise ValueError("model must be a MultiTaskSR with an edge head (aux_classes=1)")

    def forward(net: nn.Module, batch: Any) -> tuple[Any, Any]:
        lr, hr = batch[0], batch[1]
        sr, aux = net(lr, aux=True)
        return (sr, aux), (hr, edge_target(hr, edge_threshold))

    def loss(pred: Any, target: Any) -> Tensor:
        return multitask_loss(pred[0], target[0], pred[1], target[1], weight=float(weight))[0]

    return fit(model, data, steps=steps, loss=loss, forward=forward, **fit_kwargs)


# ----------------------------------------------------------------------------- network fusion
def fit_fusion(fusion: nn.Module, lr: Tensor, hr: Tensor, *, steps: int, lr_rate: float = 1e-3,
               batch_size: int = 16, seed: int = 0) -> list[float]:
    """Train the fusion layers of a :class:`srtutor.models.fusion.ContextWiseFusion` or
    :class:`~srtutor.models.fusion.PixelWiseFusion` whose members are frozen (survey §3.5.1,
    Ren et al. 2017), with L1 against ``hr``.

    The members' outputs on ``lr`` (``(N, C, h, w)``) are computed once (no gradient) and
    cached, so each step costs only the fusion layers. ``hr`` is ``(N, C, s·h, s·w)``. Adam
    with rate ``lr_rate`` on random mini-batches drawn with ``seed``. Returns the loss per step.
    """
    check_positive_int(steps, "steps")
    check_positive_int(batch_size, "batch_size")
    if not hasattr(fusion, "member_outputs") or not hasattr(fusion, "fuse"):
        raise TypeError(f"fusion must be a PixelWiseFusion or ContextWiseFusion, got {type(fusion).__name__}")
    if any(p.requires_grad for p in fusion.members.parameters()):
        raise ValueError("fit_fusion trains the fusion layers only: build the fusion with freeze_members=True")
    if lr.ndim != 4 or hr.ndim != 4 or lr.shape[0] != hr.shape[0]:
        raise ValueError(f"lr and hr must be batches (N, C, h, w) of the same N, got {tuple(lr.shape)}, {tuple(hr.shape)}")
    was_training = fusion.training
    fusion.eval()
    with torch.no_grad():
        outs = fusion.member_outputs(lr)
    params = [p for p in fusion.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr_rate)
    g = torch.Generator().manual_seed(seed)
    hist = []
    for _ in range(steps):
        idx = torch.randint(0, lr.shape[0], (min(batch_size, lr.shape[0]),), generator=g)
        loss = torch.nn.functional.l1_loss(fusion.fuse([o[idx] for o in outs]), hr[idx].to(outs[0].dtype))
        opt.zero_grad()
        loss.backward()
        opt.step()
        hist.append(loss.item())
    fusion.train(was_training)
    return hist
