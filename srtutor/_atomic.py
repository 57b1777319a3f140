"""Atomic file writes and same-file checks (re-exported by :mod:`srtutor.io`; no torch import).

:func:`atomic_write` is how every file srtutor writes is written: a temporary file beside the
destination, flushed and fsynced, then renamed over it (``os.replace``), so that a reader never
sees half a file and a failure leaves the previous file untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator, Optional, Union

PathLike = Union[str, os.PathLike]

__all__ = ["atomic_write", "same_file", "check_distinct_files"]


@contextlib.contextmanager
def atomic_write(path: PathLike, mode: str = "wb", *, encoding: Optional[str] = None) -> Iterator[IO]:
    """Open a temporary file beside ``path``; on success flush, fsync and rename it to ``path``.

    ::

        with atomic_write("model.pt") as f:
            torch.save(state, f)

    Readers never see a half-written ``path``: either the old file (or none) or the complete
    new one. On any exception (a full disk, ``Ctrl-C``, an encoder error) the temporary file is
    removed and ``path`` is left as it was. A process killed outright (``SIGKILL``) can leave
    the temporary file, named ``.<name>.<random>.tmp``, which no reader of ``path`` (nor a
    ``*.png`` glob) picks up. Parent folders are created. When ``path`` is a symbolic link
    the file it points to is replaced and the link kept.

    Args:
        path: the destination.
        mode: ``"wb"`` (default) or ``"w"`` (text, with ``encoding``, default UTF-8).
        encoding: text encoding for ``mode="w"``.

    Yields:
        The open temporary file.

    Raises:
        ValueError: ``mode`` is not a write mode, or ``path`` is an existing folder.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', got {mode!r}")
    dest = Path(os.path.realpath(Path(path).expanduser()))
    if dest.is_dir():
        raise ValueError(f"path: {path} is a folder; give a file name")
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, mode, **({"encoding": encoding or "utf-8"} if mode == "w" else {})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def same_file(a: PathLike, b: PathLike) -> bool:
    """Whether ``a`` and ``b`` name the same existing file (same device and inode).

    True also when the two are spelled differently (``./x.png`` and ``x.png``), reached
    through a symbolic link, or hard links of one file — and for a path such as
    ``new_dir/../x.png`` that does not resolve yet but will name ``x.png`` once the missing
    folder is created (as :func:`atomic_write` does). False when either does not exist.
    """
    def ids(p: PathLike) -> set[tuple[int, int]]:
        out = set()
        for cand in (p, os.path.realpath(os.path.expanduser(p))):
            try:
                st = os.stat(cand)
            except (OSError, ValueError):
                continue
            out.add((st.st_dev, st.st_ino))
        return out

    return bool(ids(a) & ids(b))


def check_distinct_files(input: PathLike, output: PathLike, input_name: str = "input",
                         output_name: str = "output") -> None:
    """Refuse to write ``output`` over ``input`` (:func:`same_file`): raises ``ValueError``."""
    if same_file(input, output):
        raise ValueError(f"{output_name} {output} is the same file as {input_name} {input}: writing it would "
                         f"destroy the input; choose another {output_name} path")
