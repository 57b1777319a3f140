"""VGG19 feature extractor for content (perceptual) and texture losses — no torchvision.

Layer indices and parameter names match torchvision's ``vgg19().features`` so that the
ImageNet weights PyTorch publishes (``vgg19-dcbb9e9d.pth``) load directly:
``features.0.weight`` ... ``features.34.bias``. The classifier is not built.

Weights: :func:`vgg19_features` with ``weights="imagenet"`` looks for the file in
``cache_dir`` (default ``$SRTUTOR_CACHE`` or ``~/.cache/srtutor``), otherwise downloads
:data:`VGG19_URL`, checks that the file's sha256 starts with the 8 hex digits in its name
(PyTorch's convention, here ``dcbb9e9d``) and caches it. Offline with no file, it warns
and falls back to He-initialised random weights (``fallback="random"``) or raises
(``fallback="error"``). Random VGG features are *not* ImageNet features: a content loss
on them is a loss on fixed random filters (still a multi-scale edge/texture statistic,
see Ulyanov et al. 2018 and chapter 8), never report it as the SRGAN/ESRGAN VGG loss.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.request
import warnings
from pathlib import Path

import torch
import torch.nn as nn

from srtutor.io import atomic_write, sha256_file

Tensor = torch.Tensor

VGG19_URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
VGG19_CFG = (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
             512, 512, 512, 512, "M")
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _layer_names(cfg=VGG19_CFG) -> list[str]:
    names, block, idx = [], 1, 1
    for v in cfg:
        if v == "M":
            names.append(f"pool{block}")
            block, idx = block + 1, 1
        else:
            names += [f"conv{block}_{idx}", f"relu{block}_{idx}"]
            idx += 1
    return names


#: ``{"conv1_1": 0, "relu1_1": 1, ..., "relu5_4": 35, "pool5": 36}`` — torchvision indices.
VGG19_LAYERS: dict[str, int] = {n: i for i, n in enumerate(_layer_names())}


def _make_features(cfg=VGG19_CFG) -> nn.Sequential:
    layers: list[nn.Module] = []
    c = 3
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.ReLU(inplace=False)]
            c = v
    return nn.Sequential(*layers)


class VGG19Features(nn.Module):
    """VGG19's convolutional part (Simonyan & Zisserman 2015), frozen, eval mode.

    ``forward(x, layers)`` takes images in [0, 1] ``(N, 3, H, W)``, applies ImageNet
    normalisation, and returns ``{name: features}`` for the requested layer names of
    :data:`VGG19_LAYERS` (it stops after the deepest one).
    """

    def __init__(self):
        super().__init__()
        self.features = _make_features()
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.pretrained = False
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "VGG19Features":  # always frozen
        return super().train(False)

    def forward(self, x: Tensor, layers: tuple[str, ...] | list[str] = ("relu5_4",)) -> dict[str, Tensor]:
        unknown = [n for n in layers if n not in VGG19_LAYERS]
        if unknown:
            raise ValueError(f"layers must be names from VGG19_LAYERS (e.g. 'relu2_2'), got {unknown}")
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"x must have shape (N, 3, H, W), got {tuple(x.shape)}")
        want = {VGG19_LAYERS[n]: n for n in layers}
        last = max(want)
        h = (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)
        out = {}
        for i, layer in enumerate(self.features):
            h = layer(h)
            if i in want:
                out[want[i]] = h
            if i == last:
                break
        return out


def default_cache_dir() -> Path:
    """``$SRTUTOR_CACHE`` or ``~/.cache/srtutor``."""
    return Path(os.environ.get("SRTUTOR_CACHE", Path.home() / ".cache" / "srtutor"))


def hash_prefix(filename: str) -> str | None:
    """The sha256 prefix PyTorch encodes in a weights file name (``vgg19-dcbb9e9d.pth`` -> ``dcbb9e9d``)."""
    m = re.search(r"-([a-f0-9]{8,})\.", os.path.basename(filename))
    return m.group(1) if m else None


def verify_file(path: str | os.PathLike, prefix: str | None) -> None:
    """Raise ``ValueError`` unless the file's sha256 starts with ``prefix`` (skipped if None)."""
    if prefix is None:
        return
    digest = sha256_file(Path(path))
    if not digest.startswith(prefix):
        raise ValueError(f"sha256 of {path} is {digest[:16]}..., expected prefix {prefix}: corrupt or wrong file")


