"""Times pycocotools' COCOeval (bbox) on a GT file and a results file; prints one JSON line.

Usage: python3 pycocotools_eval.py GT.json DETS.json [--max-dets 1,10,100] [--no-cats]
                                    [--img-ids 1,2,3] [--cat-ids 1,2]
Timing covers loading both files, evaluate, accumulate and summarize (what `det eval` does).
"""
import contextlib
import io
import json
import sys
import time

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def main():
    gt_path, dets_path = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as log:
        gt = COCO(gt_path)
        dt = gt.loadRes(dets_path)
        ev = COCOeval(gt, dt, 'bbox')
        if '--max-dets' in args:
            ev.params.maxDets = [int(v) for v in args[args.index('--max-dets') + 1].split(',')]
        if '--no-cats' in args:
            ev.params.useCats = 0
        if '--img-ids' in args:
            ev.params.imgIds = [int(v) for v in args[args.index('--img-ids') + 1].split(',')]
        if '--cat-ids' in args:
            ev.params.catIds = [int(v) for v in args[args.index('--cat-ids') + 1].split(',')]
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    seconds = time.perf_counter() - t0
    # Per-category AP as MMDetection's classwise table: area 'all', largest maxDets, entries > -1.
    per_category = {}
    if ev.params.useCats:
        for k, cat_id in enumerate(ev.params.catIds):
            p = ev.eval['precision'][:, :, k, 0, -1]
            p = p[p > -1]
            per_category[str(cat_id)] = float(p.mean()) if p.size else -1.0
    summary = [line for line in log.getvalue().splitlines() if line.startswith(' Average')]
    print(json.dumps({'stats': [float(s) for s in ev.stats], 'per_category': per_category, 'seconds': seconds, 'summary': summary}))


if __name__ == '__main__':
    main()
