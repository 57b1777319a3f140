"""Full-reference image quality metrics: MSE, PSNR, SSIM, MS-SSIM (survey §2.3).

The survey (Wang, Chen, Hoi, TPAMI 2020, §2.3 "Image Quality Assessment") lists PSNR and SSIM
as the metrics every SR paper reports, and notes that the numbers depend on *how* they are
computed. The community's de-facto protocol (the MATLAB scripts released with SRCNN, VDSR,
EDSR, RCAN, ...) is written down here once and used everywhere in srtutor:

* images are float tensors of shape ``(C, H, W)`` or ``(N, C, H, W)`` in ``[0, data_range]``:
  ``[0, 1]`` by default, ``data_range=255`` for 0–255 floats (every metric divides by
  ``data_range`` first, so both give the same numbers, with or without ``y_channel``);
* ``y_channel=True`` scores the luminance Y of BT.601 *studio range* YCbCr (MATLAB
  ``rgb2ycbcr``: ``Y = 16 + 65.481 R + 128.553 G + 24.966 B`` on the 255 scale, as
  :func:`srtutor.color.rgb_to_y`); a 1-channel image is scored on its grey values as is;
* ``crop_border=s`` removes ``s`` pixels at every border (the literature uses ``s = scale``);
* PSNR ``= 10 log10(L^2 / MSE)`` per image, then the mean over images;
* SSIM (Wang, Bovik, Sheikh, Simoncelli, IEEE TIP 2004) with an 11×11 Gaussian window
  (σ = 1.5), ``C1 = (0.01 L)^2``, ``C2 = (0.03 L)^2``, *valid* filtering (no padding: the map
  is ``(H - 10) × (W - 10)``), the mean of the map; colour images: per channel, then averaged
  over channels;
* MS-SSIM (Wang, Simoncelli, Bovik, Asilomar 2003): 5 scales with weights
  ``(0.0448, 0.2856, 0.3001, 0.2363, 0.1333)``.

Every metric is computed per image and then, with ``reduction="mean"``, averaged over the batch
(a 0-dim tensor); ``reduction="none"`` gives one value per image, shape ``(N,)`` (a 0-dim
tensor for a single ``(C, H, W)`` image). Results are ``float64`` tensors on the input's device.

**Precision** (``precision=``): ``"float64"`` is the reference; ``"float32"`` computes SSIM's
local statistics in float32 from the sum and difference of the images (see
:mod:`srtutor.metrics._ssim`), which keeps it within 2e-7 of the reference on the benchmark
images, and accumulates means in float64. ``"auto"`` (default) uses float64 for float64 tensors
on the CPU and float32 otherwise: for float32/half inputs and for every input on a GPU.
Everything stays differentiable; the gradient reaches ``sr`` in its own dtype.

**Value checks**: NaN/inf, values outside ``[0, data_range]`` and a ``data_range`` that does not
fit the values (``data_range=255`` on ``[0, 1]`` images would silently add 48 dB to PSNR) raise
``ValueError``. They read the tensors' extremes, so the host waits for the device; turn them off
per call (``check_range=False, check_finite=False``) or for a block of code with
``with metrics.value_checks(False):`` — the metrics then run without any host synchronisation.

**Speed**: separable filtering of four fused maps, in cache-sized blocks on the CPU, batched over
images of equal size; ``benchmarks/bench_metrics.py`` compares it with scikit-image, kornia,
pytorch_msssim and torchmetrics. On a machine shared by many busy processes, PyTorch's OpenMP
threads spin-wait and can make every op much slower: run with ``OMP_WAIT_POLICY=PASSIVE`` there.

Identical images have ``MSE = 0`` and therefore ``PSNR = inf`` (not an error; its gradient is
0, not NaN; averaging an ``inf`` with finite values gives ``inf``, so compare per-image values
with ``reduction="none"``; :class:`PSNRLoss` caps it at 100 dB).

Modules (:mod:`srtutor.metrics.modules`): stateful :class:`PSNR`, :class:`SSIM`,
:class:`MSSSIM` with ``update``/``compute``/``reset`` (torchmetrics' convention, DDP-safe sums)
and the losses :class:`PSNRLoss`, :class:`SSIMLoss`, :class:`MSSSIMLoss`.

Other libraries give other numbers for the same images, for documented reasons
(``tests/test_metrics_crosscheck.py`` checks each): torchmetrics' PSNR takes one MSE over the
whole batch (not the mean of per-image PSNR); kornia and torchmetrics pad SSIM ('same' size,
reflect) and average the whole map, where MATLAB and scikit-image use the valid part; BasicSR
reads images as BGR and pyiqa/BasicSR's ``rgb2ycbcr`` differ in rounding; a full-range
``Y = 0.299 R + 0.587 G + 0.114 B`` is not MATLAB's studio-range Y.
"""

from srtutor.metrics._common import PRECISIONS, value_checks
from srtutor.metrics.functional import (
    MS_SSIM_WEIGHTS,
    gaussian_window,
    gradient_ratio,
    ms_ssim,
    mse,
    psnr,
    ssim,
    ssim_map,
)
from srtutor.metrics.modules import MSSSIM, PSNR, SSIM, MSSSIMLoss, PSNRLoss, SSIMLoss

__all__ = [
    "MS_SSIM_WEIGHTS",
    "PRECISIONS",
    "value_checks",
    "gaussian_window",
    "mse",
    "psnr",
    "ssim",
    "ssim_map",
    "ms_ssim",
    "gradient_ratio",
    "PSNR",
    "SSIM",
    "MSSSIM",
    "PSNRLoss",
    "SSIMLoss",
    "MSSSIMLoss",
]
