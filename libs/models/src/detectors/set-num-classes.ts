/**
 * Fills `numClasses` in every head config of a model config where it is undefined (the dataset's
 * class count), leaving explicit values alone. RPN heads are class-agnostic and RoI heads only
 * hold heads, so both are skipped (their nested heads are filled).
 * Mutates and returns `modelCfg`.
 */
const SKIPPED = ['rpnHead', 'roiHead'];

export function setNumClasses<T extends Record<string, unknown>>(modelCfg: T, numClasses: number): T {
  const visit = (node: unknown, key: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item) => visit(item, key));
      return;
    }
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, unknown>;
    if (/head$/i.test(key) && !SKIPPED.includes(key) && typeof obj.type === 'string' && obj.numClasses === undefined) obj.numClasses = numClasses;
    for (const [k, v] of Object.entries(obj)) if (k !== 'trainCfg' && k !== 'testCfg') visit(v, k);
  };
  for (const [k, v] of Object.entries(modelCfg)) visit(v, k);
  return modelCfg;
}
