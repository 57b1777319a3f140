"""Reading, writing and converting images: the only place where files and ``uint8`` live.

Inside srtutor an image is a ``torch.Tensor`` of shape ``(C, H, W)`` (or ``(N, C, H, W)``),
float in ``[0, 1]``. This module converts at the edges:

* files (PNG, BMP, JPEG, anything Pillow reads) → :func:`read_image` → ``(C, H, W)`` float;
  16-bit PNGs keep their 16 bits, palette images become RGB (or grey), and an image with a
  transparent alpha channel is refused unless you say what to do with the alpha;
* ``(C, H, W)`` float → :func:`write_image` → an 8-bit PNG (values rounded), written
  atomically (:func:`atomic_write`: a temporary file renamed into place, so a crash or a full
  disk never leaves a truncated file under the final name);
* numpy ``HWC``/``HW`` ``uint8``/``uint16`` ↔ tensors with :func:`to_tensor` / :func:`to_numpy`
  (a channel-first array where channel-last is expected is refused, not reinterpreted).

Rounding follows MATLAB's ``im2uint8`` (``floor(255 x + 0.5)``, i.e. round half up, after
clamping to ``[0, 1]``), which is what the SR evaluation scripts of the survey's era used
(survey §2.3): :func:`quantize` applies the same rounding but keeps a float tensor, so that a
result can be scored "as if it had been saved to a PNG".
"""

from __future__ import annotations

import hashlib
import struct
import warnings
import zlib
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
from PIL import Image

from srtutor._atomic import atomic_write, check_distinct_files, same_file
from srtutor._checks import check_hwc, check_image

Tensor = torch.Tensor
PathLike = Union[str, Path]

__all__ = ["read_image", "write_image", "to_tensor", "to_numpy", "quantize", "sha256_file", "atomic_write",
           "same_file", "check_distinct_files"]


def _round_half_up(x255: Tensor) -> Tensor:
    """``floor(x + 0.5)`` after clamping to ``[0, 255]`` (MATLAB ``uint8()`` rounding)."""
    return torch.floor(x255.clamp(0.0, 255.0) + 0.5)


