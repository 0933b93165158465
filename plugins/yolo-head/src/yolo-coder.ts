const EPS = 1e-6;

/**
 * MMDetection's YOLOBBoxCoder targets for one prior and its gt: the centre offset inside the cell
 * as a fraction (σ(tx) should reach it, so it is clamped into (0, 1)) and log size ratios.
 */
export function encodeYolo(prior: ArrayLike<number>, gt: ArrayLike<number>, stride: number): [number, number, number, number] {
  const [px, py] = [(prior[0] + prior[2]) / 2, (prior[1] + prior[3]) / 2];
  const [pw, ph] = [prior[2] - prior[0], prior[3] - prior[1]];
  const [gx, gy] = [(gt[0] + gt[2]) / 2, (gt[1] + gt[3]) / 2];
  const [gw, gh] = [gt[2] - gt[0], gt[3] - gt[1]];
  const clamp = (v: number) => Math.min(1 - EPS, Math.max(EPS, v));
  return [
    clamp((gx - px) / stride + 0.5),
    clamp((gy - py) / stride + 0.5),
    Math.log(Math.max(gw, EPS) / pw),
    Math.log(Math.max(gh, EPS) / ph),
  ];
}

/** Inverse of encodeYolo on raw outputs: (σ(tx) − 0.5)·stride + prior centre, exp(tw)·prior size. */
export function decodeYolo(prior: ArrayLike<number>, raw: ArrayLike<number>, stride: number): [number, number, number, number] {
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  const cx = (sigmoid(raw[0]) - 0.5) * stride + (prior[0] + prior[2]) / 2;
  const cy = (sigmoid(raw[1]) - 0.5) * stride + (prior[1] + prior[3]) / 2;
  const w = Math.exp(raw[2]) * (prior[2] - prior[0]);
  const h = Math.exp(raw[3]) * (prior[3] - prior[1]);
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}
