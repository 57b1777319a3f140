"""The training engine: one loop for every SR model and loss in srtutor (survey §3.4–3.5).

:func:`train` optimises a network on batches for a number of Adam steps. What it covers:

* **losses**: a name (``"l1"``, ``"l2"``, ``"charbonnier"``: :func:`pixel_loss`), any callable
  ``loss(pred, target)`` (content, texture, TV…), or a :class:`srtutor.losses.CombinedLoss`,
  whose terms are logged one by one (``history.terms``);
* **GAN training**: an ``adversarial`` :class:`srtutor.losses.AdversarialLoss` (vanilla GAN, or
  RaGAN averaged over its two terms as ESRGAN/BasicSR do) gets its own Adam optimiser and
  GradScaler; each step updates the generator (with ``loss``, which should hold the adversarial
  term) and then the discriminator, whose accuracy is logged (``history.d_acc``);
* **multi-supervision**: ``outputs="all"`` hands the list of intermediate predictions to the loss
  (LapSRN's pyramid, ``model.pyramid``; DRCN/MemNet-style ``model.forward_all``), with a named
  loss wrapped in :class:`srtutor.losses.MultiSupervisionLoss` (``deep_supervision=True`` is the
  same for LapSRN);
* **SR inputs**: channel conversion (RGB -> Y for 1-channel models), bicubic pre-upsampling for
  ``upsampling == "pre"`` models, multi-scale training (``scales``: one factor drawn per step,
  the LR batch remade from the HR patches; CARN's ×2/×3/×4 upsamplers, VDSR, Meta-SR); any
  other step through ``forward(model, batch) -> (pred, target)``;
* **mixed precision**: ``amp`` (default on for CUDA): float16 autocast with gradient scaling on
  CUDA, bfloat16 autocast (no scaling needed) on CPU or with ``amp_dtype="bfloat16"``;
* **DDP**: under ``torchrun`` (:mod:`srtutor.train.distributed`), multi-scale models included;
* **callbacks** (:mod:`srtutor.train.callbacks`): validation, checkpoints, progress, logs;
* **resume**: ``resume=PATH`` restores model, optimisers, scheduler, scalers, step, RNG states
  and history from a checkpoint written by :class:`~srtutor.train.callbacks.Checkpoint`, and
  sees the batches the interrupted run would have seen;
* **safety**: the checkpoint path is checked (writable file, existing folder) before training
  starts; a NaN/inf loss stops the run with :class:`NonFiniteLossError` naming the first bad
  step, before any checkpoint of the diverged network is written (checkpoints are atomic).

The loss is read back to the host only at log steps (every ``log_every`` steps) and where a
callback acts, so a GPU is not stalled every step.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from srtutor import get_device
from srtutor._checks import check_positive_int, check_scale
from srtutor.checkpoint import check_output_path, read_checkpoint
from srtutor.losses import AdversarialLoss, MultiSupervisionLoss, discriminator_accuracy, discriminator_loss
from srtutor.models.inference import _net, forward_sr, in_channels, prepare_input, to_model_channels
from srtutor.train.batches import BatchStream
from srtutor.train.callbacks import Callback, Checkpoint, ProgressBar, Validation, run_hooks
from srtutor.train.distributed import init_distributed, wrap_ddp
from srtutor.train.validate import lr_for_scale

Tensor = torch.Tensor

LOSSES = ("l1", "l2", "charbonnier")
SCHEDULES = ("step", "cosine", "constant")
_AMP_DTYPES = {"float16": torch.float16, "fp16": torch.float16, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16}

__all__ = ["History", "NonFiniteLossError", "TrainState", "pixel_loss", "make_scheduler", "train", "LOSSES",
           "SCHEDULES"]


# ----------------------------------------------------------------------------- history
@dataclass
class History:
    """What :func:`train` records. Every ``log_every`` steps: ``step[i]``, the mean training loss
    ``loss[i]`` of the steps since the previous record, the learning rate ``lr[i]``, the mean of
    each named term of a :class:`~srtutor.losses.CombinedLoss` (``terms[name][i]``) and, with a
    discriminator, its mean loss ``d_loss[i]`` and accuracy ``d_acc[i]`` (fraction of real and
    fake samples it classifies right; 0.5 is chance). ``val_psnr[i]`` is the mean validation PSNR
    (dB, Y, crop = scale) at ``val_step[i]``; ``bicubic_psnr`` the same for bicubic upscaling.
    ``seconds`` is the training wall time, ``images`` the number of training images (patches)
    seen by all processes, ``images_per_second`` their rate."""

    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    terms: dict[str, list[float]] = field(default_factory=dict)
    d_loss: list[float] = field(default_factory=list)
    d_acc: list[float] = field(default_factory=list)
    val_step: list[int] = field(default_factory=list)
    val_psnr: list[float] = field(default_factory=list)
    bicubic_psnr: Optional[float] = None
    seconds: float = 0.0
    images: int = 0
    images_per_second: float = 0.0
    world_size: int = 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class NonFiniteLossError(FloatingPointError):
    """Training diverged: the loss (or an optimiser update) became NaN or infinite; ``step`` is
    the first step where it did, ``lr`` the initial learning rate of the run."""

    def __init__(self, step: int, lr: float):
        self.step, self.lr = step, lr
        super().__init__(f"training diverged at step {step}: the loss is not finite (NaN or inf); lower the "
                         f"learning rate (lr={lr:g}) or clip gradients (grad_clip=); no checkpoint of the "
                         "diverged network was written")


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


def _resolve_loss(loss: Union[str, Callable], outputs: str) -> tuple[Callable, bool]:
    """``(fn(pred, target), is_pixel_name)``."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES} or a callable, got {loss!r}")
        if outputs == "all":
            return MultiSupervisionLoss(loss), True
        return (lambda sr, hr: pixel_loss(sr, hr, loss)), True
    if not callable(loss):
        raise TypeError(f"loss must be a name in {LOSSES} or a callable (pred, target) -> Tensor, "
                        f"got {type(loss).__name__}")
    return loss, False


