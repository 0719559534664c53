/**
 * safetensors reader/writer (src/io/safetensors.ts) against hand-built bytes: the 8-byte
 * little-endian header length, the JSON header, and raw little-endian tensors (F16 and BF16
 * decoded by their bit layouts: 0x3c00 = 1, 0xc000 = −2, 0x3f80 (bf16) = 1, 0x4049 (bf16) = 3.140625).
 */
import { describe, expect, it } from 'vitest';
import { SafetensorsError, encodeSafetensors, parseSafetensors } from '../src/io/safetensors.js';

function fileOf(header: object, data: Uint8Array): Uint8Array {
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors', () => {
  it('reads F16, BF16, I64 and F64 tensors from hand-built bytes', () => {
    const data = new Uint8Array(4 + 4 + 8 + 8);
    const dv = new DataView(data.buffer);
    dv.setUint16(0, 0x3c00, true); dv.setUint16(2, 0xc000, true);
    dv.setUint16(4, 0x3f80, true); dv.setUint16(6, 0x4049, true);
    dv.setBigInt64(8, -7n, true);
    dv.setFloat64(16, Math.PI, true);
    const st = parseSafetensors(fileOf({
      __metadata__: { format: 'pt' },
      h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      b: { dtype: 'BF16', shape: [1, 2], data_offsets: [4, 8] },
      i: { dtype: 'I64', shape: [], data_offsets: [8, 16] },
      d: { dtype: 'F64', shape: [1], data_offsets: [16, 24] },
    }, data));
    expect(st.metadata).toEqual({ format: 'pt' });
    expect(Array.from(st.tensors.get('h')!.data)).toEqual([1, -2]);
    expect(Array.from(st.tensors.get('b')!.data)).toEqual([1, 3.140625]);
    expect(st.tensors.get('b')!.shape).toEqual([1, 2]);
    expect(Array.from(st.tensors.get('i')!.data)).toEqual([-7]);
    expect(Array.from(st.tensors.get('d')!.data)).toEqual([Math.PI]);
  });

  it('round-trips F64 and F32 (header padded to 8 bytes)', () => {
    const ts = [{ name: 'w', shape: [2, 3], data: [1, 2, 3, 4, 5, 6.5] }, { name: 'b', shape: [3], data: [0.1, -0.2, 0.3] }];
    for (const dtype of ['F64', 'F32'] as const) {
      const bytes = encodeSafetensors(ts, dtype);
      expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
      const st = parseSafetensors(bytes);
      expect([...st.tensors.keys()]).toEqual(['w', 'b']);
      const b = Array.from(st.tensors.get('b')!.data);
      expect(b).toEqual(dtype === 'F64' ? [0.1, -0.2, 0.3] : [0.1, -0.2, 0.3].map(Math.fround));
    }
  });

  it('errors name the file and the tensor', () => {
    expect(() => parseSafetensors(Uint8Array.of(1, 2), 'w.st')).toThrow(/w\.st: 2 bytes is too short/);
    expect(() => parseSafetensors(fileOf({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(12)), 'w.st'))
      .toThrow(/w\.st: tensor "w": data_offsets span 8 bytes, but F32\[3\] needs 12/);
    expect(() => parseSafetensors(fileOf({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, new Uint8Array(12)), 'w.st'))
      .toThrow(/past the 12 data bytes/);
    expect(() => parseSafetensors(fileOf({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)))).toThrow(SafetensorsError);
  });
});
