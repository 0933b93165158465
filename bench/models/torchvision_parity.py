"""Writes a torchvision ResNet-18 (random weights, randomised BN statistics, eval mode), an input
and its layer1..layer4 outputs to a safetensors file that torchvision-parity.bench.ts checks det's
ResNet against. Run with Debian's python3-torch: /usr/bin/python3 bench/models/torchvision_parity.py OUT
"""
import json
import struct
import sys

import numpy as np
import torch
import torchvision

DTYPES = {np.dtype('float32'): 'F32', np.dtype('int64'): 'I64'}


def write_safetensors(path, arrays):
    header, blobs, offset = {}, [], 0
    for name in sorted(arrays):
        a = np.array(arrays[name], order="C")  # keeps 0-d arrays 0-d (ascontiguousarray would not)
        raw = a.tobytes()  # little-endian on x86
        header[name] = {'dtype': DTYPES[a.dtype], 'shape': list(a.shape), 'data_offsets': [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    torch.manual_seed(0)
    net = torchvision.models.resnet18()
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    net.eval()
    x = torch.randn(2, 3, 64, 64)
    outs = {}
    with torch.no_grad():
        y = net.maxpool(net.relu(net.bn1(net.conv1(x))))
        for i in range(1, 5):
            y = getattr(net, f'layer{i}')(y)
            outs[f'expected.layer{i}'] = y.permute(0, 2, 3, 1).numpy()  # NHWC
    arrays = {f'state_dict.{k}': v.numpy() for k, v in net.state_dict().items()}  # PyTorch layout (OIHW)
    arrays['input'] = x.permute(0, 2, 3, 1).numpy()
    arrays.update(outs)
    write_safetensors(sys.argv[1], arrays)
    print(f'wrote {sys.argv[1]}: {len(arrays)} tensors')


if __name__ == '__main__':
    main()