def load_vgg19_state(path: str | os.PathLike, *, check_hash: bool = True) -> dict[str, Tensor]:
    """Load a torchvision-format VGG19 checkpoint and keep the ``features.*`` tensors.

    Accepts the full model's state dict (``features.*`` and ``classifier.*`` keys) or a
    features-only one (keys ``0.weight``...). The hash prefix is checked when the file name
    carries one and ``check_hash``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"VGG19 weights file not found: {path}")
    if check_hash:
        verify_file(path, hash_prefix(path.name))
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise ValueError(f"{path} does not hold a state dict (got {type(state).__name__})")
    feats = {k: v for k, v in state.items() if k.startswith("features.")}
    if not feats:
        feats = {f"features.{k}": v for k, v in state.items() if re.match(r"^\d+\.(weight|bias)$", k)}
    if not feats:
        raise ValueError(f"{path} has no VGG19 'features.*' tensors; keys start with {list(state)[:3]}")
    return feats


def _download(url: str, dest: Path) -> Path:
    """Download ``url`` to ``dest`` (atomic rename), verifying the name's sha256 prefix."""
    prefix = hash_prefix(dest.name)
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=30) as r, atomic_write(dest) as f:  # renamed into place if verified
        while chunk := r.read(1 << 20):
            f.write(chunk)
            digest.update(chunk)
        if prefix is not None and not digest.hexdigest().startswith(prefix):
            raise ValueError(f"sha256 of {url} is {digest.hexdigest()[:16]}..., expected prefix {prefix}: corrupt "
                             f"or wrong file (discarded)")
    return dest


def vgg19_features(weights: str | os.PathLike | None = "imagenet", *, cache_dir: str | os.PathLike | None = None,
                   fallback: str = "random", seed: int = 0, download: bool = True) -> VGG19Features:
    """Build :class:`VGG19Features`.

    Args:
        weights: ``"imagenet"`` (cache, then :data:`VGG19_URL`), a path to a ``.pth`` file,
            or ``None`` for random weights.
        cache_dir: where ``vgg19-dcbb9e9d.pth`` is looked for / stored.
        fallback: ``"random"`` (warn and use random weights when the ImageNet file cannot be
            had) or ``"error"``.
        seed: seed of the random initialisation.
        download: allow the download when the file is not in ``cache_dir``.

    The returned module has ``.pretrained`` True only when real weights were loaded.
    """
    if fallback not in ("random", "error"):
        raise ValueError(f"fallback must be 'random' or 'error', got {fallback!r}")
    net = VGG19Features()
    g = torch.Generator().manual_seed(seed)
    for m in net.features:
        if isinstance(m, nn.Conv2d):
            fan_in = m.in_channels * 9
            with torch.no_grad():
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
                m.bias.zero_()
    if weights is None:
        return net
    if weights == "imagenet":
        path = Path(cache_dir) if cache_dir else default_cache_dir()
        path = path / os.path.basename(VGG19_URL)
        try:
            if not path.is_file():
                if not download:
                    raise FileNotFoundError(f"{path} not present and download=False")
                _download(VGG19_URL, path)
            state = load_vgg19_state(path)
        except Exception as exc:  # offline, blocked, corrupt
            if fallback == "error":
                raise RuntimeError(f"could not get VGG19 ImageNet weights ({exc}); put {path.name} in {path.parent}") from exc
            warnings.warn(f"VGG19 ImageNet weights unavailable ({type(exc).__name__}: {exc}). Using RANDOM VGG19 "
                          f"weights: content/texture losses use fixed random features, not ImageNet ones. To fix, "
                          f"download {VGG19_URL} into {path.parent} (or pass weights=<path>).", stacklevel=2)
            return net
    else:
        state = load_vgg19_state(weights)
    missing, unexpected = net.load_state_dict(state, strict=False)
    bad_missing = [k for k in missing if k.startswith("features.")]
    if bad_missing or unexpected:
        raise ValueError(f"VGG19 state dict mismatch: missing {bad_missing[:4]}, unexpected {unexpected[:4]}")
    net.pretrained = True
    return net


__all__ = ["VGG19Features", "vgg19_features", "load_vgg19_state", "VGG19_LAYERS", "VGG19_URL", "hash_prefix",
           "verify_file", "default_cache_dir"]
