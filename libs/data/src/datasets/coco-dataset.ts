import { DATASETS } from '@det/registry';
import { BaseDataset, type BaseDatasetOptions } from './base-dataset';
import { AnnotationError, readJsonFile } from './errors';
import { checkImageSize } from './validate';
import type { CocoGt, DataInfo } from './types';

/**
 * COCO detection annotations. Labels are contiguous in `classes` order (default: the file's
 * categories sorted by id); `catIds[label]` is the COCO category id. Crowd boxes become ignore
 * boxes. Boxes narrower or lower than one pixel are skipped as MMDetection does; broken ones
 * (negative or zero size, outside the image, unknown image) are errors.
 */
@DATASETS.register()
export class CocoDataset extends BaseDataset {
  declare private categoryIds: number[];
  declare private raw: CocoGt;

  constructor(options: BaseDatasetOptions) {
    super(options);
  }

  override get catIds(): number[] {
    return this.categoryIds;
  }

  /** The COCO dict restricted to this dataset's images and classes (original annotations). */
  override cocoGt(): CocoGt {
    const ids = new Set(this.dataInfos.map((d) => d.id));
    const cats = new Set(this.categoryIds);
    return {
      images: this.raw.images.filter((im) => ids.has(im.id)),
      annotations: this.raw.annotations.filter((a) => ids.has(a.image_id) && cats.has(a.category_id)),
      categories: this.categoryIds.map((id) => this.raw.categories.find((c) => c.id === id)!),
    };
  }

  protected loadAnnotations(annFile: string): DataInfo[] {
    const json = readJsonFile(annFile, (f) => this.readText(f)) as Partial<CocoGt>;
    for (const key of ['images', 'annotations', 'categories'] as const) {
      if (!json || !Array.isArray(json[key])) throw new AnnotationError(annFile, 'top level', `missing list '${key}'`);
    }
    const coco = json as CocoGt;
    this.raw = coco;
    this.categoryIds = this.mapCategories(annFile, coco);
    const labelOf = new Map(this.categoryIds.map((id, label) => [id, label]));

    const infos = new Map<number, DataInfo & { boxes: number[]; labels: number[]; ignore: number[]; ignoreLabels: number[] }>();
    coco.images.forEach((im, i) => {
      const where = `images[${i}]`;
      if (!im || typeof im.id !== 'number') throw new AnnotationError(annFile, where, "missing numeric 'id'");
      if (infos.has(im.id)) throw new AnnotationError(annFile, where, `duplicate image id ${im.id}`);
      const { width, height } = checkImageSize(annFile, `${where} (id ${im.id})`, im.width, im.height);
      infos.set(im.id, { filename: im.file_name, width, height, id: im.id, boxes: [], labels: [], ignore: [], ignoreLabels: [] });
    });
    coco.annotations.forEach((a, i) => {
      const where = `annotations[${i}] (id ${a?.id})`;
      const info = infos.get(a?.image_id);
      if (!info) throw new AnnotationError(annFile, where, `unknown image_id ${a?.image_id}`);
      if (!Array.isArray(a.bbox) || a.bbox.length !== 4 || !a.bbox.every(Number.isFinite)) {
        throw new AnnotationError(annFile, where, `bbox must be [x, y, w, h] numbers, got ${JSON.stringify(a.bbox)}`);
      }
      const [x, y, w, h] = a.bbox;
      if (w <= 0 || h <= 0) throw new AnnotationError(annFile, where, `bbox ${JSON.stringify(a.bbox)} has non-positive size`);
      const interW = Math.max(0, Math.min(x + w, info.width) - Math.max(x, 0));
      const interH = Math.max(0, Math.min(y + h, info.height) - Math.max(y, 0));
      if (interW * interH === 0) {
        throw new AnnotationError(annFile, where, `bbox ${JSON.stringify(a.bbox)} lies outside the ${info.width}x${info.height} image`);
      }
      const label = labelOf.get(a.category_id);
      if (label === undefined || a.ignore || w < 1 || h < 1) return; // other classes, flagged or sub-pixel boxes
      if (a.iscrowd) {
        info.ignore.push(x, y, x + w, y + h);
        info.ignoreLabels.push(label);
      } else {
        info.boxes.push(x, y, x + w, y + h);
        info.labels.push(label);
      }
    });
    return [...infos.values()].map(({ boxes, labels, ignore, ignoreLabels, ...info }) => ({
      ...info,
      ann: {
        bboxes: Float32Array.from(boxes),
        labels: Int32Array.from(labels),
        bboxesIgnore: Float32Array.from(ignore),
        labelsIgnore: Int32Array.from(ignoreLabels),
      },
    }));
  }

  /** Category id per label, in `classes` order; fills `classes` from the file when not configured. */
  private mapCategories(annFile: string, coco: CocoGt): number[] {
    coco.categories.forEach((c, i) => {
      if (!c || typeof c.id !== 'number' || typeof c.name !== 'string') {
        throw new AnnotationError(annFile, `categories[${i}]`, "needs numeric 'id' and string 'name'");
      }
    });
    if (!this.classes.length) {
      this.classes = [...coco.categories].sort((a, b) => a.id - b.id).map((c) => c.name);
    }
    return this.classes.map((name) => {
      const cat = coco.categories.find((c) => c.name === name);
      if (!cat) {
        throw new AnnotationError(annFile, 'categories', `class '${name}' is not among ${coco.categories.map((c) => c.name).join(', ')}`);
      }
      return cat.id;
    });
  }
}
