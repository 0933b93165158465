// det's ResNet-18 against torchvision's on the same weights: loads the file written by
// torchvision_parity.py (PyTorch names and OIHW layout), converts the layout, loads it strictly
// (after dropping torchvision's fc) and compares layer1..layer4 outputs in eval mode. Usage:
//   /usr/bin/python3 bench/models/torchvision_parity.py /tmp/r18.safetensors
//   node bench/models/run.cjs torchvision-parity /tmp/r18.safetensors
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '@det/registry';
import { ResNet, loadCheckpointInto, loadWeights, selectBackend, torchToDetLayout } from '@det/models';

async function main(): Promise<void> {
  await selectBackend(process.argv[4] ?? 'cpu');
  const { stateDict } = loadWeights(process.argv[3] ?? '/tmp/r18.safetensors');
  const weights = Object.fromEntries(Object.entries(stateDict).filter(([k]) => k.startsWith('state_dict.') && !k.startsWith('state_dict.fc.')));
  const model = new ResNet({ depth: 18, rng: new Rng(0) });
  const det = torchToDetLayout(weights);
  const report = loadCheckpointInto(model, det, { strict: true });
  console.log(`strict load: ${report.missing.length} missing, ${report.unexpected.length} unexpected, ${report.mismatched.length} mismatched`);
  model.eval();
  const outs = model.forward(stateDict.input);
  outs.forEach((o, i) => {
    const want = stateDict[`expected.layer${i + 1}`];
    const maxDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(o, want))).dataSync()[0]);
    const maxAbs = tf.tidy(() => tf.max(tf.abs(want)).dataSync()[0]);
    console.log(`layer${i + 1} [${o.shape}] max |det - torch| = ${maxDiff.toExponential(2)} (max |torch| ${maxAbs.toFixed(2)})`);
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
