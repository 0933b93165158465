/**
 * Groups entries into cells (image × category, or image only when categories are ignored) as
 * compressed rows: `start[c]..start[c+1]` indexes `items`, which keeps each cell's entries in the
 * order pycocotools sees them.
 */
export interface CellIndex {
  /** cellCount + 1 offsets into `items`. */
  start: Int32Array;
  /** Entry indices (into the source arrays), grouped by cell. */
  items: Int32Array;
  /** Largest cell size. */
  maxCount: number;
}

/**
 * `cellOf[e]` is the cell of entry `e` (-1: excluded). `preOrder` optionally lists the entries in
 * the order they must appear within a cell (default: source order); grouping is stable.
 */
export function buildCellIndex(cellOf: Int32Array, cellCount: number, preOrder?: Int32Array): CellIndex {
  const start = new Int32Array(cellCount + 1);
  for (let e = 0; e < cellOf.length; e++) if (cellOf[e] >= 0) start[cellOf[e] + 1]++;
  let maxCount = 0;
  for (let c = 0; c < cellCount; c++) {
    if (start[c + 1] > maxCount) maxCount = start[c + 1];
    start[c + 1] += start[c];
  }
  const items = new Int32Array(start[cellCount]);
  const fill = start.slice(0, cellCount);
  const n = preOrder ? preOrder.length : cellOf.length;
  for (let j = 0; j < n; j++) {
    const e = preOrder ? preOrder[j] : j;
    const c = cellOf[e];
    if (c >= 0) items[fill[c]++] = e;
  }
  return { start, items, maxCount };
}

/** Entry indices ordered by `key` (ints in 0..keyCount-1; -1 goes last), stable: a counting sort. */
export function stableOrderByKey(key: Int32Array, keyCount: number): Int32Array {
  const slotOf = (k: number) => (k < 0 ? keyCount : k);
  const next = new Int32Array(keyCount + 2);
  for (let e = 0; e < key.length; e++) next[slotOf(key[e]) + 1]++;
  for (let k = 1; k < next.length; k++) next[k] += next[k - 1];
  const order = new Int32Array(key.length);
  for (let e = 0; e < key.length; e++) order[next[slotOf(key[e])]++] = e;
  return order;
}
