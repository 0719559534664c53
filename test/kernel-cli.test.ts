import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseNpy, parseCsvMatrix, parseJsonMatrix, toNpy } from '../src/io/npy.js';
import { kernelCommand, formatKernel } from '../src/cli/commands/kernel.js';
import { analyticKernel } from '../src/theory/kernels.js';
import { fromRows } from '../src/engine/linalg/index.js';

/** A .npy file built byte by byte from the format spec (not with our writer). */
function handNpy(major: number, descr: string, fortran: boolean, shape: number[], values: number[]): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pre = major === 1 ? 10 : 12;
  let header = dict;
  while ((pre + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const size = descr.endsWith('8') ? 8 : 4;
  const buf = new ArrayBuffer(pre + header.length + values.length * size);
  const u8 = new Uint8Array(buf), dv = new DataView(buf);
  u8.set([0x93, 'N'.charCodeAt(0), 'U'.charCodeAt(0), 'M'.charCodeAt(0), 'P'.charCodeAt(0), 'Y'.charCodeAt(0), major, 0]);
  if (major === 1) dv.setUint16(8, header.length, true); else dv.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) u8[pre + i] = header.charCodeAt(i);
  const little = descr.startsWith('<');
  values.forEach((v, k) => {
    const o = pre + header.length + k * size;
    if (descr.endsWith('f8')) dv.setFloat64(o, v, little); else dv.setFloat32(o, v, little);
  });
  expect((pre + header.length) % 64).toBe(0);
  return u8;
}

describe('.npy reader', () => {
  it('reads float64 and float32, C and Fortran order, versions 1.0 and 2.0', () => {
    const m = parseNpy(handNpy(1, '<f8', false, [2, 3], [1, 2, 3, 4, 5, 6.5]));
    expect([m.rows, m.cols]).toEqual([2, 3]);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6.5]);
    const f = parseNpy(handNpy(1, '<f4', false, [3, 1], [0.5, -1.25, 3]));
    expect(Array.from(f.data)).toEqual([0.5, -1.25, 3]);
    // Fortran order: column-major values [1, 4, 2, 5, 3, 6] are the matrix [[1,2,3],[4,5,6]].
    const F = parseNpy(handNpy(2, '<f8', true, [2, 3], [1, 4, 2, 5, 3, 6]));
    expect(Array.from(F.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const v = parseNpy(handNpy(1, '<f8', false, [4], [1, 2, 3, 4]));
    expect([v.rows, v.cols]).toEqual([4, 1]);
    // Our writer round-trips.
    const back = parseNpy(toNpy(m));
    expect(Array.from(back.data)).toEqual(Array.from(m.data));
  });

  it('rejects bad files with clear messages', () => {
    expect(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]))).toThrow(/magic/);
    expect(() => parseNpy(handNpy(1, '>f8', false, [1, 1], [1]))).toThrow(/'>f8' not supported/);
    expect(() => parseNpy(handNpy(1, '<f8', false, [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/rank 3/);
    expect(() => parseNpy(handNpy(1, '<f8', false, [2, 3], [1, 2, 3, 4, 5, 6]).subarray(0, 80))).toThrow(/truncated/);
    expect(() => parseJsonMatrix('[[1,2],[3]]')).toThrow(/row 1 has 1/);
    expect(() => parseCsvMatrix('a,b\n1,2\n3,x')).toThrow(/line 2, field 2/);
    expect(Array.from(parseCsvMatrix('a,b\n1,2\n3,4').data)).toEqual([1, 2, 3, 4]);
  });
});

