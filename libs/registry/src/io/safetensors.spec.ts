import { encodeSafetensors, decodeSafetensors, DetError } from '../index';

describe('safetensors codec', () => {
  it('round-trips named arrays and metadata', () => {
    const bytes = encodeSafetensors(
      {
        'b.weight': { dtype: 'F32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6.5]) },
        'a.count': { dtype: 'I32', shape: [1], data: new Int32Array([7]) },
        'c.flag': { dtype: 'U8', shape: [3], data: new Uint8Array([1, 0, 1]) },
      },
      { det: '{"epoch":3}' },
    );
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(Object.keys(tensors).sort()).toEqual(['a.count', 'b.weight', 'c.flag']);
    expect(Array.from(tensors['b.weight'].data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6.5]);
    expect(tensors['b.weight'].shape).toEqual([2, 3]);
    expect(Array.from(tensors['a.count'].data as Int32Array)).toEqual([7]);
    expect(metadata).toEqual({ det: '{"epoch":3}' });
  });

  it('lays bytes out as the format specifies (independent parse)', () => {
    const bytes = encodeSafetensors({ x: { dtype: 'F32', shape: [2], data: new Float32Array([1.5, -2]) } });
    const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(Buffer.from(bytes.slice(8, 8 + n)).toString());
    expect(header.x).toEqual({ dtype: 'F32', shape: [2], data_offsets: [0, 8] });
    const buf = Buffer.from(bytes.slice(8 + n));
    expect([buf.readFloatLE(0), buf.readFloatLE(4)]).toEqual([1.5, -2]);
  });

  it('names the source on corrupt input', () => {
    expect(() => decodeSafetensors(new Uint8Array([1, 2, 3]), 'ckpt.safetensors')).toThrow(/ckpt.safetensors: not a valid safetensors/);
    const bytes = encodeSafetensors({ x: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
    expect(() => decodeSafetensors(bytes.slice(0, bytes.length - 4), 'cut.safetensors')).toThrow(DetError);
  });
});
