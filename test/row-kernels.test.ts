// Row kernels (src/engine/backend/row-kernels.ts, wasm-rows.ts, kernels-rows.wat) and the ops
// built on them (bias add / sumTo / softmax family / cross-entropy).
//
// Independent routes: closed forms (softmax of logs of integers, log-sum-exp of equal entries),
// plain loops written here, central finite differences for every reverse rule, and finite
// differences of gradients for Hessian-vector products by double backward. The wasm kernels
// are then checked against the reference kernels on random shapes (odd n for the SIMD tails,
// rows = 1, n = 1), both dtypes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grad, hvp } from '../src/engine/autodiff.js';
import { backend, setBackend } from '../src/engine/backend/index.js';
import { referenceBackend } from '../src/engine/backend/reference.js';
import { referenceRows, type RowKernels } from '../src/engine/backend/row-kernels.js';
import type { Backend } from '../src/engine/backend/types.js';
import { allocate, type FloatArray, type FloatDType } from '../src/engine/dtype.js';
import {
  add, crossEntropyWithIds, dot, logSoftmax, logSumExp, mean, mul, softmax, softmaxCrossEntropy, sub, sum, tanh,
} from '../src/engine/ops.js';
import { Rng } from '../src/engine/rng.js';
import { Tensor, tensor } from '../src/engine/tensor.js';
import { fdGrad, relErr } from './support/fd.js';
import { ensureWasmBytes } from './support/wasm-bytes.js';


/** Every call on the wasm kernels, however small. */
let wasm: Backend;
const saved = backend();

beforeAll(async () => {
  ensureWasmBytes();
  const { createWasmBackend } = await import('../src/engine/backend/wasm.js');
  wasm = await createWasmBackend({ minElementwise: 0, minMatmulWork: 0 });
});
afterAll(() => setBackend(saved));

function randArr(rng: Rng, dt: FloatDType, n: number, spread = 1): FloatArray {
  const a = allocate(dt, n);
  for (let i = 0; i < n; i++) a[i] = spread * rng.normal();
  return a;
}

const SHAPES: [number, number][] = [[1, 1], [1, 7], [3, 1], [5, 3], [4, 8], [17, 33], [2, 129], [64, 64], [300, 10]];
const DTYPES: FloatDType[] = ['f64', 'f32'];

/** max_i |a_i − b_i| / (|b_i| + floor). */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>, floor: number): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Object.is(a[i], b[i])) continue;
    m = Math.max(m, Math.abs(a[i] - b[i]) / (Math.abs(b[i]) + floor));
  }
  return m;
}

