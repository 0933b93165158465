/** Plain text table: columns padded to their widest cell, two spaces apart, header underlined. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => widths.map((w, c) => (cells[c] ?? '').padEnd(w)).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * MMDetection's classwise AP layout: (name, AP) pairs laid out `pairsPerRow` to a row, row-major.
 * `ap` < 0 (no GT) prints as 'nan', as MMDetection does.
 */
export function formatApTable(entries: { name: string; ap: number }[], format: (ap: number) => string, pairsPerRow = 3): string {
  const pairs = Math.max(1, Math.min(pairsPerRow, entries.length));
  const headers = Array.from({ length: pairs }, () => ['category', 'AP']).flat();
  const rows: string[][] = [];
  for (let i = 0; i < entries.length; i += pairs) {
    rows.push(entries.slice(i, i + pairs).flatMap((e) => [e.name, e.ap < 0 || Number.isNaN(e.ap) ? 'nan' : format(e.ap)]));
  }
  return formatTable(headers, rows);
}
