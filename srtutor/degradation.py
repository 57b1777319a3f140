"""The degradation model of super-resolution (survey §2.1, Eq. 1–3).

The survey writes the low-resolution image as the output of an unknown degradation
``I_x = D(I_y; δ)`` of the high-resolution image ``I_y`` (Eq. 1), most often modelled as a
blur, a downsampling and additive noise (Eq. 3)::

    I_x = (I_y ⊗ κ)↓s + n_ς

with ``κ`` a blur kernel, ``↓s`` an ``s``-fold downsampling and ``n_ς`` white Gaussian noise of
standard deviation ``ς``. Most benchmarks simply use MATLAB's bicubic ``imresize`` as ``D``
(Eq. 2, "BI"); later work adds blur ("BD"), noise ("DN"), JPEG compression and random
combinations of all of them to get closer to real images (survey §2.1 and §6 "real-world
degradations").

This module gives each piece as a batched function on tensors ``(C, H, W)`` or
``(N, C, H, W)`` in ``[0, 1]`` —

* :func:`gaussian_kernel` (isotropic or anisotropic), :func:`blur`,
* :func:`bicubic_down` (MATLAB ``imresize``) and :func:`downsample` (direct ``s``-fold
  subsampling),
* :func:`add_gaussian_noise`, :func:`jpeg`,

— and composes them with :class:`Degradation` (a seeded sequence of steps with a readable
``repr``). The classic settings of the literature are :func:`BI`, :func:`BD` and :func:`DN`;
:class:`RandomDegradation` draws a fresh degradation for every training sample.

Every :class:`Degradation` clamps its result to ``[0, 1]`` at the end (an image file cannot
hold anything else); add :class:`Quantize` as a last step to also round to 8 bits, as saving
the LR image to a PNG would.
"""

from __future__ import annotations

import io as _pyio
import math
from typing import Callable, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from srtutor._checks import as_batch, check_image, check_positive_int, check_scale, check_tensor

Tensor = torch.Tensor

__all__ = [
    "gaussian_kernel", "blur", "bicubic_down", "downsample", "add_gaussian_noise", "jpeg",
    "Step", "Blur", "BicubicDown", "Subsample", "Noise", "JPEG", "Quantize",
    "Degradation", "BI", "BD", "DN", "RandomDegradation", "degrade",
]


# --------------------------------------------------------------------------- functions
def gaussian_kernel(
    size: int,
    sigma: float,
    sigma2: Optional[float] = None,
    theta: float = 0.0,
    *,
    dtype: torch.dtype = torch.float64,
) -> Tensor:
    """A normalised 2-D Gaussian blur kernel ``κ`` (isotropic or anisotropic).

    ``k(u, v) ∝ exp(-½ [u v] Σ⁻¹ [u v]ᵀ)`` on the grid ``u, v ∈ {-(size-1)/2, …, (size-1)/2}``
    (pixel centres; even sizes are allowed, as in MATLAB ``fspecial('gaussian', size, sigma)``),
    with ``Σ = R(θ) diag(σ², σ₂²) R(θ)ᵀ``. The kernel sums to 1.

    Args:
        size: side length in pixels (``>= 1``).
        sigma: standard deviation along the first principal axis, in pixels (``> 0``).
        sigma2: standard deviation along the second axis; ``None`` means ``sigma`` (isotropic).
        theta: rotation of the first axis from the horizontal (``u``, column) axis, in radians,
            counter-clockwise in ``(u, v)`` coordinates.
        dtype: floating dtype of the result.

    Returns:
        ``(size, size)`` tensor, non-negative, summing to 1; ``kernel[v, u]`` (row, column).
        Computed relative to its largest entry, so that a tiny ``sigma`` gives its limit (the
        centre pixel, or the 2 or 4 pixels nearest the centre of an even-sized kernel) instead
        of ``0 / 0``.
    """
    check_positive_int(size, "size")
    sigma = check_scale(sigma, "sigma")
    sigma2 = sigma if sigma2 is None else check_scale(sigma2, "sigma2")
    if isinstance(theta, bool) or not isinstance(theta, (int, float)) or not math.isfinite(theta):
        raise TypeError(f"theta must be a finite number (radians), got {theta!r}")
    c, s = math.cos(theta), math.sin(theta)
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    vv, uu = torch.meshgrid(r, r, indexing="ij")
    a = (c * uu + s * vv) / sigma  # coordinates along the principal axes, in units of each sigma
    b = (-s * uu + c * vv) / sigma2
    q = a * a + b * b  # [u v] Σ⁻¹ [u v]ᵀ
    if not bool(torch.isfinite(q).all()):
        raise ValueError(f"sigma={sigma:g}, sigma2={sigma2:g}: too small to represent (distance / sigma squared overflows); "
                         f"use sigma >= 1e-100, or size=1 for no blur")
    # exp(-q/2) relative to the largest entry: an even-sized kernel with a small sigma has no pixel
    # at its centre, and exp(-1250) underflowed to 0 everywhere (0 / 0 = an all-NaN kernel)
    k = torch.exp(-0.5 * (q - q.min()))
    k = k / k.sum()
    return k.to(dtype)


