"""The benchmark evaluation protocol of the SR literature, in one reusable function.

Survey §2.3 and §3.6: results tables report PSNR/SSIM on the luminance Y of BT.601 YCbCr,
with ``scale`` pixels cropped at every border, for LR images made by MATLAB bicubic
``imresize``. :func:`evaluate_images` runs that protocol for an interpolation baseline
(``"bicubic"``, ``"bilinear"``, ``"nearest"``), an SR network (an ``nn.Module``) or any
upscaling callable; :func:`evaluate_method` does it on a named benchmark
(:func:`srtutor.data.load_benchmark`); :func:`format_table` prints a result. The command line
``python -m srtutor evaluate`` is a thin wrapper.

Steps for every HR image: modcrop to a multiple of ``s``; LR = bicubic ``imresize`` by
``1/s``; SR = the method applied to LR; score SR against the cropped HR. Two conventions for
the colour/rounding details exist in the published code, and both are offered:

``protocol="rgb"`` (EDSR/RCAN-era scripts and most Python ports)
    resize the ``uint8`` RGB image (LR and SR rounded to ``uint8`` like MATLAB ``imresize`` on
    ``uint8``), then score the *unrounded* Y of both images.
``protocol="srcnn"`` (SRCNN/VDSR scripts, the source of the survey's bicubic rows)
    score the Y channel rounded to ``uint8`` (MATLAB ``rgb2ycbcr`` on ``uint8``) of the HR image
    and of the SR image rounded to ``uint8``. Interpolation and Y-channel (1-channel) models
    work on Y itself: the rounded Y is resized as floats (LR not rounded).

**Which LR image a method sees.** An RGB model always sees the RGB LR image (the ``uint8``
RGB resize), under either protocol: the protocol only decides how its result is scored. A
Y-channel model sees the Y LR image under ``srcnn`` and the RGB LR image under ``rgb`` (where
:func:`srtutor.models.upscale` takes its Y and upscales the chroma bicubically). An
interpolation method resizes what the protocol says. ``protocol="auto"`` (the default, in the
Python API and the command alike) is ``srcnn`` for interpolation and Y-channel models and
``rgb`` for RGB models (:func:`default_protocol`).

Greyscale HR images (Set14's ``bridge``) are scored on their grey values in both protocols.

What they give for bicubic (measured with this module; published figures of the SRCNN/VDSR
tables in brackets)::

            x2                  x3                  x4
    Set5    srcnn 33.6614/0.9299  30.3922/0.8682  28.4207/0.8104   [33.66/0.9299 30.39/0.8682 28.42/0.8104]
            rgb   33.6734/0.9303  30.4033/0.8689  28.4290/0.8111
    Set14   srcnn 30.2318/0.8687  27.5405/0.7736  26.0001/0.7019   [30.24/0.8688 27.55/0.7742 26.00/0.7027]
            rgb   30.2302/0.8691  27.5367/0.7745  25.9940/0.7029
    B100    srcnn 29.5579/0.8431  27.2072/0.7384  25.9606/0.6674   [29.56/0.8431 27.21/0.7385 25.96/0.6675]
            rgb   29.5599/0.8434  27.2090/0.7391  25.9613/0.6681

``srcnn`` reproduces Set5 and B100 to the last published digit, which is why it is the default
for bicubic. In ``rgb`` the ``uint8`` resize rounds after *each* of its two 1-D passes, as MATLAB
``imresize`` does on ``uint8`` images (:func:`srtutor.resize.imresize`); Python ports that resize
floats and round once at the end get about +0.008 dB more on Set5 (33.6818 at ×2). Both stay
within 0.02 dB and 0.001 SSIM of the published figures.

**A pipeline.** Images are decoded and degraded (and interpolated) ahead of the method by
worker threads, grouped into batches of equal size, run through a network under
``torch.inference_mode`` on its device (``amp=True``: mixed precision, reported in the result),
and scored on that device with the batched metrics (float32 SSIM: within 1e-6 of float64, see
:mod:`srtutor.metrics`), without waiting for the device until the end. The result reports the
time and images per second.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional, Union

import torch
from torch import nn

from srtutor._checks import check_image, check_positive_int

Tensor = torch.Tensor
Upscaler = Callable[[Tensor], Tensor]
ImageSource = Union[Tensor, str, Path]

__all__ = ["METHODS", "PROTOCOLS", "default_protocol", "evaluate_images", "evaluate_method", "format_table"]

#: interpolation baselines: CLI name -> :func:`srtutor.resize.imresize` kernel.
METHODS: dict[str, str] = {"bicubic": "cubic", "bilinear": "linear", "nearest": "nearest"}
PROTOCOLS: tuple[str, ...] = ("rgb", "srcnn")
_PROTOCOL_TEXT = {
    "rgb": "uint8 RGB resized (LR, SR rounded); unrounded BT.601 Y",
    "srcnn": "rounded uint8 BT.601 Y scored, SR rounded; Y resized as float for interpolation and Y models",
}
_MAX_BATCH_PIXELS = 1 << 22  # SR pixels per network batch (4 Mpx: 26 B100 images at x2)


@dataclass
class _Method:
    name: str
    kernel: Optional[str] = None  # interpolation kernel
    fn: Optional[Upscaler] = None  # a callable, called per image
    net: Optional[nn.Module] = None  # a network, called on batches
    channels: int = 1  # 1: sees the Y LR under "srcnn"; 3: always the RGB LR


def _method(method: object, channels: Optional[int] = None, name: Optional[str] = None) -> _Method:
    if isinstance(method, str):
        key = method.lower()
        if key not in METHODS:
            raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}, a network or a callable")
        return _Method(name or key, kernel=METHODS[key])
    if isinstance(method, nn.Module):
        from srtutor.models.inference import in_channels

        c = in_channels(method)
        return _Method(name or type(method).__name__.lower(), net=method, channels=c if channels is None else channels)
    if callable(method):
        c = channels if channels is not None else getattr(method, "in_channels", 3)
        return _Method(name or getattr(method, "__name__", type(method).__name__), fn=method, channels=c)
    raise TypeError(f"method must be a name ({', '.join(METHODS)}), an nn.Module or a callable lr -> sr, "
                    f"got {type(method).__name__}")


def default_protocol(method: object, *, channels: Optional[int] = None) -> str:
    """``"srcnn"`` for interpolation names and Y-channel (1-channel) methods, ``"rgb"`` for RGB ones.

    A network's channels come from its ``in_channels``; a callable's from ``channels`` or its
    ``in_channels`` attribute (3 when it has none).
    """
    m = _method(method, _check_channels(channels))
    return "srcnn" if m.kernel is not None or m.channels == 1 else "rgb"


def _check_channels(channels: object) -> Optional[int]:
    if channels is not None and channels not in (1, 3):
        raise ValueError(f"channels must be 1 (the method takes Y), 3 (RGB) or None, got {channels!r}")
    return channels  # type: ignore[return-value]


def _check_protocol(protocol: object) -> str:
    if protocol != "auto" and protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be 'auto' or one of {PROTOCOLS}, got {protocol!r}")
    return protocol  # type: ignore[return-value]


# --------------------------------------------------------------------------- per-image preparation
@dataclass
class _Item:
    index: int
    name: str
    ref: Tensor  # (C, H, W) reference as scored (rounded Y, or RGB/grey on the 8-bit grid)
    lr: Optional[Tensor] = None  # the method's input (C, h, w) float32
    sr: Optional[Tensor] = None  # interpolation result (C, H, W), already on the 8-bit grid
    y_of_output: bool = False  # score the rounded Y of the (RGB) output: srcnn protocol, RGB input


def _load(key: str, source: ImageSource) -> Tensor:
    """The HR image as float64. Files are read as float32 (several times faster than float64)
    and, when on the 8-bit grid, made exactly ``uint8 / 255`` in float64 again."""
    from srtutor.io import read_image

    if not isinstance(source, (str, Path)):
        return source
    v = read_image(source, dtype=torch.float32).mul_(255.0)
    r = v.round()
    if float(v.sub_(r).abs_().max()) < 1e-3:  # float32(k / 255) * 255 is within 1e-4 of k
        return r.double().div_(255.0)
    return read_image(source, dtype=torch.float64)  # not 8-bit (e.g. 16-bit): the exact values


def _prepare(index: int, key: str, source: ImageSource, s: int, m: _Method, protocol: str,
             lr_kernel: str, dtype: torch.dtype) -> _Item:
    """Decode, check, modcrop and degrade one HR image (runs in a worker thread); the
    reference and an interpolation result come in the scoring ``dtype`` (exact: 8-bit grid)."""
    from srtutor.color import rgb_to_y
    from srtutor.io import to_numpy, to_tensor
    from srtutor.resize import imresize, modcrop

    hr = _load(key, source)
    # a decoded file is in [0, 1] by construction: check the structure only
    check_image(hr, f"images[{key!r}]", channels=(1, 3), check_range=not isinstance(source, (str, Path)),
                allow_nan=isinstance(source, (str, Path)))
    if hr.ndim != 3:
        raise ValueError(f"images[{key!r}] must be (C, H, W), got {tuple(hr.shape)}")
    if hr.shape[-2] < 2 * s or hr.shape[-1] < 2 * s:
        raise ValueError(f"images[{key!r}] ({hr.shape[-2]}x{hr.shape[-1]}) is too small for scale {s}")
    hr = modcrop(hr.detach().to("cpu", torch.float64), s)
    if protocol == "srcnn" and m.channels == 1:  # the SRCNN/VDSR scripts: work on the rounded Y
        y = _round8(rgb_to_y(hr, check=False))  # MATLAB rgb2ycbcr on uint8: rounded Y; grey images as they are
        lr = imresize(y, scale=1.0 / s, kernel=lr_kernel)
        if m.kernel is not None:
            sr = _round8(imresize(lr, scale=float(s), kernel=m.kernel))
            return _Item(index, key, y.to(dtype), sr=sr.to(dtype))
        return _Item(index, key, y.to(dtype), lr=lr.clamp(0.0, 1.0).float())
    hr_u8 = to_numpy(hr)
    lr_u8 = imresize(hr_u8, scale=1.0 / s, kernel=lr_kernel)
    if m.kernel is not None:  # rgb protocol
        sr = to_tensor(imresize(lr_u8, scale=float(s), kernel=m.kernel), dtype=dtype)
        return _Item(index, key, to_tensor(hr_u8, dtype=dtype), sr=sr)
    lr = to_tensor(lr_u8, dtype=torch.float32)
    if protocol == "srcnn":  # an RGB method scored on the rounded Y
        y = _round8(rgb_to_y(to_tensor(hr_u8, dtype=torch.float64), check=False))
        return _Item(index, key, y.to(dtype), lr=lr, y_of_output=True)
    return _Item(index, key, to_tensor(hr_u8, dtype=dtype), lr=lr)


def _prefetch(tasks: list[Callable[[], _Item]], workers: int) -> Iterator[_Item]:
    """Run ``tasks`` in ``workers`` threads, a bounded number ahead, yielding results in order."""
    if workers == 0:
        for task in tasks:
            yield task()
        return
    ahead = 4 * workers
    with ThreadPoolExecutor(workers, thread_name_prefix="srtutor-evaluate") as pool:
        pending = [pool.submit(t) for t in tasks[:ahead]]
        nxt = len(pending)
        try:
            while pending:
                item = pending.pop(0).result()
                if nxt < len(tasks):
                    pending.append(pool.submit(tasks[nxt]))
                    nxt += 1
                yield item
        finally:
            for f in pending:
                f.cancel()


# --------------------------------------------------------------------------- method and scoring
def _round8(x: Tensor) -> Tensor:
    """:func:`srtutor.io.quantize` (same formula, same bits) without its value check: no extra
    pass over the image, no host synchronisation."""
    return torch.floor((x.detach() * 255.0).clamp_(0.0, 255.0) + 0.5) / 255.0


def _check_output(sr: object, lr: Tensor, s: int) -> Tensor:
    if not isinstance(sr, torch.Tensor):
        raise TypeError(f"the upscaler must return a tensor, got {type(sr).__name__}")
    want = (lr.shape[-2] * s, lr.shape[-1] * s)
    if tuple(sr.shape[-2:]) != want or sr.shape[-3] != lr.shape[-3] or sr.ndim != lr.ndim:
        shape = f"({lr.shape[-3]}, {want[0]}, {want[1]})" if lr.ndim == 3 else f"(N, {lr.shape[-3]}, {want[0]}, {want[1]})"
        raise ValueError(f"the upscaler returned shape {tuple(sr.shape)} for LR {tuple(lr.shape)}; expected {shape}")
    return sr


def _autocast(device: torch.device, amp: bool):
    import contextlib

    if not amp:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.float16 if device.type == "cuda" else torch.bfloat16)


def _run_method(batch: list[_Item], m: _Method, s: int, device: torch.device, amp: bool,
                dtype: torch.dtype) -> Tensor:
    """SR of a batch of equal-size items, ``(B, C, H, W)`` on ``device``, on the 8-bit grid."""
    if m.kernel is not None:
        return torch.stack([it.sr for it in batch]).to(device)
    with torch.inference_mode(), _autocast(device, amp):
        if m.net is not None:
            from srtutor.models.inference import upscale

            lr = torch.stack([it.lr for it in batch]).to(device)
            sr = _check_output(upscale(m.net, lr, s), lr, s)
        else:
            sr = torch.stack([_check_output(m.fn(it.lr.to(device)), it.lr, s) for it in batch])
        sr = _round8(sr.to(device, dtype))
    if batch[0].y_of_output:
        from srtutor.color import rgb_to_y

        sr = _round8(rgb_to_y(sr.double())).to(dtype)  # MATLAB rgb2ycbcr on the saved uint8 SR image
    return sr


def evaluate_images(
    images: Mapping[str, ImageSource],
    scale: int,
    method: Union[str, nn.Module, Upscaler] = "bicubic",
    *,
    protocol: str = "auto",
    lr_kernel: str = "bicubic",
    dataset: str = "custom",
    name: Optional[str] = None,
    channels: Optional[int] = None,
    device: Any = None,
    batch_size: int = 8,
    amp: bool = False,
    workers: Optional[int] = None,
    precision: str = "auto",
    progress: Optional[bool] = False,
) -> dict:
    """Score an upscaling method on HR images with the benchmark protocol (module docstring).

    Args:
        images: ``{name: (C, H, W) tensor in [0, 1] or an image file path}``, ``C`` 1 or 3
            (e.g. :func:`srtutor.data.load_benchmark`). Files are decoded by the workers.
        scale: integer factor ``s >= 2`` (also the border crop).
        method: ``"bicubic"``, ``"bilinear"``, ``"nearest"`` (MATLAB ``imresize`` ↑s); an SR
            network (``nn.Module``, run on batches with :func:`srtutor.models.upscale`); or a
            callable ``lr -> sr`` called per image with a ``(C, h, w)`` float32 LR on ``device``
            and returning ``(C, s·h, s·w)`` in ``[0, 1]``. SR is rounded to 8 bits before scoring.
        protocol: ``"auto"`` (default: :func:`default_protocol`), ``"rgb"`` or ``"srcnn"``.
        lr_kernel: kernel of the ``↓s`` that makes the LR image; the literature's ``"bicubic"``
            by default (``"same"`` uses the method's own kernel).
        dataset: label stored in the result.
        name: the method's label in the result (default: its name, class or function name).
        channels: what a callable takes under ``srcnn``: 1 (the Y LR image) or 3 (the RGB LR
            image; the default for callables without an ``in_channels`` attribute). A network's
            ``in_channels`` decides for it.
        device: where the network runs and the scores are computed (default: the network's
            device; CPU for interpolation). A network is moved there when this is given.
        batch_size: images of equal size per batch (network batches are also kept under 4 M
            SR pixels).
        amp: run the network under ``torch.autocast`` (float16 on CUDA, bfloat16 on CPU).
        workers: threads decoding and degrading ahead (default: the number of CPUs, at most 4;
            0 does it all in the calling thread).
        precision: of the metrics (:mod:`srtutor.metrics`); ``"float64"`` for the reference.
        progress: a tqdm bar over images on stderr (``None``: when stderr is a terminal).

    Returns:
        ``{"dataset", "scale", "method", "protocol", "protocol_description", "lr_kernel",
        "crop_border", "y_channel", "n_images", "psnr", "ssim", "images": [{"name", "psnr",
        "ssim"}, …], "seconds", "images_per_second", "device", "batch_size", "amp"}`` with the
        means over images as ``psnr`` (dB) and ``ssim``.

    Raises:
        ValueError: bad arguments or images, or a method that returns the wrong shape or
            non-finite values.
    """
    from srtutor import metrics

    t0 = time.perf_counter()
    s = check_positive_int(scale, "scale", minimum=2)
    m = _method(method, _check_channels(channels), name)
    protocol = _check_protocol(protocol)
    if protocol == "auto":
        protocol = "srcnn" if m.kernel is not None or m.channels == 1 else "rgb"
    if lr_kernel == "same":
        if m.kernel is None:
            raise ValueError("lr_kernel='same' needs an interpolation method name, not a network or callable")
        lr_kernel = m.kernel
    batch_size = check_positive_int(batch_size, "batch_size")
    if not isinstance(amp, bool):
        raise TypeError(f"amp must be a bool, got {type(amp).__name__}")
    if workers is None:
        workers = min(4, os.cpu_count() or 1)
    workers = check_positive_int(workers, "workers", minimum=0)
    dev = _device(m, device)
    if not images:
        raise ValueError("images is empty")
    keys = list(images)
    score_dtype = torch.float64 if precision == "float64" else torch.float32
    tasks = [(lambda i=i, k=k: _prepare(i, str(k), images[k], s, m, protocol, lr_kernel, score_dtype))
             for i, k in enumerate(keys)]
    bar = _progress_bar(progress, len(keys), f"{dataset} x{s} {m.name}")
    scores: list[Optional[tuple[Tensor, Tensor, list[int]]]] = []
    buckets: "OrderedDict[tuple, list[_Item]]" = OrderedDict()
    limit = batch_size if m.net is None else max(1, min(batch_size, _MAX_BATCH_PIXELS // _sr_pixels(images, keys, s)))

    def flush(key: tuple) -> None:
        batch = buckets.pop(key)
        sr = _run_method(batch, m, s, dev, amp, score_dtype)
        ref = torch.stack([it.ref for it in batch]).to(dev)
        kw = dict(crop_border=s, y_channel=True, reduction="none", check_range=False, check_finite=False,
                  precision=precision)
        sr, ref = sr.to(score_dtype), ref.to(score_dtype)
        scores.append((metrics.psnr(sr, ref, **kw), metrics.ssim(sr, ref, **kw), [it.index for it in batch]))
        bar.update(len(batch))

    # interpolation: the workers already use the cores, and torch's intra-op threads in each of
    # them would oversubscribe (measured: B100 x2 takes 1.3 s instead of 1.7 s on 2 cores)
    threads = torch.get_num_threads()
    if m.kernel is not None and workers > 0:
        torch.set_num_threads(1)
    try:
        for item in _prefetch(tasks, workers):
            key = (tuple(item.ref.shape), None if item.lr is None else tuple(item.lr.shape), item.y_of_output)
            buckets.setdefault(key, []).append(item)
            if len(buckets[key]) >= limit:
                flush(key)
            elif sum(len(b) for b in buckets.values()) > 4 * limit:  # many sizes: bound the memory held
                flush(next(iter(buckets)))
        while buckets:
            flush(next(iter(buckets)))
    finally:
        bar.close()
        torch.set_num_threads(threads)
    psnr_all = torch.cat([p for p, _, _ in scores]).cpu().tolist()  # the one wait for the device
    ssim_all = torch.cat([q for _, q, _ in scores]).cpu().tolist()
    order = [i for _, _, idx in scores for i in idx]
    rows: list[dict] = [{}] * len(keys)
    for i, p, q in zip(order, psnr_all, ssim_all):
        if math.isnan(p) or math.isnan(q) or math.isinf(q):
            raise ValueError(f"the method produced NaN or inf values for image {keys[i]!r} "
                             f"(PSNR {p}, SSIM {q}); check the model and its input range")
        rows[i] = {"name": str(keys[i]), "psnr": p, "ssim": q}
    seconds = time.perf_counter() - t0
    return {
        "dataset": dataset,
        "scale": s,
        "method": m.name,
        "protocol": protocol,
        "protocol_description": _PROTOCOL_TEXT[protocol],
        "lr_kernel": lr_kernel,
        "crop_border": s,
        "y_channel": True,
        "n_images": len(rows),
        "psnr": math.fsum(r["psnr"] for r in rows) / len(rows),
        "ssim": math.fsum(r["ssim"] for r in rows) / len(rows),
        "images": rows,
        "seconds": seconds,
        "images_per_second": len(rows) / seconds if seconds > 0 else math.inf,
        "device": str(dev),
        "batch_size": limit,
        "amp": amp,
    }


def _sr_pixels(images: Mapping[str, ImageSource], keys: list, s: int) -> int:
    """SR pixels of the largest in-memory image (files: assume 1 Mpx, B100-to-Urban100 sizes)."""
    sizes = [int(v.shape[-2]) * int(v.shape[-1]) for v in images.values() if isinstance(v, torch.Tensor)]
    return max(sizes) if sizes else 1 << 20


def _device(m: _Method, device: Any) -> torch.device:
    if m.net is not None:
        if device is None:
            p = next(m.net.parameters(), None)
            return p.device if p is not None else torch.device("cpu")
        from srtutor import get_device

        dev = get_device(device)
        m.net.to(dev)
        return dev
    if device is None:
        return torch.device("cpu")
    from srtutor import get_device

    return get_device(device)


def _progress_bar(progress: Optional[bool], total: int, desc: str):
    if progress is None:
        progress = sys.stderr.isatty()
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be a bool or None, got {type(progress).__name__}")
    from tqdm import tqdm  # not tqdm.auto: that imports IPython, seconds at start-up

    return tqdm(total=total, desc=desc, unit="img", disable=not progress, file=sys.stderr, leave=False)


def evaluate_method(
    method: Union[str, nn.Module, Upscaler],
    dataset: str,
    scale: int,
    *,
    root=None,
    protocol: str = "auto",
    lr_kernel: str = "bicubic",
    download: bool = False,
    **kwargs: Any,
) -> dict:
    """:func:`evaluate_images` on a named benchmark (:func:`srtutor.data.benchmark_files`): the
    workers decode its files while the method and the metrics run. ``kwargs``: those of
    :func:`evaluate_images` (``name``, ``device``, ``batch_size``, ``amp``, ``progress`` …).

    Example::

        r = evaluate_method("bicubic", "Set5", 4, root="data/benchmarks")
        print(f"{r['psnr']:.2f} / {r['ssim']:.4f}")   # 28.42 / 0.8104 (published: 28.42 / 0.8104)

    Raises:
        ValueError: unknown dataset/method/protocol, bad scale.
        FileNotFoundError: the benchmark folder is missing (the message says how to fix it).
    """
    from srtutor.data import benchmark_files, benchmark_name

    canon = benchmark_name(dataset)
    check_positive_int(scale, "scale", minimum=2)
    _method(method, _check_channels(kwargs.get("channels")))
    _check_protocol(protocol)
    files = benchmark_files(canon, root=root, download=download)
    return evaluate_images(files, scale, method, protocol=protocol, lr_kernel=lr_kernel, dataset=canon, **kwargs)


def format_table(result: Mapping, *, digits: int = 4) -> str:
    """A plain-text table of :func:`evaluate_images` output: one row per image, the mean last."""
    rows = result["images"]
    w = max([len("image"), len("mean")] + [len(r["name"]) for r in rows])
    head = (f"{result['dataset']} x{result['scale']}  method={result['method']}  protocol={result['protocol']} "
            f"({result.get('protocol_description', '')}); Y channel, crop {result['crop_border']}")
    lines = [head, f"{'image':<{w}}  {'PSNR (dB)':>10}  {'SSIM':>8}", "-" * (w + 22)]
    lines += [f"{r['name']:<{w}}  {r['psnr']:>10.{digits}f}  {r['ssim']:>8.{digits}f}" for r in rows]
    lines += ["-" * (w + 22), f"{'mean':<{w}}  {result['psnr']:>10.{digits}f}  {result['ssim']:>8.{digits}f}"]
    return "\n".join(lines)