// ------------------------------------------------------------------------------------------
describe('reference row kernels against closed forms and plain loops', () => {
  const K = referenceRows;

  it('addRow, mulRow, sumRows, sumCols match hand loops', () => {
    const rng = new Rng(1);
    for (const [rows, n] of SHAPES) {
      const x = randArr(rng, 'f64', rows * n), b = randArr(rng, 'f64', n);
      const o = new Float64Array(rows * n), s = new Float64Array(n), c = new Float64Array(rows);
      K.addRow(x, b, o, rows, n);
      for (let i = 0; i < rows * n; i++) expect(o[i]).toBe(x[i] + b[i % n]);
      K.mulRow(x, b, o, rows, n);
      for (let i = 0; i < rows * n; i++) expect(o[i]).toBe(x[i] * b[i % n]);
      K.sumRows(x, s, rows, n);
      K.sumCols(x, c, rows, n);
      for (let j = 0; j < n; j++) {
        let t = 0;
        for (let r = 0; r < rows; r++) t += x[r * n + j];
        expect(s[j]).toBeCloseTo(t, 12);
      }
      for (let r = 0; r < rows; r++) {
        let t = 0;
        for (let j = 0; j < n; j++) t += x[r * n + j];
        expect(c[r]).toBeCloseTo(t, 12);
      }
    }
  });

  it('softmax of log 1..n is (1..n)/Σ, log-softmax its log, log-sum-exp log Σ', () => {
    const n = 5;
    const x = Float64Array.from({ length: n }, (_, j) => Math.log(j + 1));
    const y = new Float64Array(n), l = new Float64Array(n), s = new Float64Array(1);
    K.softmaxRows(x, y, 1, n);
    K.logSoftmaxRows(x, l, 1, n);
    K.logSumExpRows(x, s, 1, n);
    for (let j = 0; j < n; j++) {
      expect(y[j]).toBeCloseTo((j + 1) / 15, 15);
      expect(l[j]).toBeCloseTo(Math.log((j + 1) / 15), 14);
    }
    expect(s[0]).toBeCloseTo(Math.log(15), 14);
  });

  it('is stable for huge logits and masked (−∞) entries', () => {
    const x = Float64Array.from([1e300, 1e300, 0, -Infinity]);
    const y = new Float64Array(4), l = new Float64Array(4), s = new Float64Array(1);
    K.softmaxRows(x, y, 1, 4);
    expect(Array.from(y)).toEqual([0.5, 0.5, 0, 0]);
    K.logSumExpRows(Float64Array.from([1000, 1000]), s, 1, 2);
    expect(s[0]).toBeCloseTo(1000 + Math.LN2, 12);
    K.logSoftmaxRows(Float64Array.from([800, 0]), l, 1, 2);
    expect(l[0]).toBe(0);
    expect(l[1]).toBe(-800);
  });

  it('backward kernels are the vjps of softmax / log-softmax (finite differences)', () => {
    const rng = new Rng(2);
    for (const [rows, n] of [[1, 1], [3, 5], [2, 8]] as const) {
      const x = randArr(rng, 'f64', rows * n, 2), g = randArr(rng, 'f64', rows * n);
      for (const [fwd, back] of [['softmaxRows', 'softmaxBackwardRows'], ['logSoftmaxRows', 'logSoftmaxBackwardRows']] as const) {
        const phi = (t: Float64Array): number => {
          const y = new Float64Array(rows * n);
          K[fwd](t, y, rows, n);
          let v = 0;
          for (let i = 0; i < y.length; i++) v += g[i] * y[i];
          return v;
        };
        const y = new Float64Array(rows * n), u = new Float64Array(rows * n);
        K[fwd](x, y, rows, n);
        K[back](g, y, u, rows, n);
        expect(relErr(u, fdGrad(phi, x as Float64Array))).toBeLessThan(1e-8);
      }
    }
  });

  it('cross-entropy kernels: loss = lse − z_t, gradient c·(softmax − t) (finite differences)', () => {
    const rng = new Rng(3);
    const rows = 4, n = 7, c = 0.25;
    const z = randArr(rng, 'f64', rows * n, 3) as Float64Array;
    const ids = Int32Array.from({ length: rows }, () => rng.int(n));
    const t = new Float64Array(rows * n);
    for (let r = 0; r < rows; r++) t[r * n + ids[r]] = 1;
    const total = (zz: Float64Array): number => {
      const loss = new Float64Array(rows), gr = new Float64Array(rows * n);
      K.crossEntropyIdsRows(zz, ids, loss, gr, rows, n, c);
      return c * loss.reduce((p, q) => p + q, 0);
    };
    const lossI = new Float64Array(rows), gI = new Float64Array(rows * n);
    const lossD = new Float64Array(rows), gD = new Float64Array(rows * n);
    K.crossEntropyIdsRows(z, ids, lossI, gI, rows, n, c);
    K.crossEntropyRows(z, t, lossD, gD, rows, n, c);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(z[r * n + j]);
      expect(lossI[r]).toBeCloseTo(Math.log(s) - z[r * n + ids[r]], 13);
    }
    expect(maxRel(lossD, lossI, 1e-12)).toBeLessThan(1e-14);
    expect(maxRel(gD, gI, 1e-12)).toBeLessThan(1e-14);
    expect(relErr(gI, fdGrad(total, z))).toBeLessThan(1e-8);
    expect(() => K.crossEntropyIdsRows(z, Int32Array.from([0, 1, 7, 2]), lossI, gI, rows, n, c)).toThrow(/ids\[2\] = 7 out of range/);
  });

  it('rejects bad sizes with the field named', () => {
    expect(() => referenceRows.addRow(new Float64Array(5), new Float64Array(3), new Float64Array(6), 2, 3)).toThrow(/x has 5 elements, needs 6/);
    expect(() => referenceRows.sumCols(new Float64Array(6), new Float64Array(6), -1, 3)).toThrow(/rows must be a non-negative integer/);
  });
});

