"""Distributed data parallel (DDP) helpers: process group from torchrun's environment, wrapping.

Run any training script under ``torchrun --nproc_per_node N``: :func:`init_distributed` sees
``WORLD_SIZE > 1`` and initialises the process group (``nccl`` on CUDA, ``gloo`` on CPU); the
engine wraps the model in ``DistributedDataParallel`` (:func:`wrap_ddp`), shards the data, and
keeps validation, logging and checkpoints on rank 0.

**Multi-scale models** (CARN ×2/×3/×4, ``model.multi_scale``; and MDSR-style scale heads) use
one of their upsamplers per step, so the other upsamplers' parameters get no gradient in that
step. DDP by default expects every parameter's gradient and fails ("Expected to have finished
reduction in the prior iteration"). :func:`wrap_ddp` turns on ``find_unused_parameters`` for such
models: DDP walks the autograd graph after each forward pass and marks the unused parameters
ready, at the cost of one graph traversal per step. The alternative — making every branch take
part in every step (adding ``0 ×`` the other upsamplers' outputs) — would run all upsamplers
every step and hand Adam zero gradients for the idle ones (its moments would still move them),
which changes the optimisation; the engine draws the same scale on every rank (a shared seed), so
all replicas use the same branch in a step and the gradients average exactly as in one process.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist
import torch.nn as nn

from srtutor.models.inference import _net

__all__ = ["init_distributed", "wrap_ddp", "has_branches", "barrier"]


def init_distributed() -> tuple[int, int, int]:
    """Initialise ``torch.distributed`` from torchrun's environment when ``WORLD_SIZE > 1``.

    Returns ``(rank, world_size, local_rank)``; ``(0, 1, 0)`` for a single process.
    Backend: ``nccl`` when CUDA is available, else ``gloo``.
    """
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1, 0
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend)
    return dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", 0))


def has_branches(model: nn.Module) -> bool:
    """True for networks that use only part of their parameters in a step: several upsamplers
    (``multi_scale``, CARN) or scale-specific heads (``ScaleSpecificHeads``, MDSR)."""
    net = _net(model)
    if getattr(net, "multi_scale", False):
        return True
    return any(type(m).__name__ == "ScaleSpecificHeads" for m in net.modules())


def wrap_ddp(model: nn.Module, device: torch.device, *, find_unused: bool | None = None) -> nn.Module:
    """``DistributedDataParallel(model)``; ``find_unused_parameters`` defaults to
    :func:`has_branches` (see the module docstring for why)."""
    if find_unused is None:
        find_unused = has_branches(model)
    ids = [device.index] if device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=ids, find_unused_parameters=find_unused)


def barrier(world: int) -> None:
    """Wait for every process (no-op for one process)."""
    if world > 1:
        dist.barrier()
