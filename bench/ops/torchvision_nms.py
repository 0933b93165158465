# Peer timing for bench/ops/nms.bench.ts: torchvision.ops.nms / batched_nms on the same float32
# boxes. Usage: python3 torchvision_nms.py DIR REPEATS IOU N... ; prints JSON on stdout.
import json, os, sys, time
import numpy as np
import torch, torchvision
from torchvision.ops import nms, batched_nms

d, repeats, iou = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
results = {}
for n in map(int, sys.argv[4:]):
    boxes = torch.from_numpy(np.fromfile(os.path.join(d, f'boxes_{n}.f32'), dtype=np.float32).reshape(n, 4))
    scores = torch.from_numpy(np.fromfile(os.path.join(d, f'scores_{n}.f32'), dtype=np.float32))
    labels = torch.from_numpy(np.fromfile(os.path.join(d, f'labels_{n}.i32'), dtype=np.int32).astype(np.int64))
    def timed(fn):
        fn()
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter(); fn(); ts.append((time.perf_counter() - t0) * 1e3)
        return sorted(ts)[len(ts) // 2]
    results[str(n)] = {
        'nms_ms': timed(lambda: nms(boxes, scores, iou)),
        'batched_ms': timed(lambda: batched_nms(boxes, scores, labels, iou)),
        'keep': nms(boxes, scores, iou).tolist(),
        'keep_batched': batched_nms(boxes, scores, labels, iou).tolist(),
    }
print(json.dumps({'versions': f'torch {torch.__version__} / torchvision {torchvision.__version__}, {torch.get_num_threads()} threads', 'results': results}))
