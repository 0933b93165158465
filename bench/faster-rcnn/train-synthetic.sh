#!/usr/bin/env bash
# Trains configs/faster_rcnn/faster_rcnn_tiny_synthetic.ts for ITERS iterations (LR steps at 75% and
# 90%) through `det train`, then evaluates the last checkpoint on the synthetic val split with
# `det test --eval bbox`. Needs the built dist/ (npx tsc -b tsconfig.build.json).
#   ITERS=600 WORK=/tmp/frcnn bash bench/faster-rcnn/train-synthetic.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ITERS=${ITERS:-600}
WORK=${WORK:-.tmp/bench-faster-rcnn}
DATA=${DATA:-data/synthetic_shapes}
CONFIG=configs/faster_rcnn/faster_rcnn_tiny_synthetic.ts
S1=$((ITERS * 3 / 4)); S2=$((ITERS * 9 / 10))
DATA_OPTS="data.train.dataRoot=$DATA data.val.dataRoot=$DATA data.test.dataRoot=$DATA"
start=$(date +%s)
node apps/cli/bin/det.js train "$CONFIG" --work-dir "$WORK" --no-validate --cfg-options \
  runner.maxIters="$ITERS" "lrConfig.step=[$S1,$S2]" checkpointConfig.interval="${CKPT:-$ITERS}" $DATA_OPTS
trained=$(date +%s)
node apps/cli/bin/det.js test "$CONFIG" "$WORK/latest.safetensors" --eval bbox --json --cfg-options $DATA_OPTS | tee "$WORK/test.json"
end=$(date +%s)
echo "train: $((trained - start)) s for $ITERS iterations; test: $((end - trained)) s"
