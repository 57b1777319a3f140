#!/usr/bin/env bash
# The package as its users get it: build the wheel, install it with [test,widgets] into a new
# virtual environment OUTSIDE the repository (torch from constraints/ci.txt), then, from a
# folder outside the repository:
#   1. the README's Python example, verbatim (the first ```python block of README.md);
#   2. the command line: --help of srtutor and of every subcommand, `evaluate --method bicubic`
#      and with shipped weights on Set5 (when the benchmark folder is there), `upscale` of a PNG;
#   3. the test suite, copied out of the repository, so that `import srtutor` can only be the
#      installed wheel; tests that need the repository's files (notebooks, scripts/) skip.
# Used by .ci/run, .github/workflows/ci.yml and `make wheel-check`.
#
#   scripts/check_wheel.sh [--keep]     (--keep: leave the work folder for inspection)
# Environment: PYTHON (default python3), SRTUTOR_DATA (benchmark root, default ../shared/data/benchmarks),
#              PYTEST_ARGS (extra pytest arguments).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
KEEP=0; [ "${1:-}" = "--keep" ] && KEEP=1
W=$(mktemp -d "${TMPDIR:-/tmp}/srtutor-wheel.XXXXXX")
if [ "$KEEP" = 1 ]; then echo "work folder: $W"; else trap 'rm -rf "$W"' EXIT; fi
now() { date +%s; }
t0=$(now)
say() { printf '\n== %s\n' "$*"; }

say "build the wheel from a clean copy of the sources (no stale build/ folder)"
mkdir -p "$W/src" "$W/dist" "$W/run"
cp "$REPO/pyproject.toml" "$REPO/README.md" "$REPO/LICENSE" "$W/src/"
(cd "$REPO" && tar --exclude=__pycache__ --exclude='*.pyc' -cf - srtutor) | tar -xf - -C "$W/src"
"$PYTHON" -m pip wheel --quiet --no-deps --disable-pip-version-check -w "$W/dist" "$W/src" 2>&1 \
  | grep -v "^WARNING: Location 'file:" || true
WHEEL=$(ls "$W"/dist/srtutor-*.whl)
"$PYTHON" - "$WHEEL" <<'EOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
print(f"{sys.argv[1].rsplit('/', 1)[-1]}: {len(names)} files")
need = ["srtutor/__init__.py", "srtutor/py.typed", "srtutor/data_manifest.tsv",
        "srtutor/weights/weights.json", "srtutor/models/__init__.py"]
missing = [n for n in need if n not in names]
weights = [n for n in names if n.startswith("srtutor/weights/") and n.endswith(".pt")]
junk = [n for n in names if "__pycache__" in n or n.endswith(".pyc") or n.startswith(("tests/", "book/", "scripts/"))]
assert not missing, f"missing from the wheel: {missing}"
assert weights, "no shipped weights in the wheel"
assert not junk, f"not package files: {junk}"
print(f"holds {len(weights)} weight files, the data manifest, py.typed; no tests/book/scripts/caches")
EOF

say "clean virtual environment outside the repository: $W/venv"
"$PYTHON" -m venv "$W/venv"
VPY="$W/venv/bin/python"
"$VPY" -m pip install --quiet --disable-pip-version-check -c "$REPO/constraints/ci.txt" "${WHEEL}[test,widgets]" 2>&1 \
  | grep -v "^WARNING: Location 'file:" || true
"$VPY" -m pip list --disable-pip-version-check 2>/dev/null | grep -iE "^(srtutor|torch|numpy|scikit-image) "
t1=$(now)

cd "$W/run"   # from here on, nothing of the repository is on sys.path
"$VPY" - "$W/venv" <<'EOF'
import sys, srtutor
assert srtutor.__file__.startswith(sys.argv[1]), f"srtutor imported from {srtutor.__file__}, not the wheel"
print("srtutor", srtutor.__version__, "from", srtutor.__file__)
EOF

say "README example (first python block of README.md)"
awk '/^```python$/{f=1; next} /^```$/{if (f) exit} f' "$REPO/README.md" > readme_example.py
test -s readme_example.py || { echo "no python block in README.md" >&2; exit 1; }
"$VPY" readme_example.py

say "command line"
"$W/venv/bin/srtutor" --version
"$W/venv/bin/srtutor" --help > /dev/null
SUBCOMMANDS=$("$VPY" -c "
import argparse, srtutor.cli as c
subs = [a for a in c.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
print(' '.join(name for a in subs for name in a.choices))")
for cmd in $SUBCOMMANDS; do
  "$VPY" -m srtutor "$cmd" --help > /dev/null
  echo "python -m srtutor $cmd --help: ok"
done
DATA=${SRTUTOR_DATA:-$REPO/../shared/data/benchmarks}
if [ -d "$DATA/Set5" ]; then
  "$VPY" -m srtutor evaluate --method bicubic --dataset Set5 --scale 4 --data-dir "$DATA" --format json
  "$VPY" -m srtutor evaluate --method espcn --dataset Set5 --scale 3 --data-dir "$DATA"
else
  echo "evaluate: skipped, no Set5 under $DATA (set SRTUTOR_DATA)"
fi
"$VPY" - <<'EOF'
from srtutor import data, io, resize
hr = resize.modcrop(data.embedded_image("astronaut"), 8)
io.write_image("in.png", resize.imresize(hr, scale=1 / 4).clamp(0, 1))
EOF
"$VPY" -m srtutor upscale in.png out.png --model fsrcnn --scale 2
"$VPY" - <<'EOF'
from PIL import Image
a, b = Image.open("in.png").size, Image.open("out.png").size
assert b == (2 * a[0], 2 * a[1]), (a, b)
print(f"upscale: in.png {a[0]}x{a[1]} -> out.png {b[0]}x{b[1]}")
EOF
t2=$(now)

say "test suite against the installed wheel (tests/ copied to $W/run/tests)"
cp -r "$REPO/tests" "$W/run/tests"
find "$W/run/tests" -name __pycache__ -prune -exec rm -rf {} +
# the tests find the benchmark folder as <tests>/../../shared, as they do beside the repository
if [ -d "$REPO/../shared" ]; then ln -s "$(cd "$REPO/.." && pwd)/shared" "$W/shared"; fi
# pytest's settings (markers, addopts) from pyproject.toml, which stays in the repository
"$VPY" - "$REPO/pyproject.toml" > pytest.ini <<'EOF'
import sys, tomllib
opts = tomllib.load(open(sys.argv[1], "rb"))["tool"]["pytest"]["ini_options"]
print("[pytest]")
for key, value in opts.items():
    if key != "testpaths":
        print(f"{key} =", *(value if isinstance(value, list) else [value]), sep="\n    ")
EOF
set +e
# shellcheck disable=SC2086
"$VPY" -m pytest -q -p no:cacheprovider tests ${PYTEST_ARGS:-}
rc=$?
set -e
t3=$(now)
echo "== wheel check timings: build+install $((t1 - t0)) s, example+CLI $((t2 - t1)) s, tests $((t3 - t2)) s"
exit $rc
