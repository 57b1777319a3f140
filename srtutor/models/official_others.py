"""Adapters of :func:`srtutor.models.official.load_official` for RCAN, RDN, MSRN, DBPN (the
authors' layouts) and for BasicSR's RCAN and EDSR (``params``/``params_ema`` files).

Each adapter reads the architecture's size from the tensor shapes (number of groups, blocks,
stages, widths), builds the srtutor model with it, renames the keys and hands the rest to the
loader, which refuses any key or shape that does not fit. What each layout computes and how it
becomes an srtutor model:

==============  =========================================  ===================================================
model, layout   source (checked against)                   conversion
==============  =========================================  ===================================================
rcan authors    github.com/yulunzhang/RCAN (PyTorch,       0–255 images with a frozen ``MeanShift`` conv:
                ``RCAN_TestCode/code/model/rcan.py``)      ``rgb_range=255``, the mean read from ``sub_mean``
                                                           (checked against ``add_mean``); ``conv_du.0/2`` ->
                                                           ``squeeze``/``excite``
rcan basicsr    github.com/XPixelGroup/BasicSR             ``(x - mean) * 255`` in, ``/ 255 + mean`` out:
                (``basicsr/archs/rcan_arch.py``)           ``rgb_range=255`` (``img_range=`` option), DIV2K
                                                           mean (``rgb_mean=`` option)
edsr basicsr    BasicSR ``edsr_arch.py``                   same range/mean; folded exactly into srtutor's
                                                           ``[0, 1]`` EDSR by dividing every bias by 255 (a
                                                           ReLU network is positively homogeneous);
                                                           ``res_scale`` 0.1 for 256 features (BasicSR's
                                                           EDSR-L configs), else 1 (``res_scale=`` option)
msrn authors    github.com/MIVRC/MSRN-PyTorch              0–255 with ``MeanShift`` convs: ``rgb_range=255``;
                (``MSRN/Test/code/model/msrn.py``)         ``body.i`` -> ``blocks.i``, ``tail.0/1`` ->
                                                           ``fusion``, ``tail.2/3`` -> ``tail``
dbpn authors    github.com/alterzero/DBPN-Pytorch          ``[0, 1]``; ``feat0/1`` -> ``extract``,
                (``dbpn.py``, ``dbpn_v1.py``)              ``up<t>``/``down<t>`` -> ``ups``/``downs``, ``T``
                                                           read from the keys (7: D-DBPN, 10: DBPN-LL)
rdn pytorch     github.com/yjn870/RDN-pytorch              ``[0, 1]``, no mean shift; the released
                (``models.py``; the PyTorch RDN with       ×2/×3/×4 weights (DIV2K)
                released weights)
==============  =========================================  ===================================================

The authors' RDN is Torch7 (``.t7`` files, not loadable here) and BasicSR hosts no RDN; the
``pytorch`` layout is the port with released weights, the same network (``G = G0``).
Forward equivalence of every adapter against the authors' code (run once, with random
weights, on a small configuration) is tested in ``tests/test_official_others.py``.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional

import torch

from srtutor.models import create
from srtutor.models.official import (DIV2K_MEAN, KNOWN_CHECKPOINTS, Converted, OfficialCheckpointError,
                                     register_adapter, rename)

Tensor = torch.Tensor

__all__: list[str] = []


def _count(state: Mapping[str, Tensor], pattern: str) -> int:
    """Number of distinct values of the first group of ``pattern`` among the keys."""
    rx = re.compile(pattern)
    return len({m.group(1) for k in state for m in [rx.fullmatch(k)] if m})


def _need(state: Mapping[str, Tensor], key: str, what: str) -> Tensor:
    if key not in state:
        raise OfficialCheckpointError(f"the checkpoint has no {key!r} ({what}); is it a checkpoint of this model "
                                      f"in this layout? First keys: {list(state)[:6]}")
    return state[key]


def _subpixel_scale(state: Mapping[str, Tensor], convs: list[str], features: int) -> int:
    """The factor of a sub-pixel upsampler given its conv weight keys (``4F`` per ×2 stage, one ``9F``)."""
    outs = [state[k].shape[0] for k in convs]
    if len(outs) == 1 and outs[0] == 9 * features:
        return 3
    if outs and all(o == 4 * features for o in outs):
        return 2 ** len(outs)
    raise OfficialCheckpointError(f"unrecognised sub-pixel upsampler: output widths {outs} for {features} features "
                                  "(expected 4F per x2 stage or one 9F stage)")


def _check_scale(name: str, held: int, scale: Optional[int]) -> int:
    if scale is not None and scale != held:
        raise OfficialCheckpointError(f"the checkpoint is a x{held} {name} model, scale={scale} was requested")
    return held


def _upsampler(name: str, state: Mapping[str, Tensor], prefix: str, features: int,
               scale: Optional[int]) -> tuple[list[str], int]:
    """The conv weight keys ``<prefix>.<i>.weight`` of a sub-pixel upsampler in stage order, and
    the factor they make (checked against the requested ``scale``)."""
    rx = re.compile(rf"{re.escape(prefix)}\.(\d+)\.weight")
    convs = sorted((k for k in state if rx.fullmatch(k)), key=lambda k: int(rx.fullmatch(k).group(1)))
    return convs, _check_scale(name, _subpixel_scale(state, convs, features), scale)


def _mean_from_shift(state: dict[str, Tensor], rgb_range: float, problems: list[str]) -> Optional[tuple]:
    """Consume EDSR-PyTorch-style ``sub_mean``/``add_mean`` 1x1 convs; return the mean they hold in [0, 1]."""
    eye = torch.eye(3).view(3, 3, 1, 1)
    got = {}
    for key, sign in (("sub_mean", -1), ("add_mean", 1)):
        w, b = state.pop(f"{key}.weight", None), state.pop(f"{key}.bias", None)
        if w is None or b is None:
            problems.append(f"missing {key}.weight/{key}.bias (the frozen mean-shift conv)")
            continue
        if tuple(w.shape) != (3, 3, 1, 1) or not torch.allclose(w.float(), eye, atol=1e-4):
            problems.append(f"{key}.weight is not the identity 1x1 conv of a mean shift")
            continue
        got[key] = sign * b.float() / rgb_range
    if len(got) < 2:
        return None
    if not torch.allclose(got["sub_mean"], got["add_mean"], atol=1e-4):
        problems.append(f"sub_mean and add_mean hold different means: {got['sub_mean'].tolist()} vs "
                        f"{got['add_mean'].tolist()}")
        return None
    mean = got["sub_mean"]
    if not (0 <= float(mean.min()) and float(mean.max()) <= 1):
        problems.append(f"the mean-shift conv holds mean {(mean * rgb_range).tolist()}, not an RGB mean in "
                        f"[0, {rgb_range:g}]")
        return None
    return tuple(float(v) for v in mean)


def _set_mean(net: torch.nn.Module, mean: Optional[tuple]) -> None:
    if mean is None:
        return
    for m in (net.sub_mean, net.add_mean):
        m.mean.copy_(torch.tensor(mean, dtype=m.mean.dtype).view(1, -1, 1, 1))


# ----------------------------------------------------------------------------- RCAN
def _rcan_build(name: str, state: Mapping[str, Tensor], scale: Optional[int], head: str, group: str,
                block: str, attention: str, ups: str, options: dict) -> tuple[Any, int]:
    first = _need(state, f"{head}.weight", "the head conv")
    features, colors = first.shape[:2]
    n_groups = _count(state, rf"body\.(\d+)\.{group}\.0\.{block}\.0\.weight")
    n_blocks = _count(state, rf"body\.0\.{group}\.(\d+)\.{block}\.0\.weight")
    squeeze = _need(state, f"body.0.{group}.0.{block}.3.{attention}.weight", "the channel attention")
    if n_groups == 0 or n_blocks == 0:
        raise OfficialCheckpointError("no residual groups found: not an RCAN checkpoint of this layout")
    _, held = _upsampler(name, state, ups, features, scale)
    kw = dict(channels=colors, n_groups=n_groups, n_blocks=n_blocks, features=features,
              reduction=max(1, features // squeeze.shape[0]), rgb_range=options.pop("img_range", 255.0))
    kw.update(options)
    return create(name, scale=held, **kw), held


@register_adapter("rcan", "rcan-small", layout="authors", source="github.com/yulunzhang/RCAN",
                  detect=lambda st: "head.0.weight" in st and "sub_mean.weight" in st)
def _rcan_authors(name: str, state: dict[str, Tensor], scale: Optional[int], **options: Any) -> Converted:
    """yulunzhang/RCAN (EDSR-PyTorch code base): ``head.0``, ``body.<g>.body.<b>.body.{0,2}``,
    ``...body.3.conv_du.{0,2}``, ``body.<g>.body.<n>``, ``body.<G>``, ``tail.0.<i>``, ``tail.1``."""
    problems: list[str] = []
    mean = _mean_from_shift(state, 255.0, problems)
    net, held = _rcan_build(name, state, scale, "head.0", "body", "body", "conv_du.0", "tail.0", dict(options))
    _set_mean(net, mean)
    out, unknown = rename(state, [
        (r"head\.0\.(weight|bias)", r"head.\1"),
        (r"(body\.\d+\.body\.\d+\.body)\.3\.conv_du\.0\.(weight|bias)", r"\1.3.squeeze.\2"),
        (r"(body\.\d+\.body\.\d+\.body)\.3\.conv_du\.2\.(weight|bias)", r"\1.3.excite.\2"),
        (r"(body\.\d+\.body\.\d+\.body\.[02]\.(?:weight|bias))", r"\1"),
        (r"(body\.\d+\.body\.\d+\.(?:weight|bias))", r"\1"),
        (r"(body\.\d+\.(?:weight|bias))", r"\1"),
        (r"(tail\.0\.\d+\.(?:weight|bias))", r"\1"),
        (r"(tail\.1\.(?:weight|bias))", r"\1"),
    ])
    return Converted(net, out, unknown, problems, {"scales": (held,), "rgb_range": 255.0, "mean": mean})


@register_adapter("rcan", "rcan-small", layout="basicsr", source="github.com/XPixelGroup/BasicSR",
                  detect=lambda st: "conv_first.weight" in st and any(".residual_group." in k for k in st))
def _rcan_basicsr(name: str, state: dict[str, Tensor], scale: Optional[int], **options: Any) -> Converted:
    """BasicSR ``RCAN``: ``conv_first``, ``body.<g>.residual_group.<b>.rcab.{0,2}``,
    ``...rcab.3.attention.{1,3}``, ``body.<g>.conv``, ``conv_after_body``, ``upsample.<i>``, ``conv_last``."""
    options = dict(options)
    mean = tuple(options.pop("rgb_mean", DIV2K_MEAN))
    net, held = _rcan_build(name, state, scale, "conv_first", "residual_group", "rcab", "attention.1",
                            "upsample", options)
    _set_mean(net, mean)
    n_blocks = _count(state, r"body\.0\.residual_group\.(\d+)\.rcab\.0\.weight")
    n_groups = _count(state, r"body\.(\d+)\.residual_group\.0\.rcab\.0\.weight")
    out, unknown = rename(state, [
        (r"conv_first\.(weight|bias)", r"head.\1"),
        (r"body\.(\d+)\.residual_group\.(\d+)\.rcab\.3\.attention\.1\.(weight|bias)", r"body.\1.body.\2.body.3.squeeze.\3"),
        (r"body\.(\d+)\.residual_group\.(\d+)\.rcab\.3\.attention\.3\.(weight|bias)", r"body.\1.body.\2.body.3.excite.\3"),
        (r"body\.(\d+)\.residual_group\.(\d+)\.rcab\.([02])\.(weight|bias)", r"body.\1.body.\2.body.\3.\4"),
        (r"body\.(\d+)\.conv\.(weight|bias)", rf"body.\1.body.{n_blocks}.\2"),
        (r"conv_after_body\.(weight|bias)", rf"body.{n_groups}.\1"),
        (r"upsample\.(\d+)\.(weight|bias)", r"tail.0.\1.\2"),
        (r"conv_last\.(weight|bias)", r"tail.1.\1"),
    ])
    return Converted(net, out, unknown, (), {"scales": (held,), "rgb_range": net.rgb_range, "mean": mean})


# ----------------------------------------------------------------------------- EDSR (BasicSR)
@register_adapter("edsr", "edsr-baseline", layout="basicsr", source="github.com/XPixelGroup/BasicSR",
                  detect=lambda st: "conv_first.weight" in st and "body.0.conv1.weight" in st)
def _edsr_basicsr(name: str, state: dict[str, Tensor], scale: Optional[int], **options: Any) -> Converted:
    """BasicSR ``EDSR``: ``conv_first``, ``body.<i>.conv{1,2}``, ``conv_after_body``, ``upsample.<i>``,
    ``conv_last``; 0–255 inside, folded into srtutor's ``[0, 1]`` EDSR (biases / 255)."""
    options = dict(options)
    img_range = float(options.pop("img_range", 255.0))
    mean = tuple(options.pop("rgb_mean", DIV2K_MEAN))
    first = _need(state, "conv_first.weight", "the first conv")
    features, colors = first.shape[:2]
    n_blocks = _count(state, r"body\.(\d+)\.conv1\.weight")
    convs, held = _upsampler(name, state, "upsample", features, scale)
    kw = dict(channels=colors, n_resblocks=n_blocks, features=features,
              res_scale=0.1 if features == 256 else 1.0, mean=mean)
    kw.update(options)
    net = create(name, scale=held, **kw)
    stages = {int(k.split(".")[1]): i for i, k in enumerate(convs)}
    out, unknown = rename(state, [
        (r"conv_first\.(weight|bias)", r"head.\1"),
        (r"body\.(\d+)\.conv1\.(weight|bias)", r"body.\1.body.0.\2"),
        (r"body\.(\d+)\.conv2\.(weight|bias)", r"body.\1.body.2.\2"),
        (r"conv_after_body\.(weight|bias)", rf"body.{n_blocks}.\1"),
        (r"conv_last\.(weight|bias)", r"tail.1.\1"),
    ], ignore=[r"upsample\.\d+\.(weight|bias)"])
    for k in [k for k in state if re.fullmatch(r"upsample\.\d+\.(weight|bias)", k)]:
        out[f"tail.0.{stages[int(k.split('.')[1])]}.conv.{k.split('.')[-1]}"] = state[k]
    out = {k: v / img_range if k.endswith(".bias") else v for k, v in out.items()}
    own = net.state_dict()
    out.update({k: own[k] for k in own if k not in out and k.split(".")[-1] == "mean"})  # srtutor's mean buffer
    return Converted(net, out, unknown, (), {"scales": (held,), "img_range_folded": img_range, "mean": mean})


