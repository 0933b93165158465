// Loads the shared reference vectors for specs. Never exported from the package entry:
// only `*.spec.ts` files import this module.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface VectorCase {
  [key: string]: unknown;
  inputs: Record<string, unknown>;
  expected: Record<string, unknown>;
}

export interface VectorFile {
  file: string;
  description: string;
  meta?: Record<string, unknown>;
  cases: VectorCase[];
}

/** libs/models/src/testing → repo root is four levels up. */
export const repoRoot = path.resolve(__dirname, '../../../..');

/** Folder named by DET_VECTORS (relative to the repo root), default `../shared/vectors`. */
export function vectorsDir(): string {
  return path.resolve(repoRoot, process.env.DET_VECTORS ?? '../shared/vectors');
}

/** Every vector file in the folder whose name matches `pattern` (sorted). */
export function listVectorFiles(pattern: RegExp): string[] {
  const dir = vectorsDir();
  if (!fs.existsSync(dir)) throw new Error(`vectors folder ${dir} does not exist (set DET_VECTORS)`);
  return fs.readdirSync(dir).filter((f) => pattern.test(f)).sort();
}

export function loadVectors(file: string): VectorFile {
  const full = path.join(vectorsDir(), file);
  const raw = JSON.parse(fs.readFileSync(full, 'utf8')) as Omit<VectorFile, 'file'>;
  if (!Array.isArray(raw.cases) || raw.cases.length === 0) throw new Error(`${full}: no cases`);
  return { ...raw, file: full };
}

/** Flattens nested numeric lists to a Float64Array (row-major). */
export function flat(value: unknown): Float64Array {
  const out: number[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'number') out.push(v);
    else throw new Error(`expected a number or nested list, got ${JSON.stringify(v)}`);
  };
  walk(value);
  return Float64Array.from(out);
}

/** Shape of a rectangular nested list. */
export function shapeOf(value: unknown): number[] {
  const shape: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| element-wise and names the worst
 * element in the failure message (`what` says which file/case/key).
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  { rtol = 1e-5, atol = 1e-6 }: { rtol?: number; atol?: number } = {},
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length} != expected ${expected.length}`);
  }
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${what}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (rtol ${rtol}, atol ${atol})`,
    );
  }
}
