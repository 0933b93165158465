# Peer timing for bench/ops/roi-align.bench.ts: torchvision roi_align on the same float32 data.
# Usage: python3 torchvision_roi_align.py DIR REPEATS N H W C K
import os, sys, time
import numpy as np
import torch, torchvision
from torchvision.ops import roi_align

d, repeats = sys.argv[1], int(sys.argv[2])
n, h, w, c, k = map(int, sys.argv[3:8])
feats = torch.from_numpy(np.fromfile(os.path.join(d, 'feats.f32'), dtype=np.float32).reshape(n, h, w, c)).permute(0, 3, 1, 2).contiguous()
rois = torch.from_numpy(np.fromfile(os.path.join(d, 'rois.f32'), dtype=np.float32).reshape(k, 5))

def timed(fn):
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); ts.append((time.perf_counter() - t0) * 1e3)
    return sorted(ts)[len(ts) // 2]

def fwd():
    with torch.no_grad():
        roi_align(feats, rois, (7, 7), 1 / 8, 0, True)

dy = torch.ones(k, c, 7, 7)

def fwd_bwd():
    f = feats.clone().requires_grad_(True)
    roi_align(f, rois, (7, 7), 1 / 8, 0, True).backward(dy)

print(f'torchvision {torchvision.__version__} ({torch.get_num_threads()} threads): forward {timed(fwd):.1f} ms, forward+backward {timed(fwd_bwd):.1f} ms')
