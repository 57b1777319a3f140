"""Datasets for super-resolution (survey §2.2): embedded images, benchmarks, training pairs.

Three sources of images, from always-there to bring-your-own:

* **Embedded**: :data:`EMBEDDED` names scikit-image's bundled images
  (:func:`embedded_image`), which ship inside the installed package — the book runs with no
  download at all.
* **Benchmarks** (Set5, Set14, B100, Urban100, Manga109; survey Table 1): HR PNGs read from
  ``root/<name>/HR/*.png`` by :func:`load_benchmark`. ``root`` defaults to
  :func:`default_root` (``$SRTUTOR_DATA``, else a user cache dir). Every set, and T91, is
  pinned in the table shipped with the package (``srtutor/data_manifest.tsv``: a public
  GitHub repository at a commit, a path and a sha256 per file); :func:`download_set`
  (``python -m srtutor data download``) fetches them with pooch, and :func:`load_benchmark`
  refuses a folder that is not the pinned set (a missing or swapped file), unless
  ``verify=False``.
* **Training**: :func:`load_training_images` (T91 from ``$SRTUTOR_TRAIN_DATA``, a
  ``shared/data/train/T91`` folder beside the checkout, or the downloaded
  ``<default_root>/T91/HR``; else embedded images), turned into LR/HR pairs by
  :func:`make_pair` and random patches by :class:`PairedPatchDataset`.

Sources (repository @ commit, folder; sha256 per file in the manifest):

=========  ======  =====================================================================
set        images  source
=========  ======  =====================================================================
Set5       5       majedelhelou/denoising_datasets @ 58234876, ``CSet5/``
Set14      14      majedelhelou/denoising_datasets @ 58234876, ``CSet14/``
B100       100     jbhuang0604/SelfExSR @ 8f6dd8c1, ``data/BSD100/image_SRF_3/*_HR.png``
Urban100   100     majedelhelou/denoising_datasets @ 58234876, ``CUrban100/`` (pixel-identical
                   to SelfExSR's ``data/Urban100/image_SRF_4/*_HR.png``; 984x797 on average,
                   as the survey's Table 1)
Manga109   109     majedelhelou/denoising_datasets @ 58234876, ``CManga109/`` (826x1169 on
                   average, as Table 1; academic research use only)
T91        91      tegg89/SRCNN-Tensorflow @ 78be1a24, ``Train/*.bmp`` (converted to PNG
                   losslessly; the decoded pixels are verified)
=========  ======  =====================================================================

:data:`SURVEY_DATASETS` reproduces the survey's Table 1 for chapter 3.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable, Iterable, Mapping, Optional, Sequence, Union

import numpy as np
import torch

from srtutor._checks import check_image, check_positive_int
from srtutor._download import ChecksumError, DownloadError
from srtutor.io import read_image, sha256_file, to_tensor

Tensor = torch.Tensor
PathLike = Union[str, Path]

__all__ = [
    "EMBEDDED", "embedded_image", "embedded_images", "SURVEY_DATASETS", "BENCHMARKS",
    "DOWNLOADABLE", "default_root", "benchmark_name", "benchmark_available", "load_benchmark", "benchmark_files",
    "download_set", "download_benchmark", "verify_set", "set_folder", "data_status", "manifest", "ChecksumError",
    "DownloadError", "BenchmarkError", "DEFAULT_BASE_URL", "TERMS", "load_training_images", "make_pair", "augment",
    "random_patch_pair", "PairedPatchDataset",
]

# --------------------------------------------------------------------------- embedded images
#: scikit-image images that load offline (no ``pooch``) in scikit-image 0.26; RGB or greyscale.
EMBEDDED: tuple[str, ...] = (
    "astronaut", "camera", "coffee", "chelsea", "rocket", "coins", "moon", "page", "text",
    "brick", "grass", "gravel", "colorwheel", "hubble_deep_field", "immunohistochemistry",
    "retina", "stereo_motorcycle", "clock", "cell",
)
#: the RGB subset used as a training fallback (one channel count; ``retina`` left out: mostly black).
EMBEDDED_RGB: tuple[str, ...] = (
    "astronaut", "coffee", "chelsea", "rocket", "colorwheel", "hubble_deep_field",
    "immunohistochemistry", "stereo_motorcycle",
)


def embedded_image(name: str, *, dtype: torch.dtype = torch.float32) -> Tensor:
    """One of scikit-image's bundled images as a ``(C, H, W)`` tensor in ``[0, 1]``.

    Args:
        name: one of :data:`EMBEDDED` (``stereo_motorcycle`` gives the left view).
        dtype: floating dtype of the result.

    Returns:
        ``(3, H, W)`` for colour images, ``(1, H, W)`` for greyscale ones.
    """
    if name not in EMBEDDED:
        raise ValueError(f"name must be one of {EMBEDDED}, got {name!r}")
    import skimage.data

    img = getattr(skimage.data, name)()
    if isinstance(img, tuple):  # stereo_motorcycle -> (left, right, disparity)
        img = img[0]
    return to_tensor(np.asarray(img), dtype=dtype)


def embedded_images(names: Optional[Iterable[str]] = None, *, dtype: torch.dtype = torch.float32) -> dict[str, Tensor]:
    """Several embedded images, ``{name: (C, H, W)}`` in the order given (all of :data:`EMBEDDED` by default)."""
    names = EMBEDDED if names is None else list(names)
    return {n: embedded_image(n, dtype=dtype) for n in names}


# --------------------------------------------------------------------------- survey Table 1
#: The survey's Table 1, "List of public image datasets for super-resolution benchmarks"
#: (Wang, Chen, Hoi, *Deep Learning for Image Super-resolution: A Survey*, TPAMI 2020, §2.2),
#: typed from the paper: number of images, average resolution (width, height), average number
#: of pixels per image, file format and category keywords.
SURVEY_DATASETS: list[dict] = [
    {"name": "BSDS300", "images": 300, "avg_resolution": (435, 367), "avg_pixels": 154_401, "format": "JPG",
     "keywords": "animal, building, food, landscape, people, plant, etc."},
    {"name": "BSDS500", "images": 500, "avg_resolution": (432, 370), "avg_pixels": 154_401, "format": "JPG",
     "keywords": "animal, building, food, landscape, people, plant, etc."},
    {"name": "DIV2K", "images": 1000, "avg_resolution": (1972, 1437), "avg_pixels": 2_793_250, "format": "PNG",
     "keywords": "environment, flora, fauna, handmade object, people, scenery, etc."},
    {"name": "General-100", "images": 100, "avg_resolution": (435, 381), "avg_pixels": 181_108, "format": "BMP",
     "keywords": "animal, daily necessity, food, people, plant, texture, etc."},
    {"name": "L20", "images": 20, "avg_resolution": (3843, 2870), "avg_pixels": 11_577_492, "format": "PNG",
     "keywords": "animal, building, landscape, people, plant, etc."},
    {"name": "Manga109", "images": 109, "avg_resolution": (826, 1169), "avg_pixels": 966_011, "format": "PNG",
     "keywords": "manga volume"},
    {"name": "OutdoorScene", "images": 10624, "avg_resolution": (553, 440), "avg_pixels": 249_593, "format": "PNG",
     "keywords": "animal, building, grass, mountain, plant, sky, water"},
    {"name": "PIRM", "images": 200, "avg_resolution": (617, 482), "avg_pixels": 292_021, "format": "PNG",
     "keywords": "environments, flora, natural scenery, objects, people, etc."},
    {"name": "Set5", "images": 5, "avg_resolution": (313, 336), "avg_pixels": 113_491, "format": "PNG",
     "keywords": "baby, bird, butterfly, head, woman"},
    {"name": "Set14", "images": 14, "avg_resolution": (492, 446), "avg_pixels": 230_203, "format": "PNG",
     "keywords": "humans, animals, insects, flowers, vegetables, comic, slides, etc."},
    {"name": "T91", "images": 91, "avg_resolution": (264, 204), "avg_pixels": 58_853, "format": "PNG",
     "keywords": "car, flower, fruit, human face, etc."},
    {"name": "Urban100", "images": 100, "avg_resolution": (984, 797), "avg_pixels": 774_314, "format": "PNG",
     "keywords": "architecture, city, structure, urban, etc."},
]

# --------------------------------------------------------------------------- benchmarks
BENCHMARKS: tuple[str, ...] = ("Set5", "Set14", "B100", "Urban100", "Manga109")
#: every set :func:`download_set` can fetch: the benchmarks and the T91 training set.
DOWNLOADABLE: tuple[str, ...] = (*BENCHMARKS, "T91")
_ALIASES = {"bsd100": "B100", "bsds100": "B100", **{b.lower(): b for b in DOWNLOADABLE}}
_FOLDER_ALIASES = {"B100": ("B100", "BSD100", "BSDS100")}
#: where pinned raw files are fetched from; override with ``base_url=`` or ``$SRTUTOR_DATA_URL``.
DEFAULT_BASE_URL = "https://raw.githubusercontent.com"
_MANIFEST_PATH = Path(__file__).with_name("data_manifest.tsv")
#: what a user should know before downloading a set (shown by ``srtutor data list``).
TERMS: dict[str, str] = {
    "Manga109": "academic research use only (terms of the Manga109 project, manga109.org); the images are "
                "copyrighted by their artists",
}


class BenchmarkError(ValueError):
    """A benchmark folder is not the pinned set: files missing, or different from the pinned ones."""


def default_root() -> Path:
    """Where benchmark folders live by default: ``$SRTUTOR_DATA``, else a user cache dir.

    The cache dir is ``$XDG_CACHE_HOME/srtutor`` or ``~/.cache/srtutor`` (created on download,
    not here).
    """
    env = os.environ.get("SRTUTOR_DATA")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME")
    base = Path(cache).expanduser() if cache else Path.home() / ".cache"
    return base / "srtutor"


def benchmark_name(name: str, *, training: bool = False) -> str:
    """Canonical benchmark name (``"bsd100"`` → ``"B100"``); ``ValueError`` for unknown names.

    ``training=True`` also accepts the training set ``"T91"`` (every name of :data:`DOWNLOADABLE`).
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    canon = _ALIASES.get(name.lower())
    if canon is None or (not training and canon not in BENCHMARKS):
        known = BENCHMARKS if not training else DOWNLOADABLE
        raise ValueError(
            f"unknown benchmark {name!r}; expected one of {', '.join(known)} (aliases: BSD100, BSDS100)"
        )
    return canon


