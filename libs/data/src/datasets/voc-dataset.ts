import * as path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { DATASETS } from '@det/registry';
import { BaseDataset, type BaseDatasetOptions } from './base-dataset';
import { AnnotationError } from './errors';
import { checkBox, checkImageSize } from './validate';
import type { DataInfo } from './types';

export const VOC_CLASSES = [
  'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow', 'diningtable', 'dog',
  'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
];

/**
 * Pascal VOC: `annFile` is an image-set list (one id per line), images are
 * `<imgPrefix>/JPEGImages/<id>.jpg`, annotations `<imgPrefix>/Annotations/<id>.xml`.
 * `difficult` objects become ignore boxes; objects of other classes are skipped.
 */
@DATASETS.register()
export class VOCDataset extends BaseDataset {
  protected override readonly defaultMetric: string = 'VOCMetric';

  constructor(options: BaseDatasetOptions) {
    super(options);
  }

  /** 2007 or 2012 when the image root names it (VOCMetric uses 11-point AP for 2007). */
  get year(): number | undefined {
    const m = /VOC(2007|2012)/.exec(this.imgRoot);
    return m ? Number(m[1]) : undefined;
  }

  protected override defaultClasses(): string[] {
    return VOC_CLASSES;
  }

  protected loadAnnotations(annFile: string): DataInfo[] {
    const ids = this.readText(annFile).split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
    const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'object' });
    return ids.map((id) => {
      const xmlFile = path.join(this.imgRoot, 'Annotations', `${id}.xml`);
      let doc: { annotation?: VocXml };
      try {
        doc = parser.parse(this.readText(xmlFile));
      } catch (err) {
        throw new AnnotationError(xmlFile, `image '${id}'`, `unreadable XML: ${(err as Error).message}`);
      }
      return this.parseXml(xmlFile, id, doc.annotation);
    });
  }

  private parseXml(file: string, id: string, ann: VocXml | undefined): DataInfo {
    if (!ann?.size) throw new AnnotationError(file, `image '${id}'`, 'missing <annotation><size>');
    const { width, height } = checkImageSize(file, `image '${id}'`, Number(ann.size.width), Number(ann.size.height));
    const boxes: number[] = [], labels: number[] = [], ignore: number[] = [], ignoreLabels: number[] = [];
    (ann.object ?? []).forEach((obj, k) => {
      const label = this.classes.indexOf(String(obj.name ?? '').trim());
      if (label < 0) return;
      const b = obj.bndbox;
      if (!b) throw new AnnotationError(file, `object ${k}`, 'missing <bndbox>');
      const box = checkBox(file, `object ${k}`, [b.xmin, b.ymin, b.xmax, b.ymax].map(Number), width, height);
      const difficult = Number(obj.difficult ?? 0) === 1;
      (difficult ? ignore : boxes).push(...box);
      (difficult ? ignoreLabels : labels).push(label);
    });
    return {
      filename: `JPEGImages/${id}.jpg`, width, height,
      ann: {
        bboxes: Float32Array.from(boxes), labels: Int32Array.from(labels),
        bboxesIgnore: Float32Array.from(ignore), labelsIgnore: Int32Array.from(ignoreLabels),
      },
    };
  }
}

interface VocXml {
  size?: { width?: string; height?: string };
  object?: { name?: string; difficult?: string; bndbox?: { xmin: string; ymin: string; xmax: string; ymax: string } }[];
}
