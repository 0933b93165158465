/**
 * The source row (or column) of each output row of a nearest-neighbour resize, with exactly
 * tfjs-backend-cpu's arithmetic (JS doubles): shared by the native forward kernel and the wasm
 * gradient, so both agree with the cpu backend.
 */
export function nearestSources(outSize: number, inSize: number, alignCorners: boolean, halfPixel: boolean): Float32Array {
  const ratio = (alignCorners && outSize > 1 ? inSize - 1 : inSize) / (alignCorners && outSize > 1 ? outSize - 1 : outSize);
  const src = new Float32Array(outSize);
  for (let i = 0; i < outSize; ++i) {
    const frac = halfPixel ? ratio * (i + 0.5) : ratio * i;
    let nearest = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixel) nearest = Math.max(0, nearest);
    src[i] = nearest;
  }
  return src;
}
