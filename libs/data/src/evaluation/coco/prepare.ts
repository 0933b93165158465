import { buildCellIndex, stableOrderByKey, type CellIndex } from './cell-index';
import type { CocoGtDict, CocoEvalParams, CocoResult } from './types';

/**
 * GT and detections flattened into typed arrays and grouped by evaluation cell, so the matching
 * loops never touch JSON objects. Cell = k * imageCount + i (category-major, as evalImgs), or i
 * alone when categories are ignored.
 */
export interface PreparedCoco {
  imageCount: number;
  /** Number of category slots (1 when useCats is false). */
  catCount: number;
  gtBoxes: Float64Array;
  gtArea: Float64Array;
  gtCrowd: Uint8Array;
  /** 0 where the annotation id is 0: pycocotools stores matches by id, so id 0 reads as "unmatched". */
  gtIdNonZero: Uint8Array;
  detBoxes: Float64Array;
  detScore: Float64Array;
  /** w * h, as COCO.loadRes sets it. */
  detArea: Float64Array;
  gtCells: CellIndex;
  detCells: CellIndex;
}

function indexOf(ids: number[]): Map<number, number> {
  return new Map(ids.map((id, i) => [id, i]));
}

export function prepareCoco(gt: CocoGtDict, dets: CocoResult[], p: CocoEvalParams): PreparedCoco {
  const imageIndex = indexOf(p.imgIds);
  const catIndex = indexOf(p.catIds);
  const imageCount = p.imgIds.length;
  const catCount = p.useCats ? p.catIds.length : 1;

  // Without categories pycocotools concatenates each image's entries category by category.
  const group = (imageIds: Int32Array, catSlots: Int32Array): CellIndex => {
    const cellOf = new Int32Array(imageIds.length);
    for (let e = 0; e < cellOf.length; e++) {
      const i = imageIds[e], k = catSlots[e];
      cellOf[e] = i < 0 || k < 0 ? -1 : p.useCats ? k * imageCount + i : i;
    }
    const preOrder = p.useCats ? undefined : stableOrderByKey(catSlots, p.catIds.length);
    return buildCellIndex(cellOf, catCount * imageCount, preOrder);
  };
  const slotOf = (m: Map<number, number>, id: number) => m.get(id) ?? -1;

  const anns = gt.annotations;
  const gtBoxes = new Float64Array(4 * anns.length);
  const gtArea = new Float64Array(anns.length);
  const gtCrowd = new Uint8Array(anns.length);
  const gtIdNonZero = new Uint8Array(anns.length);
  const gtImage = new Int32Array(anns.length);
  const gtCat = new Int32Array(anns.length);
  for (let e = 0; e < anns.length; e++) {
    const a = anns[e];
    gtBoxes.set(a.bbox, 4 * e);
    gtArea[e] = a.area;
    // pycocotools: ignore = iscrowd (an annotation's own 'ignore' key is overwritten).
    gtCrowd[e] = a.iscrowd ? 1 : 0;
    gtIdNonZero[e] = a.id !== 0 ? 1 : 0;
    gtImage[e] = slotOf(imageIndex, a.image_id);
    gtCat[e] = slotOf(catIndex, a.category_id);
  }

  const detBoxes = new Float64Array(4 * dets.length);
  const detScore = new Float64Array(dets.length);
  const detArea = new Float64Array(dets.length);
  const detImage = new Int32Array(dets.length);
  const detCat = new Int32Array(dets.length);
  for (let e = 0; e < dets.length; e++) {
    const d = dets[e];
    const b = d.bbox;
    detBoxes[4 * e] = b[0];
    detBoxes[4 * e + 1] = b[1];
    detBoxes[4 * e + 2] = b[2];
    detBoxes[4 * e + 3] = b[3];
    detScore[e] = d.score;
    detArea[e] = b[2] * b[3];
    detImage[e] = slotOf(imageIndex, d.image_id);
    detCat[e] = slotOf(catIndex, d.category_id);
  }

  return {
    imageCount, catCount, gtBoxes, gtArea, gtCrowd, gtIdNonZero, detBoxes, detScore, detArea,
    gtCells: group(gtImage, gtCat), detCells: group(detImage, detCat),
  };
}