def blur(x: Tensor, kernel: Tensor, *, padding: str = "replicate") -> Tensor:
    """Convolve every channel with ``kernel``: the ``I_y ⊗ κ`` of Eq. 3.

    A depthwise 2-D correlation (for the symmetric kernels of :func:`gaussian_kernel` the same
    as convolution) with ``'same'`` output size. The border is padded by ``'replicate'``
    (edge pixels repeated, like MATLAB ``imfilter(…, 'replicate')`` used by the BD/DN
    preparation scripts of RDN and SRMD) or ``'reflect'`` (mirror without repeating the edge;
    needs the image to be larger than half the kernel). For even kernel sizes the extra pixel
    of padding goes to the bottom/right, as MATLAB ``imfilter`` does.

    Args:
        x: ``(C, H, W)`` or ``(N, C, H, W)`` float image(s) in ``[0, 1]``.
        kernel: ``(k, k)`` shared by all images, or ``(N, k, k)`` one per image.
        padding: ``"replicate"`` (default) or ``"reflect"``.

    Returns:
        Blurred image(s), same shape, dtype and device as ``x``.
    """
    check_image(x, "x")
    check_tensor(kernel, "kernel")
    if padding not in ("replicate", "reflect"):
        raise ValueError(f"padding must be 'replicate' or 'reflect', got {padding!r}")
    xb, was3 = as_batch(x)
    n, c, h, w = xb.shape
    if kernel.ndim == 2:
        kb = kernel.expand(n, *kernel.shape)
    elif kernel.ndim == 3 and kernel.shape[0] == n:
        kb = kernel
    else:
        raise ValueError(f"kernel must have shape (k, k) or (N={n}, k, k), got {tuple(kernel.shape)}")
    kh, kw = kb.shape[-2:]
    pad = ((kw - 1) // 2, kw // 2, (kh - 1) // 2, kh // 2)  # left, right, top, bottom
    if padding == "reflect" and (max(pad[:2]) >= w or max(pad[2:]) >= h):
        raise ValueError(f"padding='reflect' needs an image larger than the kernel half-size; "
                         f"got image {h}x{w} and kernel {kh}x{kw}; use padding='replicate'")
    weight = kb.to(dtype=xb.dtype, device=xb.device).repeat_interleave(c, dim=0).unsqueeze(1)
    xp = F.pad(xb.reshape(1, n * c, h, w), pad, mode=padding)
    out = F.conv2d(xp, weight, groups=n * c).reshape(n, c, h, w)
    return out[0] if was3 else out


def bicubic_down(x: Tensor, scale: float) -> Tensor:
    """MATLAB ``imresize(x, 1/scale, 'bicubic')`` (antialiased), the ``↓s`` of BI (Eq. 2).

    Args:
        x: ``(C, H, W)`` or ``(N, C, H, W)`` float image(s) in ``[0, 1]``.
        scale: downscaling factor ``s > 0`` (``2`` halves each side).

    Returns:
        ``(…, ceil(H/s), ceil(W/s))``, not rounded or clamped (bicubic overshoots slightly).
    """
    from srtutor.resize import imresize

    s = check_scale(scale, "scale")
    return imresize(x, scale=1.0 / s)


def downsample(x: Tensor, scale: int, offset: Optional[int] = None) -> Tensor:
    """Direct ``s``-fold subsampling: keep one pixel of every ``s × s`` block.

    ``out[i, j] = x[offset + s·i, offset + s·j]``. With the default ``offset = (s-1)//2`` this
    picks the same pixels as the BD/DN preparation scripts released with RDN/SRMD (MATLAB
    ``imresize(…, 1/s, 'nearest')`` for odd ``s``, ``x(s/2:s:end, …)`` for even ``s``).

    Args:
        x: ``(C, H, W)`` or ``(N, C, H, W)`` tensor.
        scale: integer factor ``s >= 1``.
        offset: first row/column kept, ``0 <= offset < s``.

    Returns:
        ``(…, floor((H - offset - 1)/s) + 1, …)``: ``H/s`` rows when ``s`` divides ``H``.
    """
    check_image(x, "x", check_range=False)
    s = check_positive_int(scale, "scale")
    off = (s - 1) // 2 if offset is None else check_positive_int(offset, "offset", minimum=0)
    if off >= s:
        raise ValueError(f"offset must be < scale={s}, got {off}")
    return x[..., off::s, off::s]


def _gen_device(generator: Optional[torch.Generator]) -> torch.device:
    return generator.device if generator is not None else torch.device("cpu")


def add_gaussian_noise(
    x: Tensor, sigma: float, generator: Optional[torch.Generator] = None, *, clip: bool = True
) -> Tensor:
    """Add white Gaussian noise ``n_ς`` (Eq. 3) with standard deviation ``sigma / 255``.

    Args:
        x: ``(C, H, W)`` or ``(N, C, H, W)`` float image(s) in ``[0, 1]``.
        sigma: noise standard deviation on the 0–255 scale (``σ = 30`` in DN), ``>= 0``.
        generator: a ``torch.Generator`` for reproducible noise (the noise is drawn on the
            generator's device, CPU by default, and moved to ``x``'s device, so a seed gives the
            same noise on any device); ``None`` uses the global RNG.
        clip: clamp the result to ``[0, 1]``.

    Returns:
        Noisy image(s), same shape, dtype and device.
    """
    check_image(x, "x")
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not (sigma >= 0) or math.isinf(sigma):
        raise ValueError(f"sigma must be a finite number >= 0 (on the 255 scale), got {sigma!r}")
    noise = torch.randn(x.shape, generator=generator, dtype=torch.float64, device=_gen_device(generator))
    out = x + (noise * (sigma / 255.0)).to(device=x.device, dtype=x.dtype)
    return out.clamp(0.0, 1.0) if clip else out


def jpeg(x: Tensor, quality: int) -> Tensor:
    """JPEG compression round trip with Pillow (libjpeg, 4:2:0 chroma subsampling for RGB).

    Each image is rounded to 8 bits, encoded at ``quality`` and decoded again. Batched over
    ``N`` (one encode per image; JPEG has no GPU path here, so the work happens on the CPU and
    the result goes back to ``x``'s device).

    Args:
        x: ``(C, H, W)`` or ``(N, C, H, W)`` float image(s) in ``[0, 1]``, ``C`` 1 or 3.
        quality: libjpeg quality, an int in ``1..100`` (higher = better, larger files).

    Returns:
        Decoded image(s), same shape, dtype and device, on the 8-bit grid.
    """
    from srtutor.io import to_numpy, to_tensor

    check_image(x, "x", channels=(1, 3), tol=0.5)
    q = check_positive_int(quality, "quality")
    if q > 100:
        raise ValueError(f"quality must be in 1..100, got {q}")
    xb, was3 = as_batch(x)
    outs = []
    for img in xb:
        buf = _pyio.BytesIO()
        Image.fromarray(to_numpy(img)).save(buf, format="JPEG", quality=q)
        buf.seek(0)
        with Image.open(buf) as im:
            outs.append(to_tensor(np.array(im), dtype=x.dtype))
    out = torch.stack(outs).to(x.device)
    return out[0] if was3 else out


# --------------------------------------------------------------------------- steps
class Step:
    """One step of a :class:`Degradation`: ``step(x, generator) -> x``.

    Subclasses implement :meth:`__call__` and a readable ``__repr__``. Any plain callable
    ``f(x) -> x`` can be used as a step too (it gets no generator).
    """

    random: bool = False  #: whether the step draws random numbers

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        raise NotImplementedError


class Blur(Step):
    """Gaussian blur ``⊗ κ`` with a :func:`gaussian_kernel` (or an explicit ``kernel``)."""

    def __init__(self, size: int = 7, sigma: float = 1.6, sigma2: Optional[float] = None,
                 theta: float = 0.0, *, kernel: Optional[Tensor] = None, padding: str = "replicate") -> None:
        self.size, self.sigma, self.sigma2, self.theta, self.padding = size, sigma, sigma2, theta, padding
        if kernel is not None:
            check_tensor(kernel, "kernel")
            if kernel.ndim != 2:
                raise ValueError(f"kernel must have shape (k, k), got {tuple(kernel.shape)}")
        self.kernel = kernel if kernel is not None else gaussian_kernel(size, sigma, sigma2, theta)

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        return blur(x, self.kernel, padding=self.padding)

    def __repr__(self) -> str:
        if self.sigma2 is None or self.sigma2 == self.sigma:
            return f"Blur({self.size}x{self.size}, sigma={self.sigma:g})"
        return (f"Blur({self.size}x{self.size}, sigma=({self.sigma:.3g}, {self.sigma2:.3g}), "
                f"theta={self.theta:.3g})")


class BicubicDown(Step):
    """MATLAB bicubic ``imresize`` by ``1/scale`` (:func:`bicubic_down`)."""

    def __init__(self, scale: float) -> None:
        self.scale = check_scale(scale, "scale")

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        return bicubic_down(x, self.scale)

    def __repr__(self) -> str:
        return f"BicubicDown(x{self.scale:g})"


class Subsample(Step):
    """Direct ``s``-fold subsampling (:func:`downsample`)."""

    def __init__(self, scale: int, offset: Optional[int] = None) -> None:
        self.scale = check_positive_int(scale, "scale")
        self.offset = offset

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        return downsample(x, self.scale, self.offset)

    def __repr__(self) -> str:
        return f"Subsample(x{self.scale})"


class Noise(Step):
    """Additive white Gaussian noise, ``sigma`` on the 255 scale (:func:`add_gaussian_noise`)."""

    random = True

    def __init__(self, sigma: float) -> None:
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not sigma >= 0:
            raise ValueError(f"sigma must be a number >= 0, got {sigma!r}")
        self.sigma = float(sigma)

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        return add_gaussian_noise(x.clamp(0.0, 1.0), self.sigma, generator)

    def __repr__(self) -> str:
        return f"Noise(sigma={self.sigma:g}/255)"


class JPEG(Step):
    """JPEG compression round trip at ``quality`` (:func:`jpeg`)."""

    def __init__(self, quality: int) -> None:
        self.quality = check_positive_int(quality, "quality")
        if self.quality > 100:
            raise ValueError(f"quality must be in 1..100, got {quality}")

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        return jpeg(x.clamp(0.0, 1.0), self.quality)

    def __repr__(self) -> str:
        return f"JPEG(q={self.quality})"


class Quantize(Step):
    """Round to the 8-bit grid (:func:`srtutor.io.quantize`), like saving the LR image as PNG."""

    def __call__(self, x: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        from srtutor.io import quantize

        return quantize(x)

    def __repr__(self) -> str:
        return "Quantize(8 bit)"


StepLike = Union[Step, Callable[[Tensor], Tensor]]


class Degradation:
    """A degradation ``D(·; δ)``: a sequence of steps applied in order, then a clamp to ``[0, 1]``.

    Example::

        d = Degradation([Blur(7, 1.6), BicubicDown(3), Noise(10)], seed=0, name="custom")
        lr = d(hr)            # same input and seed -> same output
        print(d)              # custom: Blur(7x7, sigma=1.6) -> BicubicDown(x3) -> Noise(sigma=10/255)

    Args:
        steps: :class:`Step` objects, or plain callables ``f(x) -> x``.
        seed: seed of the random steps. With a seed every call restarts the generator, so a
            call is a pure function of its input (a fixed test set); ``None`` uses the global
            torch RNG (a new draw on every call).
        name: a short label shown by ``repr``.
        scale: the downscaling factor of the whole chain (informational; set by the named
            settings and used by :mod:`srtutor.data` to check sizes).
    """

    #: ``True`` when each call should draw a *new* degradation (see :class:`RandomDegradation`);
    #: :class:`srtutor.data.PairedPatchDataset` then degrades per item instead of precomputing.
    per_call_random: bool = False

    def __init__(self, steps: Sequence[StepLike], *, seed: Optional[int] = 0, name: str = "Degradation",
                 scale: Optional[float] = None) -> None:
        steps = list(steps)
        for i, st in enumerate(steps):
            if not callable(st):
                raise TypeError(f"steps[{i}] must be a Step or a callable, got {type(st).__name__}")
        if seed is not None:
            check_positive_int(seed, "seed", minimum=0)
        self.steps, self.seed, self.name, self.scale = steps, seed, name, scale

    def __call__(self, hr: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        """Degrade ``hr`` ``(C, H, W)``/``(N, C, H, W)`` in ``[0, 1]``; returns the LR image(s).

        ``generator`` overrides the degradation's own seed (used by data loaders that give
        every item its own generator).
        """
        check_image(hr, "hr")
        if generator is None and self.seed is not None:
            generator = torch.Generator().manual_seed(self.seed)
        x = hr
        for st in self.steps:
            x = st(x, generator) if isinstance(st, Step) else st(x)
        return x.clamp(0.0, 1.0)

    def __add__(self, other: "Degradation") -> "Degradation":
        if not isinstance(other, Degradation):
            return NotImplemented
        return Degradation(self.steps + other.steps, seed=self.seed, name=f"{self.name}+{other.name}")

    def __repr__(self) -> str:
        chain = " -> ".join(repr(s) if isinstance(s, Step) else getattr(s, "__name__", repr(s))
                            for s in self.steps)
        return f"{self.name}: {chain or 'identity'}"


def BI(scale: int) -> Degradation:  # noqa: N802  (the literature's name)
    """BI: bicubic downsampling only, ``I_x = I_y↓s`` (survey Eq. 2), MATLAB ``imresize``.

    The standard setting of almost every results table (survey §2.1, §3.6). The LR image is
    clamped to ``[0, 1]`` but not rounded; append :class:`Quantize` to round it.
    """
    s = check_positive_int(scale, "scale")
    return Degradation([BicubicDown(s)], name=f"BI x{s}", scale=s)


def BD(scale: int, *, sigma: float = 1.6, size: int = 7, downsampler: str = "bicubic") -> Degradation:  # noqa: N802
    """BD: Gaussian blur (``7×7``, ``σ = 1.6``) then ``s``-fold downsampling.

    The blur-downscale setting of RDN (Zhang et al., CVPR 2018) and SRMD (Zhang et al.,
    CVPR 2018), also used by RCAN (survey §2.1, §3.6). The blur uses replicate padding like
    their MATLAB ``imfilter(…, 'replicate')``.

    **Choice of downsampler.** The papers describe BD as a Gaussian blur followed by
    downscaling; here the default ``downsampler="bicubic"`` follows the blur with MATLAB
    bicubic ``imresize`` (the general "blur + bicubic" model of SRMD). The preparation script
    released with RDN/RCAN instead picks pixels directly after the blur (``imresize(…,
    'nearest')`` / ``x(s/2:s:end)``) and uses a ``(ceil(3σ)·2+2)``-pixel kernel for even
    scales; use ``downsampler="direct"`` (with ``size=12`` for ×2/×4) to reproduce their
    BD tables exactly. Bicubic ↓ after the Gaussian blurs twice, so it gives smoother LR
    images than direct subsampling.

    Args:
        scale: integer factor.
        sigma: Gaussian standard deviation in HR pixels.
        size: kernel side length.
        downsampler: ``"bicubic"`` (default) or ``"direct"``.
    """
    s = check_positive_int(scale, "scale")
    if downsampler == "bicubic":
        down: Step = BicubicDown(s)
    elif downsampler == "direct":
        down = Subsample(s)
    else:
        raise ValueError(f"downsampler must be 'bicubic' or 'direct', got {downsampler!r}")
    return Degradation([Blur(size, sigma), down], name=f"BD x{s}", scale=s)


def DN(scale: int, *, sigma: float = 30.0, seed: Optional[int] = 0) -> Degradation:  # noqa: N802
    """DN: bicubic downsampling then white Gaussian noise of ``σ = 30`` (255 scale).

    The setting of RDN (Zhang et al., CVPR 2018) and its successors (survey §2.1). With a
    ``seed`` the noise is the same on every call (a fixed test set).
    """
    s = check_positive_int(scale, "scale")
    return Degradation([BicubicDown(s), Noise(sigma)], seed=seed, name=f"DN x{s}", scale=s)


_NAMED = {"BI": BI, "BD": BD, "DN": DN}


def degrade(hr: Tensor, setting: Union[str, Degradation, Callable[[Tensor], Tensor]],
            scale: Optional[int] = None) -> Tensor:
    """Apply a named setting (``"BI"``, ``"BD"``, ``"DN"`` with ``scale``) or a degradation.

    Args:
        hr: ``(C, H, W)`` or ``(N, C, H, W)`` in ``[0, 1]``.
        setting: a name (case-insensitive) or any degradation callable.
        scale: the factor, required with a name.
    """
    if isinstance(setting, str):
        key = setting.upper()
        if key not in _NAMED:
            raise ValueError(f"setting must be one of {sorted(_NAMED)} or a Degradation, got {setting!r}")
        if scale is None:
            raise ValueError(f"scale is required with the named setting {setting!r}")
        setting = _NAMED[key](scale)
    if not callable(setting):
        raise TypeError(f"setting must be a name or a callable degradation, got {type(setting).__name__}")
    return setting(hr)


def _check_range(v: object, name: str, lo: float, hi: float) -> tuple[float, float]:
    if (not isinstance(v, (tuple, list)) or len(v) != 2
            or not all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in v)):
        raise TypeError(f"{name} must be a (low, high) pair of numbers, got {v!r}")
    a, b = float(v[0]), float(v[1])
    if not (lo <= a <= b <= hi):
        raise ValueError(f"{name} must satisfy {lo} <= low <= high <= {hi}, got {v!r}")
    return a, b


def _check_prob(v: object, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {v!r}")
    return float(v)


class RandomDegradation(Degradation):
    """A new random degradation for every call, for training on "real-world" LR images.

    Each call draws, with the given probabilities, a Gaussian blur (isotropic, or with
    probability ``anisotropic_prob`` anisotropic with a random second σ and angle), then
    bicubic ``↓s``, then Gaussian noise, then JPEG compression — the first-order version of
    the degradation pipelines that the survey's §6 ("towards real-world scenarios") points to.
    Parameters are drawn uniformly from the given ranges with a torch generator.

    Args:
        scale: integer downscaling factor.
        blur_sigma: range of the blur σ (HR pixels).
        anisotropic_prob: probability that the blur is anisotropic.
        kernel_size: side length of the blur kernels.
        noise_sigma: range of the noise σ (255 scale).
        jpeg_quality: range of the JPEG quality (integers, inclusive).
        blur_prob, noise_prob, jpeg_prob: probability of each step.
        seed: with a seed, call number ``k`` of this object is reproducible; data loaders
            pass their own per-item generator instead (see :meth:`__call__`).

    :meth:`sample` returns the concrete :class:`Degradation` that a generator draws, so you can
    print what was applied.
    """

    per_call_random = True

    def __init__(self, scale: int, *, blur_sigma: tuple[float, float] = (0.2, 3.0),
                 anisotropic_prob: float = 0.5, kernel_size: int = 21,
                 noise_sigma: tuple[float, float] = (1.0, 25.0),
                 jpeg_quality: tuple[int, int] = (30, 95),
                 blur_prob: float = 1.0, noise_prob: float = 0.5, jpeg_prob: float = 0.5,
                 seed: Optional[int] = 0) -> None:
        s = check_positive_int(scale, "scale")
        super().__init__([], seed=None, name=f"RandomDegradation x{s}", scale=s)
        if seed is not None:
            check_positive_int(seed, "seed", minimum=0)
        self.seed = seed
        self.blur_sigma = _check_range(blur_sigma, "blur_sigma", 1e-3, 1e3)
        self.noise_sigma = _check_range(noise_sigma, "noise_sigma", 0.0, 255.0)
        self.jpeg_quality = tuple(int(q) for q in _check_range(jpeg_quality, "jpeg_quality", 1, 100))
        self.kernel_size = check_positive_int(kernel_size, "kernel_size")
        self.anisotropic_prob = _check_prob(anisotropic_prob, "anisotropic_prob")
        self.blur_prob = _check_prob(blur_prob, "blur_prob")
        self.noise_prob = _check_prob(noise_prob, "noise_prob")
        self.jpeg_prob = _check_prob(jpeg_prob, "jpeg_prob")
        self._global = torch.Generator().manual_seed(seed) if seed is not None else None

    def sample(self, generator: Optional[torch.Generator] = None) -> Degradation:
        """Draw one concrete degradation (its random steps use the same ``generator``)."""
        g = generator

        def u(lo: float, hi: float) -> float:
            return lo + (hi - lo) * float(torch.rand((), generator=g, dtype=torch.float64))

        steps: list[Step] = []
        if u(0, 1) < self.blur_prob:
            s1 = u(*self.blur_sigma)
            if u(0, 1) < self.anisotropic_prob:
                steps.append(Blur(self.kernel_size, s1, u(*self.blur_sigma), u(0, math.pi)))
            else:
                steps.append(Blur(self.kernel_size, s1))
        steps.append(BicubicDown(self.scale))
        if u(0, 1) < self.noise_prob:
            steps.append(Noise(round(u(*self.noise_sigma), 2)))
        if u(0, 1) < self.jpeg_prob:
            lo, hi = self.jpeg_quality
            steps.append(JPEG(int(torch.randint(lo, hi + 1, (), generator=g))))
        return Degradation(steps, seed=None, name="sampled", scale=self.scale)

    def __call__(self, hr: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        """Degrade ``hr``; a batch ``(N, C, H, W)`` gets one independent draw per image.

        ``generator`` (a per-item generator from a data loader) takes precedence over the
        object's own seeded stream.
        """
        check_image(hr, "hr")
        g = generator if generator is not None else self._global
        xb, was3 = as_batch(hr)
        outs = [self.sample(g)(img, g) for img in xb]
        out = torch.stack(outs)
        return out[0] if was3 else out

    def __repr__(self) -> str:
        return (f"{self.name}: blur p={self.blur_prob:g} σ∈{self.blur_sigma} (aniso p={self.anisotropic_prob:g}, "
                f"{self.kernel_size}x{self.kernel_size}) -> BicubicDown(x{self.scale}) -> "
                f"noise p={self.noise_prob:g} σ∈{self.noise_sigma}/255 -> jpeg p={self.jpeg_prob:g} "
                f"q∈{self.jpeg_quality}")