def _amp(dev: torch.device, amp: Optional[bool], amp_dtype: Any) -> Optional[torch.dtype]:
    """The autocast dtype, or ``None`` for full precision."""
    if amp is None:
        amp = dev.type == "cuda"
    if not amp:
        return None
    if amp_dtype is None:
        return torch.float16 if dev.type == "cuda" else torch.bfloat16
    dtype = _AMP_DTYPES.get(amp_dtype, amp_dtype) if isinstance(amp_dtype, str) else amp_dtype
    if dtype not in (torch.float16, torch.bfloat16):
        raise ValueError(f"amp_dtype must be 'float16' or 'bfloat16', got {amp_dtype!r}")
    if dtype == torch.float16 and dev.type != "cuda":
        raise ValueError("amp_dtype='float16' needs CUDA; use amp_dtype='bfloat16' on the CPU")
    return dtype


def _to_device(batch: Any, dev: torch.device) -> Any:
    if isinstance(batch, Tensor):
        return batch.to(dev, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: _to_device(v, dev) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to_device(v, dev) for v in batch)
    return batch


def _first_tensor(x: Any) -> Optional[Tensor]:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Mapping):
        x = list(x.values())
    if isinstance(x, (list, tuple)):
        for v in x:
            t = _first_tensor(v)
            if t is not None:
                return t
    return None


