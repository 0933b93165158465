/**
 * Deterministic synthetic COCO ground truth + detections for benchmarks and cross-checks against
 * pycocotools. Detections mix jittered true positives (sometimes with the wrong category) with
 * random false positives; scores are rounded so that ties occur and the stable sort matters.
 */
export interface SyntheticCocoOptions {
  seed: number;
  images: number;
  categories: number;
  gtPerImage: number;
  detsPerImage: number;
  /** Score decimals (3 → many ties). */
  scoreDecimals?: number;
  /** Fraction of GT that is iscrowd=1. */
  crowdFraction?: number;
  /** First annotation id (0 exercises pycocotools' "id 0 is unmatched" quirk). */
  firstAnnId?: number;
  /** Put every detection of an image into one category (exceeds the per-category cap). */
  oneCategoryPerImage?: boolean;
}

/** mulberry32: tiny seeded PRNG, enough for reproducible test data. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

export function syntheticCoco(o: SyntheticCocoOptions) {
  const rand = mulberry32(o.seed);
  const W = 640, H = 480;
  const images = Array.from({ length: o.images }, (_, i) => ({ id: i + 1, width: W, height: H, file_name: `img${i + 1}.jpg` }));
  const categories = Array.from({ length: o.categories }, (_, k) => ({ id: k + 1, name: `cat${k + 1}` }));
  const annotations: { id: number; image_id: number; category_id: number; bbox: number[]; area: number; iscrowd: number }[] = [];
  const detections: { image_id: number; category_id: number; bbox: number[]; score: number }[] = [];
  const scoreScale = 10 ** (o.scoreDecimals ?? 4);
  const score = () => Math.round(rand() * scoreScale) / scoreScale;
  const randomBox = () => {
    // Log-uniform sizes so small, medium and large objects all occur.
    const w = round2(Math.exp(Math.log(4) + rand() * Math.log(400 / 4)));
    const h = round2(Math.min(H - 1, w * (0.5 + rand())));
    return [round2(rand() * (W - w)), round2(rand() * (H - h)), w, h];
  };
  let annId = o.firstAnnId ?? 1;
  for (const img of images) {
    const imageCat = 1 + Math.floor(rand() * o.categories);
    const cat = () => (o.oneCategoryPerImage ? imageCat : 1 + Math.floor(rand() * o.categories));
    const gts: { bbox: number[]; category_id: number }[] = [];
    for (let g = 0; g < o.gtPerImage; g++) {
      const bbox = randomBox();
      const category_id = cat();
      const crowd = rand() < (o.crowdFraction ?? 0) ? 1 : 0;
      // GT area like a mask's: 60–100 % of the box.
      const area = round2(bbox[2] * bbox[3] * (0.6 + 0.4 * rand()));
      annotations.push({ id: annId++, image_id: img.id, category_id, bbox, area, iscrowd: crowd });
      gts.push({ bbox, category_id });
    }
    let left = o.detsPerImage;
    for (const gt of gts) {
      const copies = Math.min(left, 1 + Math.floor(rand() * 3));
      for (let c = 0; c < copies; c++, left--) {
        const [x, y, w, h] = gt.bbox;
        const j = 0.25 * rand();
        const bbox = [round2(x + (rand() - 0.5) * j * w), round2(y + (rand() - 0.5) * j * h), round2(w * (1 + (rand() - 0.5) * j)), round2(h * (1 + (rand() - 0.5) * j))];
        const category_id = rand() < 0.85 ? gt.category_id : cat();
        detections.push({ image_id: img.id, category_id, bbox, score: score() });
      }
    }
    for (; left > 0; left--) detections.push({ image_id: img.id, category_id: cat(), bbox: randomBox(), score: score() });
  }
  // Shuffle so that results of one image are not contiguous (as files from many workers).
  for (let i = detections.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [detections[i], detections[j]] = [detections[j], detections[i]];
  }
  return { gt: { info: { description: `synthetic seed ${o.seed}` }, images, annotations, categories }, detections };
}