def to_tensor(image: np.ndarray, *, dtype: torch.dtype = torch.float32) -> Tensor:
    """Convert a numpy image to a ``(C, H, W)`` float tensor in ``[0, 1]``.

    Args:
        image: ``HWC`` or ``HW`` array (channel-last), either ``uint8`` (divided by 255),
            ``uint16`` (divided by 65535), ``bool`` (0/1), or floating point already in
            ``[0, 1]``. A ``(C, H, W)`` array (``C`` in 1, 3, 4 and a last axis longer than 4)
            is refused: it would silently become a ``C``-pixel-high image.
        dtype: floating dtype of the result (``float32`` by default; ``float64`` for
            reference computations).

    Returns:
        ``(C, H, W)`` tensor (``C = 1`` for an ``HW`` array), values in ``[0, 1]``.

    Raises:
        TypeError: not a numpy array, or an unsupported dtype (e.g. ``int64``).
        ValueError: wrong number of dimensions, a channel-first array, or float values outside
            ``[0, 1]`` / NaN.
    """
    if isinstance(image, torch.Tensor):
        raise TypeError("image must be a numpy array (HWC or HW); it is already a torch.Tensor")
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array (HWC or HW), got {type(image).__name__}")
    if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
        raise TypeError(f"dtype must be a floating torch.dtype, got {dtype!r}")
    check_hwc(image, "image")
    if image.ndim == 2:
        image = image[:, :, None]
    elif image.ndim != 3:
        raise ValueError(f"image must have shape (H, W, C) or (H, W), got {image.ndim} dims {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0 or image.shape[2] == 0:
        raise ValueError(f"image is empty: shape {image.shape}")
    if not image.flags.writeable:  # e.g. np.asarray(PIL image); torch wants writable memory
        image = image.copy()
    if image.dtype == np.uint8:
        arr = torch.from_numpy(np.ascontiguousarray(image)).to(dtype) / 255.0
    elif image.dtype == np.uint16:
        arr = torch.from_numpy(np.ascontiguousarray(image).astype(np.int32)).to(dtype) / 65535.0
    elif image.dtype == np.bool_:
        arr = torch.from_numpy(np.ascontiguousarray(image)).to(dtype)
    elif np.issubdtype(image.dtype, np.floating):
        if not np.isfinite(image).all():
            raise ValueError("image contains NaN or inf values")
        lo, hi = float(image.min()), float(image.max())
        if lo < -1e-6 or hi > 1 + 1e-6:
            raise ValueError(
                f"a floating-point image must have values in [0, 1], got min {lo:.4g} and max {hi:.4g}; "
                f"pass uint8 arrays for 0..255 data"
            )
        arr = torch.from_numpy(np.ascontiguousarray(image)).to(dtype).clamp_(0.0, 1.0)
    else:
        raise TypeError(
            f"image must have dtype uint8, uint16, bool or float in [0, 1], got {image.dtype}; "
            f"scale other integer images to [0, 1] yourself (e.g. image / image_max)"
        )
    return arr.permute(2, 0, 1).contiguous()


def to_numpy(x: Tensor) -> np.ndarray:
    """Convert a ``(C, H, W)`` float tensor in ``[0, 1]`` to a numpy ``uint8`` image.

    Values are clamped to ``[0, 1]`` and rounded half up (``floor(255 x + 0.5)``, MATLAB's
    ``im2uint8``). Works for tensors on any device (the result is on the CPU).

    Args:
        x: ``(C, H, W)`` with ``C`` in {1, 3, 4}; float. Overshoots from resamplers or models
            are clamped; values outside ``[-0.5, 1.5]`` raise (most likely a 0..255 image).

    Returns:
        ``(H, W, C)`` ``uint8`` array, or ``(H, W)`` for a 1-channel image.
    """
    check_image(x, "x", channels=(1, 3, 4), tol=0.5)
    if x.ndim != 3:
        raise ValueError(f"x must have shape (C, H, W) (one image), got {tuple(x.shape)}; index the batch first")
    xc = x.detach().to("cpu")
    if xc.dtype not in (torch.float32, torch.float64):
        xc = xc.to(torch.float32)  # float16/bfloat16 -> float32 is exact
    a = xc.numpy()
    c, h, w = a.shape
    out = np.empty((h, w, c), np.uint8)
    step = max(1, (1 << 18) // max(1, w))  # rows per block: the float64 work stays in cache-sized pieces
    buf = np.empty((c, min(step, h), w), np.float64)
    for r0 in range(0, h, step):
        blk = a[:, r0:r0 + step]
        b = buf[:, :blk.shape[1]]
        np.multiply(blk, 255.0, out=b)  # exact in float64 for float32 input
        np.clip(b, 0.0, 255.0, out=b)
        b += 0.5
        np.floor(b, out=b)
        out[r0:r0 + step] = b.transpose(1, 2, 0)
    return out[:, :, 0].copy() if c == 1 else out


def quantize(x: Tensor) -> Tensor:
    """Round an image to the 8-bit grid ``{0, 1/255, ..., 1}``, keeping dtype, shape and device.

    Args:
        x: ``(C, H, W)`` or ``(N, C, H, W)`` float tensor (values are clamped to ``[0, 1]``).

    Returns:
        ``floor(clamp(x, 0, 1) * 255 + 0.5) / 255`` with the same dtype, shape and device.
        Gradients do not flow through the rounding (use it for evaluation, not in a loss).
    """
    check_image(x, "x", check_range=False)
    return _round_half_up(x.detach() * 255.0) / 255.0


# --------------------------------------------------------------------------- files
# atomic_write, same_file and check_distinct_files live in srtutor._atomic (no torch import, so
# that light modules such as srtutor.claims can use them) and are part of this module's API.


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> samples per pixel


def _png_ihdr(path: Path) -> Optional[tuple[int, int, int, int, int]]:
    """``(width, height, bit_depth, colour_type, interlace)`` of a PNG file, else ``None``."""
    with open(path, "rb") as fh:
        head = fh.read(33)
    if len(head) < 33 or head[:8] != _PNG_SIGNATURE or head[12:16] != b"IHDR":
        return None
    w, h, depth, ctype, _comp, _filt, interlace = struct.unpack(">IIBBBBB", head[16:29])
    return w, h, depth, ctype, interlace


def _unfilter(filtered: np.ndarray, ftype: np.ndarray, bpp: int) -> np.ndarray:
    """Undo the PNG row filters (None, Sub, Up, Average, Paeth) of ``(h, stride)`` bytes.

    Every byte depends on its left (``a``), upper (``b``) and upper-left (``c``) neighbours
    ``bpp`` bytes apart, so the pixels are reconstructed one anti-diagonal at a time
    (``h + w - 1`` vectorised steps instead of ``h · w`` scalar ones).
    """
    h, stride = filtered.shape
    w = stride // bpp
    f = filtered.reshape(h, w, bpp).astype(np.int32)
    out = np.zeros((h + 1, w + 1, bpp), np.int32)  # padded: row 0 and column 0 are zeros
    ft = ftype.astype(np.int32)
    for d in range(h + w - 1):
        y = np.arange(max(0, d - w + 1), min(d, h - 1) + 1)
        x = d - y
        a, b, c = out[y + 1, x], out[y, x + 1], out[y, x]
        t = ft[y][:, None]
        pa, pb, pc = np.abs(b - c), np.abs(a - c), np.abs(a + b - 2 * c)
        paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        pred = np.select([t == 1, t == 2, t == 3, t == 4], [a, b, (a + b) // 2, paeth], 0)
        out[y + 1, x + 1] = (f[y, x] + pred) & 0xFF
    return out[1:, 1:].astype(np.uint8).reshape(h, stride)


def _read_png16(path: Path) -> np.ndarray:
    """Decode a non-interlaced 16-bit PNG exactly: ``(H, W, C)`` ``uint16`` (C = 1, 2, 3, 4).

    Pillow keeps only the high byte of 16-bit RGB/RGBA/LA PNGs (it has no 48-bit mode), so
    those are decoded here from the PNG chunks (zlib + the five row filters).
    """
    data = path.read_bytes()
    pos, idat, ihdr = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", chunk[:13])
        elif kind == b"IDAT":
            idat.append(chunk)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if ihdr is None or not idat:
        raise ValueError("truncated PNG (no IHDR or IDAT chunk)")
    w, h, depth, ctype, _comp, _filt, interlace = ihdr
    if depth != 16 or ctype not in _PNG_CHANNELS:
        raise ValueError(f"not a 16-bit PNG (bit depth {depth}, colour type {ctype})")
    if interlace:
        raise ValueError("interlaced (Adam7) 16-bit PNGs are not supported: re-save the image without interlacing")
    channels = _PNG_CHANNELS[ctype]
    bpp = 2 * channels
    try:
        raw = zlib.decompressobj().decompress(b"".join(idat), h * (w * bpp + 1))
    except zlib.error as exc:
        raise ValueError(f"corrupt PNG data: {exc}") from exc
    if len(raw) < h * (w * bpp + 1):
        raise ValueError(f"truncated PNG: {len(raw)} of {h * (w * bpp + 1)} bytes of image data")
    rows = np.frombuffer(raw, np.uint8, count=h * (w * bpp + 1)).reshape(h, w * bpp + 1)
    if int(rows[:, 0].max()) > 4:
        raise ValueError(f"corrupt PNG: unknown row filter {int(rows[:, 0].max())}")
    pixels = _unfilter(rows[:, 1:], rows[:, 0], bpp)
    return pixels.view(">u2").reshape(h, w, channels).astype(np.uint16)


ALPHA_MODES = ("error", "drop", "keep")


def _handle_alpha(arr: np.ndarray, alpha: str, name: str, amax: int) -> np.ndarray:
    """``arr`` is ``(H, W, 2)`` (LA) or ``(H, W, 4)`` (RGBA); apply the ``alpha`` policy."""
    a = arr[:, :, -1]
    if alpha == "keep":
        return arr
    if alpha == "error" and int(a.min()) < amax:
        raise ValueError(
            f"path: {name} has a transparent alpha channel ({int((a < amax).sum())} pixels not opaque); "
            f"pass alpha='drop' to ignore the transparency or alpha='keep' to get a 4-channel (RGBA) / "
            f"2-channel tensor, or remove the alpha channel from the file"
        )
    return arr[:, :, :-1]


def read_image(path: PathLike, *, dtype: torch.dtype = torch.float32, alpha: str = "error",
               max_pixels: Optional[int] = -1) -> Tensor:
    """Read an image file into a ``(C, H, W)`` float tensor in ``[0, 1]``.

    What each kind of file gives (never a silent approximation):

    * greyscale (``'L'``, 1-bit) → 1 channel, so that it is scored on its grey values (Set14's
      ``bridge.png``); RGB → 3 channels;
    * 16-bit PNG, grey or colour → the 16-bit values ``/ 65535`` (Pillow alone would keep
      only 8 of the 16 bits of a colour PNG, or clip a grey one when converting to RGB);
    * palette (``'P'``) → RGB, or 1 channel when the palette is grey (lossless);
    * an alpha channel (``'RGBA'``, ``'LA'``, a palette with transparency): an opaque alpha
      is dropped; a transparent one is refused unless ``alpha='drop'`` (keep the colour,
      ignore the transparency) or ``alpha='keep'`` (return ``C = 4`` or ``2``);
    * CMYK → RGB with a :class:`UserWarning` (Pillow's conversion, no colour profile);
    * 32-bit integer or float files → refused unless a float file already lies in ``[0, 1]``.

    Args:
        path: file path (PNG, BMP, JPEG, TIFF … anything Pillow reads).
        dtype: floating dtype of the result.
        alpha: ``"error"`` (default), ``"drop"`` or ``"keep"`` (see above).
        max_pixels: refuse images with more pixels (decompression bombs); ``-1`` (default)
            uses Pillow's limit ``PIL.Image.MAX_IMAGE_PIXELS`` (about 89 million), ``None``
            disables the check.

    Returns:
        ``(C, H, W)`` tensor with ``C`` 1 or 3 (4 or 2 with ``alpha="keep"``).

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: undecodable or truncated file, too many pixels, a transparent alpha
            channel with ``alpha="error"``, an unsupported mode.
    """
    if alpha not in ALPHA_MODES:
        raise ValueError(f"alpha must be one of {ALPHA_MODES}, got {alpha!r}")
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"path: no such image file: {p}")
    limit = Image.MAX_IMAGE_PIXELS if max_pixels == -1 else max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the size is checked below
            with Image.open(p) as im:
                if limit is not None and im.width * im.height > limit:
                    raise ValueError(
                        f"path: {p.name} has {im.width}x{im.height} = {im.width * im.height:,} pixels, more than "
                        f"max_pixels={limit:,} (a guard against decompression bombs); if you trust the file, "
                        f"pass max_pixels=None or a larger limit"
                    )
                arr = _decode(im, p)
    except Image.DecompressionBombError as exc:
        raise ValueError(f"path: {p.name}: {exc}") from exc
    except (OSError, SyntaxError, EOFError, zlib.error, struct.error) as exc:
        # Pillow raises UnidentifiedImageError (an OSError) and OSError for truncated files
        raise ValueError(f"path: cannot decode {p} as an image: {exc}") from exc
    if arr.ndim == 3 and arr.shape[2] in (2, 4):
        arr = _handle_alpha(arr, alpha, p.name, 65535 if arr.dtype == np.uint16 else 255)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    return to_tensor(arr, dtype=dtype)


def _decode(im: Image.Image, p: Path) -> np.ndarray:
    """Pixels of an open Pillow image as ``uint8``/``uint16``/``float32`` ``(H, W[, C])``."""
    mode = im.mode
    if im.format == "PNG":
        ihdr = _png_ihdr(p)
        if ihdr is not None and ihdr[2] == 16 and ihdr[3] in (2, 4, 6):  # 16-bit RGB / LA / RGBA
            return _read_png16(p)
    im.load()
    if mode in ("L", "RGB"):
        return np.array(im, dtype=np.uint8)
    if mode == "1":
        return np.array(im.convert("L"), dtype=np.uint8)
    if mode.startswith("I;16"):
        return np.array(im, dtype=np.uint16)
    if mode in ("LA", "RGBA"):
        return np.array(im, dtype=np.uint8)
    if mode in ("La", "RGBa"):  # premultiplied alpha
        return np.array(im.convert(mode.upper()), dtype=np.uint8)
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in im.info
        rgb = np.array(im.convert("RGBA" if has_alpha else "RGB"), dtype=np.uint8)
        if (rgb[:, :, 0] == rgb[:, :, 1]).all() and (rgb[:, :, 1] == rgb[:, :, 2]).all():
            return rgb[:, :, [0, 3]] if has_alpha else rgb[:, :, 0]  # a grey palette: one channel
        return rgb
    if mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        if mode != "YCbCr":
            warnings.warn(f"read_image: {p.name} has mode {mode!r}; converted to RGB by Pillow (no colour profile)",
                          UserWarning, stacklevel=3)
        return np.array(im.convert("RGB"), dtype=np.uint8)
    if mode == "F":
        arr = np.array(im, dtype=np.float32)
        if not np.isfinite(arr).all() or float(arr.min()) < 0 or float(arr.max()) > 1:
            raise ValueError(f"path: {p.name} is a floating-point image with values outside [0, 1] (or NaN); "
                             f"rescale it to [0, 1] or save it as an 8/16-bit PNG")
        return arr
    raise ValueError(f"path: {p.name} has Pillow mode {mode!r} (e.g. 32-bit integers), whose value range is "
                     f"unknown; save it as an 8- or 16-bit PNG")


def write_image(path: PathLike, x: Tensor) -> Path:
    """Write a ``(C, H, W)`` float image in ``[0, 1]`` as an 8-bit PNG (values rounded), atomically.

    The PNG is encoded in memory first, then written through :func:`atomic_write`: a failure
    (full disk, interruption) leaves any previous file at ``path`` untouched and no partial file.

    Args:
        path: destination; parent folders are created. The file is always PNG-encoded
            (lossless), whatever the suffix; use a ``.png`` name.
        x: ``(C, H, W)`` tensor with 1 (greyscale), 3 (RGB) or 4 (RGBA) channels.

    Returns:
        The path written, as a :class:`pathlib.Path`.
    """
    arr = to_numpy(x)
    p = Path(path)
    with atomic_write(p) as fh:
        Image.fromarray(arr).save(fh, format="PNG")
    return p


def sha256_file(path: Union[str, Path]) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks (verifies downloads and shipped weights)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
