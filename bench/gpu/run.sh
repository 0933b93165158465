#!/usr/bin/env bash
# The GPU check, as one prepared script for a GPU machine with no Node.js and no network
# (bench/README.md, "GPU: WebGPU vs PyTorch", says how to carry it there). Runs, in < 5 minutes:
#   1. the reference training step on webgpu with det's kernels, batch 2 and 16
#   2. the same with stock tfjs-backend-webgpu kernels (--stock), to measure det's kernels
#   3. Conv2DBackpropFilter per layer, det vs tfjs
#   4. a per-kernel GPU-time profile of one step at the largest batch (for the next kernel work)
#   5. the same network in PyTorch CUDA, batch 2 and 16
# then prints webgpu vs PyTorch ms/step and the ratio. JSON lines also go to $OUT/gpu-bench.jsonl.
# Flags: BATCHES=2,16 SIZE=320 ITERS=10 (env). Also runs here against lavapipe (tiny sizes).
set -uo pipefail
cd "$(dirname "$0")/../.."
BUNDLE=bench/gpu/dist/step-bench.cjs
[ -f "$BUNDLE" ] || { echo "run.sh: $BUNDLE missing: run bench/gpu/build.sh first (where npm works)" >&2; exit 2; }
if ! command -v node >/dev/null 2>&1 && [ -f .gpu-kit/env.sh ]; then source .gpu-kit/env.sh; fi
BATCHES=${BATCHES:-2,16}; SIZE=${SIZE:-320}; ITERS=${ITERS:-10}
LOG=${OUT:-/tmp}/gpu-bench.jsonl; : > "$LOG"
run() { echo "+ $*" >&2; timeout 150 "$@" 2> >(grep -v -E '^Warning: maxDynamic|XDG_RUNTIME_DIR' >&2) | tee -a "$LOG"; }

run node "$BUNDLE" step --batches "$BATCHES" --size "$SIZE" --iters "$ITERS" --warmup 3
run node "$BUNDLE" step --batches "$BATCHES" --size "$SIZE" --iters "$ITERS" --warmup 3 --stock
run node "$BUNDLE" kernels --batch "${BATCHES%%,*}" --size "$SIZE" --iters 5
run node "$BUNDLE" profile --batch "${BATCHES##*,}" --size "$SIZE" --top 12
if python3 -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  run python3 bench/gpu/torch_step.py --batches "$BATCHES" --size "$SIZE" --iters 20 --warmup 5
else
  echo "run.sh: PyTorch with CUDA not available here; skipping the PyTorch side" >&2
fi

python3 - "$LOG" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
det = {r['batch']: r for r in rows if r.get('bench') == 'webgpu-step' and r['kernels'] == 'det'}
stock = {r['batch']: r for r in rows if r.get('bench') == 'webgpu-step' and r['kernels'] == 'tfjs'}
torch = {r['batch']: r for r in rows if r.get('bench') == 'torch-step'}
if det: print(f"\nadapter: {next(iter(det.values()))['adapter']}")
if torch: print(f"pytorch: {next(iter(torch.values()))['torch']} on {next(iter(torch.values()))['device']}")
print(f"{'batch':>5} {'webgpu det ms':>14} {'webgpu tfjs ms':>15} {'pytorch ms':>11} {'det/pytorch':>12} {'tfjs/det':>9}")
for b in sorted(det):
    d = det[b]['msPerStep']; s = stock.get(b, {}).get('msPerStep'); t = torch.get(b, {}).get('msPerStep')
    fmt = lambda v: f"{v:.2f}" if v is not None else "-"
    print(f"{b:>5} {d:>14.2f} {fmt(s):>15} {fmt(t):>11} {fmt(d / t if t else None):>12} {fmt(s / d if s else None):>9}")
for r in rows:
    if r.get('bench') == 'profile':
        print(f"\nprofile, batch {r['batch']}: {r['kernelsRun']} kernels; top by GPU ms: " +
              ', '.join(f"{k['name']}×{k['count']} {k['ms']:.1f}" for k in r['top']))
PY
