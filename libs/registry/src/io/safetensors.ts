import { DetError } from '../registry/errors';

/**
 * safetensors codec (https://github.com/huggingface/safetensors format): an 8-byte little-endian
 * header length, a JSON header `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__ }`
 * padded with spaces to 8 bytes, then the raw little-endian tensor bytes. Chosen for weights and
 * checkpoints because it is simple, safe to parse and readable from Python.
 */
export type SafeDType = 'F32' | 'F64' | 'I32' | 'I64' | 'U8' | 'I8' | 'BOOL';

export type SafeTypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

export interface NamedArray {
  dtype: SafeDType;
  shape: number[];
  data: SafeTypedArray;
}

const CTORS: Record<SafeDType, { new (buf: ArrayBuffer): SafeTypedArray; BYTES_PER_ELEMENT: number }> = {
  F32: Float32Array,
  F64: Float64Array,
  I32: Int32Array,
  I64: BigInt64Array,
  U8: Uint8Array,
  I8: Int8Array,
  BOOL: Uint8Array,
};

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Serialises named arrays (sorted by name) with optional string metadata. */
export function encodeSafetensors(tensors: Record<string, NamedArray>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const names = Object.keys(tensors).sort();
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    if (!(t.dtype in CTORS)) throw new DetError(`safetensors: tensor '${name}' has unsupported dtype '${t.dtype}'`);
    if (t.data.length !== numel(t.shape)) {
      throw new DetError(`safetensors: tensor '${name}' has ${t.data.length} values but shape [${t.shape}]`);
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const name of names) {
    const d = tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    pos += d.byteLength;
  }
  return out;
}

export interface DecodedSafetensors {
  tensors: Record<string, NamedArray>;
  metadata: Record<string, string>;
}

/** Parses a safetensors buffer; `source` names the file in errors. */
export function decodeSafetensors(bytes: Uint8Array, source = 'buffer'): DecodedSafetensors {
  const fail = (why: string) => new DetError(`${source}: not a valid safetensors file (${why})`);
  if (bytes.byteLength < 8) throw fail('shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.byteLength - 8) throw fail(`header length ${headerLen} exceeds file size ${bytes.byteLength}`);
  let header: Record<string, { dtype: SafeDType; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLen).toString('utf8'));
  } catch (e) {
    throw fail(`header is not JSON: ${(e as Error).message}`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const tensors: Record<string, NamedArray> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets } = entry as { dtype: SafeDType; shape: number[]; data_offsets: [number, number] };
    const Ctor = CTORS[dtype];
    if (!Ctor) throw fail(`tensor '${name}' has unsupported dtype '${dtype}'`);
    const [begin, end] = data_offsets;
    if (begin < 0 || end > dataLen || end - begin !== numel(shape) * Ctor.BYTES_PER_ELEMENT) {
      throw fail(`tensor '${name}' has offsets [${begin}, ${end}] that do not fit shape [${shape}] ${dtype}`);
    }
    // Copy into a fresh, aligned buffer: the source offset need not be aligned for the dtype.
    const copy = bytes.slice(dataStart + begin, dataStart + end);
    tensors[name] = { dtype, shape, data: new Ctor(copy.buffer) };
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string>) ?? {} };
}