describe('lmech kernel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmech-kernel-'));
  const rows = [[1, 0, 2], [0.5, -1, 1], [0, 0, 1]];
  writeFileSync(join(dir, 'x.json'), JSON.stringify(rows));
  writeFileSync(join(dir, 'x.npy'), handNpy(1, '<f8', false, [3, 3], rows.flat()));
  writeFileSync(join(dir, 'x2.csv'), 'u,v,w\n1,1,1\n-1,2,0\n');

  it('computes the same matrix as the library from JSON, .npy and CSV inputs', () => {
    const spec = { activation: 'relu' as const, depth: 3, sigmaW2: 2, sigmaB2: 0.1 };
    const expected = analyticKernel(spec, fromRows(rows), fromRows([[1, 1, 1], [-1, 2, 0]]));
    const a = kernelCommand({ act: 'relu', depth: '3', sigmaW2: '2', sigmaB2: '0.1', x: join(dir, 'x.json'), x2: join(dir, 'x2.csv'), kind: 'ntk' });
    const b = kernelCommand({ act: 'relu', depth: '3', sigmaW2: '2', sigmaB2: '0.1', x: join(dir, 'x.npy'), x2: join(dir, 'x2.csv'), kind: 'nngp' });
    expect(Array.from(a.matrix.data)).toEqual(Array.from(expected.ntk.data));
    expect(Array.from(b.matrix.data)).toEqual(Array.from(expected.nngp.data));
    const out = JSON.parse(formatKernel(a, true));
    expect(out.rows).toBe(3);
    expect(out.cols).toBe(2);
    expect(out.kernel[2][1]).toBeCloseTo(expected.ntk.data[5], 12);
  });

  it('names the flag and the allowed values on bad input', () => {
    const x = join(dir, 'x.json');
    expect(() => kernelCommand({ act: 'gelu', x })).toThrow(/--act: must be one of "relu", "erf", "linear"/);
    expect(() => kernelCommand({ kind: 'cntk', x })).toThrow(/--kind: must be one of "ntk", "nngp"/);
    expect(() => kernelCommand({ param: 'mup', x })).toThrow(/--param/);
    expect(() => kernelCommand({ depth: '0', x })).toThrow(/--depth: must be an integer in \[1, 100\]/);
    expect(() => kernelCommand({ sigmaW2: '-1', x })).toThrow(/--sigma-w2/);
    expect(() => kernelCommand({})).toThrow(/--x: required/);
    expect(() => kernelCommand({ x: join(dir, 'nope.json') })).toThrow(/--x .*cannot read/);
    expect(() => kernelCommand({ x: join(dir, 'x.json'), x2: join(dir, 'x.txt.bad') })).toThrow(/--x2/);
    expect(() => kernelCommand({ x, param: 'standard' })).toThrow(/--width/);
  });

  const built = existsSync('dist/src/cli/commands/kernel.js') && existsSync('bin/lmech.js');
  it.skipIf(!built)('runs as `node bin/lmech.js kernel` (after npm run build)', () => {
    const r = spawnSync(process.execPath, ['bin/lmech.js', 'kernel', '--act', 'erf', '--depth', '2', '--x', join(dir, 'x.json'), '--kind', 'nngp', '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const expected = analyticKernel({ activation: 'erf', depth: 2, sigmaW2: 1, sigmaB2: 0 }, fromRows(rows));
    expect(out.kernel[1][2]).toBeCloseTo(expected.nngp.data[5], 12);
    const bad = spawnSync(process.execPath, ['bin/lmech.js', 'kernel', '--act', 'softplus', '--x', join(dir, 'x.json')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--act: must be one of/);
  });
});

describe('the README quick tour', () => {
  it('its `lmech kernel` example runs as written, on the shipped examples/inputs.json', () => {
    const line = readFileSync('README.md', 'utf8').split('\n').find((l) => l.startsWith('npx lmech kernel '));
    expect(line).toBeDefined();
    const args = line!.split('#')[0].trim().split(/\s+/).slice(2); // drop "npx lmech"
    const r = spawnSync(process.execPath, ['bin/lmech.js', ...args], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.kind).toBe('ntk');
    expect(out.rows).toBe(6);
    expect(out.kernel).toHaveLength(6);
  });
});
