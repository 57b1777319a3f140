"""Fetching one pinned file: pooch does the caching, the sha256 check and the atomic move.

:func:`fetch` wraps :func:`pooch.retrieve` with a downloader that adds what pooch's default
``HTTPDownloader`` lacks: an **overall deadline** (a server dripping one byte every half
second never trips a per-read timeout) and a byte callback for progress bars. Errors come
out as two types the command line maps to one ``error:`` line:

* :class:`ChecksumError` (a ``ValueError``): the bytes are not the pinned ones; the
  temporary file is deleted, nothing is left under the final name;
* :class:`DownloadError` (an ``OSError``): unreachable server (offline), HTTP error,
  truncated body, deadline passed — the message says which and what to do.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path
from typing import Callable, Optional

__all__ = ["ChecksumError", "DownloadError", "fetch"]


class ChecksumError(ValueError):
    """A downloaded (or cached) file's sha256 differs from the pinned value."""


class DownloadError(OSError):
    """A file could not be downloaded: network, HTTP status, truncated body or deadline."""


class _DeadlineDownloader:
    """A pooch downloader (``downloader(url, output_file, pooch)``) with an overall deadline.

    Reads with ``read1`` (whatever has arrived, at most 64 KiB) so that the deadline is checked
    after every packet; ``timeout`` bounds each connect and each wait for data.
    """

    def __init__(self, timeout: float, deadline: float, on_bytes: Optional[Callable[[int], None]] = None) -> None:
        self.timeout, self.deadline, self.on_bytes = timeout, deadline, on_bytes

    def __call__(self, url: str, output_file, pooch=None, check_only: bool = False):
        import requests
        import urllib3

        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise DownloadError(f"deadline passed before {url} was requested")
        with requests.get(url, stream=True, timeout=min(self.timeout, remaining)) as resp:
            resp.raise_for_status()
            if check_only:
                return True
            total = int(resp.headers.get("Content-Length") or 0) or None
            got = 0
            raw = resp.raw
            if hasattr(raw, "read1"):  # urllib3 >= 2: returns what has arrived
                def read(n: int) -> bytes:
                    return raw.read1(n, decode_content=True)
            else:  # urllib3 1.26: small reads keep the deadline checks frequent
                def read(n: int) -> bytes:
                    return raw.read(min(n, 4096), decode_content=True)
            opened = isinstance(output_file, (str, Path))
            with (open(output_file, "wb") if opened else contextlib.nullcontext(output_file)) as out:
                while True:
                    if time.monotonic() > self.deadline:
                        raise DownloadError(f"gave up on {url} at the deadline after {got:,} of "
                                            f"{total or '?'} bytes (the server is too slow or stalled)")
                    try:
                        chunk = read(1 << 16)
                    except urllib3.exceptions.ReadTimeoutError:
                        raise DownloadError(f"no data from {url} for {self.timeout:g} s (timeout) after {got:,} "
                                            f"bytes") from None
                    except urllib3.exceptions.HTTPError as exc:  # e.g. the body ended early
                        raise DownloadError(f"truncated download of {url}: the connection broke after {got:,} of "
                                            f"{total or '?'} bytes ({_reason(exc)})") from None
                    if not chunk:
                        break
                    out.write(chunk)
                    got += len(chunk)
                    if self.on_bytes is not None:
                        self.on_bytes(len(chunk))
            if total is not None and got != total:
                raise DownloadError(f"truncated download of {url}: {got:,} of {total:,} bytes")
        return None


def fetch(url: str, sha256: str, dest: Path, *, timeout: float = 30.0, deadline: Optional[float] = None,
          on_bytes: Optional[Callable[[int], None]] = None) -> Path:
    """Download ``url`` to ``dest`` unless ``dest`` already has the pinned ``sha256``.

    Args:
        url: where the file is.
        sha256: its pinned hex digest.
        dest: final path; written only after the digest matched (pooch's temporary file + move).
        timeout: seconds for the connection and for each wait for data.
        deadline: ``time.monotonic()`` value after which the download is abandoned (default:
            ``10 * timeout`` seconds from now).
        on_bytes: called with the size of every chunk received (progress bars).

    Returns:
        ``dest``.

    Raises:
        ChecksumError: the downloaded bytes do not have the pinned sha256.
        DownloadError: offline/unreachable, HTTP error status, truncated body, deadline passed.
    """
    import pooch
    import requests

    pooch.get_logger().setLevel("WARNING")  # pooch logs every download at INFO
    deadline = time.monotonic() + 10 * timeout if deadline is None else deadline
    downloader = _DeadlineDownloader(timeout, deadline, on_bytes)
    try:
        path = pooch.retrieve(url, known_hash=f"sha256:{sha256}", fname=dest.name, path=dest.parent,
                              downloader=downloader, progressbar=False)
    except ValueError as exc:
        if "does not match the known hash" in str(exc):
            raise ChecksumError(f"sha256 mismatch for {url}: {exc}; the file was discarded. The source may "
                                f"have changed or the download was corrupted: retry, or report it") from None
        raise
    except requests.exceptions.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise DownloadError(f"HTTP {status} for {url}: the pinned file is not at this address; set "
                            f"$SRTUTOR_DATA_URL to a mirror, or report it") from None
    except requests.exceptions.ConnectionError as exc:
        raise DownloadError(f"could not reach {url.split('/')[2] if '//' in url else url} ({_reason(exc)}): "
                            f"are you offline? Retry when connected; or point --data-dir / $SRTUTOR_DATA at a copy "
                            f"you already have, or $SRTUTOR_DATA_URL at a mirror") from None
    except requests.exceptions.Timeout:
        raise DownloadError(f"no data from {url} within {timeout:g} s (timeout); retry later") from None
    except requests.exceptions.RequestException as exc:  # truncated chunked bodies, bad redirects, ...
        raise DownloadError(f"could not download {url}: {_reason(exc)}") from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)  # pooch's temporary file was 0600
    return Path(path)


def _reason(exc: BaseException) -> str:
    """The innermost readable cause of a requests/urllib3 error, on one line."""
    text = " ".join(str(exc).split())
    m = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if m:
        return m.group(1).strip()
    for marker in ("Connection refused", "timed out", "IncompleteRead"):
        i = text.find(marker)
        if i >= 0:
            return text[i:].rstrip(")'\"")[:160]
    return text[:160]
