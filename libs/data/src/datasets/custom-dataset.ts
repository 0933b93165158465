import { DATASETS } from '@det/registry';
import { BaseDataset, type BaseDatasetOptions } from './base-dataset';
import { AnnotationError, readJsonFile } from './errors';
import { checkBox, checkImageSize } from './validate';
import type { DataInfo, MiddleFormatEntry } from './types';

/**
 * The middle format as a JSON file: `[{ filename, width, height, ann: { bboxes, labels,
 * bboxesIgnore? } }]`, labels 0-based into `classes` (required).
 */
@DATASETS.register()
export class CustomDataset extends BaseDataset {
  constructor(options: BaseDatasetOptions) {
    super(options);
  }

  protected loadAnnotations(annFile: string): DataInfo[] {
    const json = readJsonFile(annFile, (f) => this.readText(f));
    if (!Array.isArray(json)) throw new AnnotationError(annFile, 'top level', 'expected a list of image entries');
    if (!this.classes.length) throw new AnnotationError(annFile, 'dataset config', "CustomDataset needs 'classes'");
    return json.map((raw, i) => parseMiddleEntry(annFile, i, raw as MiddleFormatEntry, this.classes.length));
  }
}

/** Validates one middle-format entry and converts it to typed arrays. */
export function parseMiddleEntry(file: string, i: number, e: MiddleFormatEntry, numClasses: number): DataInfo {
  const where = `entry ${i}`;
  if (!e || typeof e !== 'object') throw new AnnotationError(file, where, 'expected an object');
  for (const key of ['filename', 'width', 'height'] as const) {
    if (!(key in e)) throw new AnnotationError(file, where, `missing key '${key}'`);
  }
  const { width, height } = checkImageSize(file, where, e.width, e.height);
  const info: DataInfo = { filename: e.filename, width, height, id: e.id };
  if (e.ann === undefined) return info;
  const { bboxes, labels, bboxesIgnore = [] } = e.ann;
  if (!Array.isArray(bboxes) || !Array.isArray(labels)) {
    throw new AnnotationError(file, where, "'ann' needs lists 'bboxes' and 'labels'");
  }
  if (bboxes.length !== labels.length) {
    throw new AnnotationError(file, where, `${bboxes.length} boxes but ${labels.length} labels`);
  }
  labels.forEach((l, k) => {
    if (!Number.isInteger(l) || l < 0 || l >= numClasses) {
      throw new AnnotationError(file, `${where}, label ${k}`, `label ${l} is not in 0..${numClasses - 1}`);
    }
  });
  const flat = (boxes: unknown[], name: string) =>
    Float32Array.from(boxes.flatMap((b, k) => checkBox(file, `${where}, ${name} ${k}`, b, width, height)));
  if (!Array.isArray(bboxesIgnore)) throw new AnnotationError(file, where, "'bboxesIgnore' must be a list");
  info.ann = { bboxes: flat(bboxes, 'box'), labels: Int32Array.from(labels), bboxesIgnore: flat(bboxesIgnore, 'ignore box') };
  return info;
}