def _root(root: Optional[PathLike]) -> Path:
    return Path(root).expanduser() if root is not None else default_root()


def set_folder(name: str, root: Optional[PathLike] = None) -> Path:
    """The folder holding set ``name``'s images: ``root/<name>/HR`` (for B100 also an existing
    ``BSD100``/``BSDS100`` folder). It need not exist."""
    canon = benchmark_name(name, training=True)
    base = _root(root)
    for folder in _FOLDER_ALIASES.get(canon, (canon,)):
        d = base / folder / "HR"
        if d.is_dir():
            return d
    return base / canon / "HR"


def manifest(name: Optional[str] = None) -> list[dict[str, str]]:
    """Rows of the pinned table shipped in the package (``srtutor/data_manifest.tsv``).

    Each row has ``set, file, width, height, mode, sha256, source_repo, source_commit,
    source_path, source_sha256, pixels_sha256``. The raw file is
    ``<base>/<source_repo>/<source_commit>/<source_path>`` with digest ``source_sha256``;
    the stored file (named like ``file``) has ``sha256``; both equal unless the source is
    converted (T91: BMP → PNG, lossless). ``pixels_sha256`` hashes the decoded pixels
    (``"<mode> <width> <height>\\n"`` then the ``uint8`` bytes), so that a losslessly
    re-encoded copy is recognised too.
    """
    with open(_MANIFEST_PATH, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return rows if name is None else [r for r in rows if r["set"] == benchmark_name(name, training=True)]


def _pixels_sha256(path: Path) -> str:
    from PIL import Image

    with Image.open(path) as im:
        im.load()
        arr = np.ascontiguousarray(np.array(im))
        head = f"{im.mode} {im.width} {im.height}\n".encode()
    return hashlib.sha256(head + arr.tobytes()).hexdigest()


def _file_ok(path: Path, row: Mapping[str, str]) -> bool:
    """``path`` is the pinned file: same sha256, or the same pixels (a lossless re-encode)."""
    if sha256_file(path) == row["sha256"]:
        return True
    try:
        return _pixels_sha256(path) == row["pixels_sha256"]
    except (OSError, ValueError, SyntaxError):
        return False


def verify_set(name: str, root: Optional[PathLike] = None) -> dict:
    """Compare a set's folder with the pinned manifest (count and sha256 of every file).

    Returns:
        A dict with the keys ``set``, ``folder``, ``expected``, ``ok``, and the lists of file
        names ``missing``, ``mismatched`` and ``extra``; ``ok`` is true when nothing is missing or
        mismatched (extra image files are listed, not counted against the set).
    """
    canon = benchmark_name(name, training=True)
    folder = set_folder(canon, root)
    rows = manifest(canon)
    missing, bad = [], []
    for row in rows:
        path = folder / Path(row["file"]).name
        if not path.is_file():
            missing.append(path.name)
        elif not _file_ok(path, row):
            bad.append(path.name)
    names = {Path(r["file"]).name for r in rows}
    extra = sorted(p.name for p in folder.glob("*") if p.suffix.lower() in _IMAGE_SUFFIXES
                   and p.name not in names) if folder.is_dir() else []
    return {"set": canon, "folder": str(folder), "expected": len(rows), "ok": not missing and not bad,
            "missing": missing, "mismatched": bad, "extra": extra}


def benchmark_available(name: str, root: Optional[PathLike] = None) -> bool:
    """Whether ``root`` holds the complete pinned set ``name`` (:func:`verify_set`)."""
    return verify_set(name, root)["ok"]


def _names(items: Sequence[str], n: int = 4) -> str:
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")


def download_set(name: str, root: Optional[PathLike] = None, *, base_url: Optional[str] = None,
             timeout: float = 30.0, deadline: Optional[float] = 1800.0, progress: bool = False) -> Path:
    """Download a pinned set into ``root/<name>/HR/`` and verify every file's sha256.

    Files already present and verified are kept; the others are fetched with
    :func:`pooch.retrieve` (through :func:`srtutor._download.fetch`): each to a temporary
    name, checked against its pinned sha256, then moved into place — a failed, truncated or
    interrupted download never leaves a corrupt image under an image name. T91 is fetched as
    the BMPs of its source and converted losslessly to PNG (the pixels are verified).

    Args:
        name: ``Set5``, ``Set14``, ``B100``, ``Urban100``, ``Manga109`` or ``T91``.
        root: destination root (default :func:`default_root`).
        base_url: server prefix (default ``$SRTUTOR_DATA_URL`` or
            ``https://raw.githubusercontent.com``); the tests point it at a local server.
        timeout: seconds for each connection and each wait for data.
        deadline: seconds for the whole set (a slow server is abandoned); ``None``: no limit.
        progress: a tqdm bar over the set's files (bytes received as postfix).

    Returns:
        The set's folder.

    Raises:
        ChecksumError: a file does not have its pinned sha256 (it is discarded).
        DownloadError: offline/unreachable server, HTTP error, truncated body, deadline.
    """
    from srtutor._download import fetch
    from srtutor.io import atomic_write

    canon = benchmark_name(name, training=True)
    rows = manifest(canon)
    base = (base_url or os.environ.get("SRTUTOR_DATA_URL") or DEFAULT_BASE_URL).rstrip("/")
    dest = set_folder(canon, root)
    dest.mkdir(parents=True, exist_ok=True)
    stop = None if deadline is None else time.monotonic() + float(deadline)
    todo = [r for r in rows if not ((dest / Path(r["file"]).name).is_file() and _file_ok(dest / Path(r["file"]).name, r))]
    bar = None
    if progress and todo:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc=f"{canon}", unit="file", file=sys.stderr)
    received = [0]

    def on_bytes(n: int) -> None:
        received[0] += n
        if bar is not None:
            bar.set_postfix_str(f"{received[0] / 1e6:.1f} MB", refresh=False)

    try:
        for row in todo:
            target = dest / Path(row["file"]).name
            url = f"{base}/{row['source_repo']}/{row['source_commit']}/{row['source_path']}"
            deadline_left = stop if stop is not None else time.monotonic() + 10 * timeout
            if Path(row["source_path"]).suffix.lower() == target.suffix.lower():
                fetch(url, row["source_sha256"], target, timeout=timeout, deadline=deadline_left, on_bytes=on_bytes)
            else:  # a lossless conversion (T91's BMPs -> PNG)
                from PIL import Image

                with tempfile.TemporaryDirectory(prefix=".download-", dir=dest) as tmp:
                    src = fetch(url, row["source_sha256"], Path(tmp) / Path(row["source_path"]).name,
                                timeout=timeout, deadline=deadline_left, on_bytes=on_bytes)
                    with Image.open(src) as im, atomic_write(target) as fh:
                        im.save(fh, format="PNG", optimize=True)
                if not _file_ok(target, row):
                    target.unlink(missing_ok=True)
                    raise ChecksumError(f"{target.name}: converting {url} gave other pixels than the pinned ones")
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return dest


