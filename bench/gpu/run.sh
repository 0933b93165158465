#!/usr/bin/env bash
# The GPU check, as one prepared script for a GPU machine with no Node.js and no network
# (bench/README.md, "GPU: WebGPU vs PyTorch", says how to carry it there). Under 5 minutes:
# the required parts always run, the others while a time budget lasts (BUDGET=290 s by default;
# BUDGET=560 runs everything on an H200, estimate). Every result is appended to
# $OUT/gpu-bench.jsonl as it comes.
#   0. the adapter's features and, where Dawn offers subgroup matrices (tensor cores), a GEMM on
#      them vs plain f32 WGSL (feature-probe.ts; seconds), and det's f16 self-check per matrix
#      shape (step-bench's sgmat-check; seconds)
#   1. the reference training step on webgpu with det's kernels, batch 2 and 16 (median of 3
#      runs; also pipelined); then the same with conv precision f16 (det's conv GEMMs on the
#      tensor cores through Dawn's subgroup matrices, f16 operands and f32 sums; it says f32
#      where the adapter offers none)
#   2. the same network in PyTorch CUDA, batch 2 and 16 (PyTorch defaults: cuDNN may use TF32;
#      and again with strict float32, as WebGPU computes)
#   3. the default RetinaNet config's training step (R-50-FPN, 2×800×1344) on webgpu and, when
#      torchvision is there, the same network in PyTorch CUDA
#   then, within the budget:
#   3a. the reference step at the largest batch with conv precision f16 and kernel tuning (every
#      f16 and f32 candidate timed per layer, the fastest kept): the best det can do on this GPU
#   3b. the f16 step with Dawn's shader robustness, workgroup-memory zeroing and API validation
#      off (--dawn-toggles): what those cost on this GPU
#   3c. the RetinaNet step and the per-kernel profile with conv precision f16
#   4. the reference step at the largest batch with per-shape kernel tuning (--autotune: every
#      convolution variant timed per layer, the fastest kept; prints each choice)
#   5. the reference step with stock tfjs-backend-webgpu kernels (--stock), to measure det's kernels
#   6. per layer at the largest batch: Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter GPU
#      times (timestamp queries), det vs tfjs, and det's f16 kernels where the adapter has matrix
#      units; a per-kernel GPU-time profile of one step
#   7. choices still open (CHOICES=0 skips them): the step with tfjs's own dispatch recording
#      (--tfjs-dispatch) and with 64 dispatches per submit instead of tfjs's 15, the host cost of
#      recording one op on det's lean path vs tfjs's (dispatch-cost), the RetinaNet step with
#      kernel tuning
# then prints webgpu vs PyTorch ms/step and the ratios. The tuning runs leave their choices in
# $OUT/webgpu-tuning.json (DET_WEBGPU_AUTOTUNE_CACHE's format): with it, det starts tuned on this GPU.
# Flags: BATCHES=2,16 SIZE=320 ITERS=10 RETINA=2,800,1344 RITERS=5 BUDGET=290 CHOICES=1 (env).
# Also runs here against lavapipe (tiny sizes).
set -uo pipefail
cd "$(dirname "$0")/../.."
BUNDLE=bench/gpu/dist/step-bench.cjs
[ -f "$BUNDLE" ] || { echo "run.sh: $BUNDLE missing: run bench/gpu/build.sh first (where npm works)" >&2; exit 2; }
if ! command -v node >/dev/null 2>&1 && [ -f .gpu-kit/env.sh ]; then source .gpu-kit/env.sh; fi
BATCHES=${BATCHES:-2,16}; SIZE=${SIZE:-320}; ITERS=${ITERS:-10}
RETINA=${RETINA:-2,800,1344}; IFS=, read -r RB RH RW <<< "$RETINA"; RITERS=${RITERS:-5}
mkdir -p "${OUT:-/tmp}"; LOG=${OUT:-/tmp}/gpu-bench.jsonl; : > "$LOG"
# the kernel-tuning runs save their choices here (per adapter and precision): a tuning table for this GPU
TUNED=${OUT:-/tmp}/webgpu-tuning.json; rm -f "$TUNED"
run() { echo "+ $*" >&2; timeout "${T:-150}" "$@" 2> >(grep -v -E '^Warning: maxDynamic|XDG_RUNTIME_DIR' >&2) | tee -a "$LOG"; }
# The required parts (the step, RetinaNet, PyTorch) always run; the rest only while the time
# budget lasts (BUDGET seconds from the start, default 290: the whole script stays under 5
# minutes), each cut off where it would pass it.
START=$SECONDS; BUDGET=${BUDGET:-290}
opt() {
  local left=$(( BUDGET - (SECONDS - START) )) t=${T:-150}
  if (( left < 20 )); then echo "run.sh: skipped, time budget of ${BUDGET} s spent (BUDGET=… for more): $*" >&2; return; fi
  T=$(( left < t ? left : t )) run "$@"
}
TORCH=0; python3 -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null && TORCH=1
VISION=0; [ "$TORCH" = 1 ] && python3 -c 'import torchvision' 2>/dev/null && VISION=1
[ "$TORCH" = 1 ] || echo "run.sh: PyTorch with CUDA not available here; skipping the PyTorch side" >&2
[ "$TORCH" = 1 ] && [ "$VISION" = 0 ] && echo "run.sh: torchvision not installed; skipping PyTorch's RetinaNet" >&2
LAST=${BATCHES##*,}

T=100 run node bench/gpu/dist/feature-probe.cjs  # seconds: adapter features, subgroup-matrix (tensor-core) GEMM if offered
T=60 run node "$BUNDLE" sgmat-check  # seconds: det's f16 self-check per matrix shape the adapter offers, every output's error
run node "$BUNDLE" step --batches "$BATCHES" --size "$SIZE" --iters "$ITERS" --warmup 3 --repeats 3
run node "$BUNDLE" step --batches "$BATCHES" --size "$SIZE" --iters "$ITERS" --warmup 3 --repeats 3 --conv-precision f16
if [ "$TORCH" = 1 ]; then
  run python3 bench/gpu/torch_step.py --batches "$BATCHES" --size "$SIZE" --iters 20 --warmup 5
  run python3 bench/gpu/torch_step.py --batches "$BATCHES" --size "$SIZE" --iters 20 --warmup 5 --no-tf32
fi
run node "$BUNDLE" retinanet --batch "$RB" --height "$RH" --width "$RW" --iters "$RITERS" --warmup 2
[ "$VISION" = 1 ] && run python3 bench/gpu/torch_retinanet.py --batch "$RB" --height "$RH" --width "$RW" --iters 10 --warmup 3
T=240 opt env DET_WEBGPU_AUTOTUNE_CACHE="$TUNED" node "$BUNDLE" step --batches "$LAST" --size "$SIZE" --iters "$ITERS" --warmup 3 --repeats 3 --autotune --conv-precision f16
opt node "$BUNDLE" step --batches "$LAST" --size "$SIZE" --iters "$ITERS" --warmup 3 --repeats 3 --conv-precision f16 --dawn-toggles disable_robustness,disable_workgroup_init,skip_validation
opt node "$BUNDLE" retinanet --batch "$RB" --height "$RH" --width "$RW" --iters "$RITERS" --warmup 2 --conv-precision f16
opt node "$BUNDLE" profile --batch "$LAST" --size "$SIZE" --top 16 --conv-precision f16
T=240 opt env DET_WEBGPU_AUTOTUNE_CACHE="$TUNED" node "$BUNDLE" step --batches "$LAST" --size "$SIZE" --iters "$ITERS" --warmup 3 --autotune
opt node "$BUNDLE" step --batches "$BATCHES" --size "$SIZE" --iters 3 --warmup 1 --stock
opt node "$BUNDLE" kernels --batch "$LAST" --size "$SIZE" --iters 5 --conv-precision f16
opt node "$BUNDLE" profile --batch "$LAST" --size "$SIZE" --top 16
if [ "${CHOICES:-1}" = 1 ]; then
  opt node "$BUNDLE" dispatch-cost
  opt node "$BUNDLE" step --batches "$LAST" --size "$SIZE" --iters "$ITERS" --warmup 3 --tfjs-dispatch
  opt node "$BUNDLE" step --batches "$LAST" --size "$SIZE" --iters "$ITERS" --warmup 3 --flags '{"WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE":64}'
  T=240 opt env DET_WEBGPU_AUTOTUNE_CACHE="$TUNED" node "$BUNDLE" retinanet --batch "$RB" --height "$RH" --width "$RW" --iters "$RITERS" --warmup 2 --autotune
fi
echo "run.sh: $(( SECONDS - START )) s" >&2

python3 - "$LOG" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
plain = lambda r: not r.get('flags') and r.get('dispatch', 'lean') == 'lean' and not r.get('autotune') and not r.get('dawnToggles') and not r.get('choices')
det = {r['batch']: r for r in rows if r.get('bench') == 'webgpu-step' and r['kernels'] == 'det' and plain(r) and r.get('askedConvPrecision', 'f32') == 'f32'}
f16 = [r for r in rows if r.get('bench') == 'webgpu-step' and r['kernels'] == 'det' and plain(r) and r.get('askedConvPrecision') == 'f16']
stock = {r['batch']: r for r in rows if r.get('bench') == 'webgpu-step' and r['kernels'] == 'tfjs'}
torch = {r['batch']: r for r in rows if r.get('bench') == 'torch-step' and r.get('tf32', True)}
strict = {r['batch']: r for r in rows if r.get('bench') == 'torch-step' and not r.get('tf32', True)}
if det: print(f"\nadapter: {next(iter(det.values()))['adapter']}")
if torch: print(f"pytorch: {next(iter(torch.values()))['torch']} on {next(iter(torch.values()))['device']}")
fmt = lambda v: f"{v:.2f}" if v is not None else "-"
lossf = lambda v: f"{v:.3f}" if v is not None else "NaN (the run diverged: see the line's losses)"
print("reference step, ms/step. det: median of 3 runs, each step awaiting its loss; 'piped': steps recorded back")
print("to back, one wait at the end (how the PyTorch loop is timed); 'js': host time to record a step's dispatches.")
print("pytorch: its defaults (cuDNN may use TF32); strict: TF32 off (float32 like WebGPU)")
print(f"{'batch':>5} {'det':>7} {'piped':>7} {'js':>6} {'tfjs':>8} {'pytorch':>8} {'strict':>7} {'det/pytorch':>12} {'det/strict':>11} {'piped/pytorch':>14} {'tfjs/det':>9}")
for b in sorted(det):
    d = det[b]['msPerStep']; p = det[b].get('pipelinedMsPerStep'); s = stock.get(b, {}).get('msPerStep'); t = torch.get(b, {}).get('msPerStep'); f = strict.get(b, {}).get('msPerStep')
    print(f"{b:>5} {d:>7.2f} {fmt(p):>7} {fmt(det[b].get('jsRecordMs')):>6} {fmt(s):>8} {fmt(t):>8} {fmt(f):>7} {fmt(d / t if t else None):>12} {fmt(d / f if f else None):>11} {fmt(p / t if t and p else None):>14} {fmt(s / d if s else None):>9}")
for b in sorted(det):
    ts = torch.get(b, {}).get('syncMsPerStep')
    if ts: print(f"batch {b}, both reading each step's loss as it comes (MMEngine logs every iteration): det {det[b]['msPerStep']:.2f} ms, pytorch {ts:.2f} ms -> {det[b]['msPerStep'] / ts:.2f}x")
for r in f16:
    t = torch.get(r['batch'], {}).get('msPerStep')
    if r.get('convPrecision') != 'f16':
        print(f"conv precision f16 asked for, batch {r['batch']}: ran f32 because {r.get('convPrecisionFallback', 'the adapter has no subgroup matrices (see the feature probe)')}")
        continue
    l32 = det.get(r['batch'], {}).get('loss')  # same steps from the same seed: f16 rounding only
    print(f"conv precision f16 (matrix units {r.get('matrixUnit')}), batch {r['batch']}: {r['msPerStep']:.2f} ms, piped {fmt(r.get('pipelinedMsPerStep'))}, loss {r['loss']:.4f}"
          + (f" (f32 {l32:.4f}, relative difference {abs(r['loss'] - l32) / abs(l32):.1e})" if l32 else '')
          + (f"; det/pytorch {r['msPerStep'] / t:.2f}, piped/pytorch {fmt(r['pipelinedMsPerStep'] / t if r.get('pipelinedMsPerStep') else None)}" if t else ''))
wr = [r for r in rows if r.get('bench') == 'webgpu-retinanet' and not r.get('autotune') and r.get('askedConvPrecision', 'f32') == 'f32']
wr16 = [r for r in rows if r.get('bench') == 'webgpu-retinanet' and r.get('askedConvPrecision') == 'f16']
tr = [r for r in rows if r.get('bench') == 'torch-retinanet']
if wr:
    w = wr[0]; t = tr[0]['msPerStep'] if tr else None
    print(f"\nRetinaNet R-50-FPN training step, batch {w['batch']}×{w['height']}×{w['width']}: webgpu {w['msPerStep']:.1f} ms (loss {lossf(w['loss'])}), "
          f"pytorch {fmt(t)} ms, ratio {fmt(w['msPerStep'] / t if t else None)}")
    for w in wr16:
        print(f"RetinaNet with conv precision f16 asked for (ran {w['convPrecision']}): {w['msPerStep']:.1f} ms (loss {lossf(w['loss'])}), ratio {fmt(w['msPerStep'] / t if t else None)}")
for r in rows:
    if r.get('bench') == 'webgpu-step' and r['kernels'] == 'det' and not plain(r):
        what = f"kernel tuning on, conv precision {r.get('convPrecision', 'f32')}" if r.get('autotune') else f"choices pinned from {r['choices']}" if r.get('choices') else 'tfjs dispatch recording' if r.get('dispatch') == 'tfjs' \
            else f"conv precision {r.get('convPrecision', 'f32')}, Dawn toggles {','.join(r['dawnToggles'])}, loss {r['loss']:.4f}" if r.get('dawnToggles') else r['flags']
        t = torch.get(r['batch'], {}).get('msPerStep')
        print(f"variant (batch {r['batch']}, {what}): {r['msPerStep']:.2f} ms, piped {fmt(r.get('pipelinedMsPerStep'))}, js {fmt(r.get('jsRecordMs'))}"
              + (f"; /pytorch {r['msPerStep'] / t:.2f}, piped/pytorch {fmt(r['pipelinedMsPerStep'] / t if r.get('pipelinedMsPerStep') else None)}" if t else ''))
    if r.get('bench') == 'webgpu-retinanet' and r.get('autotune'):
        t = tr[0]['msPerStep'] if tr else None
        print(f"variant (RetinaNet, kernel tuning on): {r['msPerStep']:.1f} ms, ratio {fmt(r['msPerStep'] / t if t else None)}")
    if r.get('bench') == 'kernel-tuning' and r['choice'] != r['default']:
        print(f"tuned (batch {r['batch']}, {r.get('convPrecision', 'f32')}) {r['kernel']} {r['key']}: {r['choice']} {r['choiceMs']:.3f} ms vs default {r['default']} {fmt(r.get('defaultMs'))} ms")
    if r.get('bench') == 'kernel-tuning-summary':
        print(f"kernel tuning (batch {r['batch']}, {r.get('convPrecision', 'f32')}): {r['shapes']} shapes, {r['changed']} changed, GPU ms saved if each shape runs once {r['gpuMsSavedPerCall']}")
    if r.get('bench') == 'dispatch-cost':
        print(f"host time to record one op: lean path {r['leanUsPerOp']} µs, tfjs's path {r['tfjsUsPerOp']} µs")
    if r.get('bench', '').startswith('conv2d-') and 'detF16Ms' in r:
        print(f"{r['bench']} x {r['x']} stride {r['stride']}: det f32 {r['detMs']} ms ({r['detTflops']} TFLOP/s), f16 {r['detF16Ms']} ms ({r['detF16Tflops']} TFLOP/s), f16 {r['f16Speedup']}x")
    if r.get('bench') == 'input-grad-sweep':
        print(f"input grad {r['x']} stride {r['stride']}: det default {r['detDefault']}; best {r['best']['tiling']} {r['best']['ms']} ms "
              f"({r['best']['tflops']} TFLOP/s); tfjs GEMM {r['tfjs']['ms']} ms")
# #8's target: the batch-LAST reference step within 3x of PyTorch (its defaults), best of what ran
last = max((r['batch'] for r in rows if r.get('bench') == 'webgpu-step'), default=None)
t = torch.get(last, {}).get('msPerStep') if last else None
tried = [r for r in rows if r.get('bench') == 'webgpu-step' and r['kernels'] == 'det' and r['batch'] == last]
if t and tried:
    name = lambda r: f"conv precision {r.get('convPrecision', 'f32')}" + (", kernel tuning" if r.get('autotune') else '') + (f", choices {r['choices']}" if r.get('choices') else '') + (f", {r['flags']}" if r.get('flags') else '') \
        + (", tfjs dispatch" if r.get('dispatch') == 'tfjs' else '') + (f", Dawn toggles {','.join(r['dawnToggles'])}" if r.get('dawnToggles') else '')
    best = min(tried, key=lambda r: r['msPerStep'])
    piped = min((r for r in tried if r.get('pipelinedMsPerStep')), key=lambda r: r['pipelinedMsPerStep'], default=None)
    ratio = best['msPerStep'] / t
    ts = torch.get(last, {}).get('syncMsPerStep')
    print(f"\ntarget (batch {last} within 3x of PyTorch's {t:.2f} ms): best synchronous {best['msPerStep']:.2f} ms ({name(best)}) = {ratio:.2f}x -> {'MET' if ratio <= 3 else 'not met'}"
          + (f"; best pipelined {piped['pipelinedMsPerStep']:.2f} ms ({name(piped)}) = {piped['pipelinedMsPerStep'] / t:.2f}x" if piped else '')
          + (f"; synchronous both ways (PyTorch {ts:.2f} ms) {best['msPerStep'] / ts:.2f}x" if ts else ''))
for r in rows:
    if r.get('bench') == 'feature-probe' and r.get('verdict'):
        print(f"\nfeature probe: {r['verdict']}")
    if r.get('bench') == 'feature-probe' and r.get('probe') == 'gemm-check' and '+det:' in r.get('kernel', ''):
        print(f"feature probe, det's habits: {r['kernel']}: {'ok' if r.get('ok') else 'WRONG'} (max rel {r.get('maxRel')})")
    if r.get('bench') == 'sgmat-check' and r.get('unit'):
        bad = {k: v for k, v in (r.get('outputs') or {}).items() if v}
        print(f"f16 self-check, matrices {r['unit']['M']}x{r['unit']['N']}x{r['unit']['K']}: " + ('ok' if not bad else '; '.join(f'{k}: {v}' for k, v in bad.items()))
              + (f"; uncaptured: {r['uncaptured']}" if r.get('uncaptured') else ''))
for r in rows:
    if r.get('bench') == 'profile':
        print(f"\nprofile ({r.get('convPrecision', 'f32')}), batch {r['batch']}: {r['kernelsRun']} kernels; top by GPU ms: " +
              ', '.join(f"{k['name']}×{k['count']} {k['ms']:.1f}" for k in r['top']))
PY
