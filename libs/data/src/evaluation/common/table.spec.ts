import { formatApTable, formatTable } from './table';

describe('table formatting', () => {
  it('aligns columns to the widest cell', () => {
    expect(formatTable(['a', 'long header'], [['wide cell', '1'], ['x', '22']])).toBe(
      ['a          long header', '---------  -----------', 'wide cell  1', 'x          22'].join('\n'));
  });

  it('lays out (category, AP) pairs row-major, nan for categories without GT', () => {
    const t = formatApTable(
      [{ name: 'person', ap: 0.5 }, { name: 'car', ap: -1 }, { name: 'dog', ap: 0.25 }, { name: 'cat', ap: 0.125 }],
      (v) => v.toFixed(3), 3);
    expect(t.split('\n')).toEqual([
      'category  AP     category  AP   category  AP',
      '--------  -----  --------  ---  --------  -----',
      'person    0.500  car       nan  dog       0.250',
      'cat       0.125',
    ]);
  });
});