# ----------------------------------------------------------------------------- MSRN
@register_adapter("msrn", "msrn-small", layout="authors", source="github.com/MIVRC/MSRN-PyTorch")
def _msrn_authors(name: str, state: dict[str, Tensor], scale: Optional[int], **options: Any) -> Converted:
    """MIVRC/MSRN-PyTorch (RGB models, ``MSRN/Test/model/MSRN_x{2,3,4,8}.pt``): ``head.0``,
    ``body.<i>.conv_{3,5}_{1,2}``, ``body.<i>.confusion``, ``tail.0`` (``1x1`` fusion), ``tail.1``,
    ``tail.2.<i>`` (upsampler), ``tail.3``; frozen ``sub_mean``/``add_mean`` on 0–255 images."""
    problems: list[str] = []
    mean = _mean_from_shift(state, 255.0, problems)
    first = _need(state, "head.0.weight", "the head conv")
    features, colors = first.shape[:2]
    n_blocks = _count(state, r"body\.(\d+)\.conv_3_1\.weight")
    _, held = _upsampler(name, state, "tail.2", features, scale)
    kw = dict(channels=colors, n_blocks=n_blocks, features=features, rgb_range=255.0)
    kw.update(options)
    net = create(name, scale=held, **kw)
    _set_mean(net, mean)
    out, unknown = rename(state, [
        (r"head\.0\.(weight|bias)", r"head.\1"),
        (r"body\.(\d+)\.conv_3_1\.(weight|bias)", r"blocks.\1.conv3_1.\2"),
        (r"body\.(\d+)\.conv_3_2\.(weight|bias)", r"blocks.\1.conv3_2.\2"),
        (r"body\.(\d+)\.conv_5_1\.(weight|bias)", r"blocks.\1.conv5_1.\2"),
        (r"body\.(\d+)\.conv_5_2\.(weight|bias)", r"blocks.\1.conv5_2.\2"),
        (r"body\.(\d+)\.confusion\.(weight|bias)", r"blocks.\1.fuse.\2"),
        (r"tail\.([01])\.(weight|bias)", r"fusion.\1.\2"),
        (r"tail\.2\.(\d+)\.(weight|bias)", r"tail.0.\1.\2"),
        (r"tail\.3\.(weight|bias)", r"tail.1.\1"),
    ])
    return Converted(net, out, unknown, problems, {"scales": (held,), "rgb_range": 255.0, "mean": mean})


