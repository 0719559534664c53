/**
 * The math-kernel family (math-kernels.ts, kernels-math.wat, wasm-math.ts): wasm vs the exact
 * reference on dense grids with ulp bounds, high-precision values computed with mpmath (50
 * digits) for the tails, special values, odd lengths, aliasing, and the fused backward ops
 * (tanhBackward, sigmoidBackward) against finite differences, first and second order. The
 * activation checks run on both builds (relaxed SIMD with FMA, and plain SIMD128), including
 * rare lanes (NaN, ±Inf, overflow, subnormal results) beside ordinary ones, which take the
 * drivers' general path.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, wasmRelaxedSimdSupported } from '../src/engine/backend/wasm.js';
import { referenceMath, type MathKernels, type MathUnaryName } from '../src/engine/backend/math-kernels.js';
import type { Backend } from '../src/engine/backend/types.js';
import { setBackend, useReference } from '../src/engine/backend/index.js';
import { grad, hvp } from '../src/engine/autodiff.js';
import { Tensor, tensor } from '../src/engine/tensor.js';
import { mul } from '../src/engine/ops/binary.js';
import { sigmoid, sigmoidBackward, tanh, tanhBackward } from '../src/engine/ops/unary.js';
import { sum } from '../src/engine/ops.js';
import { Rng } from '../src/engine/rng.js';
import { fdDirectional, fdGrad, relErr } from './support/fd.js';

const UNARY: MathUnaryName[] = ['exp', 'tanh', 'sigmoid', 'erf', 'gelu', 'geluSlope', 'geluCurv'];
const MIN_NORMAL = 2.2250738585072014e-308;

/** Exponent e with 2^e ≤ a < 2^(e+1), for a > 0 finite. */
function exponent(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

/** Spacing of f64 numbers at |v| (2⁻¹⁰⁷⁴ in the subnormal range). */
function ulp64(v: number): number {
  const a = Math.abs(v);
  return a < MIN_NORMAL ? 2 ** -1074 : 2 ** (exponent(a) - 52);
}

/** Spacing of f32 numbers at |v|. */
function ulp32(v: number): number {
  const a = Math.abs(Math.fround(v));
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (exponent(a) - 23);
}

/**
 * The size of the terms the reference adds for op at x: its error is an ulp of this, not of the
 * result, where the result cancels (gelu's 1 + erf for x < 0, geluSlope's zero, geluCurv's 2 − x²).
 */
function termScale(op: MathUnaryName, x: number, ref: number): number {
  const phi = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  if (op === 'gelu') return x < 0 ? Math.max(Math.abs(ref), 0.5 * Math.abs(x)) : Math.abs(ref);
  // The reference's exp(−x²/2) rounds x² first: a relative error of up to x²/2 ulp.
  const sq = Math.max(1, 0.5 * x * x);
  if (op === 'geluSlope') return Math.max(Math.abs(ref), x < 0 ? 1 : 0, Math.abs(x) * phi * sq);
  if (op === 'geluCurv') return phi * Math.max(2, x * x) * sq;
  return Math.abs(ref);
}

/**
 * The reference's φ = exp(−x²/2) is subnormal past |x| ≈ 37.5, where geluSlope and geluCurv are
 * still normal: there only the high-precision values below are an oracle.
 */
const referenceAccurate = (op: MathUnaryName, x: number): boolean =>
  !(op === 'geluSlope' || op === 'geluCurv') || Math.abs(x) < 37.5;

/** Dense grid: steps of 2⁻⁸ on [−8, 8], geometric ±1e-300…800, steps of ~0.037 on [−40, 40]. */
function grid(): Float64Array {
  const xs: number[] = [];
  for (let x = -8; x <= 8; x += 1 / 256) xs.push(x);
  for (let t = 1e-300; t < 800; t *= 1.07) xs.push(t, -t);
  for (let x = -40; x <= 40; x += 0.0370370371) xs.push(x);
  return Float64Array.from(xs);
}

/** High-precision values (mpmath, 50 digits, rounded to f64). */
const MPMATH: Record<MathUnaryName, [number, number][]> = {
  exp: [[707.9, 2.7356701980001243e+307], [-707.9, 3.655411389615008e-308], [708.1, 3.341355125254082e+307], [-708.1, 2.9927977198291917e-308], [-745, 5e-324], [-700.5, 5.980196118639791e-305], [-20.25, 1.6052280551856116e-09], [-1e-09, 0.999999999], [0.3, 1.3498588075760032], [1, 2.718281828459045], [88.7, 3.325986980250579e+38], [709.7, 1.6549840276802644e+308]],
  tanh: [[0.6249999999999999, 0.5545997223493823], [0.625, 0.5545997223493823], [-0.7, -0.6043677771171635], [1e-08, 1e-08], [0.25, 0.24491866240370913], [0.5499, 0.5004452594871819], [0.5501, 0.5005951553906958], [-1.5, -0.9051482536448664], [7.5, 0.9999993881955461], [-19, -0.9999999999999999]],
  sigmoid: [[-740, 4.2e-322], [-300, 5.148200222412013e-131], [-2.75, 0.06008665017400762], [0.125, 0.5312093733737563], [7.7, 0.9995473777767595], [36, 0.9999999999999998]],
  erf: [[0.9999999999999999, 0.8427007929497148], [1, 0.8427007929497149], [-1.5, -0.9661051464753108], [5.29296875, 0.9999999999999286], [-5.54296875, -0.9999999999999954], [1e-10, 1.1283791670955126e-10], [0.3, 0.3286267594591274], [0.99, 0.8385080695553698], [-1.01, -0.8468104962282768], [2.5, 0.999593047982555], [-4.2, -0.9999999971445058], [5.5, 0.9999999999999927]],
  gelu: [[0.9999999999999999, 0.8413447460685428], [1, 0.8413447460685429], [-0.5, -0.15426876936299344], [-0.4999999999999999, -0.15426876936299344], [-7.83203125, -1.8798839602472555e-14], [-7.9296875, -8.710683283812317e-15], [-37, -2.1184613523340935e-298], [-30, -1.472014178144456e-196], [-20, -5.507248237212468e-88], [-10, -7.619853024160526e-23], [-5, -1.4332578593959695e-06], [-1.2, -0.13808360426604993], [-0.3, -0.1146265733433142], [0.4, 0.2621686966441297], [2.5, 2.4844758366855597]],
  geluSlope: [[0.8, 1.0198978436257895], [0.7999999999999999, 1.0198978436257895], [-0.8, -0.019897843625789523], [-0.7999999999999999, -0.019897843625789478], [-32.5, -5.631306932361236e-229], [11.646251452414377, 1.0], [-37, -7.838298669418516e-297], [-25, -1.9104257373984655e-135], [-10, -7.618400096464814e-22], [-3, -0.011945647204183927], [-0.75, 0.0007742782607648957], [0.9, 1.0554165995621199], [4, 1.0005036496612265]],
  geluCurv: [[32.66666679019895, -8.092256966652813e-230], [20.010428292385825, -1.7854561841213452e-85], [-11.646251452414377, -1.8794348516141339e-28], [-37.7, -1.3297779169136595e-306], [-20, -2.1973374481395856e-85], [-6, -2.065800168939917e-07], [1.2, 0.10874419079059927], [37.7, -1.3297779169136595e-306]],
};

/**
 * Max error in ulps (of termScale) against the reference over the grid. The reference's erf
 * series is itself off by up to 17 ulp near |x| = 5…6 (checked with mpmath at the spot values
 * below, where the wasm kernel is within 2 ulp), hence the looser erf and gelu bounds.
 */
const F64_VS_REFERENCE: Record<MathUnaryName, number> = {
  exp: 2, tanh: 3, sigmoid: 4, erf: 18, gelu: 16, geluSlope: 12, geluCurv: 6,
};
/** Max error in f64 ulps against mpmath at the spot values. */
const F64_VS_MPMATH: Record<MathUnaryName, number> = {
  exp: 1, tanh: 1.5, sigmoid: 2, erf: 1.5, gelu: 6, geluSlope: 5, geluCurv: 3,
};

let wasm: Backend;
beforeAll(async () => {
  wasm = await createWasmBackend({ minElementwise: 1 });
});

/**
 * Both builds: the relaxed-SIMD one (f64x2.madd → relaxed_madd, one rounding where the CPU fuses)
 * and the plain SIMD128 one (mul then add); they may differ in the last ulp, and both are held to
 * the same bounds.
 */
const VARIANTS = (await wasmRelaxedSimdSupported()) ? ['relaxed-simd', 'simd128'] as const : ['simd128'] as const;

describe.each(VARIANTS)('math kernels: wasm (%s) vs the reference', (variant) => {
  let build: Backend;
  const kernels = (): MathKernels => build as unknown as MathKernels;
  beforeAll(async () => {
    build = await createWasmBackend({ minElementwise: 1, variant });
  });

  it('provides every kernel', () => {
    for (const op of [...UNARY, 'tanhBackward', 'sigmoidBackward'] as const) expect(typeof build[op]).toBe('function');
  });

  for (const op of UNARY) {
    it(`${op} f64 on a dense grid`, () => {
      const x = grid();
      const got = new Float64Array(x.length), ref = new Float64Array(x.length);
      kernels()[op](x, got);
      referenceMath[op](x, ref);
      let worst = 0;
      for (let i = 0; i < x.length; i++) {
        if (!Number.isFinite(ref[i])) { expect(got[i]).toBe(ref[i]); continue; }
        if (!referenceAccurate(op, x[i])) continue;
        // Subnormal results: a few units of 2⁻¹⁰⁷⁴ on top (both sides round a subnormal intermediate).
        const err = Math.max(0, Math.abs(got[i] - ref[i]) - 4 * 2 ** -1074);
        const e = err / ulp64(termScale(op, x[i], ref[i]));
        worst = Math.max(worst, e);
      }
      expect(worst).toBeLessThanOrEqual(F64_VS_REFERENCE[op]);
    });

    it(`${op} f64 against high-precision values`, () => {
      const pts = MPMATH[op];
      const x = Float64Array.from(pts, (p) => p[0]);
      const got = new Float64Array(x.length);
      kernels()[op](x, got);
      pts.forEach(([, exact], i) => {
        const tol = F64_VS_MPMATH[op] * ulp64(termScale(op, x[i], exact)) + 2 * 2 ** -1074;
        expect(Math.abs(got[i] - exact), `${op}(${x[i]})`).toBeLessThanOrEqual(tol);
      });
    });

    it(`${op} f32: within 1 ulp of the f64 reference rounded to f32`, () => {
      const x64 = grid().map(Math.fround);
      const x = Float32Array.from(x64);
      const got = new Float32Array(x.length), ref = new Float64Array(x.length);
      kernels()[op](x, got);
      referenceMath[op](Float64Array.from(x), ref);
      for (let i = 0; i < x.length; i++) {
        const r = Math.fround(ref[i]);
        if (!Number.isFinite(r)) { expect(got[i]).toBe(r); continue; }
        // The reference's own f64 cancellation error (gelu family, x < 0) can exceed an f32 ulp of a tiny result.
        if (!referenceAccurate(op, x[i])) continue;
        const slack = 16 * ulp64(termScale(op, x[i], ref[i]));
        expect(Math.abs(got[i] - r), `${op}(${x[i]})`).toBeLessThanOrEqual(ulp32(r) + slack);
      }
    });
  }

  it('special values: NaN, ±Inf, ±0 as the reference', () => {
    const x = Float64Array.from([NaN, Infinity, -Infinity, 0, -0, 5e-324, -5e-324, 1e308, -1e308, 710, -746]);
    for (const op of UNARY) {
      for (const Arr of [Float64Array, Float32Array]) {
        const xs = new Arr(x);
        const got = new Arr(xs.length), ref = new Arr(xs.length);
        kernels()[op](xs, got);
        referenceMath[op](xs, ref);
        for (let i = 0; i < xs.length; i++) {
          const same = Object.is(got[i], ref[i]) || Math.abs(got[i] - ref[i]) <= 2 * ulp64(ref[i]);
          expect(same, `${op}(${xs[i]}) ${Arr.name}: ${got[i]} vs ${ref[i]}`).toBe(true);
        }
      }
    }
  });

  it('a rare lane (NaN, ±Inf, huge, subnormal result) beside ordinary ones, at every position', () => {
    // The drivers run two vectors at a time on the fast path and send a pair with any rare lane
    // to the general path: every lane must come out as if alone.
    const rare = [NaN, Infinity, -Infinity, 800, -800, 709.5, -740, 40, -39];
    for (const op of UNARY) {
      for (const Arr of [Float64Array, Float32Array]) {
        for (const v of rare) {
          for (let at = 0; at < 8; at++) {
            const x = new Arr(8).map((_, i) => 0.7 * i - 2.1);
            x[at] = v;
            const got = new Arr(8), alone = new Arr(1);
            kernels()[op](x, got);
            for (let i = 0; i < 8; i++) {
              kernels()[op](x.subarray(i, i + 1), alone);
              expect(Object.is(got[i], alone[0]), `${op}(${x[i]}) ${Arr.name} at ${at}`).toBe(true);
            }
          }
        }
      }
    }
  });

  it('odd lengths (vector tails) and out aliasing x', () => {
    const r = new Rng(8);
    for (const op of UNARY) {
      for (const Arr of [Float64Array, Float32Array]) {
        for (let n = 1; n <= 9; n++) {
          const x = new Arr(n).map(() => 3 * r.normal());
          const ref = new Arr(n);
          referenceMath[op](x, ref);
          const got = new Arr(n);
          kernels()[op](x, got);
          const inPlace = new Arr(x);
          kernels()[op](inPlace, inPlace);
          expect(Array.from(inPlace)).toEqual(Array.from(got));
          for (let i = 0; i < n; i++) {
            const tol = Arr === Float32Array ? ulp32(ref[i]) : 12 * ulp64(termScale(op, x[i], ref[i]));
            expect(Math.abs(got[i] - ref[i]), `${op} n=${n} i=${i}`).toBeLessThanOrEqual(tol);
          }
        }
      }
    }
  });

  it('fused backward kernels are bit-identical to the reference (f64, f32, tails, aliasing)', () => {
    const r = new Rng(9);
    for (const op of ['tanhBackward', 'sigmoidBackward'] as const) {
      for (const Arr of [Float64Array, Float32Array]) {
        for (const n of [1, 2, 3, 4, 5, 7, 1000, 1001]) {
          const g = new Arr(n).map(() => r.normal());
          const y = new Arr(n).map(() => 2 * r.uniform() - 1);
          const ref = new Arr(n), got = new Arr(n);
          referenceMath[op](g, y, ref);
          kernels()[op](g, y, got);
          expect(Array.from(got)).toEqual(Array.from(ref));
          kernels()[op](g, y, g);
          expect(Array.from(g)).toEqual(Array.from(ref));
        }
      }
    }
  });

  it('short arrays go to the reference (default minElementwise)', async () => {
    const b = await createWasmBackend();
    const x = Float64Array.from([0.3, -2, 7]);
    const got = new Float64Array(3), ref = new Float64Array(3);
    (b as unknown as MathKernels).tanh(x, got);
    referenceMath.tanh(x, ref);
    expect(Array.from(got)).toEqual(Array.from(ref));
  });
});

describe('fused backward ops: derivatives', () => {
  const rng = new Rng(21);
  const vec = (n: number, f: () => number) => tensor(Array.from({ length: n }, f));

  for (const backendName of ['reference', 'wasm'] as const) {
    it(`tanhBackward / sigmoidBackward: gradients in g and y vs finite differences (${backendName})`, () => {
      if (backendName === 'wasm') setBackend(wasm); else useReference();
      try {
        const n = 7;
        const w = vec(n, () => rng.normal());
        for (const op of [tanhBackward, sigmoidBackward]) {
          const g0 = vec(n, () => rng.normal()), y0 = vec(n, () => 1.6 * rng.uniform() - 0.8);
          const f = (g: Tensor, y: Tensor) => sum(mul(op(g, y), w));
          const [dg, dy] = grad(f, [g0, y0]);
          const theta = Float64Array.from([...g0.data, ...y0.data]);
          const value = (t: Float64Array) =>
            f(new Tensor(t.slice(0, n), [n]), new Tensor(t.slice(n), [n])).item();
          const fd = fdGrad(value, theta);
          expect(relErr([...dg.data, ...dy.data], fd)).toBeLessThan(1e-8);
        }
      } finally {
        useReference();
      }
    });
  }

  it('HVP of Σ w⊙tanh(x) and Σ w⊙σ(x) by double backward matches finite differences of the gradient', () => {
    setBackend(wasm);
    try {
      const n = 600; // above the default minElementwise too
      const x0 = vec(n, () => 1.5 * rng.normal());
      const w = vec(n, () => rng.normal());
      const v = vec(n, () => rng.normal());
      for (const act of [tanh, sigmoid]) {
        const f = (x: Tensor) => sum(mul(act(x), w));
        const [hv] = hvp(f, [x0], [v]);
        const G = (t: Float64Array) => grad(f, [new Tensor(t, [n])])[0].data as Float64Array;
        const fd = fdDirectional(G, Float64Array.from(x0.data), Float64Array.from(v.data));
        expect(relErr(hv.data, fd)).toBeLessThan(1e-7);
        // Exact closed forms: tanh″ = −2y(1−y²), σ″ = y(1−y)(1−2y).
        const exact = Float64Array.from(x0.data, (xi, i) => {
          const y = act === tanh ? Math.tanh(xi) : 1 / (1 + Math.exp(-xi));
          const d2 = act === tanh ? -2 * y * (1 - y * y) : y * (1 - y) * (1 - 2 * y);
          return w.data[i] * d2 * v.data[i];
        });
        expect(relErr(hv.data, exact)).toBeLessThan(1e-13);
      }
    } finally {
      useReference();
    }
  });
});
