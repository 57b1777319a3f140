#!/usr/bin/env bash
# GPU check for a short loan of one GPU (about 8 minutes in all):
#
#   1. the CUDA test lane: the test suite with the device fixtures on the GPU (pytest --device cuda)
#   2. one chapter notebook in full mode on the GPU (scripts/build_book.py --quick 0)
#   3. a 3-minute training of one recipe with mixed precision (fp16 + gradient scaling), which
#      reports images/s and the Set5 PSNR (benchmark protocol) next to bicubic
#
# and a report: $OUT/gpu_check/report.json and report.md when $OUT is set (else _build/gpu_check/).
#
#   scripts/gpu_check.sh                      # on a GPU machine
#   scripts/gpu_check.sh --tiny --device cpu  # every budget shrunk (seconds): checks the script itself
#
# Options: --tiny (tiny budgets, smoke-mode chapter, a few training seconds), --device DEV (cuda),
# --chapter NAME (ch05), --recipe NAME (edsr-baseline-x2; espcn-x2 with --tiny). Each step runs under its own time
# budget; a step that fails or overruns is reported and the others still run. Exit status 0 when
# every step passed, 1 otherwise.
set -u

TINY=0
DEVICE=cuda
CHAPTER=ch05
RECIPE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tiny) TINY=1 ;;
    --device) DEVICE="$2"; shift ;;
    --chapter) CHAPTER="$2"; shift ;;
    --recipe) RECIPE="$2"; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "gpu_check.sh: error: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT" || exit 2
PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
REPORT_DIR="${OUT:-$ROOT/_build}/gpu_check"
mkdir -p "$REPORT_DIR"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

# budgets in seconds: tests + chapter + training (+ start-up and validation) stay within 8 minutes
if [ "$TINY" = 1 ]; then
  TEST_BUDGET=120; CHAPTER_BUDGET=240; TRAIN_SECONDS=3; TRAIN_BUDGET=120
  TESTS=(tests/test_device_matrix.py -k "engine or imresize")
  CHAPTER_MODE=(--smoke --device cpu)
  AMP=bf16; STEPS=20000; WORKERS=0; BATCH=4; PATCH=12; RECIPE="${RECIPE:-espcn-x2}"
  EXTRA=(--channels-last)
else
  TEST_BUDGET=130; CHAPTER_BUDGET=110; TRAIN_SECONDS=180; TRAIN_BUDGET=230
  TESTS=(tests)
  CHAPTER_MODE=(--quick 0 --device "$DEVICE")
  # HR patches of 64 (T91's smallest image is 78 px wide), batch 64 to keep the GPU busy
  AMP=fp16; STEPS=300000; WORKERS=8; BATCH=64; PATCH=32; RECIPE="${RECIPE:-edsr-baseline-x2}"
  EXTRA=(--channels-last)
fi

# benchmark images (Set5) and training images: $SRTUTOR_DATA, else the shared data folder
DATA=""
for d in "${SRTUTOR_DATA:-}" ../shared/data/benchmarks shared/data/benchmarks; do
  if [ -n "$d" ] && [ -d "$d/Set5" ]; then DATA="$d"; break; fi
done

run_step() {  # name budget command...
  local name="$1" budget="$2"; shift 2
  local t0 rc
  t0=$(date +%s)
  timeout --kill-after=10 "$budget" "$@" >"$REPORT_DIR/$name.log" 2>&1
  rc=$?
  echo "$name $rc $(( $(date +%s) - t0 )) $budget" >>"$REPORT_DIR/steps.txt"
  echo "gpu_check: $name: exit $rc after $(( $(date +%s) - t0 )) s (budget $budget s)" >&2
}

: >"$REPORT_DIR/steps.txt"
run_step tests "$TEST_BUDGET" "$PY" -m pytest -q -p no:cacheprovider --device "$DEVICE" "${TESTS[@]}"
run_step chapter "$CHAPTER_BUDGET" "$PY" scripts/build_book.py --only "$CHAPTER" --no-html "${CHAPTER_MODE[@]}"
VAL=()
if [ -n "$DATA" ]; then VAL=(--val Set5 --val-dir "$DATA"); fi
run_step train "$TRAIN_BUDGET" "$PY" -m srtutor train --recipe "$RECIPE" --steps "$STEPS" --batch "$BATCH" \
  --patch "$PATCH" --time-limit "$TRAIN_SECONDS" --amp "$AMP" --device "$DEVICE" --workers "$WORKERS" \
  --log-every 50 --no-progress --out "$REPORT_DIR/train.pt" "${EXTRA[@]}" "${VAL[@]}"

"$PY" - "$REPORT_DIR" "$DEVICE" "$TINY" "$CHAPTER" "$RECIPE" <<'EOF'
import json, re, sys, time
from pathlib import Path

import torch

out, device, tiny, chapter, recipe = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "1", sys.argv[4], sys.argv[5]
steps = {}
for line in (out / "steps.txt").read_text().splitlines():
    name, rc, seconds, budget = line.split()
    steps[name] = {"exit": int(rc), "seconds": int(seconds), "budget": int(budget), "passed": rc == "0"}
tests_log = (out / "tests.log").read_text(errors="replace")
counts = {k: int(v) for v, k in re.findall(r"(\d+) (passed|failed|skipped|errors?|deselected)", tests_log)}
steps["tests"]["counts"] = counts
train_log = (out / "train.log").read_text(errors="replace")
summary = None
start = train_log.find("{\n")
if start >= 0:
    try:
        summary = json.loads(train_log[start:train_log.rfind("}") + 1])
    except json.JSONDecodeError:
        summary = None
if summary:
    steps["train"].update({k: summary.get(k) for k in ("steps", "images_per_second", "world_size", "final_loss",
                                                       "dataset", "psnr", "ssim", "bicubic_psnr")})
    steps["train"]["train_seconds"] = summary.get("seconds")  # training time without start-up and validation
report = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "device": device, "tiny": tiny, "chapter": chapter,
          "recipe": recipe, "torch": torch.__version__,
          "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
          "steps": steps, "passed": all(s["passed"] for s in steps.values()),
          "total_seconds": sum(s["seconds"] for s in steps.values())}
(out / "report.json").write_text(json.dumps(report, indent=1) + "\n")
t = steps["train"]
lines = [f"# GPU check ({'tiny budgets' if tiny else 'full budgets'}, device {device}, GPU {report['gpu']})", "",
         f"torch {report['torch']}, {report['date']}, total {report['total_seconds']} s", "",
         "| step | passed | seconds (budget) | result |", "|---|---|---|---|",
         f"| tests (--device {device}) | {steps['tests']['passed']} | {steps['tests']['seconds']} "
         f"({steps['tests']['budget']}) | {counts} |",
         f"| chapter {chapter} | {steps['chapter']['passed']} | {steps['chapter']['seconds']} "
         f"({steps['chapter']['budget']}) | see chapter.log |",
         f"| train {recipe} | {t['passed']} | {t['seconds']} ({t['budget']}) | "
         + (f"{t.get('steps')} steps in {t.get('train_seconds')} s, {t.get('images_per_second')} images/s, "
            f"{t.get('dataset')} PSNR {t.get('psnr') or float('nan'):.2f} dB (bicubic "
            f"{t.get('bicubic_psnr') or float('nan'):.2f})" if summary else "no summary") + " |"]
(out / "report.md").write_text("\n".join(lines) + "\n")
print("\n".join(lines))
sys.exit(0 if report["passed"] else 1)
EOF
