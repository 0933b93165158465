#!/usr/bin/env python3
"""The reference training step (ENVIRONMENT.md's network, as bench/train-step/network.js and
libs/models/src/webgpu/testing/reference-network.ts define it) in PyTorch on CUDA, for the
WebGPU-vs-PyTorch ratio in bench/gpu/run.sh. PyTorch defaults otherwise (cuDNN autotuning on,
channels_last). Prints one JSON line per batch size: msPerStep times steps queued back to back with
one synchronize at the end; syncMsPerStep reads each step's loss with .item() as it comes, the way
MMEngine's logger does every iteration (det's "synchronous" figure awaits each loss the same way).

usage: python3 bench/gpu/torch_step.py [--batches 2,16] [--size 320] [--iters 20] [--warmup 5] [--device cuda]
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

LAYERS = [(3, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2)]
ANCHORS = 9


class ReferenceNet(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        blocks = []
        for cin, cout, stride in LAYERS:
            blocks += [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout, eps=1e-5), nn.ReLU(inplace=True)]
        self.backbone = nn.Sequential(*blocks)
        self.cls = nn.Conv2d(256, ANCHORS * num_classes, 3, 1, 1)
        self.reg = nn.Conv2d(256, ANCHORS * 4, 3, 1, 1)
        nn.init.normal_(self.cls.weight, std=0.01)
        nn.init.constant_(self.cls.bias, -4.595)
        nn.init.normal_(self.reg.weight, std=0.01)
        nn.init.zeros_(self.reg.bias)

    def forward(self, x):
        y = self.backbone(x)
        return self.cls(y), self.reg(y)


def loss_fn(cls, reg, cls_t, reg_t, num_pos):
    p = torch.sigmoid(cls)
    ce = F.binary_cross_entropy_with_logits(cls, cls_t, reduction="none")
    pt = p * cls_t + (1 - p) * (1 - cls_t)
    alpha = cls_t * 0.25 + (1 - cls_t) * 0.75
    focal = (ce * (1 - pt) ** 2 * alpha).sum() / num_pos
    smooth = F.smooth_l1_loss(reg, reg_t, beta=1 / 9, reduction="mean")
    return focal + smooth


def bench(batch, size, iters, warmup, device="cuda", num_classes=20):
    dev = torch.device(device)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    torch.manual_seed(1)
    model = ReferenceNet(num_classes).to(dev).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    fm = size // 16
    x = torch.randn(batch, 3, size, size, device=dev).to(memory_format=torch.channels_last)
    cls_t = (torch.rand(batch, ANCHORS * num_classes, fm, fm, device=dev) < 0.01).float()
    num_pos = max(1.0, float(cls_t.sum()))
    reg_t = torch.randn(batch, ANCHORS * 4, fm, fm, device=dev) * 0.5

    def step():
        opt.zero_grad(set_to_none=True)
        cls, reg = model(x)
        loss = loss_fn(cls, reg, cls_t, reg_t, num_pos)
        loss.backward()
        opt.step()
        return loss

    for _ in range(warmup):
        step()
    sync()
    t0 = time.perf_counter()
    for _ in range(iters):
        loss = step()
    sync()
    ms = (time.perf_counter() - t0) * 1000 / iters
    t0 = time.perf_counter()
    for _ in range(iters):
        step().item()
    sync_ms = (time.perf_counter() - t0) * 1000 / iters
    return {"bench": "torch-step", "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else device, "torch": torch.__version__,
            "batch": batch, "size": size, "iters": iters, "msPerStep": round(ms, 3), "syncMsPerStep": round(sync_ms, 3), "loss": float(loss)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", default="2,16")
    ap.add_argument("--size", type=int, default=320)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--device", default="cuda", help="cpu only to smoke-test this script without a GPU")
    ap.add_argument("--no-tf32", action="store_true", help="strict float32 convolutions (PyTorch's default lets cuDNN use TF32)")
    a = ap.parse_args()
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.allow_tf32 = not a.no_tf32
    for b in [int(s) for s in a.batches.split(",")]:
        row = bench(b, a.size, a.iters, a.warmup, a.device)
        row["tf32"] = torch.backends.cudnn.allow_tf32
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
