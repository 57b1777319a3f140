"""Training SR models (survey §3.4–3.5): one engine, single process or DDP, any loss, GAN, AMP.

    >>> import srtutor
    >>> from srtutor.data import PairedPatchDataset, load_training_images
    >>> net = srtutor.models.create("espcn", scale=2)
    >>> ds = PairedPatchDataset(load_training_images(), scale=2, patch_size=17, length=10_000)
    >>> hist = srtutor.train.train(net, ds, steps=1000, lr=1e-3, scale=2)   # doctest: +SKIP

What the loop does at every step: take a batch of ``(lr, hr)`` patches; convert both to the
model's channels (RGB -> Y for 1-channel models, :func:`srtutor.models.inference.to_model_channels`);
for **pre-upsampling** models (``model.upsampling == "pre"``: SRCNN, VDSR) upscale the LR
patch bicubically to the HR size first; predict; take the loss (a pixel loss by name, or any
callable: content, texture, adversarial…); Adam step (and a discriminator step for GANs);
learning-rate schedule (step decay or cosine). On CUDA it uses automatic mixed precision
(float16 autocast + gradient scaling); bfloat16 on request, also on the CPU.

The package: :mod:`~srtutor.train.engine` (the loop, :func:`train`), :mod:`~srtutor.train.callbacks`
(validation, checkpoints, progress, logs), :mod:`~srtutor.train.batches` (resumable batch
streams), :mod:`~srtutor.train.distributed` (DDP), :mod:`~srtutor.train.validate`
(:func:`evaluate`) and :mod:`~srtutor.train.export` (shipped weights and model cards).

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

from srtutor.checkpoint import load_checkpoint, load_matching, save_checkpoint
from srtutor.train.callbacks import Callback, Checkpoint, JsonLogger, ProgressBar, Validation
from srtutor.train.distributed import init_distributed
from srtutor.train.engine import (
    LOSSES, SCHEDULES, History, NonFiniteLossError, TrainState, make_scheduler, pixel_loss, train,
)
from srtutor.train.validate import evaluate, lr_for_scale

__all__ = ["History", "NonFiniteLossError", "TrainState", "pixel_loss", "make_scheduler", "init_distributed",
           "evaluate", "save_checkpoint", "load_checkpoint", "load_matching", "train", "lr_for_scale",
           "Callback", "Validation", "Checkpoint", "ProgressBar", "JsonLogger", "LOSSES", "SCHEDULES"]
