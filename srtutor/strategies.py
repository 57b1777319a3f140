"""Learning strategies (survey §3.4.2–3.4.5, §3.5): self-ensemble, network interpolation,
curriculum schedules, multi-supervision, and a fitting loop for arbitrary losses (content,
texture, TV, adversarial) that reuses the pieces of :mod:`srtutor.train`.

    >>> import srtutor
    >>> from srtutor.strategies import self_ensemble, interpolate_networks
    >>> sr = self_ensemble(model, lr)                     # doctest: +SKIP   x8 geometric ensemble
    >>> net = interpolate_networks(psnr_net, gan_net, 0.8)  # doctest: +SKIP  ESRGAN's interpolation
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

import torch
import torch.nn as nn

from srtutor import get_device
from srtutor._checks import check_positive_int, check_tensor
from srtutor.losses import MultiSupervisionLoss
from srtutor.models.inference import _net, forward_sr, in_channels, prepare_input, to_model_channels, upscale
from srtutor.train import _batches, make_scheduler
from srtutor.train import train as _train

Tensor = torch.Tensor

__all__ = [
    "dihedral", "dihedral_inverse", "self_ensemble", "SelfEnsemble", "interpolate_state_dicts", "interpolate_networks",
    "CurriculumSchedule", "curriculum_train", "MultiSupervisionLoss", "FitHistory", "fit",
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


# ----------------------------------------------------------------------------- fitting loop
@dataclass
class FitHistory:
    """What :func:`fit` records every ``log_every`` steps: the step, the mean loss and, for a
    :class:`srtutor.losses.CombinedLoss`, the mean of each term (``terms[name]``), plus the
    discriminator loss when adversarial."""

    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    terms: dict[str, list[float]] = field(default_factory=dict)
    d_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0


def fit(model: nn.Module, data: Any, *, steps: int, loss: Callable[[Any, Tensor], Tensor], lr: float = 1e-4,
        batch_size: int = 16, scale: float | None = None, outputs: str = "final",
        adversarial: nn.Module | None = None, d_lr: float | None = None, schedule: str = "constant",
        device: Any = "auto", seed: int = 0, log_every: int = 10, grad_clip: float | None = None) -> FitHistory:
    """Optimise ``model`` with any loss callable — the loop for content/texture/TV/GAN losses.

    :func:`srtutor.train.train` covers pixel losses; this loop takes ``loss(sr, hr)`` as any
    callable (a :class:`srtutor.losses.CombinedLoss` logs its terms), supports
    multi-supervision (``outputs="all"`` calls ``model.forward_all`` and hands the list of
    predictions to the loss, e.g. :class:`MultiSupervisionLoss`), and, given an
    ``adversarial`` :class:`srtutor.losses.AdversarialLoss` (also a term of ``loss``),
    alternates generator and discriminator Adam steps (SRGAN/ESRGAN training).
    Batches, channel handling and pre-upsampling come from :mod:`srtutor.train`.
    ``loss`` (when an ``nn.Module``, with any feature network it holds) and ``adversarial``
    are moved to ``device``. Returns a :class:`FitHistory`.
    """
    check_positive_int(steps, "steps")
    if not callable(loss):
        raise TypeError(f"loss must be callable (sr, hr) -> Tensor, got {type(loss).__name__}")
    if outputs not in ("final", "all"):
        raise ValueError(f"outputs must be 'final' or 'all', got {outputs!r}")
    if outputs == "all" and not hasattr(_net(model), "forward_all"):
        raise ValueError(f"outputs='all' needs a model with forward_all(); {type(model).__name__} has none")
    scale = getattr(model, "scale", None) if scale is None else scale
    if scale is None:
        raise ValueError("scale must be given for a model without a .scale attribute")
    dev = get_device(device)
    model.to(dev)
    if isinstance(loss, nn.Module):
        loss.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = make_scheduler(opt, schedule, steps)
    d_opt = None
    if adversarial is not None:
        adversarial.to(dev)
        d_opt = torch.optim.Adam(adversarial.discriminator.parameters(), lr=d_lr or lr, betas=(0.9, 0.999))
    batches = _batches(data, batch_size, 1, 0, seed, 0)
    channels = in_channels(model)
    hist = FitHistory()
    acc: dict[str, float] = {}
    n_acc, d_acc = 0, 0.0
    t0 = time.perf_counter()
    model.train()
    for step in range(1, steps + 1):
        lr_b, hr_b = next(batches)[:2]
        lr_b, hr_b = lr_b.to(dev), to_model_channels(hr_b.to(dev), channels)
        x = prepare_input(model, lr_b, scale, tuple(hr_b.shape[-2:]))
        sr = model.forward_all(x) if outputs == "all" else forward_sr(model, x, scale, tuple(hr_b.shape[-2:]))
        value = loss(sr, hr_b)
        opt.zero_grad(set_to_none=True)
        value.backward()
        if grad_clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        opt.step()
        sched.step()
        if adversarial is not None:
            fake = sr[-1] if isinstance(sr, (list, tuple)) else sr
            d_value = adversarial.discriminator_loss(fake.detach(), hr_b)
            d_opt.zero_grad(set_to_none=True)
            d_value.backward()
            d_opt.step()
            d_acc += float(d_value.detach())
        acc["loss"] = acc.get("loss", 0.0) + float(value.detach())
        for k, v in getattr(loss, "last", {}).items():
            if k != "total":
                acc[k] = acc.get(k, 0.0) + v
        n_acc += 1
        if step % log_every == 0 or step == steps:
            hist.step.append(step)
            hist.loss.append(acc.pop("loss") / n_acc)
            for k, v in acc.items():
                hist.terms.setdefault(k, []).append(v / n_acc)
            if adversarial is not None:
                hist.d_loss.append(d_acc / n_acc)
            acc, n_acc, d_acc = {}, 0, 0.0
    model.eval()
    hist.seconds = time.perf_counter() - t0
    return hist

