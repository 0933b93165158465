"""Reference numbers for det's optimizers from PyTorch (Debian's python3-torch 1.13).

Writes libs/runner/src/optim/__fixtures__/torch_optim.json. Each case minimises
loss = sum(a * p**2 + b * p) (so each step's gradient 2*a*p + b depends on the current p) for a few
steps and records p after every step; clip cases record clip_grad_norm_'s total norm and result.
Run:  /usr/bin/python3 bench/runner/make-torch-optim-fixture.py
"""
import json
import os

import torch

torch.manual_seed(0)
P0 = [0.5, -1.25, 2.0, -0.3, 0.05]
A = [0.3, 1.2, 0.05, 2.0, 0.7]
B = [0.1, -0.4, 0.25, 0.0, -0.05]
STEPS = 5

CASES = [
    ("sgd_nesterov_wd", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4),
     dict(lr=0.1, momentum=0.9, nesterov=True, weightDecay=1e-4)),
    ("sgd_dampening_wd", "SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01),
     dict(lr=0.05, momentum=0.9, dampening=0.1, weightDecay=0.01)),
    ("sgd_plain", "SGD", dict(lr=0.2), dict(lr=0.2)),
    ("adam_l2", "Adam", dict(lr=0.01, weight_decay=0.01), dict(lr=0.01, weightDecay=0.01)),
    ("adamw_amsgrad", "AdamW", dict(lr=0.01, betas=(0.8, 0.95), weight_decay=0.1, amsgrad=True),
     dict(lr=0.01, betas=[0.8, 0.95], weightDecay=0.1, amsgrad=True)),
    ("adamw_default", "AdamW", dict(lr=0.003), dict(lr=0.003)),
]


def run(cls_name, kwargs):
    p = torch.nn.Parameter(torch.tensor(P0, dtype=torch.float32))
    a = torch.tensor(A, dtype=torch.float32)
    b = torch.tensor(B, dtype=torch.float32)
    opt = getattr(torch.optim, cls_name)([p], **kwargs)
    history = []
    for _ in range(STEPS):
        opt.zero_grad()
        (a * p * p + b * p).sum().backward()
        opt.step()
        history.append([float(v) for v in p.detach()])
    return history


def clip(norm_type):
    g1 = torch.tensor([3.0, -4.0, 0.5], dtype=torch.float32)
    g2 = torch.tensor([[1.0, 2.0], [-2.5, 0.25]], dtype=torch.float32)
    ps = [torch.nn.Parameter(torch.zeros_like(g1)), torch.nn.Parameter(torch.zeros_like(g2))]
    ps[0].grad = g1.clone()
    ps[1].grad = g2.clone()
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm=1.5, norm_type=norm_type)
    return dict(normType='Infinity' if norm_type == float('inf') else norm_type, maxNorm=1.5,
                grads=[g1.flatten().tolist(), g2.flatten().tolist()],
                shapes=[list(g1.shape), list(g2.shape)],
                totalNorm=float(total),
                clipped=[ps[0].grad.flatten().tolist(), ps[1].grad.flatten().tolist()])


out = dict(
    torch=torch.__version__, p0=P0, a=A, b=B, steps=STEPS,
    cases=[dict(name=n, type=t, options=det_opts, history=run(t, kw)) for n, t, kw, det_opts in CASES],
    clip=[clip(2.0), clip(1.0), clip(float('inf'))],
)
dest = os.path.join(os.path.dirname(__file__), '../../libs/runner/src/optim/__fixtures__/torch_optim.json')
with open(dest, 'w') as f:
    json.dump(out, f, indent=1)
print('wrote', os.path.normpath(dest))
