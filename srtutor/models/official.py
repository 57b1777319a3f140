"""The authors' own checkpoints in srtutor models: :func:`load_official` (survey §3.6: reproducing
published tables).

The papers' authors (and BasicSR, for the architectures it hosts) released trained weights as
PyTorch state dicts in their own layout: their module names, their value range (EDSR-PyTorch
works on ``[0, 255]``), their mean-shift layers (frozen ``1x1`` convolutions), several scales in
one file (CARN's ``upsample.up2/up3/up4``, MDSR). :func:`load_official` reads such a file with
``torch.load(..., weights_only=True)`` (never pickled code), converts it with the *adapter* of the
model family and returns the srtutor model (evaluation mode) computing the authors' function::

    >>> from srtutor.models.official import load_official
    >>> net = load_official("carn-m", "carn_m.pth", scale=4)      # doctest: +SKIP
    >>> net.official["source"]                                      # doctest: +SKIP
    'github.com/nmhkahn/CARN-pytorch'

A checkpoint that does not fit — another model, another scale, a truncated file, keys the adapter
does not know, tensors of the wrong shape — is refused with :class:`OfficialCheckpointError` (a
``ValueError``) listing the first mismatches; nothing is loaded partially.

Adapters
--------
An adapter is a function registered with :func:`register_adapter` for one or more srtutor model
names and a *layout* name (where the checkpoint comes from: ``"authors"``, ``"basicsr"`` …)::

    @register_adapter("rdn", layout="basicsr", source="github.com/XPixelGroup/BasicSR",
                      detect=lambda state: "conv_first.weight" in state)
    def _rdn_basicsr(name, state, scale, **options) -> Converted:
        net = create(name, scale=scale or infer_scale(...))
        mapped, unknown = rename(state, [(r"^conv_first\\.", "sfe1."), ...])
        return Converted(net, mapped, unexpected=unknown)

It receives the model name, the checkpoint's state dict (already unwrapped from ``{"params":
…}``/``{"state_dict": …}`` containers, ``module.`` prefixes removed), the requested ``scale``
(``None``: the adapter infers it, or keeps every scale of a multi-scale file) and the keyword
options given to :func:`load_official`. It returns a :class:`Converted`: the srtutor model it
built, the state dict in the model's key space (value-range and mean-shift changes folded into
the weights), the checkpoint keys it did not understand (``unexpected``) and, optionally,
``problems`` (e.g. a mean-shift layer with unexpected values). :func:`load_official` then checks
keys and shapes against ``model.state_dict()`` and refuses any mismatch. Helpers:
:func:`rename` (regular-expression key renaming that reports unmatched keys), :func:`take`
(consume fixed tensors after checking their values).

Adapters of other model families live in their own modules: every module
``srtutor/models/official_*.py`` is imported on first use of the registry (:func:`adapters`,
:func:`load_official`), and registers its adapters at import time. This module holds the adapters
of CARN/CARN-M (the authors') and EDSR/EDSR-baseline/MDSR (EDSR-PyTorch).

Known checkpoints
-----------------
:data:`KNOWN_CHECKPOINTS` lists released files (URL, sha256 where known, licence, the paper's
figures); ``official_*`` modules add theirs with ``KNOWN_CHECKPOINTS.update(...)`` at import, and
:func:`known_checkpoints` returns the complete table. ``scripts/fetch_official.py`` downloads
them with the pinned sha256 (:func:`srtutor._download.fetch`).
"""

from __future__ import annotations

import importlib
import io
import os
import pkgutil
import re
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Optional, Sequence, Union

import torch
import torch.nn as nn

from srtutor.models import create

Tensor = torch.Tensor
PathLike = Union[str, os.PathLike]

__all__ = ["OfficialCheckpointError", "Converted", "Adapter", "register_adapter", "adapters", "load_official",
           "known_checkpoints", "read_file", "read_state_dict", "rename", "take", "KNOWN_CHECKPOINTS", "DIV2K_MEAN"]

#: the RGB mean of DIV2K that EDSR, CARN, RCAN, RDN … subtract (their ``MeanShift``).
DIV2K_MEAN = (0.4488, 0.4371, 0.4040)

#: how many mismatches an error message lists.
_SHOW = 6


