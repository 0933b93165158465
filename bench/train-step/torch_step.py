"""PyTorch twin of network.js for the side-by-side train-step benchmark (run by run.js)."""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

LAYERS = [(3, 16, 1), (16, 32, 2), (32, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2)]
ANCHORS = 9


def main():
    opts = json.loads(sys.argv[1])
    torch.set_num_threads(opts["threads"])
    torch.manual_seed(1)
    batch, size, num_classes = opts["batch"], opts["size"], opts["classes"]
    convs, bns = [], []
    for cin, cout, _ in LAYERS:
        w = torch.randn(cout, cin, 3, 3) * math.sqrt(2 / (9 * cout))
        convs.append(w.requires_grad_())
        bns.append((torch.ones(cout, requires_grad=True), torch.zeros(cout, requires_grad=True)))
    cls_w = (torch.randn(ANCHORS * num_classes, 256, 3, 3) * 0.01).requires_grad_()
    cls_b = torch.full((ANCHORS * num_classes,), -4.595, requires_grad=True)
    reg_w = (torch.randn(ANCHORS * 4, 256, 3, 3) * 0.01).requires_grad_()
    reg_b = torch.zeros(ANCHORS * 4, requires_grad=True)
    params = convs + [p for bn in bns for p in bn] + [cls_w, cls_b, reg_w, reg_b]
    optimizer = torch.optim.SGD(params, lr=0.01, momentum=0.9)

    fm = math.ceil(size / 16)
    x = torch.randn(batch, 3, size, size)
    cls_t = (torch.rand(batch, ANCHORS * num_classes, fm, fm) < 0.01).float()
    num_pos = max(1.0, cls_t.sum().item())
    reg_t = torch.randn(batch, ANCHORS * 4, fm, fm) * 0.5

    def step():
        y = x
        for (cin, cout, stride), w, (gamma, beta) in zip(LAYERS, convs, bns):
            # 'same' padding as tfjs: stride 2 on even sizes pads only bottom/right.
            if stride == 1:
                y = F.conv2d(y, w, padding=1)
            else:
                y = F.conv2d(F.pad(y, (0, 1, 0, 1)), w, stride=2)
            y = F.relu(F.batch_norm(y, None, None, gamma, beta, training=True, eps=1e-5))
        cls = F.conv2d(y, cls_w, cls_b, padding=1)
        reg = F.conv2d(y, reg_w, reg_b, padding=1)
        p = torch.sigmoid(cls)
        ce = F.binary_cross_entropy_with_logits(cls, cls_t, reduction="none")
        pt = p * cls_t + (1 - p) * (1 - cls_t)
        alpha = cls_t * 0.25 + (1 - cls_t) * 0.75
        focal = (ce * (1 - pt) ** 2 * alpha).sum() / num_pos
        smooth = F.smooth_l1_loss(reg, reg_t, beta=1 / 9)
        loss = focal + smooth
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(opts["warmup"]):
        step()
    times, loss = [], float("nan")
    cpu0 = time.process_time()
    for _ in range(opts["steps"]):
        t0 = time.perf_counter()
        loss = step()
        times.append((time.perf_counter() - t0) * 1000)
    cpu_ms = (time.process_time() - cpu0) * 1000 / opts["steps"]
    times.sort()
    print(json.dumps({"ms": times[len(times) // 2], "minMs": times[0], "cpuMs": cpu_ms, "loss": loss, "threads": torch.get_num_threads(), "version": torch.__version__}))


if __name__ == "__main__":
    main()
