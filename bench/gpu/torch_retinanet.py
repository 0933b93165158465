#!/usr/bin/env python3
"""det's default RetinaNet config (configs/retinanet/retinanet_r50_fpn_1x_coco.ts: R-50-FPN,
stem and stage 1 frozen, BatchNorm frozen, P6/P7 from C5, 4-conv heads, focal + L1 losses,
80 classes) as torchvision builds it, one SGD training step on CUDA at the config's input size,
for the webgpu-vs-PyTorch ratio in bench/gpu/run.sh. Random init; synthetic images with 5 gt
boxes each, like step-bench.ts's `retinanet` mode. Needs torchvision; prints one JSON line.

usage: python3 bench/gpu/torch_retinanet.py [--batch 2] [--height 800] [--width 1344] [--iters 10] [--warmup 3]
"""
import argparse
import json
import time

import torch
from torchvision.models import resnet50
from torchvision.models.detection.backbone_utils import _resnet_fpn_extractor
from torchvision.models.detection.retinanet import RetinaNet
from torchvision.ops.feature_pyramid_network import LastLevelP6P7
from torchvision.ops.misc import FrozenBatchNorm2d


def build(num_classes, height, width):
    # frozenStages 1 + normEval: FrozenBatchNorm everywhere, stem and layer1 not trained (3 trainable stages)
    # zero_init_residual: det (like MMDetection) starts each bottleneck's last norm at weight 0 under random init
    body = resnet50(weights=None, norm_layer=FrozenBatchNorm2d, zero_init_residual=True)
    backbone = _resnet_fpn_extractor(body, 3, returned_layers=[2, 3, 4], extra_blocks=LastLevelP6P7(2048, 256))
    # the transform must not rescale: images arrive at the config's (already padded) size
    return RetinaNet(backbone, num_classes, min_size=height, max_size=max(height, width), image_mean=[0.0] * 3, image_std=[1.0] * 3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--height", type=int, default=800)
    ap.add_argument("--width", type=int, default=1344)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--device", default="cuda")
    a = ap.parse_args()
    torch.backends.cudnn.benchmark = True
    dev = torch.device(a.device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    torch.manual_seed(0)
    model = build(80, a.height, a.width).to(dev).train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.001, momentum=0.9)
    g = torch.Generator().manual_seed(11)
    images = [torch.rand(3, a.height, a.width, generator=g).to(dev) * 2 - 1 for _ in range(a.batch)]
    targets = []
    for _ in range(a.batch):
        wh = 32 + torch.rand(5, 2, generator=g) * torch.tensor([a.width, a.height]) * 0.4
        xy = torch.rand(5, 2, generator=g) * (torch.tensor([a.width, a.height]) - wh)
        targets.append({"boxes": torch.cat([xy, xy + wh], 1).to(dev), "labels": torch.randint(0, 80, (5,), generator=g).to(dev)})

    def step():
        opt.zero_grad(set_to_none=True)
        losses = model(images, targets)
        loss = sum(losses.values())
        loss.backward()
        opt.step()
        return loss

    for _ in range(a.warmup):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(a.iters):
        loss = step()
    sync()
    ms = (time.perf_counter() - t0) * 1000 / a.iters
    print(json.dumps({"bench": "torch-retinanet", "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else a.device,
                      "torch": torch.__version__, "batch": a.batch, "height": a.height, "width": a.width, "iters": a.iters,
                      "msPerStep": round(ms, 2), "loss": float(loss), "tf32": torch.backends.cudnn.allow_tf32}), flush=True)


if __name__ == "__main__":
    main()
