#!/usr/bin/env python
"""Do the chapters' lesson claims hold for every seed and thread count? (issue 11)

Executes each chosen notebook (papermill, like ``scripts/build_book.py``) once per seed and
per torch thread count — parameters ``SEED`` and ``CPU_THREADS`` — collects every claim that
``srtutor.claims`` recorded, and writes the table *chapter × lesson claim → ✓/✗ per
seed × threads, with the values*:

* ``<out>/robust.md``  — the Markdown table (also printed);
* ``<out>/robust.json`` — every run's claims (values, comparison, verdict) and wall time;
* ``<out>/executed/``  — the executed notebooks, ``<out>/claims/`` — the raw claim files.

A lesson claim is robust when it holds in every run. Exit status: 0 when every lesson claim of
every run holds and every notebook ran; 1 otherwise; 2 for a usage error.

Usage::

    python scripts/check_claims_robust.py --only ch07 --only ch09          # seeds 0 1 2, threads 1 2
    python scripts/check_claims_robust.py --notebook book/ch05_frameworks.ipynb --seeds 0 1 --threads 1
    python scripts/check_claims_robust.py --only ch08 --all-claims          # non-lesson claims too
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _build_book():
    spec = importlib.util.spec_from_file_location("build_book", REPO / "scripts" / "build_book.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # the worker processes unpickle its functions by this name
    spec.loader.exec_module(mod)
    return mod


bb = _build_book()


def select_notebooks(only: list[str], explicit: list[Path]) -> list[Path]:
    """The notebooks to run: ``explicit`` paths, else the toc notebooks matching ``only``."""
    if explicit:
        return [p.resolve() for p in explicit]
    entries = bb.toc_files(REPO / "_toc.yml")
    paths = [bb.resolve_toc_entry(REPO, e) for e in entries]
    nbs = [p for p in paths if p is not None and p.suffix == ".ipynb"]
    return [p for p in nbs if any(o in p.stem for o in only)]


def run_matrix(notebooks: list[Path], seeds: list[int], threads: list[int], *, quick: bool, device: str,
               out: Path, jobs: int) -> list[dict]:
    """Execute every notebook for every (seed, threads); one record per run."""
    import concurrent.futures as cf

    base_env = bb.kernel_env(1)
    runs = []
    with cf.ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {}
        for nb in notebooks:
            rel = Path(bb._rel(nb))
            for s in seeds:
                for t in threads:
                    tag = f"seed{s}-threads{t}"
                    dst = out / "executed" / rel.parent / f"{rel.stem}-{tag}.ipynb"
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    cfile = out / "claims" / rel.parent / f"{rel.stem}-{tag}.json"
                    params = {"QUICK": quick, "SMOKE": False, "DEVICE": device, "SEED": s, "CPU_THREADS": t}
                    env = {**base_env, "OMP_NUM_THREADS": str(t), "MKL_NUM_THREADS": str(t)}
                    fut = pool.submit(bb.execute_notebook, str(nb), str(dst), params, str(dst.parent), env,
                                      "python3", str(cfile), 0.0)
                    futures[fut] = (rel, s, t, cfile)
        for fut in cf.as_completed(futures):
            rel, s, t, cfile = futures[fut]
            rec = fut.result()
            claims = bb.load_claims(cfile) if cfile.exists() else []
            runs.append({"notebook": str(rel), "seed": s, "threads": t, "status": rec["status"],
                         "error": rec["error"], "seconds": rec["seconds"], "claims": claims})
            n_fail = sum(1 for c in claims if c["lesson"] and not c["holds"])
            print(f"  [{rec['status']:6s}] {rel.stem:<32s} seed {s} threads {t}: {len(claims)} claim(s), "
                  f"{n_fail} failed lesson(s), {rec['seconds']:.1f} s", flush=True)
    return sorted(runs, key=lambda r: (r["notebook"], r["seed"], r["threads"]))


def _short_values(claim: dict) -> str:
    return claim["measured"]


def robustness_table(runs: list[dict], seeds: list[int], threads: list[int], all_claims: bool = False) -> str:
    """Markdown: one row per (chapter, claim), one column per (seed, threads), a last column
    saying whether the claim held in every run."""
    cols = [(s, t) for s in seeds for t in threads]
    by_key: dict[tuple[str, str], dict] = {}
    order: list[tuple[str, str]] = []
    status = {(r["notebook"], r["seed"], r["threads"]): r for r in runs}
    for r in runs:
        for c in r["claims"]:
            if not (c["lesson"] or all_claims):
                continue
            key = (r["notebook"], c["name"])
            if key not in by_key:
                by_key[key] = {"lesson": c["lesson"], "check": c["check"]["text"], "cells": {}}
                order.append(key)
            by_key[key]["cells"][(r["seed"], r["threads"])] = c
    head = ["chapter", "claim", "comparison"] + [f"seed {s}, {t} thr." for s, t in cols] + ["all runs"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for nb, name in order:
        row = by_key[(nb, name)]
        cells, ok = [], True
        for col in cols:
            c = row["cells"].get(col)
            run = status.get((nb, *col))
            if c is None:
                ok = False
                cells.append("✗ (no run)" if run is None or run["status"] != "ok" else "✗ (not recorded)")
            else:
                ok &= bool(c["holds"])
                cells.append(("✓ " if c["holds"] else "✗ ") + _short_values(c))
        label = name + ("" if row["lesson"] else " (not a lesson)")
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in
                                        [Path(nb).stem, label, f"`{row['check']}`", *cells, "✓" if ok else "✗"]) + " |")
    failed_runs = [r for r in runs if r["status"] != "ok"]
    if failed_runs:
        lines += ["", "Runs that did not finish:"]
        lines += [f"- {Path(r['notebook']).stem} seed {r['seed']} threads {r['threads']}: {r['error']}" for r in failed_runs]
    return "\n".join(lines) + "\n"


def all_hold(runs: list[dict]) -> bool:
    return all(r["status"] == "ok" for r in runs) and all(
        c["holds"] for r in runs for c in r["claims"] if c["lesson"])


def _atomic_write(path: Path, text: str) -> None:
    from srtutor._atomic import atomic_write  # = srtutor.io.atomic_write, without torch

    with atomic_write(path, "w") as fh:
        fh.write(text)


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", default=[], help="toc notebooks whose name contains this (repeatable)")
    ap.add_argument("--notebook", action="append", default=[], type=Path, help="a notebook to run (repeatable)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="SEED values (default 0 1 2)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="CPU_THREADS values (default 1 2)")
    ap.add_argument("--quick", type=int, choices=(0, 1), default=1, help="QUICK parameter (default 1)")
    ap.add_argument("--device", default="cpu", help="DEVICE parameter (default cpu)")
    ap.add_argument("--jobs", type=int, default=1, help="runs at a time (default 1: the thread counts stay honest)")
    ap.add_argument("--all-claims", action="store_true", help="also tabulate claims that are not lessons")
    ap.add_argument("--out", type=Path, default=REPO / "_build" / "robust", help="output folder (default _build/robust)")
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.only and not args.notebook:
        print("error: choose notebooks with --only NAME (e.g. --only ch07) or --notebook PATH", file=sys.stderr)
        return 2
    if min(args.threads) < 1 or args.jobs < 1:
        print("error: --threads and --jobs must be >= 1", file=sys.stderr)
        return 2
    missing = [str(p) for p in args.notebook if not p.exists()]
    if missing:
        print(f"error: --notebook {missing[0]} does not exist", file=sys.stderr)
        return 2
    notebooks = select_notebooks(args.only, args.notebook)
    if not notebooks:
        print(f"error: --only {args.only} matches no notebook of _toc.yml", file=sys.stderr)
        return 2
    out = args.out.resolve()
    n_runs = len(notebooks) * len(args.seeds) * len(args.threads)
    print(f"{n_runs} run(s): {', '.join(p.stem for p in notebooks)} × seeds {args.seeds} × threads {args.threads}",
          flush=True)
    t0 = time.perf_counter()
    runs = run_matrix(notebooks, args.seeds, args.threads, quick=bool(args.quick), device=args.device, out=out,
                      jobs=args.jobs)
    table = robustness_table(runs, args.seeds, args.threads, args.all_claims)
    report = {"seeds": args.seeds, "threads": args.threads, "quick": bool(args.quick), "device": args.device,
              "wall_seconds": round(time.perf_counter() - t0, 1), "runs": runs}
    _atomic_write(out / "robust.json", json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    _atomic_write(out / "robust.md", table)
    print()
    print(table)
    ok = all_hold(runs)
    print(("every lesson claim holds in every run" if ok else "NOT ROBUST: some lesson claim fails in some run")
          + f" ({report['wall_seconds']:.0f} s); {out / 'robust.md'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