class OfficialCheckpointError(ValueError):
    """A checkpoint that cannot be read or does not fit the model (keys, shapes, values, scale)."""


class Converted(NamedTuple):
    """What an adapter returns (see the module docstring).

    model: the srtutor network to fill. state: tensors under ``model.state_dict()`` names.
    unexpected: checkpoint keys the adapter did not understand. problems: other reasons to
    refuse (a fixed layer with unexpected values …). info: facts for ``model.official``
    (e.g. ``{"scales": (2, 3, 4), "rgb_range": 255}``).
    """

    model: nn.Module
    state: dict[str, Tensor]
    unexpected: Sequence[str] = ()
    problems: Sequence[str] = ()
    info: Mapping[str, Any] = {}


class Adapter(NamedTuple):
    """A registered converter: ``fn(name, state, scale, **options) -> Converted``."""

    names: tuple[str, ...]
    layout: str
    source: str
    fn: Callable[..., Converted]
    detect: Optional[Callable[[Mapping[str, Tensor]], bool]]


_ADAPTERS: list[Adapter] = []
_loaded = _loading = False


def register_adapter(*names: str, layout: str = "authors", source: str,
                     detect: Optional[Callable[[Mapping[str, Tensor]], bool]] = None
                     ) -> Callable[[Callable[..., Converted]], Callable[..., Converted]]:
    """Decorator: register ``fn`` as the adapter of models ``names`` for checkpoints of ``layout``.

    Args:
        names: srtutor model names (:func:`srtutor.models.available`), lower case.
        layout: where the checkpoints come from (``"authors"``, ``"basicsr"`` …); one adapter
            per ``(name, layout)``.
        source: the reference implementation (``"github.com/owner/repo"``), shown in messages
            and in ``model.official``.
        detect: ``detect(state) -> bool``, true when a state dict is in this layout; used to pick
            the layout when a name has several and :func:`load_official` gets no ``layout=``.
    """
    if not names or not all(isinstance(n, str) and n == n.lower() for n in names):
        raise ValueError(f"register_adapter: give lower-case model names, got {names!r}")

    def deco(fn: Callable[..., Converted]) -> Callable[..., Converted]:
        for n in names:
            for a in _ADAPTERS:
                if n in a.names and a.layout == layout and a.fn is not fn:
                    raise ValueError(f"an adapter for model {n!r}, layout {layout!r} is already registered")
        _ADAPTERS.append(Adapter(tuple(names), layout, source, fn, detect))
        return fn

    return deco


def _load_adapter_modules() -> None:
    """Import every ``srtutor/models/official_*.py`` once (each registers its adapters)."""
    global _loaded, _loading
    if _loaded or _loading:
        return
    _loading = True
    try:
        package = __name__.rsplit(".", 1)[0]
        for mod in sorted(m.name for m in pkgutil.iter_modules(importlib.import_module(package).__path__)):
            if mod.startswith("official_"):
                importlib.import_module(f"{package}.{mod}")
        _loaded = True
    finally:
        _loading = False


def known_checkpoints() -> dict[str, dict[str, Any]]:
    """:data:`KNOWN_CHECKPOINTS` after every ``official_*`` module has added its entries."""
    _load_adapter_modules()
    return KNOWN_CHECKPOINTS


def adapters(name: Optional[str] = None) -> list[Adapter]:
    """The registered adapters (of model ``name``, when given), in registration order."""
    _load_adapter_modules()
    if name is None:
        return list(_ADAPTERS)
    return [a for a in _ADAPTERS if name.lower() in a.names]


# ----------------------------------------------------------------------------- reading
def _unwrap(obj: Any) -> dict[str, Tensor]:
    """The state dict inside a checkpoint object: BasicSR's ``{"params_ema"|"params": …}``,
    ``{"state_dict"|"model"|"net": …}``; ``module.`` prefixes (DataParallel) removed."""
    for _ in range(3):
        if isinstance(obj, Mapping) and obj and all(isinstance(v, Tensor) for v in obj.values()):
            break
        if isinstance(obj, Mapping):
            inner = next((obj[k] for k in ("params_ema", "params", "state_dict", "model", "net") if k in obj), None)
            if inner is not None:
                obj = inner
                continue
        break
    if not (isinstance(obj, Mapping) and obj and all(isinstance(v, Tensor) for v in obj.values())):
        raise OfficialCheckpointError("the checkpoint holds no state dict (a mapping of names to tensors); got "
                                      f"{type(obj).__name__}" + (f" with keys {list(obj)[:_SHOW]}"
                                                                 if isinstance(obj, Mapping) else ""))
    out = {}
    for k, v in obj.items():
        out[k[len("module."):] if k.startswith("module.") else k] = v
    return out