# ----------------------------------------------------------------------------- DBPN
_DBPN_KERNEL = {2: 6, 3: 7, 4: 8, 8: 12}  # (kernel, stride) = (k, s) of the projection units


@register_adapter("dbpn", "dbpn-small", layout="authors", source="github.com/alterzero/DBPN-Pytorch")
def _dbpn_authors(name: str, state: dict[str, Tensor], scale: Optional[int], **options: Any) -> Converted:
    """alterzero/DBPN-Pytorch (``DBPN_x{2,4,8}.pth``; ``Net`` of ``dbpn.py``, ``T = 7``, or
    ``dbpn_v1.py``, DBPN-LL, ``T = 10``): ``feat0``/``feat1`` (``ConvBlock``: ``.conv``, ``.act``),
    ``up<t>``/``down<t>`` with ``up_conv{1,2,3}``/``down_conv{1,2,3}`` (``.conv`` or ``.deconv``,
    ``.act``) and, from the second down unit on, a ``1x1`` ``.conv`` compression; ``output_conv``."""
    feat0 = _need(state, "feat0.conv.weight", "the first conv")
    n0, colors = feat0.shape[:2]
    features = _need(state, "feat1.conv.weight", "the 1x1 conv").shape[0]
    stages = _count(state, r"up(\d+)\.up_conv1\.deconv\.weight")
    k = _need(state, "up1.up_conv1.deconv.weight", "the first up-projection").shape[-1]
    held = {v: s for s, v in _DBPN_KERNEL.items()}.get(k)
    if held is None:
        raise OfficialCheckpointError(f"projection kernel {k} matches no DBPN scale (6: x2, 8: x4, 12: x8)")
    held = _check_scale(name, held, scale)
    kw = dict(channels=colors, n0=n0, features=features, stages=stages)
    kw.update(options)
    net = create(name, scale=held, **kw)
    layer = {"up_conv1": "up1", "up_conv2": "down", "up_conv3": "up2",
             "down_conv1": "down1", "down_conv2": "up", "down_conv3": "down2"}
    out: dict[str, Tensor] = {}
    unknown: list[str] = []
    for key, v in state.items():
        m = re.fullmatch(r"feat([01])\.(conv|act)\.(weight|bias)", key)
        if m:
            out[f"extract.{m.group(1)}.{0 if m.group(2) == 'conv' else 1}.{m.group(3)}"] = v
            continue
        m = re.fullmatch(r"(up|down)(\d+)\.(\w+?)\.(conv|deconv|act)\.(weight|bias)", key)
        if m:
            kind, t, sub, part, what = m.group(1), int(m.group(2)) - 1, m.group(3), m.group(4), m.group(5)
            idx = 0 if part in ("conv", "deconv") else 1
            target = "squeeze" if sub == "conv" else layer.get(sub)
            if target is None:
                unknown.append(key)
                continue
            out[f"{kind}s.{t}.{target}.{idx}.{what}"] = v
            continue
        m = re.fullmatch(r"output_conv\.conv\.(weight|bias)", key)
        if m:
            out[f"reconstruct.{m.group(1)}"] = v
            continue
        unknown.append(key)
    return Converted(net, out, unknown, (), {"scales": (held,), "stages": stages})