def download_benchmark(name: str, root: Optional[PathLike] = None, *, base_url: Optional[str] = None,
                       timeout: float = 60.0, progress: bool = False) -> Path:
    """:func:`download_set` (kept for existing callers)."""
    return download_set(name, root, base_url=base_url, timeout=timeout, progress=progress)


def benchmark_files(name: str, root: Optional[PathLike] = None, *, download: bool = False, verify: bool = True,
                    base_url: Optional[str] = None, progress: bool = False) -> dict[str, Path]:
    """``{stem: path}`` of a benchmark's HR files, ordered by file name, checked as :func:`load_benchmark`
    describes (same arguments, same errors) but not decoded: for pipelines that decode while they
    compute (:mod:`srtutor.evaluate`)."""
    canon = benchmark_name(name, training=False)
    base = _root(root)
    folder = set_folder(canon, base)
    if not verify:
        files = sorted(folder.glob("*.png"), key=lambda p: p.name) if folder.is_dir() else []
        if not files:
            raise FileNotFoundError(f"benchmark {canon} not found: no PNG files in {folder}. To fix: pass "
                                    f"root=<folder containing {canon}/HR> or set $SRTUTOR_DATA to such a folder.")
        return {p.stem: p for p in files}
    report = verify_set(canon, base)
    if not report["ok"] and download:
        folder = download_set(canon, base, base_url=base_url, progress=progress)
        report = verify_set(canon, base)
    if not report["ok"]:
        fixes = (f"pass root=<folder containing {canon}/HR>, set $SRTUTOR_DATA to such a folder, or use "
                 f"download=True (CLI: --download) to fetch the pinned copy")
        if len(report["missing"]) == report["expected"] and report["extra"]:
            raise BenchmarkError(f"{folder} holds {len(report['extra'])} image files ({_names(report['extra'])}) but "
                                 f"none of the {report['expected']} files of {canon}; it would not be scored as "
                                 f"{canon}. To fix: use verify=False (CLI: --no-verify) to score these images as "
                                 f"they are, or download=True (CLI: --download) to fetch the pinned set.")
        if len(report["missing"]) == report["expected"]:
            raise FileNotFoundError(f"benchmark {canon} not found: none of its {report['expected']} files in "
                                    f"{folder}. To fix: {fixes}.")
        parts = []
        if report["missing"]:
            parts.append(f"{len(report['missing'])} of {report['expected']} files missing ({_names(report['missing'])})")
        if report["mismatched"]:
            parts.append(f"{len(report['mismatched'])} differ from the pinned copy ({_names(report['mismatched'])})")
        raise BenchmarkError(f"{folder} is not the complete {canon}: {' and '.join(parts)}; it would not be scored "
                             f"as {canon}. To fix: use download=True (CLI: --download) to fetch the pinned files, or "
                             f"verify=False (CLI: --no-verify) to score the folder as it is.")
    if report["extra"]:
        warnings.warn(f"{folder} holds {len(report['extra'])} image files that are not part of {canon} "
                      f"({_names(report['extra'])}); they are ignored", UserWarning, stacklevel=2)
    rows = sorted(manifest(canon), key=lambda r: Path(r["file"]).name)
    return {Path(r["file"]).stem: folder / Path(r["file"]).name for r in rows}




