"""srtutor: an executable companion to *Deep Learning for Image Super-resolution: A Survey*
(Z. Wang, J. Chen, S. C. H. Hoi, TPAMI 2020, arXiv:1902.06068).

Conventions: images are ``torch.Tensor`` of shape ``(N, C, H, W)`` or
``(C, H, W)``, float in ``[0, 1]``, on any device. Conversions to and from files and numpy
``HWC uint8`` arrays happen only in :mod:`srtutor.io`.

Submodules are imported lazily, so ``import srtutor`` stays cheap::

    import srtutor
    srtutor.seed_everything(0)
    lr = srtutor.resize.imresize(hr, scale=1 / 4)
"""

from __future__ import annotations

import importlib
import os
import random
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = (
    "blocks", "book", "checkpoint", "claims", "cli", "cli_data", "cli_train", "cli_upscale", "color", "complexity",
    "data", "degradation", "domains", "evaluate", "io", "iqa", "losses", "metrics", "models", "pretrained",
    "priors", "published", "realworld", "recipes", "resize", "strategies", "taxonomy", "tiling", "train",
    "unsupervised", "upsample", "vgg", "viz",
)

__all__ = ["seed_everything", "get_device", "__version__", *_SUBMODULES]


def seed_everything(seed: int = 0, *, deterministic: bool = False) -> int:
    """Seed Python's ``random``, NumPy and PyTorch (CPU and every CUDA device).

    Args:
        seed: the seed, a non-negative integer.
        deterministic: also ask PyTorch for deterministic algorithms (slower on GPU).

    Returns:
        The seed, so that notebooks can print what they used.
    """
    import numpy as np
    import torch

    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    return seed


def get_device(device: Any = "auto"):
    """Resolve ``"auto"`` (CUDA when present, else CPU), a string or a ``torch.device``."""
    import torch

    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda[:i]' or a torch.device, got {device!r}") from exc


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'srtutor' has no attribute {name!r}")
