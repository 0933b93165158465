import { DetError } from '@det/registry';

/** Small checks for transform options; errors name the transform and the option. */
export function checkScale(owner: string, key: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === 'number' && v > 0)) {
    throw new DetError(`${owner}: '${key}' must be [width, height] with positive numbers, got ${JSON.stringify(value)}`);
  }
  return [value[0], value[1]];
}

/** Accepts one [w, h] or a list of them. */
export function checkScaleList(owner: string, key: string, value: unknown): [number, number][] {
  if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) {
    return value.map((v, i) => checkScale(owner, `${key}[${i}]`, v));
  }
  return [checkScale(owner, key, value)];
}

export function checkTriple(owner: string, key: string, value: unknown): [number, number, number] {
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new DetError(`${owner}: '${key}' must be three numbers, got ${JSON.stringify(value)}`);
  }
  return [value[0], value[1], value[2]];
}

export function checkRange(owner: string, key: string, value: unknown): [number, number] {
  if (!Array.isArray(value) || value.length !== 2 || !(value[0] <= value[1])) {
    throw new DetError(`${owner}: '${key}' must be [low, high] with low <= high, got ${JSON.stringify(value)}`);
  }
  return [value[0], value[1]];
}

export function requireImage<T>(owner: string, img: T | undefined): T {
  if (!img) throw new DetError(`${owner}: no 'img' in the results — put LoadImageFromFile before it`);
  return img;
}
