import { Rng, setGlobalSeed, globalRng } from '../index';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(42), b = new Rng(42), c = new Rng(43);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('restores the exact stream position from its state, including the normal spare', () => {
    const r = new Rng(7);
    r.next();
    r.normal();
    const state = JSON.parse(JSON.stringify(r.getState()));
    const after = [r.normal(), r.next(), r.nextInt(10)];
    const r2 = new Rng(0);
    r2.setState(state);
    expect([r2.normal(), r2.next(), r2.nextInt(10)]).toEqual(after);
  });

  it('has roughly uniform and normal moments', () => {
    const r = new Rng(1);
    const n = 20000;
    let sum = 0, sumN = 0, sumN2 = 0;
    for (let i = 0; i < n; i++) {
      sum += r.next();
      const z = r.normal();
      sumN += z;
      sumN2 += z * z;
    }
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(sumN / n)).toBeLessThan(0.03);
    expect(Math.abs(sumN2 / n - 1)).toBeLessThan(0.05);
  });

  it('shuffles into a permutation and seeds the global generator', () => {
    setGlobalSeed(3);
    const p = globalRng().permutation(50);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    setGlobalSeed(3);
    expect(globalRng().permutation(50)).toEqual(p);
  });
});
