import type { LogCurves, Series } from './log-curves';

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const W = 900;
const PANEL_H = 280;
const M = { left: 80, right: 30, top: 40, bottom: 50 };

/** Step of 1, 2 or 5 × 10^k giving about `count` ticks over [lo, hi]. */
function tickStep(lo: number, hi: number, count: number): number {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
}

/** Tick values and their labels, with as many decimals as the step needs (0.725, 0.73, … not 0.73, 0.73). */
export function niceTicks(lo: number, hi: number, count = 5): { value: number; label: string }[] {
  if (!(hi > lo)) return [{ value: lo, label: String(lo) }];
  const step = tickStep(lo, hi, count);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks: { value: number; label: string }[] = [];
  for (let k = Math.ceil(lo / step); k * step <= hi + step * 1e-9; k++) {
    const value = k * step;
    ticks.push({ value, label: value.toFixed(decimals) });
  }
  return ticks;
}
const esc = (s: string): string => s.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);

function panel(series: Series[], title: string, xLabel: string, top: number, colorOf: (s: Series) => string, xRange: [number, number]): string {
  const ys = series.flatMap((s) => s.ys);
  let [x0, x1] = xRange;
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - Math.abs(y0 || 1) * 0.1, y1 + Math.abs(y1 || 1) * 0.1];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const pw = W - M.left - M.right;
  const ph = PANEL_H - M.top - M.bottom;
  const px = (x: number) => M.left + ((x - x0) / (x1 - x0)) * pw;
  const py = (y: number) => top + M.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const out: string[] = [];
  out.push(`<text x="${W / 2}" y="${top + 24}" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`);
  out.push(`<rect x="${M.left}" y="${top + M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  for (const t of niceTicks(x0, x1, 8)) {
    const x = px(t.value);
    out.push(`<line x1="${x}" y1="${top + M.top}" x2="${x}" y2="${top + M.top + ph}" stroke="#ddd"/>`);
    out.push(`<text x="${x}" y="${top + M.top + ph + 16}" text-anchor="middle" font-size="12">${t.label}</text>`);
  }
  for (const t of niceTicks(y0, y1, 5)) {
    const y = py(t.value);
    out.push(`<line x1="${M.left}" y1="${y}" x2="${M.left + pw}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${y + 4}" text-anchor="end" font-size="12">${t.label}</text>`);
  }
  out.push(`<text x="${M.left + pw / 2}" y="${top + PANEL_H - 12}" text-anchor="middle" font-size="13">${xLabel}</text>`);
  series.forEach((s, i) => {
    const color = colorOf(s);
    const pts = s.xs.map((x, k) => `${px(x).toFixed(1)},${py(s.ys[k]).toFixed(1)}`);
    if (pts.length > 1) out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    // Markers make sparse series (one mAP per epoch) visible.
    if (s.xs.length <= 60) for (const p of pts) { const [cx, cy] = p.split(','); out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`); }
    const ly = top + M.top + 16 + i * 18;
    out.push(`<line x1="${M.left + pw - 170}" y1="${ly - 4}" x2="${M.left + pw - 145}" y2="${ly - 4}" stroke="${color}" stroke-width="3"/>`);
    out.push(`<text x="${M.left + pw - 140}" y="${ly}" font-size="13">${esc(`${s.key} (${s.mode})`)}</text>`);
  });
  return out.join('');
}

/** One panel per key (its train and val series together), stacked vertically. */
export function curvesSvg(curves: LogCurves, title?: string): string {
  const keys = [...new Set(curves.series.map((s) => s.key))];
  const header = title ? 30 : 0;
  const height = header + keys.length * PANEL_H;
  const colorOf = (s: Series) => COLORS[curves.series.indexOf(s) % COLORS.length];
  // One x range for every panel, so a sparse metric lines up with the losses above it.
  const xs = curves.series.flatMap((s) => s.xs);
  const xRange: [number, number] = [Math.min(...xs), Math.max(...xs)];
  const panels = keys.map((k, i) => panel(curves.series.filter((s) => s.key === k), k, curves.xLabel, header + i * PANEL_H, colorOf, xRange));
  const head = title ? `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14" fill="#555">${esc(title)}</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" font-family="DejaVu Sans, sans-serif">` +
    `<rect width="100%" height="100%" fill="#fff"/>${head}${panels.join('')}</svg>`;
}