def read_file(path: PathLike) -> Any:
    """``torch.load(path, map_location="cpu", weights_only=True)`` with one error type.

    Raises:
        OfficialCheckpointError: missing, unreadable or truncated file, pickled objects other than
            tensors and plain containers.
    """
    path = Path(path)
    if not path.is_file():
        raise OfficialCheckpointError(f"checkpoint {path} does not exist or is not a file")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, zipfile.BadZipFile, io.UnsupportedOperation, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "weights_only" in str(exc) or "Unsupported global" in str(exc):
            raise OfficialCheckpointError(f"cannot read checkpoint {path} with weights_only=True: it holds pickled "
                                          f"objects other than tensors ({first[:200]}); srtutor never runs "
                                          "pickled code") from exc
        raise OfficialCheckpointError(f"cannot read checkpoint {path}: {first[:300]} (a truncated download, or not "
                                      "a PyTorch weights file; fetch it again and check its sha256)") from exc
    except Exception as exc:  # weights_only's unpickler refuses arbitrary objects with its own errors
        raise OfficialCheckpointError(f"cannot read checkpoint {path} with weights_only=True: "
                                      f"{type(exc).__name__}: {str(exc)[:300]}") from exc


def read_state_dict(checkpoint: Union[PathLike, Mapping[str, Any]]) -> dict[str, Tensor]:
    """The state dict of ``checkpoint`` (a path, read by :func:`read_file`, or a loaded object),
    unwrapped from ``{"params_ema"|"params"|"state_dict"|"model"|"net": …}`` containers, with
    ``module.`` prefixes removed.

    Raises:
        OfficialCheckpointError: see :func:`read_file`; no state dict inside.
    """
    if isinstance(checkpoint, Mapping):
        return _unwrap(checkpoint)
    return _unwrap(read_file(checkpoint))


# ----------------------------------------------------------------------------- adapter helpers
def rename(state: Mapping[str, Tensor], rules: Iterable[tuple[str, str]], *,
           ignore: Iterable[str] = ()) -> tuple[dict[str, Tensor], list[str]]:
    """Rename keys by the first matching rule ``(pattern, replacement)`` (:func:`re.fullmatch`;
    the replacement may use groups, ``\\1``). Keys matching a pattern of ``ignore`` are dropped.

    Returns ``(renamed, unmatched)``: the renamed tensors and the keys no rule matched.
    """
    compiled = [(re.compile(p), r) for p, r in rules]
    ignored = [re.compile(p) for p in ignore]
    out: dict[str, Tensor] = {}
    unmatched: list[str] = []
    for k, v in state.items():
        if any(p.fullmatch(k) for p in ignored):
            continue
        for p, r in compiled:
            m = p.fullmatch(k)
            if m:
                out[m.expand(r)] = v
                break
        else:
            unmatched.append(k)
    return out, unmatched


def take(state: dict[str, Tensor], key: str, expected: Tensor, what: str, problems: list[str],
         *, atol: float = 1e-4) -> None:
    """Remove ``key`` from ``state`` after checking it holds ``expected`` (within ``atol``);
    a missing key or another value is appended to ``problems`` (``what`` says what it is)."""
    if key not in state:
        problems.append(f"missing {key!r} ({what})")
        return
    v = state.pop(key)
    if tuple(v.shape) != tuple(expected.shape) or not torch.allclose(v.float(), expected.float(), atol=atol):
        problems.append(f"{key!r} ({what}) holds {v.flatten()[:4].tolist()}…, expected "
                        f"{expected.flatten()[:4].tolist()}…")


