"""Callbacks of the training engine: validation, checkpoints, progress bar, JSON logs.

A callback gets the engine's :class:`~srtutor.train.engine.TrainState` at four moments::

    on_train_start(state)      after set-up (and after a resume), before the first step
    on_step_end(state)         after every optimiser step (state.step is 1-based)
    on_log(state, record)      every ``log_every`` steps, with the logged means (a dict)
    on_train_end(state)        after the last step

Callbacks act on rank 0 only unless they say otherwise (``all_ranks = True``). Before a
callback writes or evaluates anything, it calls ``state.check_finite()``: a run whose loss went
NaN/inf stops there with :class:`~srtutor.train.engine.NonFiniteLossError`, and no
checkpoint of a diverged network is ever written.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, TextIO, Union

from tqdm.auto import tqdm

from srtutor.checkpoint import save_checkpoint
from srtutor.train.validate import evaluate

# callbacks receive the engine's TrainState (srtutor.train.engine imports this module, so the
# annotations name it as a string only)
TrainState = Any

__all__ = ["Callback", "Validation", "Checkpoint", "ProgressBar", "JsonLogger"]


class Callback:
    """Base class: override any of the four hooks. ``all_ranks``: also run on ranks > 0."""

    all_ranks = False

    def on_train_start(self, state: TrainState) -> None:
        pass

    def on_step_end(self, state: TrainState) -> None:
        pass

    def on_log(self, state: TrainState, record: Mapping[str, Any]) -> None:
        pass

    def on_train_end(self, state: TrainState) -> None:
        pass


def _due(step: int, every: Optional[int], last: int) -> bool:
    return step == last or (every is not None and step % every == 0)


class Validation(Callback):
    """PSNR of the model on HR ``images`` (:func:`srtutor.train.validate.evaluate`, benchmark
    protocol) every ``every`` steps and at the end; bicubic's PSNR once at the start. Fills
    ``history.val_step``, ``history.val_psnr`` and ``history.bicubic_psnr``."""

    def __init__(self, images, scale: float, every: int):
        self.images, self.scale, self.every = images, scale, int(every)

    def on_train_start(self, state: TrainState) -> None:
        if state.history.bicubic_psnr is None:
            state.history.bicubic_psnr = evaluate(None, self.images, self.scale, ssim=False)["mean_psnr"]

    def on_step_end(self, state: TrainState) -> None:
        if _due(state.step, self.every, state.steps):
            state.check_finite()
            psnr = evaluate(state.net, self.images, self.scale, ssim=False)["mean_psnr"]
            state.history.val_step.append(state.step)
            state.history.val_psnr.append(psnr)
            state.model.train()


class Checkpoint(Callback):
    """Write ``path`` (atomically) every ``every`` steps (``None``: only at the end) with the
    model, ``meta`` (plus ``step``, ``scale`` and the history) and, with ``resumable``, the
    optimiser/scheduler/scaler/RNG state that ``train(..., resume=path)`` restores."""

    def __init__(self, path: Union[str, Path], every: Optional[int] = None,
                 meta: Optional[Mapping[str, Any]] = None, resumable: bool = True):
        self.path, self.every, self.meta, self.resumable = Path(path), every, dict(meta or {}), resumable
        self.written: list[int] = []

    def on_step_end(self, state: TrainState) -> None:
        if _due(state.step, self.every, state.steps):
            state.check_finite()
            meta = {"scale": state.scale, "step": state.step, **self.meta, "history": state.history.as_dict()}
            save_checkpoint(self.path, state.net, meta=meta,
                            training=state.training_state() if self.resumable else None)
            self.written.append(state.step)


class ProgressBar(Callback):
    """A tqdm bar (rank 0) showing the logged loss, learning rate and last validation PSNR."""

    def __init__(self, desc: str = "train"):
        self.desc, self.bar = desc, None

    def on_train_start(self, state: TrainState) -> None:
        self.bar = tqdm(total=state.steps, initial=state.step, desc=self.desc, leave=False)

    def on_step_end(self, state: TrainState) -> None:
        self.bar.update(1)

    def on_log(self, state: TrainState, record: Mapping[str, Any]) -> None:
        post = {"loss": f"{record['loss']:.4f}", "lr": f"{record['lr']:.2e}"}
        if state.history.val_psnr:
            post["val_psnr"] = f"{state.history.val_psnr[-1]:.2f}"
        self.bar.set_postfix(post)

    def on_train_end(self, state: TrainState) -> None:
        self.bar.close()


class JsonLogger(Callback):
    """One JSON line per log record on ``stream`` (default ``sys.stderr``): for logs without a bar."""

    def __init__(self, stream: Optional[TextIO] = None):
        self.stream = stream

    def on_log(self, state: TrainState, record: Mapping[str, Any]) -> None:
        print(json.dumps({k: v for k, v in record.items()}), file=self.stream or sys.stderr, flush=True)


def run_hooks(callbacks: Sequence[Callback], hook: str, state: TrainState, *args: Any) -> None:
    """Call ``hook`` on every callback that runs on this rank."""
    for cb in callbacks:
        if state.is_main or cb.all_ranks:
            getattr(cb, hook)(state, *args)
