/** Rounds half-way cases to the even neighbour (IEEE round-to-nearest-even). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The nearest IEEE binary16 value (ties to even), as a GPU's f32 → f16 conversion gives it: the
 * independent reference for kernels that round their operands to f16.
 */
export function roundToF16(x: number): number {
  const a = Math.abs(x);
  if (a === 0 || !Number.isFinite(a)) return x;
  if (a >= 65520) return Math.sign(x) * Infinity;
  let quantum: number;
  if (a < 2 ** -14) {
    quantum = 2 ** -24; // subnormal spacing
  } else {
    let e = Math.floor(Math.log2(a));
    if (2 ** e > a) e -= 1;
    if (2 ** (e + 1) <= a) e += 1;
    quantum = 2 ** (e - 10);
  }
  return Math.sign(x) * roundHalfEven(a / quantum) * quantum;
}