// ------------------------------------------------------------------------------------------
// Both builds of the module: baseline SIMD128 and (where the engine runs it) relaxed SIMD, whose
// multiply-adds may be fused.
describe.each(['simd128', 'auto'] as const)('wasm row kernels (%s build) agree with the reference', (variant) => {
  let wasm: Backend;
  beforeAll(async () => {
    const { createWasmBackend } = await import('../src/engine/backend/wasm.js');
    wasm = await createWasmBackend({ minElementwise: 0, minMatmulWork: 0, variant });
  });
  type Name = keyof RowKernels;
  const run = (k: RowKernels, name: Name, args: unknown[]): void => (k[name] as (...a: unknown[]) => void)(...args);
  const tol = (dt: FloatDType) => (dt === 'f64' ? 1e-14 : 2.5e-7);

  it('addRow, mulRow, sumRows bit-identical; sumCols to rounding', () => {
    const rng = new Rng(4);
    for (const dt of DTYPES) {
      for (const [rows, n] of SHAPES) {
        const x = randArr(rng, dt, rows * n), b = randArr(rng, dt, n);
        for (const name of ['addRow', 'mulRow'] as const) {
          const o1 = allocate(dt, rows * n), o2 = allocate(dt, rows * n);
          referenceRows[name](x, b, o1, rows, n);
          wasm[name]!(x, b, o2, rows, n);
          expect(Array.from(o2)).toEqual(Array.from(o1));
        }
        const s1 = allocate(dt, n), s2 = allocate(dt, n);
        referenceRows.sumRows(x, s1, rows, n);
        wasm.sumRows!(x, s2, rows, n);
        expect(Array.from(s2)).toEqual(Array.from(s1));
        const c1 = allocate(dt, rows), c2 = allocate(dt, rows);
        referenceRows.sumCols(x, c1, rows, n);
        wasm.sumCols!(x, c2, rows, n);
        // Relative to Σ|x| (the bound on any summation order's rounding).
        for (let r = 0; r < rows; r++) {
          let abs = 0;
          for (let j = 0; j < n; j++) abs += Math.abs(x[r * n + j]);
          expect(Math.abs(c2[r] - c1[r])).toBeLessThanOrEqual(n * tol(dt) * abs + 1e-300);
        }
      }
    }
  });

  it('softmax, log-softmax, log-sum-exp (wide logits: underflow, huge values, −∞)', () => {
    const rng = new Rng(5);
    for (const dt of DTYPES) {
      for (const [rows, n] of SHAPES) {
        for (const spread of [1, 30, 400]) {
          const x = randArr(rng, dt, rows * n, spread);
          if (n > 2) x[1] = -Infinity; // a masked entry
          if (rows > 1) x[n] = 1e30; // a huge logit
          const y1 = allocate(dt, rows * n), y2 = allocate(dt, rows * n);
          referenceRows.softmaxRows(x, y1, rows, n);
          wasm.softmaxRows!(x, y2, rows, n);
          // wasm e^x flushes subnormal results (< 2.3e-308) to 0: an absolute error below 1e-294.
          expect(maxRel(y2, y1, 1e-280)).toBeLessThan(tol(dt));
          referenceRows.logSoftmaxRows(x, y1, rows, n);
          wasm.logSoftmaxRows!(x, y2, rows, n);
          expect(maxRel(y2, y1, 1)).toBeLessThan(tol(dt));
          const l1 = allocate(dt, rows), l2 = allocate(dt, rows);
          referenceRows.logSumExpRows(x, l1, rows, n);
          wasm.logSumExpRows!(x, l2, rows, n);
          expect(maxRel(l2, l1, 1)).toBeLessThan(tol(dt));
        }
      }
    }
  });

  it('NaN rows stay NaN', () => {
    const x = Float64Array.from([0, NaN, 1, 2]), y = new Float64Array(4), l = new Float64Array(2);
    wasm.softmaxRows!(x, y, 2, 2);
    expect(Number.isNaN(y[0]) && Number.isNaN(y[1])).toBe(true);
    expect(y[2] + y[3]).toBeCloseTo(1, 15);
    wasm.logSumExpRows!(x, l, 2, 2);
    expect(Number.isNaN(l[0])).toBe(true);
  });

  it('backward kernels and fused cross-entropy', () => {
    const rng = new Rng(6);
    for (const dt of DTYPES) {
      for (const [rows, n] of SHAPES) {
        const x = randArr(rng, dt, rows * n, 3), g = randArr(rng, dt, rows * n);
        const y = allocate(dt, rows * n), l = allocate(dt, rows * n);
        referenceRows.softmaxRows(x, y, rows, n);
        referenceRows.logSoftmaxRows(x, l, rows, n);
        for (const [name, yy] of [['softmaxBackwardRows', y], ['logSoftmaxBackwardRows', l]] as const) {
          const u1 = allocate(dt, rows * n), u2 = allocate(dt, rows * n);
          run(referenceRows, name, [g, yy, u1, rows, n]);
          run(wasm as RowKernels, name, [g, yy, u2, rows, n]);
          // Relative to the row scale Σ|g| (u is a difference of O(|g|) terms).
          let scale = 0;
          for (let i = 0; i < g.length; i++) scale = Math.max(scale, Math.abs(g[i]));
          expect(maxRel(u2, u1, n * scale)).toBeLessThan(tol(dt));
        }
        const ids = Int32Array.from({ length: rows }, () => rng.int(n));
        const t = allocate(dt, rows * n);
        for (let i = 0; i < t.length; i++) t[i] = rng.uniform();
        for (const [name, target] of [['crossEntropyIdsRows', ids], ['crossEntropyRows', t]] as const) {
          const a1 = allocate(dt, rows), a2 = allocate(dt, rows);
          const g1 = allocate(dt, rows * n), g2 = allocate(dt, rows * n);
          run(referenceRows, name, [x, target, a1, g1, rows, n, 0.5]);
          run(wasm as RowKernels, name, [x, target, a2, g2, rows, n, 0.5]);
          expect(maxRel(a2, a1, 1)).toBeLessThan(tol(dt) * 4);
          expect(maxRel(g2, g1, 0.5)).toBeLessThan(tol(dt));
        }
      }
    }
  });
});