def load_benchmark(name: str, root: Optional[PathLike] = None, *, download: bool = False, verify: bool = True,
                   base_url: Optional[str] = None, dtype: torch.dtype = torch.float32,
                   progress: bool = False) -> dict[str, Tensor]:
    """Load a benchmark's HR images: ``{stem: (C, H, W)}`` ordered by file name.

    With ``verify=True`` (default) the folder must hold the pinned set: every file of the
    manifest, each with its sha256 (or its pixels, for a lossless re-encode) — an incomplete
    folder (say, after a failed download) or a swapped image is never scored as the set.
    Extra image files are ignored with a warning. ``verify=False`` loads whatever ``*.png``
    files the folder holds (your own images, a modified set): the caller should report their
    number and names, as ``srtutor evaluate --no-verify`` does.

    Greyscale files stay 1-channel (Set14's ``bridge``). HR images are *not* modcropped here:
    evaluation code crops them to the scale at hand (:func:`srtutor.resize.modcrop`).

    Args:
        name: ``Set5``, ``Set14``, ``B100`` (aliases ``BSD100``, ``BSDS100``), ``Urban100``,
            ``Manga109`` (case-insensitive).
        root: folder holding ``<name>/HR/``; default :func:`default_root` (``$SRTUTOR_DATA``,
            else ``~/.cache/srtutor``).
        download: when files are missing or wrong, download the pinned ones (:func:`download_set`).
        verify: check the folder against the manifest (see above).
        base_url: download server prefix (tests use a local server).
        dtype: floating dtype of the tensors.
        progress: progress bar while downloading.

    Raises:
        ValueError: unknown name.
        FileNotFoundError: folder missing and ``download=False``; the message says where it
            looked and what to do.
        BenchmarkError: (``verify=True``) files missing or different from the pinned ones.
    """
    files = benchmark_files(name, root, download=download, verify=verify, base_url=base_url, progress=progress)
    return {stem: read_image(path, dtype=dtype) for stem, path in files.items()}