# ----------------------------------------------------------------------------- RDN
@register_adapter("rdn", "rdn-small", layout="pytorch", source="github.com/yjn870/RDN-pytorch")
def _rdn_pytorch(name: str, state: dict[str, Tensor], scale: Optional[int], **options: Any) -> Converted:
    """yjn870/RDN-pytorch (``rdn_x{2,3,4}.pth``): ``sfe1``, ``sfe2``, ``rdbs.<i>.layers.<c>.conv``,
    ``rdbs.<i>.lff``, ``gff.{0,1}``, ``upscale.<i>``, ``output``; RGB in ``[0, 1]``, ``G = G0``."""
    sfe1 = _need(state, "sfe1.weight", "the first shallow conv")
    g0, colors = sfe1.shape[:2]
    D = _count(state, r"rdbs\.(\d+)\.lff\.weight")
    C = _count(state, r"rdbs\.0\.layers\.(\d+)\.conv\.weight")
    G = _need(state, "rdbs.0.layers.0.conv.weight", "the first dense layer").shape[0]
    _, held = _upsampler(name, state, "upscale", g0, scale)
    kw = dict(channels=colors, D=D, C=C, G=G, features=g0)
    kw.update(options)
    net = create(name, scale=held, **kw)
    out, unknown = rename(state, [
        (r"(sfe[12])\.(weight|bias)", r"\1.\2"),
        (r"rdbs\.(\d+)\.layers\.(\d+)\.conv\.(weight|bias)", r"rdbs.\1.dense.layers.\2.\3"),
        (r"rdbs\.(\d+)\.lff\.(weight|bias)", r"rdbs.\1.fuse.\2"),
        (r"gff\.([01])\.(weight|bias)", r"gff.\1.\2"),
        (r"upscale\.(\d+)\.(weight|bias)", r"tail.0.\1.\2"),
        (r"output\.(weight|bias)", r"tail.1.\1"),
    ])
    return Converted(net, out, unknown, (), {"scales": (held,)})


