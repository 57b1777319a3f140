"""Download checkpoints released by the papers' authors, pinned by sha256 (not run by the tests).

    python scripts/fetch_official.py --list
    python scripts/fetch_official.py carn-m [--dest DIR]
    python scripts/fetch_official.py edsr-baseline-x2 --sha256 <64 hex digits>

The names, URLs, licences and sha256 are those of ``srtutor.models.official.known_checkpoints()``.
A file is moved into place only after its sha256 matched (:func:`srtutor._download.fetch`); a file
already in ``--dest`` with the pinned digest is not downloaded again. Where srtutor has no
digest yet (no copy was at hand when the table was written: ``sha256`` is ``None``), pass the one
you trust with ``--sha256``; for EDSR-PyTorch's files it must start with the 8 hex digits their
file names carry. Then load the file:

    python -m srtutor evaluate --model carn-m --checkpoint DIR/carn_m.pth --dataset Set5 --scale 4
    >>> srtutor.models.official.load_official("carn-m", "DIR/carn_m.pth", scale=4)

Default ``--dest``: ``$SRTUTOR_DATA/official`` when set, else ``~/.cache/srtutor/official``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path


def _default_dest() -> Path:
    env = os.environ.get("SRTUTOR_DATA")
    return (Path(env) if env else Path.home() / ".cache" / "srtutor") / "official"


def main(argv=None) -> int:
    from srtutor._download import ChecksumError, DownloadError, fetch
    from srtutor.models.official import known_checkpoints

    KNOWN_CHECKPOINTS = known_checkpoints()

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", help=f"one or more of: {', '.join(KNOWN_CHECKPOINTS)}")
    p.add_argument("--list", action="store_true", help="list the known checkpoints and exit")
    p.add_argument("--dest", type=Path, default=None, help="target folder (see above)")
    p.add_argument("--sha256", default=None, help="digest to pin where the table has none (one name only)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per connection / wait for data")
    args = p.parse_args(argv)
    if args.list or not args.names:
        for name, info in KNOWN_CHECKPOINTS.items():
            digest = info["sha256"] or f"(none pinned; prefix {info.get('sha256_prefix', '?')})"
            print(f"{name:20s} {info['licence']:4s} {info['source']:40s} {info['url']}  sha256 {digest}")
        return 0
    unknown = [n for n in args.names if n not in KNOWN_CHECKPOINTS]
    if unknown:
        p.error(f"unknown checkpoint(s) {', '.join(unknown)}; known: {', '.join(KNOWN_CHECKPOINTS)}")
    if args.sha256 is not None and (len(args.names) != 1 or not re.fullmatch(r"[0-9a-f]{64}", args.sha256)):
        p.error("--sha256 takes 64 lower-case hex digits and exactly one checkpoint name")
    dest = args.dest or _default_dest()
    dest.mkdir(parents=True, exist_ok=True)
    for name in args.names:
        info = KNOWN_CHECKPOINTS[name]
        digest = info["sha256"] or args.sha256
        if digest is None:
            p.error(f"{name}: srtutor pins no sha256 for {info['url']}; pass --sha256 with the digest you trust")
        if info["sha256"] and args.sha256 and args.sha256 != info["sha256"]:
            p.error(f"{name}: --sha256 differs from the pinned {info['sha256']}")
        if info.get("sha256_prefix") and not digest.startswith(info["sha256_prefix"]):
            p.error(f"{name}: the digest must start with {info['sha256_prefix']} (the file name's)")
        try:
            path = fetch(info["url"], digest, dest / info["file"], timeout=args.timeout)
        except (ChecksumError, DownloadError) as exc:
            print(f"fetch_official.py: error: {name}: {exc}", file=sys.stderr)
            return 2
        print(f"{name}: {path} (sha256 {digest}, {info['licence']}, {info['source']}; load with "
              f"--model {info['model']} --checkpoint {path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
