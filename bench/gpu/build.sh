#!/usr/bin/env bash
# Builds bench/gpu/dist/: one esbuild bundle of step-bench.ts (tfjs, det's webgpu code and its
# @det/registry imports inside) plus a slim copy of the `webgpu` package (entry + linux-x64
# dawn.node only; the npm package ships every platform, 132 MB, over the device tool's 64 MiB
# carry). Carry bench/gpu/dist and .gpu-kit to a GPU machine; see bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=bench/gpu/dist
rm -rf "$OUT" && mkdir -p "$OUT/node_modules/webgpu/dist/linux-x64"
# --main-fields module,main: one (ESM) copy of tfjs-core, so the gradients registered by
# register_all_gradients and the ops share it. @det/source: bundle @det/registry from source
# (its lazily loaded @swc/core, used only to read .ts configs, stays out).
npx esbuild bench/gpu/step-bench.ts --bundle --platform=node --target=node20 --format=cjs \
  --main-fields=module,main --conditions=@det/source --external:webgpu --external:@swc/core --external:esbuild \
  --outfile="$OUT/step-bench.cjs" --log-level=warning
# the WebGPU feature probe (subgroup matrices = the tensor-core route; feature-probe.ts)
npx esbuild bench/gpu/feature-probe.ts --bundle --platform=node --target=node20 --format=cjs \
  --main-fields=module,main --conditions=@det/source --external:webgpu --external:@swc/core --external:esbuild \
  --outfile="$OUT/feature-probe.cjs" --log-level=warning
WG=node_modules/webgpu
cp "$WG/package.json" "$WG/index.js" "$WG/LICENSE.md" "$OUT/node_modules/webgpu/"
cp "$WG/dist/linux-x64/dawn.node" "$OUT/node_modules/webgpu/dist/linux-x64/"
cp bench/gpu/run.sh bench/gpu/torch_step.py bench/gpu/torch_retinanet.py "$OUT/"
# the default RetinaNet config, resolved here (reading .ts configs needs @swc/core, not carried)
node apps/cli/bin/det.js print-config configs/retinanet/retinanet_r50_fpn_1x_coco.ts --json > "$OUT/retinanet.json"
du -sh "$OUT" | awk '{print "bench/gpu/dist: " $1}'
