/**
 * Running history of logged scalars with MMCV's LogBuffer semantics: `average(n)` writes the
 * sample-weighted mean of the last n updates (all when n = 0) into `output` and sets `ready`;
 * loggers print `output` and call `clearOutput()` once per interval.
 */
export class LogBuffer {
  readonly valHistory = new Map<string, number[]>();
  readonly nHistory = new Map<string, number[]>();
  output: Record<string, number | string> = {};
  ready = false;

  update(vars: Record<string, number>, count = 1): void {
    for (const [key, value] of Object.entries(vars)) {
      if (!this.valHistory.has(key)) {
        this.valHistory.set(key, []);
        this.nHistory.set(key, []);
      }
      this.valHistory.get(key)!.push(value);
      this.nHistory.get(key)!.push(count);
    }
  }

  average(n = 0): void {
    if (!(n >= 0)) throw new RangeError(`LogBuffer.average: n must be >= 0, got ${n}`);
    for (const [key, values] of this.valHistory) {
      const counts = this.nHistory.get(key)!;
      const from = n === 0 ? 0 : Math.max(0, values.length - n);
      let sum = 0;
      let total = 0;
      for (let i = from; i < values.length; i++) {
        sum += values[i] * counts[i];
        total += counts[i];
      }
      this.output[key] = sum / total;
    }
    this.ready = true;
  }

  clearOutput(): void {
    this.output = {};
    this.ready = false;
  }

  clear(): void {
    this.valHistory.clear();
    this.nHistory.clear();
    this.clearOutput();
  }
}
