import '@tensorflow/tfjs-backend-cpu';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DetError, Rng, decodeSafetensors } from '@det/registry';
import { ConvModule } from '../nn';
import { ResNet } from '../backbones/resnet';
import { loadCheckpointInto } from './load-checkpoint';
import { loadWeights, saveWeights } from './weights-io';
import { detToTorchLayout, torchToDetLayout } from './torch-layout';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'det-weights-'));
afterAll(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

describe('weights I/O (safetensors)', () => {
  it('round-trips a model state dict bit-exactly, including int buffers and metadata', async () => {
    const src = new ResNet({ depth: 18, baseChannels: 4, rng: new Rng(1) });
    const file = path.join(tmpDir, 'r18.safetensors');
    await saveWeights(file, src.stateDict(), { format: 'det', note: 'test' });
    // the file is plain safetensors: header fields as the format defines them
    const raw = decodeSafetensors(new Uint8Array(fs.readFileSync(file)));
    expect(raw.metadata).toEqual({ format: 'det', note: 'test' });
    expect(raw.tensors['layer1.0.conv1.weight'].dtype).toBe('F32');
    expect(raw.tensors['layer1.0.conv1.weight'].shape).toEqual([3, 3, 4, 4]);
    expect(raw.tensors['bn1.num_batches_tracked'].dtype).toBe('I32');

    const { stateDict, metadata } = loadWeights(file);
    expect(metadata.note).toBe('test');
    const dst = new ResNet({ depth: 18, baseChannels: 4, rng: new Rng(2) });
    const report = loadCheckpointInto(dst, stateDict, { strict: true });
    expect(report).toEqual({ missing: [], unexpected: [], mismatched: [] });
    for (const [k, v] of Object.entries(src.stateDict())) {
      expect(Array.from(dst.stateDict()[k].dataSync())).toEqual(Array.from(v.dataSync()));
    }
    tf.dispose(Object.values(stateDict));
    src.dispose();
    dst.dispose();
  });

  it('non-strict load reports missing / unexpected / mismatched keys; strict throws listing them', async () => {
    const a = new ConvModule({ inChannels: 3, outChannels: 4, kernelSize: 3, normCfg: { type: 'BN' }, rng: new Rng(0) });
    const b = new ConvModule({ inChannels: 3, outChannels: 8, kernelSize: 3, normCfg: { type: 'BN' }, rng: new Rng(0) });
    const file = path.join(tmpDir, 'conv.safetensors');
    // a det checkpoint: tensors under `state_dict.` plus optimizer state
    const momentum = tf.zeros([2]);
    await saveWeights(file, { ...Object.fromEntries(Object.entries(a.stateDict()).map(([k, v]) => [`state_dict.${k}`, v])), 'state_dict.extra.weight': momentum, 'optimizer.momentum': momentum });
    const { stateDict } = loadWeights(file);
    expect(() => loadCheckpointInto(b, stateDict, { strict: true })).toThrow(DetError);
    expect(() => loadCheckpointInto(b, stateDict, { strict: true })).toThrow(/shape mismatch for conv.weight: model \[3,3,3,8\], checkpoint \[3,3,3,4\]/);
    const report = loadCheckpointInto(b, stateDict, { log: false });
    expect(report.unexpected).toEqual(['extra.weight']);
    expect(report.missing).toEqual([]);
    expect(report.mismatched.map((m) => m.key).sort()).toEqual(['bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.weight', 'conv.weight']);
    // what fitted was loaded
    expect(b.stateDict()['bn.num_batches_tracked'].dataSync()[0]).toBe(0);
    tf.dispose([momentum, ...Object.values(stateDict)]);
    a.dispose();
    b.dispose();
  });

  it('names the file when it is missing or not safetensors', () => {
    expect(() => loadWeights(path.join(tmpDir, 'nope.safetensors'))).toThrow(/nope.safetensors does not exist/);
    const bad = path.join(tmpDir, 'bad.safetensors');
    fs.writeFileSync(bad, 'hello');
    expect(() => loadWeights(bad)).toThrow(/bad.safetensors/);
  });

  it('torchToDetLayout turns OIHW kernels into HWIO (and back), leaving other tensors alone', () => {
    // element (o, i, h, w) of a [2, 3, 2, 2] kernel holds o·1000 + i·100 + h·10 + w
    const values = [];
    for (let o = 0; o < 2; o++) for (let i = 0; i < 3; i++) for (let h = 0; h < 2; h++) for (let w = 0; w < 2; w++) values.push(o * 1000 + i * 100 + h * 10 + w);
    const torch = { 'conv.weight': tf.tensor4d(values, [2, 3, 2, 2]), 'bn.bias': tf.tensor1d([1, 2]) };
    const det = torchToDetLayout(torch);
    expect(det['conv.weight'].shape).toEqual([2, 2, 3, 2]);
    const hwio = det['conv.weight'].arraySync() as number[][][][];
    expect(hwio[1][0][2][1]).toBe(1000 + 200 + 10 + 0);
    expect(Array.from(det['bn.bias'].dataSync())).toEqual([1, 2]);
    const back = detToTorchLayout(det);
    expect(Array.from(back['conv.weight'].dataSync())).toEqual(values);
    tf.dispose([...Object.values(torch), ...Object.values(det), ...Object.values(back)]);
  });
});