# ----------------------------------------------------------------------------- known checkpoints
_MSRN_RAW = "https://github.com/MIVRC/MSRN-PyTorch/raw/a0e038de7eb42e21d2e88c38e6490b61a02c566e/MSRN/Test/model/"
_DBPN_RAW = "https://github.com/alterzero/DBPN-Pytorch/raw/6eb48caaa1aa6f4897d5c902a4b4f15ff3ac2da7/models/"
_RDN_DROPBOX = {2: "pd52pkmaik1ri0h", 3: "56topxdwm6rakwd", 4: "yphiyivb1v7jya2"}
_OTHERS: dict[str, dict[str, Any]] = {}
for _s in (2, 3, 4, 8):
    _OTHERS[f"msrn-x{_s}"] = {
        "model": "msrn", "scales": (_s,), "layout": "authors", "url": f"{_MSRN_RAW}MSRN_x{_s}.pt",
        "file": f"MSRN_x{_s}.pt", "sha256": None, "licence": "MIT", "source": "github.com/MIVRC/MSRN-PyTorch",
        "paper": "Li et al., ECCV 2018 (MSRN retrained on RGB DIV2K 1-800 with the EDSR-PyTorch code, per the "
                 "repository's README; the paper's rows are of the Y-channel models)",
        "published": None, "psnr": None,
    }