def data_status(root: Optional[PathLike] = None, *, check: bool = True) -> list[dict]:
    """One row per downloadable set: name, number of images, size on disk once fetched, source
    (``repo@commit``), terms of use, and — with ``check`` — whether ``root`` holds it verified.

    For T91 ``root`` is the data root too (``root/T91/HR``).
    """
    out = []
    for name in DOWNLOADABLE:
        rows = manifest(name)
        srcs = sorted({f"{r['source_repo']}@{r['source_commit'][:8]}" for r in rows})
        entry = {"set": name, "images": len(rows), "source": ", ".join(srcs), "terms": TERMS.get(name, ""),
                 "folder": str(set_folder(name, root))}
        if check:
            rep = verify_set(name, root)
            n_ok = rep["expected"] - len(rep["missing"]) - len(rep["mismatched"])
            entry["status"] = ("verified" if rep["ok"] else "missing" if n_ok == 0 and not rep["mismatched"]
                               else f"incomplete ({n_ok}/{rep['expected']} verified)")
        out.append(entry)
    return out


# --------------------------------------------------------------------------- training images
def _default_train_dir() -> Optional[Path]:
    env = os.environ.get("SRTUTOR_TRAIN_DATA")
    if env:
        p = Path(env).expanduser()
        if p.is_dir():
            return p
        warnings.warn(f"$SRTUTOR_TRAIN_DATA={env} is not a folder; ignoring it", UserWarning, stacklevel=3)
    beside = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "train" / "T91"
    if beside.is_dir():
        return beside
    fetched = set_folder("T91")  # `srtutor data download T91` puts it here
    return fetched if fetched.is_dir() and any(fetched.glob("*.png")) else None


