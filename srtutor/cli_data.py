"""``python -m srtutor data list|download|verify``: the benchmark sets and T91, pinned and verified.

    python -m srtutor data list                                   # sets, sources, what is here
    python -m srtutor data download Set5 Set14 B100 Urban100 Manga109 T91 [--data-dir DIR]
    python -m srtutor data download all
    python -m srtutor data verify Set5 --data-dir DIR             # count and sha256 of every file

Every file is pinned (repository @ commit, path, sha256) in the table shipped with the package
and fetched with pooch from ``https://raw.githubusercontent.com`` (``$SRTUTOR_DATA_URL`` for a
mirror). A file is moved into place only after its sha256 matched; the sets land in
``DIR/<set>/HR/`` (``DIR``: ``--data-dir``, else ``$SRTUTOR_DATA``, else ``~/.cache/srtutor``),
where ``srtutor evaluate`` and :func:`srtutor.data.load_benchmark` find them (T91: pass
``DIR/T91/HR`` to ``srtutor train --data-dir`` or ``$SRTUTOR_TRAIN_DATA``; it is also found
there by default). Offline, or when a server stalls (``--timeout``, ``--deadline``), the
command ends with one ``error:`` line and no partial file under an image name.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Optional, Sequence

from srtutor.cli import UsageError, add_debug_option


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``data`` subcommand (with ``list``, ``download``, ``verify``)."""
    p = subparsers.add_parser("data", help="list, download and verify the benchmark sets and T91",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=None,
                        help="data root holding <set>/HR/ (default: $SRTUTOR_DATA, else ~/.cache/srtutor)")
    add_debug_option(common)
    ls = sub.add_parser("list", parents=[common], help="the sets, their pinned sources, and which are here")
    ls.add_argument("--format", choices=("table", "json"), default="table")
    ls.set_defaults(func=cmd_list)
    dl = sub.add_parser("download", parents=[common], help="download sets (sha256-verified)")
    dl.add_argument("sets", nargs="+", metavar="SET", help="Set5 Set14 B100 Urban100 Manga109 T91, or all")
    dl.add_argument("--timeout", type=float, default=30.0, help="seconds to connect and for each wait for data (30)")
    dl.add_argument("--deadline", type=float, default=1800.0,
                    help="seconds allowed for each set before giving up on a slow server (1800)")
    g = dl.add_mutually_exclusive_group()
    g.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="a progress bar even when stderr is not a terminal")
    g.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    dl.set_defaults(func=cmd_download)
    vf = sub.add_parser("verify", parents=[common], help="check sets against the pinned sha256 table")
    vf.add_argument("sets", nargs="+", metavar="SET", help="Set5 Set14 B100 Urban100 Manga109 T91, or all")
    vf.set_defaults(func=cmd_verify)
    p.set_defaults(func=cmd_list)
    return p


def _sets(names: Sequence[str]) -> list[str]:
    from srtutor.data import DOWNLOADABLE, benchmark_name

    out: list[str] = []
    for n in names:
        if n.lower() == "all":
            out += [s for s in DOWNLOADABLE if s not in out]
            continue
        try:
            canon = benchmark_name(n, training=True)
        except ValueError as exc:
            raise UsageError(f"SET: {exc} (or all)") from None
        if canon not in out:
            out.append(canon)
    return out


def cmd_list(args: argparse.Namespace) -> int:
    """``srtutor data list``: one line per set."""
    from srtutor.data import data_status, default_root

    rows = data_status(args.data_dir)
    if getattr(args, "format", "table") == "json":
        print(json.dumps(rows, indent=1))
        return 0
    root = args.data_dir or default_root()
    print(f"data root: {root}  (--data-dir, $SRTUTOR_DATA)")
    w = max(len(r["status"]) for r in rows)
    print(f"{'set':<9} {'images':>6}  {'here':<{w}}  source (repo@commit)")
    for r in rows:
        print(f"{r['set']:<9} {r['images']:>6}  {r['status']:<{w}}  {r['source']}")
    for r in rows:
        if r["terms"]:
            print(f"note: {r['set']}: {r['terms']}")
    print("download: python -m srtutor data download SET ... (or all)")
    return 0


def _progress(flag: Optional[bool]) -> bool:
    return bool(flag) if flag is not None else bool(getattr(sys.stderr, "isatty", lambda: False)())


def cmd_download(args: argparse.Namespace) -> int:
    """``srtutor data download SET ...``: fetch and verify; one summary line per set."""
    from srtutor.data import ChecksumError, DownloadError, download_set, verify_set

    if args.timeout <= 0:
        raise UsageError(f"--timeout must be > 0 seconds, got {args.timeout:g}")
    if args.deadline <= 0:
        raise UsageError(f"--deadline must be > 0 seconds, got {args.deadline:g}")
    for name in _sets(args.sets):
        try:
            folder = download_set(name, args.data_dir, timeout=args.timeout, deadline=args.deadline,
                                  progress=_progress(args.progress))
        except (DownloadError, ChecksumError) as exc:
            hint = (" (raise --deadline for a slow connection)" if "deadline" in str(exc) else
                    " (raise --timeout for a slow connection)" if "timeout" in str(exc) else "")
            raise UsageError(f"{name}: {exc}{hint}") from None
        rep = verify_set(name, args.data_dir)
        if not rep["ok"]:  # cannot happen after a successful download_set; never report a wrong set as fine
            raise UsageError(f"{name}: {folder} still differs from the pinned set after downloading: {rep}")
        print(f"{name}: {rep['expected']} files verified (sha256) in {folder}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """``srtutor data verify SET ...``: exit 0 when every set is complete and unchanged, else 2."""
    from srtutor.data import verify_set

    bad = []
    for name in _sets(args.sets):
        rep = verify_set(name, args.data_dir)
        if rep["ok"]:
            extra = f"; {len(rep['extra'])} other image files ignored" if rep["extra"] else ""
            print(f"{name}: {rep['expected']} files verified in {rep['folder']}{extra}")
        else:
            bad.append(f"{name} in {rep['folder']}: {len(rep['missing'])} of {rep['expected']} missing, "
                       f"{len(rep['mismatched'])} differ ({', '.join((rep['missing'] + rep['mismatched'])[:3])}"
                       f"{' ...' if len(rep['missing']) + len(rep['mismatched']) > 3 else ''})")
    if bad:
        raise UsageError("; ".join(bad) + "; fix: python -m srtutor data download SET (same --data-dir)")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Standalone entry point: ``python -m srtutor.cli_data list``."""
    from srtutor.cli import run_command

    p = argparse.ArgumentParser(prog="srtutor-data")
    sub = p.add_subparsers(dest="command", required=True)
    add_parser(sub)
    add_debug_option(p, top=True)
    args = p.parse_args(["data", *(argv if argv is not None else sys.argv[1:])])
    return run_command(args.func, args, "srtutor-data")


if __name__ == "__main__":
    sys.exit(main())