for _s in (2, 4, 8):
    _OTHERS[f"dbpn-x{_s}"] = {
        "model": "dbpn", "scales": (_s,), "layout": "authors", "url": f"{_DBPN_RAW}DBPN_x{_s}.pth",
        "file": f"DBPN_x{_s}.pth", "sha256": None, "licence": "MIT", "source": "github.com/alterzero/DBPN-Pytorch",
        "paper": "Haris, Shakhnarovich & Ukita, CVPR 2018 (the repository's DBPN_x*.pth; T read from the file)",
        "published": None, "psnr": None,
    }
for _s, _id in _RDN_DROPBOX.items():
    _OTHERS[f"rdn-x{_s}"] = {
        "model": "rdn", "scales": (_s,), "layout": "pytorch",
        "url": f"https://www.dropbox.com/s/{_id}/rdn_x{_s}.pth?dl=1", "file": f"rdn_x{_s}.pth", "sha256": None,
        "licence": "MIT", "source": "github.com/yjn870/RDN-pytorch",
        "paper": "Zhang et al., CVPR 2018 (RDN D=16 C=8 G=G0=64, re-trained by yjn870/RDN-pytorch on DIV2K)",
        "published": None, "psnr": None,
    }
KNOWN_CHECKPOINTS.update(_OTHERS)
del _s, _id