_IMAGE_SUFFIXES = (".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff")


def load_training_images(root: Optional[PathLike] = None, *, fallback_embedded: bool = True,
                         dtype: torch.dtype = torch.float32) -> dict[str, Tensor]:
    """Training HR images, ``{stem: (C, H, W)}`` sorted by file name.

    Looks in ``root`` if given (it must exist), else ``$SRTUTOR_TRAIN_DATA``, else
    ``shared/data/train/T91`` beside the checkout (the 91 images of Yang et al. used by
    SRCNN). With none of these, returns the RGB embedded images (:data:`EMBEDDED_RGB`) with a
    warning, or raises ``FileNotFoundError`` when ``fallback_embedded=False``.
    """
    if root is not None:
        d = Path(root).expanduser()
        if not d.is_dir():
            raise FileNotFoundError(f"root: training image folder {d} does not exist")
    else:
        d = _default_train_dir()
    if d is not None:
        files = sorted((p for p in d.iterdir() if p.suffix.lower() in _IMAGE_SUFFIXES), key=lambda p: p.name)
        if files:
            return {p.stem: read_image(p, dtype=dtype) for p in files}
        if root is not None:
            raise FileNotFoundError(f"root: no image files ({', '.join(_IMAGE_SUFFIXES)}) in {d}")
    if not fallback_embedded:
        raise FileNotFoundError(
            "no training images found: pass root=<folder>, set $SRTUTOR_TRAIN_DATA, or put T91 in "
            "shared/data/train/T91 beside the checkout (or allow fallback_embedded=True)"
        )
    warnings.warn("no training image folder found ($SRTUTOR_TRAIN_DATA unset); using scikit-image's "
                  "embedded RGB images instead", UserWarning, stacklevel=2)
    return embedded_images(EMBEDDED_RGB, dtype=dtype)