// ------------------------------------------------------------------------------------------
const BACKENDS = [['reference', () => referenceBackend], ['wasm', () => wasm]] as const;

describe.each(BACKENDS)('ops on the row kernels (%s backend)', (_name, get) => {
  beforeAll(() => setBackend(get()));
  afterAll(() => setBackend(saved));

  const flatOf = (t: Tensor): Float64Array => Float64Array.from(t.data);

  it('bias add / sub / mul, either order, values and gradients', () => {
    const rng = new Rng(7);
    const x = tensor(rng.normals(40 * 33), [4, 10, 33]);
    const b = tensor(rng.normals(33), [33]);
    const b1 = tensor(b.data, [1, 33]);
    const X = x.data, B = b.data;
    for (const [op, f] of [['add', add], ['sub', sub], ['mul', mul]] as const) {
      const y = f(x, b1).data;
      for (let i = 0; i < y.length; i++) {
        const e = op === 'add' ? X[i] + B[i % 33] : op === 'sub' ? X[i] - B[i % 33] : X[i] * B[i % 33];
        expect(y[i]).toBe(e);
      }
      if (op !== 'sub') expect(Array.from(f(b, x).data)).toEqual(Array.from(y));
      // d/db Σ w ⊙ f(x, b) against finite differences.
      const w = tensor(rng.normals(x.size), x.shape);
      const loss = (bb: Tensor): Tensor => dot(w, f(x, bb));
      const [gb] = grad(loss, [b]);
      const fd = fdGrad((t) => loss(tensor(t, [33])).data[0], flatOf(b));
      expect(relErr(gb.data, fd)).toBeLessThan(1e-8);
    }
  });

  it('sum / mean over leading and trailing axes match hand loops', () => {
    const rng = new Rng(8);
    for (const dt of DTYPES) {
      const x = new Tensor(randArr(rng, dt, 3 * 5 * 7), [3, 5, 7]);
      const X = x.data;
      const s0 = sum(x, [0, 1]).data, s2 = mean(x, -1, true).data, all = sum(x).data;
      let tot = 0;
      for (let j = 0; j < 7; j++) {
        let t = 0;
        for (let r = 0; r < 15; r++) t += X[r * 7 + j];
        expect(s0[j]).toBeCloseTo(t, dt === 'f64' ? 12 : 4);
      }
      for (let r = 0; r < 15; r++) {
        let t = 0;
        for (let j = 0; j < 7; j++) t += X[r * 7 + j];
        tot += t;
        expect(s2[r]).toBeCloseTo(t / 7, dt === 'f64' ? 12 : 5);
      }
      expect(all[0]).toBeCloseTo(tot, dt === 'f64' ? 11 : 3);
    }
  });

  it('softmax / log-softmax / log-sum-exp ops: values equal the unfused formulas', () => {
    const rng = new Rng(9);
    const a = tensor(rng.normals(6 * 9).map((v) => 4 * v), [2, 3, 9]);
    const A = a.data;
    const y = softmax(a).data, l = logSoftmax(a).data, s = logSumExp(a).data;
    for (let r = 0; r < 6; r++) {
      let m = -Infinity, z = 0;
      for (let j = 0; j < 9; j++) m = Math.max(m, A[r * 9 + j]);
      for (let j = 0; j < 9; j++) z += Math.exp(A[r * 9 + j] - m);
      expect(s[r]).toBeCloseTo(m + Math.log(z), 13);
      for (let j = 0; j < 9; j++) {
        expect(y[r * 9 + j]).toBeCloseTo(Math.exp(A[r * 9 + j] - m) / z, 14);
        expect(l[r * 9 + j]).toBeCloseTo(A[r * 9 + j] - m - Math.log(z), 13);
      }
    }
    // Along a non-last axis the unfused chain still runs; it must agree with the last-axis route.
    const t = softmax(a, 1).data;
    for (let o = 0; o < 2; o++) {
      for (let i = 0; i < 9; i++) {
        let z = 0;
        for (let j = 0; j < 3; j++) z += Math.exp(A[(o * 3 + j) * 9 + i]);
        for (let j = 0; j < 3; j++) expect(t[(o * 3 + j) * 9 + i]).toBeCloseTo(Math.exp(A[(o * 3 + j) * 9 + i]) / z, 13);
      }
    }
  });

  /** A scalar function of one parameter through tanh (so the Hessian is not trivial). */
  const heads: Record<string, (z: Tensor, w: Tensor, ids: Tensor, t: Tensor) => Tensor> = {
    softmax: (z, w) => dot(w, softmax(z)),
    logSoftmax: (z, w) => dot(w, logSoftmax(z)),
    logSumExp: (z, w) => dot(sum(w, -1), logSumExp(z)),
    crossEntropyWithIds: (z, _w, ids) => crossEntropyWithIds(z, ids),
    softmaxCrossEntropy: (z, _w, _ids, t) => softmaxCrossEntropy(z, t),
    'softmax ⊙ softmax': (z, w) => dot(mul(softmax(z), softmax(z)), w),
  };

  it.each(Object.keys(heads))('%s: gradient and HVP (double backward) vs finite differences', (name) => {
    const rng = new Rng(10).split(name);
    const rows = 6, n = 5;
    const theta = tensor(rng.normals(rows * n), [rows, n]);
    const w = tensor(rng.normals(rows * n), [rows, n]);
    const ids = tensor(Int32Array.from({ length: rows }, () => rng.int(n)), [rows], 'i32');
    const t = tensor(Float64Array.from({ length: rows * n }, () => rng.uniform()), [rows, n]);
    const head = heads[name];
    const f = (p: Tensor): Tensor => head(mul(tanh(p), 2), w, ids, t);
    const value = (th: Float64Array): number => f(tensor(th, [rows, n])).data[0];
    const [g] = grad(f, [theta]);
    expect(relErr(g.data, fdGrad(value, flatOf(theta)))).toBeLessThan(1e-8);
    const v = tensor(rng.normals(rows * n), [rows, n]);
    const [hv] = hvp(f, [theta], [v]);
    const h = 1e-5;
    const gradAt = (th: Float64Array): Float64Array => Float64Array.from(grad(f, [tensor(th, [rows, n])])[0].data);
    const th = flatOf(theta), V = flatOf(v);
    const gp = gradAt(th.map((x, i) => x + h * V[i])), gm = gradAt(th.map((x, i) => x - h * V[i]));
    const fd = gp.map((x, i) => (x - gm[i]) / (2 * h));
    expect(relErr(hv.data, fd)).toBeLessThan(1e-7);
  });

  it('cross-entropy values: ids and one-hot agree, the value-only route equals the tracked one', () => {
    const rng = new Rng(11);
    const z = tensor(rng.normals(3 * 4 * 6).map((x) => 3 * x), [3, 4, 6]);
    const ids = tensor(Int32Array.from({ length: 12 }, () => rng.int(6)), [3, 4], 'i32');
    const oh = new Float64Array(z.size);
    for (let r = 0; r < 12; r++) oh[r * 6 + ids.data[r]] = 1;
    const a = crossEntropyWithIds(z, ids).data[0];
    const b = softmaxCrossEntropy(z, tensor(oh, z.shape)).data[0];
    const [gz] = grad((p) => crossEntropyWithIds(p, ids), [z]);
    let ref = 0;
    const Z = z.data;
    for (let r = 0; r < 12; r++) {
      let s = 0;
      for (let j = 0; j < 6; j++) s += Math.exp(Z[r * 6 + j]);
      ref += Math.log(s) - Z[r * 6 + ids.data[r]];
    }
    expect(a).toBeCloseTo(ref / 12, 13);
    expect(b).toBeCloseTo(ref / 12, 13);
    expect(gz.node).toBeNull();
    expect(() => crossEntropyWithIds(z, tensor(Int32Array.from({ length: 12 }, () => 6), [3, 4], 'i32'))).toThrow(/out of range/);
  });
});