def _shape(t: Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


def _describe_mismatch(name: str, adapter: Adapter, path: str, unexpected: Sequence[str], missing: Sequence[str],
                       shapes: Sequence[str], problems: Sequence[str], state: Mapping[str, Tensor]) -> str:
    parts = []
    if unexpected:
        parts.append(f"{len(unexpected)} unexpected key(s): " + ", ".join(
            f"{k} {_shape(state[k]) if k in state else ''}".rstrip() for k in unexpected[:_SHOW])
            + (" …" if len(unexpected) > _SHOW else ""))
    if missing:
        parts.append(f"{len(missing)} missing key(s): " + ", ".join(missing[:_SHOW])
                     + (" …" if len(missing) > _SHOW else ""))
    if shapes:
        parts.append(f"{len(shapes)} shape mismatch(es): " + "; ".join(shapes[:_SHOW])
                     + (" …" if len(shapes) > _SHOW else ""))
    if problems:
        parts.append(f"{len(problems)} other problem(s): " + "; ".join(problems[:_SHOW]))
    return (f"checkpoint {path} does not fit srtutor model {name!r} ({adapter.layout} layout, "
            f"{adapter.source}): " + " | ".join(parts)
            + ". Is it a checkpoint of another model or another scale, or an incomplete file?")


# ----------------------------------------------------------------------------- the loader
def load_official(name: str, checkpoint: Union[PathLike, Mapping[str, Any]], scale: Optional[int] = None, *,
                  layout: Optional[str] = None, device: Any = "cpu", dtype: torch.dtype = torch.float32,
                  **options: Any) -> nn.Module:
    """Build srtutor model ``name`` and load a released checkpoint into it.

    Args:
        name: registered model name with an adapter (:func:`adapters`; e.g. ``"carn-m"``).
        checkpoint: path of the file (read with ``torch.load(weights_only=True)``), or a loaded
            state dict.
        scale: the upscaling factor; ``None`` lets the adapter infer it (a multi-scale file then
            gives a multi-scale model with every scale it holds).
        layout: ``"authors"``, ``"basicsr"`` …; default: the one whose ``detect`` accepts the
            file (or the only adapter of ``name``).
        device, dtype: where and in which dtype the returned model lives.
        **options: passed to the adapter (e.g. model options the file cannot tell).

    Returns:
        The network in evaluation mode; ``model.official`` holds ``name``, ``layout``,
        ``source``, ``scale`` and the adapter's facts.

    Raises:
        OfficialCheckpointError (a ``ValueError``): no adapter for ``name``/``layout``; unreadable
            or truncated file; keys, shapes or fixed values that do not fit (the message lists
            the first mismatches).
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    key = name.lower()
    cands = adapters(key)
    if not cands:
        have = sorted({n for a in adapters() for n in a.names})
        raise OfficialCheckpointError(f"no adapter for model {name!r}: srtutor loads the authors' checkpoints of "
                                      f"{', '.join(have)}")
    state = read_state_dict(checkpoint)
    where = str(checkpoint) if not isinstance(checkpoint, Mapping) else "<state dict>"
    if layout is not None:
        chosen = [a for a in cands if a.layout == layout]
        if not chosen:
            raise OfficialCheckpointError(f"no adapter for model {name!r} with layout {layout!r}; layouts: "
                                          f"{', '.join(a.layout for a in cands)}")
        adapter = chosen[0]
    elif len(cands) == 1:
        adapter = cands[0]
    else:
        hits = [a for a in cands if a.detect is not None and a.detect(state)]
        adapter = hits[0] if hits else cands[0]
    if scale is not None:
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or float(scale) != int(scale) or scale < 1:
            raise ValueError(f"scale must be a positive integer or None, got {scale!r}")
        scale = int(scale)
    conv = adapter.fn(key, dict(state), scale, **options)
    own = conv.model.state_dict()
    unexpected = list(conv.unexpected) + [k for k in conv.state if k not in own]
    missing = [k for k in own if k not in conv.state]
    shapes = [f"{k}: checkpoint {_shape(v)}, model {_shape(own[k])}" for k, v in conv.state.items()
              if k in own and _shape(v) != _shape(own[k])]
    if unexpected or missing or shapes or conv.problems:
        # unexpected keys are named as the checkpoint names them where the adapter kept them
        raise OfficialCheckpointError(_describe_mismatch(key, adapter, where, unexpected, missing, shapes,
                                                         list(conv.problems), {**state, **conv.state}))
    net = conv.model
    net.load_state_dict({k: v.to(own[k].dtype) if v.is_floating_point() else v for k, v in conv.state.items()})
    net = net.to(device=device, dtype=dtype).eval()
    net.official = {"name": key, "layout": adapter.layout, "source": adapter.source,
                    "scale": getattr(net, "scale", scale), **dict(conv.info)}
    return net


# ----------------------------------------------------------------------------- CARN / CARN-M
def _mean_shift_problems(state: dict[str, Tensor], prefix: str, sign: int, rgb_range: float,
                         problems: list[str]) -> None:
    """Consume a frozen ``1x1`` mean-shift conv (weight identity, bias ``sign * range * mean``)."""
    take(state, f"{prefix}.weight", torch.eye(3).view(3, 3, 1, 1), "mean shift: identity 1x1 conv", problems)
    take(state, f"{prefix}.bias", sign * rgb_range * torch.tensor(DIV2K_MEAN), "mean shift: DIV2K mean",
         problems, atol=1e-3 * max(rgb_range, 1.0))


def _carn_scales(state: Mapping[str, Tensor]) -> tuple[int, ...]:
    """Scales a CARN checkpoint holds: ``upsample.up2/up3/up4`` (multi-scale) or the one of ``upsample.up``."""
    multi = sorted(int(m.group(1)) for k in state for m in [re.fullmatch(r"upsample\.up(\d+)\.body\.0\.weight", k)] if m)
    if multi:
        return tuple(multi)
    if "upsample.up.body.0.weight" in state:
        out, cin = state["upsample.up.body.0.weight"].shape[:2]
        stages = sum(1 for k in state if re.fullmatch(r"upsample\.up\.body\.\d+\.weight", k))
        width = state["entry.weight"].shape[0] if "entry.weight" in state else cin
        return (3,) if out == 9 * width else (2 ** stages,)
    return ()


def _carn_adapter(name: str, state: dict[str, Tensor], scale: Optional[int], **options: Any) -> Converted:
    """nmhkahn/CARN-pytorch layout (``carn.pth``, ``carn_m.pth``): ``entry``, ``b{1..3}.b{1..3}``
    (CARN-M: ``b{i}.b1`` shared), ``b{i}.c{j}``, ``c{j}``, ``upsample.up{2,3,4}.body`` or
    ``upsample.up.body``, ``exit``, frozen ``sub_mean``/``add_mean`` 1x1 convs. RGB in [0, 1]."""
    problems: list[str] = []
    held = _carn_scales(state)
    multi_file = any(k.startswith("upsample.up2.") or k.startswith("upsample.up3.") or k.startswith("upsample.up4.")
                     for k in state)
    if scale is None and not held:
        raise OfficialCheckpointError("the checkpoint has no CARN upsampler (upsample.up*); pass scale= or check "
                                      "that it is a CARN checkpoint")
    multi = scale is None and multi_file
    s = scale if scale is not None else held[0]
    net = create(name, scale=s, multi_scale=multi, **options)
    _mean_shift_problems(state, "sub_mean.shifter", -1, 1.0, problems)
    _mean_shift_problems(state, "add_mean.shifter", +1, 1.0, problems)
    efficient = getattr(net, "efficient", False)
    own = net.state_dict()
    out: dict[str, Tensor] = {}
    unexpected: list[str] = []

    def put(src: str, *targets: str) -> None:
        # a checkpoint key whose srtutor counterpart does not exist is reported under its own name
        if all(t in own for t in targets):
            for t in targets:
                out[t] = state[src]
        else:
            unexpected.append(src)

    for k in state:
        m = re.fullmatch(r"(entry|exit)\.(weight|bias)", k)
        if m:
            put(k, k)
            continue
        m = re.fullmatch(r"c(\d+)\.body\.0\.(weight|bias)", k)
        if m:
            put(k, f"fuse.{int(m.group(1)) - 1}.0.{m.group(2)}")
            continue
        m = re.fullmatch(r"b(\d+)\.c(\d+)\.body\.0\.(weight|bias)", k)
        if m:
            put(k, f"blocks.{int(m.group(1)) - 1}.fuse.{int(m.group(2)) - 1}.0.{m.group(3)}")
            continue
        m = re.fullmatch(r"b(\d+)\.b(\d+)\.body\.(\d+)\.(weight|bias)", k)
        if m:
            i, j, layer, kind = int(m.group(1)) - 1, int(m.group(2)) - 1, m.group(3), m.group(4)
            if efficient and j == 0:  # CARN-M: one residual block per cascading block, applied 3 times
                put(k, *(f"blocks.{i}.blocks.{r}.body.{layer}.{kind}" for r in range(3)))
            elif efficient:
                unexpected.append(k)
            else:
                put(k, f"blocks.{i}.blocks.{j}.body.{layer}.{kind}")
            continue
        m = re.fullmatch(r"upsample\.up(\d*)\.body\.(\d+)\.(weight|bias)", k)
        if m:
            f = int(m.group(1)) if m.group(1) else s
            if multi or f == s or not m.group(1):
                put(k, f"upsample.{f}.{m.group(2)}.{m.group(3)}")
            continue  # another branch of a multi-scale file, not requested
        unexpected.append(k)
    return Converted(net, out, unexpected, problems, {"scales": held, "multi_scale_file": multi_file})


register_adapter("carn", "carn-m", layout="authors", source="github.com/nmhkahn/CARN-pytorch",
                 detect=lambda st: "entry.weight" in st and "sub_mean.shifter.weight" in st)(_carn_adapter)


# ----------------------------------------------------------------------------- EDSR / MDSR
def _rgb_range(state: Mapping[str, Tensor]) -> float:
    """The value range of an EDSR-PyTorch network, read from its ``sub_mean`` bias (``-range * mean``)."""
    b = state.get("sub_mean.bias")
    if b is None or b.numel() != 3 or float(b[0]) >= 0:
        return 255.0  # EDSR-PyTorch's default; the mean-shift check below reports what is wrong
    r = -float(b[0]) / DIV2K_MEAN[0]
    return 255.0 if abs(r - 255.0) < 1.0 else 1.0 if abs(r - 1.0) < 0.01 else r


def _edsr_upsampler(state: Mapping[str, Tensor], prefix: str, width: int) -> Optional[int]:
    """The factor of an EDSR-PyTorch ``Upsampler`` at ``prefix`` (convs at ``prefix.0``, ``prefix.2`` …)."""
    convs = sorted(int(m.group(1)) for k in state for m in [re.fullmatch(re.escape(prefix) + r"\.(\d+)\.weight", k)] if m)
    if not convs:
        return None
    out = state[f"{prefix}.{convs[0]}.weight"].shape[0]
    return 3 if out == 9 * width and len(convs) == 1 else 2 ** len(convs)


def _edsr_common(state: dict[str, Tensor], out: dict[str, Tensor], problems: list[str], tail_key: str,
                 n_body: int) -> float:
    """Mean shifts → ``mean`` buffer, head/body renaming, range folding (head × r, tail ÷ r)."""
    r = _rgb_range(state)
    _mean_shift_problems(state, "sub_mean", -1, r, problems)
    _mean_shift_problems(state, "add_mean", +1, r, problems)
    out["mean"] = torch.tensor(DIV2K_MEAN).view(1, 3, 1, 1)
    if "head.0.weight" in state:
        out["head.weight"] = state.pop("head.0.weight") * r
    if "head.0.bias" in state:
        out["head.bias"] = state.pop("head.0.bias")
    for kind in ("weight", "bias"):
        if f"{tail_key}.{kind}" in state:
            out[f"tail_conv.{kind}"] = state.pop(f"{tail_key}.{kind}") / r
    for k in [k for k in state if k.startswith("body.")]:
        m = re.fullmatch(r"body\.(\d+)\.(body\.[02]\.)?(weight|bias)", k)
        if m and (m.group(2) is not None) == (int(m.group(1)) < n_body):
            out[k] = state.pop(k)
    return r


def _n_body(state: Mapping[str, Tensor]) -> int:
    return sum(1 for k in state if re.fullmatch(r"body\.\d+\.body\.0\.weight", k))


def _edsr_adapter(name: str, state: dict[str, Tensor], scale: Optional[int], **options: Any) -> Converted:
    """EDSR-PyTorch's ``edsr.py`` layout (EDSR and EDSR-baseline releases): ``sub_mean``,
    ``head.0``, ``body.{i}.body.{0,2}``, ``body.{B}``, ``tail.0.{0,2}`` (upsampler), ``tail.1``,
    ``add_mean``; range ``[0, 255]`` (read from the mean shift)."""
    problems: list[str] = []
    width = state["head.0.weight"].shape[0] if "head.0.weight" in state else 64
    held = _edsr_upsampler(state, "tail.0", width)
    s = scale if scale is not None else held
    if s is None:
        raise OfficialCheckpointError("the checkpoint has no EDSR upsampler (tail.0.*); pass scale= or check that it "
                                      "is an EDSR-PyTorch EDSR checkpoint")
    net = create(name, scale=s, **options)
    out: dict[str, Tensor] = {}
    r = _edsr_common(state, out, problems, "tail.1", _n_body(state))
    for k in [k for k in state if k.startswith("tail.0.")]:
        m = re.fullmatch(r"tail\.0\.(\d+)\.(weight|bias)", k)
        if m and int(m.group(1)) % 2 == 0:
            out[f"tail.0.{int(m.group(1)) // 2}.conv.{m.group(2)}"] = state.pop(k)
    out = {("tail.1." + k[len("tail_conv."):] if k.startswith("tail_conv.") else k): v for k, v in out.items()}
    return Converted(net, out, list(state), problems, {"scales": (held,) if held else (), "rgb_range": r})


def _mdsr_adapter(name: str, state: dict[str, Tensor], scale: Optional[int], **options: Any) -> Converted:
    """EDSR-PyTorch's ``mdsr.py`` layout: ``sub_mean``, ``head.0``, ``pre_process.{i}.{0,1}.body.{0,2}``
    (5x5), ``body.*``, ``upsample.{i}.{0,2}``, ``tail.0``, ``add_mean``; branch ``i`` is the ``i``-th
    training scale, recognised here from its upsampler's shape."""
    problems: list[str] = []
    width = state["head.0.weight"].shape[0] if "head.0.weight" in state else 64
    branches = sorted({int(k.split(".")[1]) for k in state if re.fullmatch(r"upsample\.\d+\.\d+\.weight", k)})
    factor = {i: _edsr_upsampler(state, f"upsample.{i}", width) for i in branches}
    held = tuple(factor[i] for i in branches)
    if not held:
        raise OfficialCheckpointError("the checkpoint has no MDSR upsamplers (upsample.<i>.*); check that it is an "
                                      "EDSR-PyTorch MDSR checkpoint")
    if len(set(held)) != len(held):
        problems.append(f"two upsamplers of the same factor: {held}")
    s = scale if scale is not None else held[0]
    if s not in held:
        raise OfficialCheckpointError(f"the checkpoint holds MDSR branches for scales {held}, not scale={s}")
    net = create(name, scale=s, scales=tuple(sorted(held)), **options)
    out: dict[str, Tensor] = {}
    r = _edsr_common(state, out, problems, "tail.0", _n_body(state))
    out = {("tail." + k[len("tail_conv."):] if k.startswith("tail_conv.") else k): v for k, v in out.items()}
    for k in list(state):
        m = re.fullmatch(r"pre_process\.(\d+)\.([01])\.body\.([02])\.(weight|bias)", k)
        if m and int(m.group(1)) in factor:
            out[f"pre_process.heads.{factor[int(m.group(1))]}.{m.group(2)}.body.{m.group(3)}.{m.group(4)}"] = state.pop(k)
            continue
        m = re.fullmatch(r"upsample\.(\d+)\.(\d+)\.(weight|bias)", k)
        if m and int(m.group(2)) % 2 == 0:
            out[f"upsample.{factor[int(m.group(1))]}.{int(m.group(2)) // 2}.conv.{m.group(3)}"] = state.pop(k)
    return Converted(net, out, list(state), problems, {"scales": held, "rgb_range": r})


register_adapter("edsr", "edsr-baseline", layout="authors", source="github.com/sanghyun-son/EDSR-PyTorch",
                 detect=lambda st: "head.0.weight" in st and "sub_mean.weight" in st)(_edsr_adapter)
register_adapter("mdsr", "mdsr-baseline", layout="authors", source="github.com/sanghyun-son/EDSR-PyTorch",
                 detect=lambda st: "head.0.weight" in st and "sub_mean.weight" in st)(_mdsr_adapter)


# ----------------------------------------------------------------------------- known checkpoints
_CARN_RAW = "https://github.com/nmhkahn/CARN-pytorch/raw/77badff6bbb7ce9f5473eec4bd133a2891fd1827/checkpoint/"
_EDSR_URL = "https://cv.snu.ac.kr/research/EDSR/models/"
_MIT = "MIT"

#: Released checkpoints srtutor can load: ``name -> {model, scales, layout, url, file, sha256,
#: licence, source, paper, published, psnr}``. ``published`` is the method name of the paper's rows
#: in :mod:`srtutor.published` (``None`` where that table lacks them); ``psnr`` gives the paper's
#: figures (PSNR on Y, border = scale) typed from the paper where :mod:`srtutor.published` has none.
#: ``sha256`` is ``None`` where no copy of the file was at hand to measure it; the fetch script
#: then requires ``--sha256`` (EDSR-PyTorch's file names carry the first 8 hex digits,
#: ``sha256_prefix``, which the script checks as well).
KNOWN_CHECKPOINTS: dict[str, dict[str, Any]] = {
    "carn-m": {
        "model": "carn-m", "scales": (2, 3, 4), "layout": "authors", "url": _CARN_RAW + "carn_m.pth",
        "file": "carn_m.pth", "sha256": "d48a759a84509351facb6b7c6d5bd6edec98b98519b8c464ee4ab44d2ba964ff",
        "licence": _MIT, "source": "github.com/nmhkahn/CARN-pytorch",
        "paper": "Ahn, Kang & Sohn, ECCV 2018 (CARN-M row)", "published": None,
        "psnr": {"Set5": {2: 37.53, 3: 33.99, 4: 31.92}, "Set14": {2: 33.26, 3: 30.08, 4: 28.42},
                 "B100": {2: 31.92, 3: 28.91, 4: 27.44}, "Urban100": {2: 31.23, 3: 27.55, 4: 25.62}},
    },
    "carn": {
        "model": "carn", "scales": (2, 3, 4), "layout": "authors", "url": _CARN_RAW + "carn.pth",
        "file": "carn.pth", "sha256": None, "licence": _MIT, "source": "github.com/nmhkahn/CARN-pytorch",
        "paper": "Ahn, Kang & Sohn, ECCV 2018 (CARN row)", "published": "carn", "psnr": None,
    },
    "mdsr": {
        "model": "mdsr", "scales": (2, 3, 4), "layout": "authors", "url": _EDSR_URL + "mdsr-4a78bedf.pt",
        "file": "mdsr-4a78bedf.pt", "sha256": None, "sha256_prefix": "4a78bedf", "licence": _MIT,
        "source": "github.com/sanghyun-son/EDSR-PyTorch", "paper": "Lim et al., CVPRW 2017 (MDSR)",
        "published": None, "psnr": None,
    },
    "mdsr-baseline": {
        "model": "mdsr-baseline", "scales": (2, 3, 4), "layout": "authors",
        "url": _EDSR_URL + "mdsr_baseline-a00cab12.pt", "file": "mdsr_baseline-a00cab12.pt", "sha256": None,
        "sha256_prefix": "a00cab12", "licence": _MIT, "source": "github.com/sanghyun-son/EDSR-PyTorch",
        "paper": "Lim et al., CVPRW 2017 (MDSR baseline, EDSR-PyTorch)", "published": None, "psnr": None,
    },
}
for _m, _file, _pre in (("edsr-baseline", "edsr_baseline", ("1bc95232", "abf2a44e", "6b446fab")),
                        ("edsr", "edsr", ("0edfb8a3", "ea3ef2c6", "4f62e9ef"))):
    for _s, _p in zip((2, 3, 4), _pre):
        KNOWN_CHECKPOINTS[f"{_m}-x{_s}"] = {
            "model": _m, "scales": (_s,), "layout": "authors", "url": f"{_EDSR_URL}{_file}_x{_s}-{_p}.pt",
            "file": f"{_file}_x{_s}-{_p}.pt", "sha256": None, "sha256_prefix": _p, "licence": _MIT,
            "source": "github.com/sanghyun-son/EDSR-PyTorch", "paper": f"Lim et al., CVPRW 2017 ({_m})",
            "published": _m, "psnr": None,
        }
del _m, _file, _pre, _s, _p