def _float(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.float()
    if isinstance(x, (list, tuple)):
        return [v.float() for v in x]
    return x


# ----------------------------------------------------------------------------- state
class TrainState:
    """Everything one run holds: the networks, optimisers, scheduler, scalers, the step and the
    history. Callbacks read it; :meth:`training_state` / :meth:`load_training_state` make a run
    resumable."""

    def __init__(self, model: nn.Module, net: nn.Module, *, steps: int, scale: Any, device: torch.device,
                 rank: int, world: int, optimizer: torch.optim.Optimizer,
                 scheduler: torch.optim.lr_scheduler.LRScheduler, scaler: torch.amp.GradScaler,
                 amp_dtype: Optional[torch.dtype], history: History, pick: torch.Generator,
                 adversarial: Optional[AdversarialLoss] = None, d_net: Optional[nn.Module] = None,
                 d_optimizer: Optional[torch.optim.Optimizer] = None, d_scaler: Optional[torch.amp.GradScaler] = None):
        self.model, self.net, self.steps, self.scale, self.device = model, net, steps, scale, device
        self.rank, self.world, self.is_main = rank, world, rank == 0
        self.optimizer, self.scheduler, self.scaler, self.amp_dtype = optimizer, scheduler, scaler, amp_dtype
        self.history, self.pick = history, pick
        self.adversarial, self.d_net, self.d_optimizer, self.d_scaler = adversarial, d_net, d_optimizer, d_scaler
        self.step = 0
        self.channels_last = False  # inputs in the channels-last memory format
        # sums since the last log record (on the device; float64 so that the means match a host-side sum)
        self.acc_loss = torch.zeros((), dtype=torch.float64, device=device)
        self.acc_d = torch.zeros((), dtype=torch.float64, device=device)
        self.acc_right = torch.zeros((), dtype=torch.float64, device=device)
        self.acc_terms: dict[str, float] = {}
        self.acc_count = 0
        self.pred: Any = None  # the last step's prediction and loss (callbacks may look at them)
        self.loss: Optional[Tensor] = None
        self._bad = torch.full((), math.inf, device=device)  # first step with a non-finite loss

    def autocast(self):
        """The autocast context of this run (a no-op in full precision)."""
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def _watch(self, value: Tensor) -> None:
        """Remember ``step`` if ``value`` is not finite — on the device, without a host sync."""
        self._bad = torch.minimum(self._bad, torch.where(torch.isfinite(value.detach()).all(), math.inf, self.step))

    def check_finite(self, *, all_ranks: bool = False) -> None:
        """Raise :class:`NonFiniteLossError` if any loss so far was NaN/inf (syncs with the device;
        ``all_ranks``: agree across DDP processes, a collective every rank must call)."""
        bad = self._bad.clone()
        if all_ranks and self.world > 1:
            dist.all_reduce(bad, op=dist.ReduceOp.MIN)
        if math.isfinite(float(bad)):
            raise NonFiniteLossError(int(bad), self.optimizer.param_groups[0]["initial_lr"])

    def training_state(self) -> dict[str, Any]:
        """Optimisers, scheduler, scalers, step, RNG states and history (plain values and tensors)."""
        np_state = np.random.get_state()
        out: dict[str, Any] = {
            "step": self.step, "optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(), "history": self.history.as_dict(), "pick": self.pick.get_state(),
            "pending": {"loss": float(self.acc_loss), "d": float(self.acc_d), "right": float(self.acc_right),
                        "terms": dict(self.acc_terms), "count": self.acc_count},
            "rng": {"torch": torch.get_rng_state(), "python": list(random.getstate()[1]),
                    "python_version": random.getstate()[0], "python_gauss": random.getstate()[2],
                    "numpy": torch.from_numpy(np_state[1].astype(np.int64)), "numpy_pos": int(np_state[2]),
                    "numpy_gauss": [int(np_state[3]), float(np_state[4])],
                    "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []},
        }
        if self.adversarial is not None:
            out["discriminator"] = {k: v.detach().cpu() for k, v in self.adversarial.discriminator.state_dict().items()}
            out["d_optimizer"] = self.d_optimizer.state_dict()
            out["d_scaler"] = self.d_scaler.state_dict()
        return out

    def load_training_state(self, st: Mapping[str, Any]) -> None:
        """Restore what :meth:`training_state` saved (the model weights are loaded separately)."""
        self.step = int(st["step"])
        self.optimizer.load_state_dict(st["optimizer"])
        self.scheduler.load_state_dict(st["scheduler"])
        self.scaler.load_state_dict(st["scaler"])
        self.pick.set_state(st["pick"])
        self.history = History(**st["history"])
        pend = st["pending"]
        self.acc_loss.fill_(pend["loss"]), self.acc_d.fill_(pend["d"]), self.acc_right.fill_(pend["right"])
        self.acc_terms, self.acc_count = dict(pend["terms"]), int(pend["count"])
        if self.adversarial is not None:
            if "discriminator" not in st:
                raise ValueError("resume: the checkpoint has no discriminator state; it was not a GAN run")
            self.adversarial.discriminator.load_state_dict(st["discriminator"])
            self.d_optimizer.load_state_dict(st["d_optimizer"])
            self.d_scaler.load_state_dict(st["d_scaler"])

    def restore_rng(self, st: Mapping[str, Any]) -> None:
        rng = st["rng"]
        torch.set_rng_state(rng["torch"])
        random.setstate((rng["python_version"], tuple(rng["python"]), rng["python_gauss"]))
        np.random.set_state(("MT19937", rng["numpy"].numpy().astype(np.uint32), rng["numpy_pos"],
                             rng["numpy_gauss"][0], rng["numpy_gauss"][1]))
        if rng["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(rng["cuda"])

    def draw_scale(self, scales: Sequence[float]) -> float:
        """One factor of ``scales`` (the same on every rank: the generator shares the seed)."""
        return scales[int(torch.randint(len(scales), (), generator=self.pick))]


# ----------------------------------------------------------------------------- one step
def _sr_forward(state: TrainState, batch: Any, scales: Optional[Sequence[float]], outputs: str,
                channels: int) -> tuple[Any, Tensor]:
    """The SR step's forward pass: ``(lr, hr, ...)`` batch -> ``(prediction, hr in model channels)``."""
    lr_b, hr_b = batch[0], batch[1]
    r = state.scale if scales is None else state.draw_scale(scales)
    hr_b = hr_b.to(state.device, non_blocking=True)
    lr_b = lr_for_scale(hr_b, r) if scales is not None else lr_b.to(state.device, non_blocking=True)
    hr_b = to_model_channels(hr_b, channels)
    x = prepare_input(state.net, lr_b, r, tuple(hr_b.shape[-2:]))
    if state.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with state.autocast():
        if outputs == "all":
            if hasattr(_net(state.net), "pyramid"):
                pred = state.net(x, pyramid=True)
            else:
                pred = _net(state.net).forward_all(x)
        else:
            pred = forward_sr(state.net, x, r, tuple(hr_b.shape[-2:]))
    return pred, hr_b


def _log(state: TrainState, opt: torch.optim.Optimizer, adversarial: bool, cbs: Sequence[Callback]) -> None:
    """Append the means since the last record to the history and call ``on_log`` (a host sync)."""
    h, n = state.history, state.acc_count
    record: dict[str, Any] = {"step": state.step, "loss": float(state.acc_loss) / n, "lr": opt.param_groups[0]["lr"]}
    h.step.append(state.step)
    h.loss.append(record["loss"])
    h.lr.append(record["lr"])
    for k, v in state.acc_terms.items():
        h.terms.setdefault(k, []).append(v / n)
        record[k] = v / n
    if adversarial:
        record["d_loss"], record["d_acc"] = float(state.acc_d) / n, float(state.acc_right) / n
        h.d_loss.append(record["d_loss"])
        h.d_acc.append(record["d_acc"])
    run_hooks(cbs, "on_log", state, record)
    state.acc_terms, state.acc_count = {}, 0
    state.acc_loss.zero_(), state.acc_d.zero_(), state.acc_right.zero_()


def _time_is_up(state: TrainState, up: bool) -> bool:
    """Whether any rank's time is up (a collective under DDP: every rank calls it at the same steps)."""
    if state.world > 1:
        flag = torch.tensor(float(up), device=state.device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag.item())
    return up


# ----------------------------------------------------------------------------- the loop
def train(
    model: nn.Module,
    data: Union[Dataset, DataLoader, Iterable],
    *,
    steps: int,
    lr: float = 1e-3,
    loss: Union[str, Callable[[Any, Any], Tensor]] = "l1",
    schedule: str = "cosine",
    scale: Optional[float] = None,
    scales: Optional[Sequence[float]] = None,
    batch_size: int = 16,
    val_images: Optional[Union[Mapping[str, Tensor], Sequence[Tensor]]] = None,
    val_every: Optional[int] = None,
    device: Any = "auto",
    amp: Optional[bool] = None,
    amp_dtype: Any = None,
    checkpoint: Optional[Any] = None,
    checkpoint_meta: Optional[Mapping[str, Any]] = None,
    checkpoint_every: Optional[int] = None,
    log_every: int = 50,
    progress: bool = True,
    num_workers: int = 0,
    seed: int = 0,
    weight_decay: float = 0.0,
    betas: tuple[float, float] = (0.9, 0.999),
    grad_clip: Optional[float] = None,
    min_lr_ratio: float = 0.01,
    deep_supervision: bool = False,
    outputs: str = "final",
    adversarial: Optional[AdversarialLoss] = None,
    d_lr: Optional[float] = None,
    forward: Optional[Callable[[nn.Module, Any], tuple[Any, Any]]] = None,
    callbacks: Sequence[Callback] = (),
    resume: Optional[Any] = None,
    time_limit: Optional[float] = None,
    channels_last: bool = False,
) -> History:
    """Train ``model`` for ``steps`` Adam steps (the module docstring lists what it covers).

    Args:
        model: an SR network (reads ``model.upsampling``, ``model.in_channels``, ``model.scale``,
            ``model.multi_scale``), or any network with a custom ``forward``.
        data: a ``Dataset`` of ``(lr (C, p, p), hr (C, sp, sp))`` items (e.g.
            :class:`srtutor.data.PairedPatchDataset`; shuffled per epoch, sharded under DDP), or a
            ``DataLoader``/iterable of ready batches (used as given, cycled).
        steps: total number of optimiser steps (a resumed run continues up to it).
        lr: initial learning rate (positive, finite).
        loss: ``"l1"``, ``"l2"``, ``"charbonnier"`` or a callable ``(pred, target) -> 0-dim Tensor``
            (e.g. :class:`srtutor.losses.CombinedLoss`; an ``nn.Module`` loss is moved to the device).
        schedule: ``"step"``, ``"cosine"`` or ``"constant"`` (:func:`make_scheduler`).
        scale: upscaling factor (default ``model.scale``).
        scales: multi-scale training: one ``r`` of ``scales`` per step (the same on every rank),
            the LR batch remade from the HR patches with :func:`~srtutor.train.validate.lr_for_scale`
            (HR patches must be divisible by every ``r``); multi-scale models get ``scale=r``.
            Validation uses ``scale``.
        batch_size: per process, when ``data`` is a Dataset.
        val_images: HR images for validation (PSNR, benchmark protocol) at ``val_every`` steps
            (default: 4 times per run) and at the end.
        device: ``"auto"``/``"cpu"``/``"cuda"``, or ``None`` to keep the model where it is; under
            DDP on CUDA, ``cuda:LOCAL_RANK``.
        amp: mixed precision (default: on for CUDA, off on CPU); ``amp_dtype`` ``"float16"`` (CUDA,
            with gradient scaling; the CUDA default) or ``"bfloat16"`` (the CPU default).
        checkpoint: where to save the model (rank 0, atomically): at ``checkpoint_every`` steps
            (default: each validation), and at the end. Checked before training starts.
        checkpoint_meta: stored with the weights (``name``, ``scale``, ``kwargs``, ...).
        log_every: record (and show) the mean losses every this many steps.
        progress: tqdm progress bar (rank 0).
        seed: seeds the shuffling and the draw of ``scales``.
        weight_decay, betas: Adam's.
        grad_clip: clip the global gradient norm to this value (VDSR's adjustable clipping,
            here on the norm).
        min_lr_ratio: final learning rate of the cosine schedule, as a fraction of ``lr``.
        deep_supervision: LapSRN: a loss on every pyramid level (``outputs="all"``; Lai et al.
            2017, Eq. 2, through :class:`srtutor.losses.MultiSupervisionLoss`).
        outputs: ``"final"``, or ``"all"`` (intermediate predictions: ``model.pyramid`` via
            ``model(x, pyramid=True)``, else ``model.forward_all(x)``).
        adversarial: a :class:`srtutor.losses.AdversarialLoss`; its discriminator is trained after
            every generator step with its own Adam (``d_lr``, default ``lr``) and scaler.
        d_lr: the discriminator's learning rate.
        forward: ``forward(net, batch) -> (pred, target)`` for any other kind of step (batch moved
            to the device, run under autocast); replaces the SR input handling.
        callbacks: extra :class:`~srtutor.train.callbacks.Callback` objects.
        resume: a checkpoint written by this engine (``checkpoint=``): continue that run.
        time_limit: stop after this many seconds of training (checked at log steps, agreed by
            all DDP ranks): that step becomes the last one (final validation and checkpoint).
            The schedule keeps its ``steps``. For throughput checks on a fixed budget.
        channels_last: keep the model's weights and the input batches in the channels-last
            memory format (NHWC), which tensor cores prefer for convolutions on CUDA.

    Returns:
        :class:`History` (also in every checkpoint's ``meta["history"]``).

    Raises:
        ValueError / TypeError: a bad argument (the message names it), checked before training.
        NonFiniteLossError: the loss became NaN/inf (the message names the step).
    """
    check_positive_int(steps, "steps")
    check_positive_int(batch_size, "batch_size")
    check_positive_int(log_every, "log_every")
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (lr > 0 and math.isfinite(lr)):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    if outputs not in ("final", "all"):
        raise ValueError(f"outputs must be 'final' or 'all', got {outputs!r}")
    if deep_supervision:
        if not hasattr(_net(model), "pyramid"):
            raise ValueError(f"deep_supervision needs a model with a pyramid (LapSRN), got {type(_net(model)).__name__}")
        outputs = "all"
    if outputs == "all" and forward is None and not (hasattr(_net(model), "pyramid")
                                                     or hasattr(_net(model), "forward_all")):
        raise ValueError(f"outputs='all' needs a model with pyramid() or forward_all(); "
                         f"{type(_net(model)).__name__} has neither")
    loss_fn, pixel = _resolve_loss(loss, outputs)
    if adversarial is not None and not isinstance(adversarial, AdversarialLoss):
        raise TypeError(f"adversarial must be an srtutor.losses.AdversarialLoss, got {type(adversarial).__name__}")
    scale = getattr(_net(model), "scale", None) if scale is None else scale
    if scale is None and forward is None:
        raise ValueError("scale must be given for a model without a .scale attribute")
    if scale is not None:
        scale = check_scale(scale)
        scale = int(scale) if float(scale).is_integer() else scale
    if scales is not None:
        scales = [check_scale(r, "scales[i]") for r in scales]
        if not scales:
            raise ValueError("scales must not be empty")
    if time_limit is not None and not (isinstance(time_limit, (int, float)) and time_limit > 0):
        raise ValueError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    if checkpoint is not None:
        check_output_path(checkpoint, "checkpoint")
    ckpt = read_checkpoint(resume) if resume is not None else None
    if ckpt is not None and "training" not in ckpt:
        raise ValueError(f"resume: {resume} holds weights only (no training state); use it as an init instead")

    rank, world, local_rank = init_distributed()
    if device is None:
        dev = next(model.parameters()).device
    else:
        dev = get_device(device)
        if world > 1 and dev.type == "cuda":
            dev = torch.device("cuda", local_rank)
            torch.cuda.set_device(dev)
    amp_dt = _amp(dev, amp, amp_dtype)
    fp16 = amp_dt == torch.float16
    model.to(dev)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    if ckpt is not None:
        _net(model).load_state_dict(ckpt["state_dict"])
    if isinstance(loss_fn, nn.Module):
        loss_fn.to(dev)
    net = wrap_ddp(model, dev) if world > 1 else model

    opt = torch.optim.Adam(net.parameters(), lr=lr, betas=betas, weight_decay=weight_decay)
    sched = make_scheduler(opt, schedule, steps, min_lr_ratio)
    d_net = d_opt = d_scaler = None
    if adversarial is not None:
        adversarial.to(dev)
        d_net = wrap_ddp(adversarial.discriminator, dev, find_unused=False) if world > 1 else adversarial.discriminator
        d_opt = torch.optim.Adam(adversarial.discriminator.parameters(), lr=d_lr or lr, betas=(0.9, 0.999))
        d_scaler = torch.amp.GradScaler("cuda", enabled=fp16)
    state = TrainState(model, net, steps=steps, scale=scale, device=dev, rank=rank, world=world, optimizer=opt,
                       scheduler=sched, scaler=torch.amp.GradScaler("cuda", enabled=fp16), amp_dtype=amp_dt,
                       history=History(world_size=world), pick=torch.Generator().manual_seed(seed),
                       adversarial=adversarial, d_net=d_net, d_optimizer=d_opt, d_scaler=d_scaler)
    state.channels_last = bool(channels_last)
    if ckpt is not None:
        state.load_training_state(ckpt["training"])
        if state.step >= steps:
            raise ValueError(f"resume: the checkpoint is at step {state.step}, not below steps={steps}")

    cbs: list[Callback] = []
    if val_images is not None:
        cbs.append(Validation(val_images, scale, val_every or max(1, steps // 4)))
    if checkpoint is not None:
        every = checkpoint_every or (val_every or max(1, steps // 4) if val_images is not None else None)
        cbs.append(Checkpoint(checkpoint, every, {"scale": scale, **dict(checkpoint_meta or {})}))
    cbs.extend(callbacks)
    if progress:
        cbs.append(ProgressBar(f"train {type(_net(model)).__name__}" + (f" x{scale}" if scale else "")))

    batches = BatchStream(data, batch_size, world=world, rank=rank, seed=seed, num_workers=num_workers,
                          start=state.step)
    first = next(batches)
    if ckpt is not None:  # after the first batch: its loader drew from the global RNG as the run did
        state.restore_rng(ckpt["training"])
    channels = in_channels(net)
    run_hooks(cbs, "on_train_start", state)
    seen, t0 = 0, time.perf_counter()
    model.train()
    while state.step < steps:
        batch = first if first is not None else next(batches)
        first = None
        state.step += 1
        # ---- generator step
        if forward is None:
            pred, target = _sr_forward(state, batch, scales, outputs, channels)
        else:
            batch = _to_device(batch, dev)
            with state.autocast():
                pred, target = forward(net, batch)
        state.pred = pred
        if pixel:
            value = loss_fn(_float(pred), target)
        else:
            with state.autocast():
                value = loss_fn(pred, target)
            value = value.float()
        opt.zero_grad(set_to_none=True)
        state.scaler.scale(value).backward()
        if grad_clip is not None:
            state.scaler.unscale_(opt)
            nn.utils.clip_grad_norm_(net.parameters(), grad_clip)
        try:
            state.scaler.step(opt)
        except RuntimeError as exc:  # an update too large for the dtype (e.g. lr=1e38 in float32)
            if "overflow" not in str(exc):
                raise
            raise NonFiniteLossError(state.step, lr) from exc
        state.scaler.update()
        sched.step()
        state.loss = value.detach()
        state._watch(value)
        state.acc_loss += state.loss
        for k, v in getattr(loss_fn, "last", {}).items():
            if k != "total":
                state.acc_terms[k] = state.acc_terms.get(k, 0.0) + v
        # ---- discriminator step
        if adversarial is not None:
            fake = (pred[-1] if isinstance(pred, (list, tuple)) else pred).detach()
            with state.autocast():
                real_logits, fake_logits = d_net(target), d_net(fake)
            d_value = discriminator_loss(real_logits.float(), fake_logits.float(), adversarial.kind)
            d_opt.zero_grad(set_to_none=True)
            d_scaler.scale(d_value).backward()
            d_scaler.step(d_opt)
            d_scaler.update()
            state._watch(d_value)
            state.acc_d += d_value.detach()
            state.acc_right += discriminator_accuracy(real_logits.detach(), fake_logits.detach(), adversarial.kind)
        state.acc_count += 1
        t = _first_tensor(target)
        seen += (int(t.shape[0]) if t is not None and t.ndim > 0 else 1) * world
        # ---- log (a host sync), then callbacks
        if time_limit is not None and state.step % log_every == 0 and state.step < steps:
            if _time_is_up(state, time.perf_counter() - t0 + state.history.seconds >= time_limit):
                state.steps = steps = state.step  # this step is the last: final log, validation, checkpoint
        if state.step % log_every == 0 or state.step == steps:
            state.check_finite(all_ranks=True)
            _log(state, opt, adversarial is not None, cbs)
        # time and rate before the callbacks: a checkpoint stores them
        h = state.history
        elapsed = time.perf_counter() - t0
        h.seconds, h.images = h.seconds + elapsed, h.images + seen
        h.images_per_second = h.images / h.seconds if h.seconds > 0 else 0.0
        t0, seen = time.perf_counter(), 0
        run_hooks(cbs, "on_step_end", state)
        t0 = time.perf_counter()  # callback time (validation, writing) is not training time
    run_hooks(cbs, "on_train_end", state)
    model.eval()
    return state.history
