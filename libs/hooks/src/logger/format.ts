/** Python's `f'{x:.Ne}'`: mantissa with N decimals and an at-least-two-digit exponent (1.000e-02). */
export function formatExp(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x).toLowerCase().replace('infinity', 'inf');
  const [mant, exp] = x.toExponential(digits).split('e');
  const sign = exp.startsWith('-') ? '-' : '+';
  return `${mant}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
}

/** Python's `str(datetime.timedelta(seconds=s))` for whole seconds: `H:MM:SS` or `N day(s), H:MM:SS`. */
export function formatTimedelta(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(s / 86400);
  const rest = s % 86400;
  const h = Math.floor(rest / 3600);
  const m = Math.floor((rest % 3600) / 60);
  const sec = rest % 60;
  const hms = `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
  return days ? `${days} day${days === 1 ? '' : 's'}, ${hms}` : hms;
}

/** Python's round(x, 5) for the JSON log; other values pass through (lists element-wise). */
export function roundFloats(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(roundFloats);
  if (typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v)) return Number(v.toFixed(5));
  return v;
}