# --------------------------------------------------------------------------- pairs and patches
def make_pair(hr: Tensor, scale: int, degradation: Optional[Callable[[Tensor], Tensor]] = None
              ) -> tuple[Tensor, Tensor]:
    """Make an (LR, HR) training/test pair: modcrop HR to a multiple of ``scale``, then degrade.

    Args:
        hr: ``(C, H, W)`` or ``(N, C, H, W)`` in ``[0, 1]``.
        scale: integer factor ``s``.
        degradation: any callable ``hr -> lr`` (e.g. from :mod:`srtutor.degradation`);
            default MATLAB bicubic ``↓s`` (:func:`srtutor.degradation.BI`: clamped, not rounded).

    Returns:
        ``(lr, hr_cropped)`` with ``hr_cropped`` ``(…, s·h, s·w)`` and ``lr`` ``(…, h, w)``.
    """
    from srtutor.degradation import BI
    from srtutor.resize import modcrop

    check_image(hr, "hr")
    s = check_positive_int(scale, "scale")
    hr_c = modcrop(hr, s)
    deg = BI(s) if degradation is None else degradation
    lr = deg(hr_c)
    if lr.shape[-2] * s != hr_c.shape[-2] or lr.shape[-1] * s != hr_c.shape[-1]:
        raise ValueError(f"degradation must shrink the image by scale={s}: HR {tuple(hr_c.shape[-2:])} gave "
                         f"LR {tuple(lr.shape[-2:])}")
    return lr, hr_c


def augment(x: Tensor, mode: int) -> Tensor:
    """One of the 8 dihedral transforms (flips and 90° rotations) of the last two dims.

    ``mode`` in ``0..7``: bit 2 flips left-right first, then ``mode % 4`` counter-clockwise
    rotations by 90°. ``mode = 0`` is the identity. The same mode applied to an LR and its HR
    image keeps them aligned (the geometric self-ensemble of EDSR uses the same eight).
    """
    if isinstance(mode, bool) or not isinstance(mode, int) or not 0 <= mode <= 7:
        raise ValueError(f"mode must be an int in 0..7, got {mode!r}")
    if not isinstance(x, torch.Tensor) or x.ndim < 2:
        raise TypeError(f"x must be a tensor with at least 2 dims, got {type(x).__name__}")
    if mode & 4:
        x = x.flip(-1)
    k = mode & 3
    return torch.rot90(x, k, dims=(-2, -1)) if k else x


def random_patch_pair(lr: Tensor, hr: Tensor, scale: int, patch_size: int,
                      generator: Optional[torch.Generator] = None) -> tuple[Tensor, Tensor]:
    """Crop aligned random patches: ``lr[…, y:y+p, x:x+p]`` and ``hr[…, s·y:s·(y+p), s·x:s·(x+p)]``.

    Args:
        lr: ``(C, h, w)``; hr: ``(C, s·h, s·w)``.
        scale: ``s``; patch_size: LR patch side ``p``.
        generator: torch generator for the position.
    """
    s = check_positive_int(scale, "scale")
    p = check_positive_int(patch_size, "patch_size")
    h, w = lr.shape[-2:]
    if hr.shape[-2] != h * s or hr.shape[-1] != w * s:
        raise ValueError(f"hr must be scale={s} times lr: lr {tuple(lr.shape)}, hr {tuple(hr.shape)}")
    if h < p or w < p:
        raise ValueError(f"patch_size={p} is larger than the LR image {h}x{w}")
    y = int(torch.randint(0, h - p + 1, (), generator=generator))
    x = int(torch.randint(0, w - p + 1, (), generator=generator))
    return lr[..., y:y + p, x:x + p], hr[..., s * y:s * (y + p), s * x:s * (x + p)]


