const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes one base64-VLQ segment of a source map into its numbers. */
function decodeSegment(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = BASE64.indexOf(ch);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/**
 * 1-based source line for a 1-based generated line, from a source map's `mappings`; used to point
 * errors thrown by a transpiled `.ts` config at the line the user wrote.
 */
export function originalLine(mappings: string, generatedLine: number): number | undefined {
  let sourceLine = 0;
  const lines = mappings.split(';');
  for (let i = 0; i < lines.length; i++) {
    let first: number | undefined;
    for (const segment of lines[i].split(',').filter(Boolean)) {
      const fields = decodeSegment(segment);
      if (fields.length >= 4) {
        sourceLine += fields[2];
        first ??= sourceLine;
      }
    }
    if (i === generatedLine - 1) return first === undefined ? undefined : first + 1;
  }
  return undefined;
}
