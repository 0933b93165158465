import { DetError } from '@det/registry';
import { linspace } from '../common/numpy-compat';
import type { CocoGtDict, CocoEvalParams } from './types';

/** Options of `evaluateCoco`; anything left out takes pycocotools' bbox default. */
export interface CocoEvalOptions {
  iouThrs?: number[];
  recThrs?: number[];
  maxDets?: number[];
  areaRng?: [number, number][];
  areaRngLbl?: string[];
  useCats?: boolean;
  imgIds?: number[];
  catIds?: number[];
}

const DEFAULT_AREA_LABELS = ['all', 'small', 'medium', 'large'];

/** pycocotools' `Params.setDetParams` (1e5 ** 2 == 1e10 exactly, as in Python). */
export function defaultCocoParams(): Omit<CocoEvalParams, 'imgIds' | 'catIds'> {
  return {
    iouThrs: linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1),
    recThrs: linspace(0, 1, Math.round((1 - 0) / 0.01) + 1),
    maxDets: [1, 10, 100],
    areaRng: [[0, 1e10], [0, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e10]],
    areaRngLbl: [...DEFAULT_AREA_LABELS],
    useCats: true,
  };
}

const sortedUnique = (ids: number[]): number[] => [...new Set(ids)].sort((a, b) => a - b);

function checkNumbers(name: string, values: unknown, allowEmpty = false): number[] {
  if (!Array.isArray(values) || (!allowEmpty && values.length === 0) || values.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new DetError(`evaluateCoco: option '${name}' must be a non-empty array of finite numbers (got ${JSON.stringify(values)})`);
  }
  return values as number[];
}

/** Resolves options against the defaults and the GT, as COCOeval.__init__ + evaluate() do. */
export function resolveCocoParams(gt: CocoGtDict, options: CocoEvalOptions = {}): CocoEvalParams {
  const d = defaultCocoParams();
  const areaRng = options.areaRng ?? d.areaRng;
  for (const [i, r] of areaRng.entries()) {
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && !Number.isNaN(v))) {
      throw new DetError(`evaluateCoco: option 'areaRng[${i}]' must be [min, max] (got ${JSON.stringify(r)})`);
    }
  }
  const maxDets = [...checkNumbers('maxDets', options.maxDets ?? d.maxDets)].sort((a, b) => a - b);
  if (maxDets.some((m) => !Number.isInteger(m) || m < 1)) {
    throw new DetError(`evaluateCoco: option 'maxDets' must hold positive integers (got ${JSON.stringify(options.maxDets)})`);
  }
  const areaRngLbl = options.areaRngLbl ?? areaRng.map((_, i) => DEFAULT_AREA_LABELS[i] ?? `area${i}`);
  if (areaRngLbl.length !== areaRng.length) {
    throw new DetError(`evaluateCoco: 'areaRngLbl' has ${areaRngLbl.length} labels for ${areaRng.length} area ranges`);
  }
  return {
    iouThrs: checkNumbers('iouThrs', options.iouThrs ?? d.iouThrs),
    recThrs: checkNumbers('recThrs', options.recThrs ?? d.recThrs),
    maxDets,
    areaRng,
    areaRngLbl,
    useCats: options.useCats ?? true,
    imgIds: sortedUnique(checkNumbers('imgIds', options.imgIds ?? gt.images.map((im) => im.id), true)),
    catIds: sortedUnique(checkNumbers('catIds', options.catIds ?? gt.categories.map((c) => c.id), true)),
  };
}