def _item_generator(seed: int, index: int) -> torch.Generator:
    state = np.random.SeedSequence([seed, index]).generate_state(2, dtype=np.uint32)
    return torch.Generator().manual_seed(int(state[0]) << 32 | int(state[1]))


class PairedPatchDataset(torch.utils.data.Dataset):
    """Random (LR patch, HR patch) pairs from HR images, for training (a ``torch`` Dataset).

    Item ``i`` uses image ``i mod len(images)``, a random position and (with ``augment``) one of
    the 8 dihedral transforms, all drawn from a generator seeded by ``(seed, i)``: the same
    index always gives the same pair, whatever the DataLoader worker or the order.

    Fixed degradations (the default bicubic :func:`~srtutor.degradation.BI`, ``BD``, a seeded
    ``DN``, any plain callable) are applied once per image at construction; degradations with
    ``per_call_random = True`` (:class:`~srtutor.degradation.RandomDegradation`) are applied
    to every HR patch, with the item's generator.

    Args:
        images: ``{name: (C, H, W)}`` or a sequence of ``(C, H, W)`` tensors in ``[0, 1]``,
            with one channel count.
        scale: integer factor ``s``.
        patch_size: LR patch side ``p`` (HR patches are ``s·p``).
        degradation: callable ``hr -> lr``; default bicubic.
        augment: random flips/rotations.
        length: number of items per epoch (default: the number of images).
        seed: base seed.

    Items: ``(lr (C, p, p), hr (C, s·p, s·p))`` float tensors.
    """

    def __init__(self, images: Union[Mapping[str, Tensor], Sequence[Tensor]], scale: int, patch_size: int,
                 degradation: Optional[Callable[[Tensor], Tensor]] = None, augment: bool = True,
                 length: Optional[int] = None, seed: int = 0) -> None:
        imgs = list(images.values()) if isinstance(images, Mapping) else list(images)
        if not imgs:
            raise ValueError("images must not be empty")
        self.scale = check_positive_int(scale, "scale")
        self.patch_size = check_positive_int(patch_size, "patch_size")
        self.seed = check_positive_int(seed, "seed", minimum=0)
        self.length = len(imgs) if length is None else check_positive_int(length, "length")
        self.augment = bool(augment)
        self.degradation = degradation
        self.per_item = bool(getattr(degradation, "per_call_random", False))
        channels = {int(im.shape[0]) for im in imgs}
        if len(channels) != 1:
            raise ValueError(f"images must all have the same number of channels, got {sorted(channels)}")
        hp = self.patch_size * self.scale
        from srtutor.resize import modcrop

        self._hr, self._lr = [], []
        for i, im in enumerate(imgs):
            check_image(im, f"images[{i}]")
            if im.ndim != 3:
                raise ValueError(f"images[{i}] must be (C, H, W), got {tuple(im.shape)}")
            if im.shape[-2] < hp or im.shape[-1] < hp:
                raise ValueError(f"images[{i}] ({im.shape[-2]}x{im.shape[-1]}) is smaller than the HR patch {hp}x{hp}")
            if self.per_item:
                self._hr.append(modcrop(im, self.scale))
            else:
                lr, hr = make_pair(im, self.scale, degradation)
                self._lr.append(lr)
                self._hr.append(hr)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor]:
        if not -self.length <= index < self.length:
            raise IndexError(f"index {index} out of range for {self.length} items")
        index %= self.length
        g = _item_generator(self.seed, index)
        k = index % len(self._hr)
        s, p = self.scale, self.patch_size
        hr_img = self._hr[k]
        if self.per_item:
            hp = p * s
            y = int(torch.randint(0, (hr_img.shape[-2] - hp) // s + 1, (), generator=g)) * s
            x = int(torch.randint(0, (hr_img.shape[-1] - hp) // s + 1, (), generator=g)) * s
            hr = hr_img[:, y:y + hp, x:x + hp]
            lr = self.degradation(hr, g)
        else:
            lr, hr = random_patch_pair(self._lr[k], hr_img, s, p, g)
        if self.augment:
            mode = int(torch.randint(0, 8, (), generator=g))
            lr, hr = augment(lr, mode), augment(hr, mode)
        return lr.contiguous(), hr.contiguous()
