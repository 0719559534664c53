import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { tensor, type Tensor } from '../src/engine/tensor.js';
import { mseLoss, scale } from '../src/engine/ops.js';
import { flatLoss, flatten } from '../src/engine/params.js';
import { mat, type Mat } from '../src/engine/linalg/index.js';
import { empiricalNtk } from '../src/observables/ntk.js';
import {
  gaussianInputs, initTwoLayer, splitTheta, subNetwork, teacherForward, teacherFromAngles, thetaToTensors, twoLayerFeatures,
  twoLayerForward, twoLayerNtk, twoLayerObjective, twoLayerTensorForward, type TwoLayerShape,
} from '../src/models/two-layer.js';
import { angularConcentration, kernelTargetAlignment, logLogFit, relativeChange } from '../src/observables/feature-learning.js';
import { arcUnionMeasure, concentrationBaseline, lazyRichLearningRate, linearizedDisplacement } from '../src/theory/lazy-rich.js';
import { gradientDescent } from '../src/training/gd.js';
import { runExperiment, runGridCell, type CellExecutor, type CellResult } from '../src/experiments/runner.js';
import { lazyRichExperiment, type LazyRichConfig, type LazyRichResult } from '../src/experiments/lazy-rich.js';
import { lazyRichSchema } from '../src/experiments/lazy-rich.js';

const DEG = Math.PI / 180;
const toMat = (rows: number[][]): Mat => mat(rows.length, rows[0].length, rows.flat());

describe('two-layer student (models/two-layer)', () => {
  const s: TwoLayerShape = { m: 10, d: 2, alpha: 3 };
  const rng = new Rng(1);
  const X = gaussianInputs(7, 2, rng.split('x'));
  const y = rng.split('y').normals(7);

  it('doubling-trick init gives f ≡ 0 and balanced neurons', () => {
    const th = initTwoLayer(s, rng.split('init'));
    for (const v of twoLayerForward(th, s, X)) expect(Math.abs(v)).toBeLessThan(1e-14);
    const { W, a } = splitTheta(th, s);
    for (let i = 0; i < s.m; i++) expect(Math.abs(a[i])).toBeCloseTo(Math.hypot(W[2 * i], W[2 * i + 1]), 12);
  });

  it('hand-written gradient matches autodiff and finite differences', () => {
    const th = initTwoLayer(s, rng.split('init'), { symmetric: false, balanced: false });
    const obj = twoLayerObjective(s, X, y);
    const { value, grad } = obj.valueAndGrad(th);
    const fwd = twoLayerTensorForward(s);
    const Xt = tensor(Float64Array.from(X.data), [7, 2]), Yt = tensor(Float64Array.from(y), [7, 1]);
    const like = thetaToTensors(th, s);
    const fl = flatLoss((...ps: Tensor[]) => scale(mseLoss(fwd(ps, Xt), Yt), 0.5), like);
    const ad = fl.valueAndGrad(flatten(like));
    expect(value).toBeCloseTo(ad.value, 12);
    for (let i = 0; i < grad.length; i++) expect(grad[i]).toBeCloseTo(ad.grad[i], 12);
    const h = 1e-6;
    for (const i of [0, 5, 13, 21, 27]) {
      const p = th.slice(), q = th.slice();
      p[i] += h; q[i] -= h;
      expect(grad[i]).toBeCloseTo((obj.value(p) - obj.value(q)) / (2 * h), 6);
    }
  });

  it('closed-form NTK matches the empirical NTK of the autodiff model', () => {
    const th = initTwoLayer(s, rng.split('init'), { symmetric: false });
    const K = twoLayerNtk(th, s, X);
    const Ke = empiricalNtk(twoLayerTensorForward(s), thetaToTensors(th, s), tensor(Float64Array.from(X.data), [7, 2]));
    for (let i = 0; i < K.data.length; i++) expect(K.data[i]).toBeCloseTo(Ke.data[i], 12);
    const X2 = gaussianInputs(3, 2, rng.split('x2'));
    const Kx = twoLayerNtk(th, s, X, X2);
    const Kex = empiricalNtk(twoLayerTensorForward(s), thetaToTensors(th, s), tensor(Float64Array.from(X.data), [7, 2]), tensor(Float64Array.from(X2.data), [3, 2]));
    for (let i = 0; i < Kx.data.length; i++) expect(Kx.data[i]).toBeCloseTo(Kex.data[i], 12);
  });

  it('sub-networks of a doubling-trick init are doubling-trick networks', () => {
    const big: TwoLayerShape = { m: 12, d: 2, alpha: 1 };
    const th = initTwoLayer(big, rng.split('big'));
    const sub = subNetwork(th, big, 4);
    for (const v of twoLayerForward(sub, { ...big, m: 4 }, X)) expect(Math.abs(v)).toBeLessThan(1e-14);
    expect(Array.from(sub.subarray(0, 4))).toEqual(Array.from(th.subarray(0, 4)));
  });
});

describe('feature-learning observables (planted cases)', () => {
  it('relative change of a planted displacement', () => {
    const v0 = [3, 4, 0], v = [3, 4, 0.5];
    expect(relativeChange(v0, v)).toBeCloseTo(0.1, 14);
    expect(relativeChange(toMat([[1, 0], [0, 1]]), toMat([[1, 0], [0, 1.1]]))).toBeCloseTo(0.1 / Math.SQRT2, 14);
  });

  it('kernel–target alignment: yyᵀ gives 1, the identity gives 1/√n, a 2×2 case by hand', () => {
    const y = [1, -2, 0.5];
    const yy = toMat(y.map((a) => y.map((b) => a * b)));
    expect(kernelTargetAlignment(yy, y)).toBeCloseTo(1, 14);
    expect(kernelTargetAlignment(toMat([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), y)).toBeCloseTo(1 / Math.sqrt(3), 14);
    // K = [[2, 1], [1, 2]], y = (1, 0): yᵀKy = 2, ‖K‖_F = √10, ‖y‖² = 1.
    expect(kernelTargetAlignment(toMat([[2, 1], [1, 2]]), [1, 0])).toBeCloseTo(2 / Math.sqrt(10), 14);
  });

  it('angular concentration of planted neurons', () => {
    const teacher = teacherFromAngles([0, Math.PI / 2], [1, -1]);
    // Neuron 1: on teacher 1, same sign, mass 2·1 = 2. Neuron 2: 5° off teacher 2, sign −, mass 1.
    // Neuron 3: on teacher 1 but wrong sign, mass 1. Neuron 4: 60° away, mass 4.
    const ang = [0, 95 * DEG, 0, 60 * DEG], mags = [1, 1, 1, 2], a = [2, -1, -1, 2];
    const W = ang.flatMap((t, i) => [mags[i] * Math.cos(t), mags[i] * Math.sin(t)]);
    expect(angularConcentration(W, a, 2, teacher, { delta: 10 * DEG })).toBeCloseTo(3 / 8, 14);
    expect(angularConcentration(W, a, 2, teacher, { delta: 10 * DEG, matchSign: false })).toBeCloseTo(4 / 8, 14);
    expect(angularConcentration(W, a, 2, teacher, { delta: 61 * DEG, matchSign: false })).toBeCloseTo(1, 14);
  });

  it('log-log fit recovers a planted power law', () => {
    const xs = [1, 3, 10, 30, 100];
    const f = logLogFit(xs, xs.map((x) => 2.5 * x ** -0.7));
    expect(f.slope).toBeCloseTo(-0.7, 12);
    expect(f.intercept).toBeCloseTo(Math.log(2.5), 12);
  });
});

describe('lazy/rich theory', () => {
  it('arc-union measure: disjoint, overlapping and wrap-around arcs', () => {
    expect(arcUnionMeasure([0.5, 2], 0.1)).toBeCloseTo(0.4, 14);
    expect(arcUnionMeasure([1, 1.1], 0.1)).toBeCloseTo(0.3, 14);
    expect(arcUnionMeasure([0.02, 2 * Math.PI - 0.02], 0.1)).toBeCloseTo(0.24, 12);
    expect(arcUnionMeasure([0, 1, 2, 3, 4, 5, 6], 1)).toBeCloseTo(2 * Math.PI, 14);
  });

  it('concentration baseline (2) agrees with Monte Carlo over the actual init', () => {
    const angles = [20 * DEG, 80 * DEG, 85 * DEG, 210 * DEG], outs = [1, -1, 1, 1];
    const teacher = teacherFromAngles(angles, outs);
    const s: TwoLayerShape = { m: 2000, d: 2, alpha: 1 };
    let sum = 0;
    const reps = 10;
    for (let r = 0; r < reps; r++) {
      const { W, a } = splitTheta(initTwoLayer(s, new Rng(100 + r)), s);
      sum += angularConcentration(W, a, 2, teacher, { delta: 12 * DEG });
    }
    // 10 000 independent directions: SE of the mass-weighted fraction ≈ 0.003.
    expect(Math.abs(sum / reps - concentrationBaseline(angles, outs, 12 * DEG))).toBeLessThan(0.012);
  });

  it('learning-rate convention: one step moves f by the α-independent (η₀/n)(m/α²)K y, up to O(1/α)', () => {
    const rng = new Rng(3);
    const n = 20;
    const X = gaussianInputs(n, 2, rng.split('x'));
    const y = teacherForward(teacherFromAngles([0.3, 2], [1, -1]), X);
    const m = 400;
    const th0 = initTwoLayer({ m, d: 2, alpha: 1 }, new Rng(9));
    const step = (alpha: number) => {
      const s: TwoLayerShape = { m, d: 2, alpha };
      const r = gradientDescent(twoLayerObjective(s, X, y), th0, { lr: lazyRichLearningRate(0.5, alpha, m), steps: 1 });
      const K = twoLayerNtk(th0, s, X);
      // First-order prediction: Δf = (η/n) K y (f₀ = 0, so ρ₀ = −y).
      const lin = Array.from({ length: n }, (_, i) => { let v = 0; for (let j = 0; j < n; j++) v += K.data[i * n + j] * y[j]; return (lazyRichLearningRate(0.5, alpha, m) / n) * v; });
      return { actual: twoLayerForward(r.theta, s, X), lin };
    };
    const a30 = step(30), a3000 = step(3000);
    for (let i = 0; i < n; i++) expect(a3000.lin[i]).toBeCloseTo(a30.lin[i], 10); // α-independent
    const gap = (o: { actual: Float64Array; lin: number[] }) => Math.hypot(...o.lin.map((v, i) => o.actual[i] - v)) / Math.hypot(...o.lin);
    expect(gap(a3000)).toBeLessThan(2e-3);
    expect(gap(a3000)).toBeLessThan(gap(a30));
  });

  it('linearized displacement (1) equals explicit GD on the linearized model', () => {
    const rng = new Rng(4);
    const n = 6, P = 9;
    const J = rng.normals(n * P, 0.5), y = rng.normals(n);
    const G = mat(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let p = 0; p < P; p++) s += J[i * P + p] * J[j * P + p]; G.data[i * n + j] = s; }
    const c = 0.05, T = 37;
    const u = new Float64Array(P);
    for (let t = 0; t < T; t++) {
      const r = new Float64Array(n);
      for (let i = 0; i < n; i++) { let f = 0; for (let p = 0; p < P; p++) f += J[i * P + p] * u[p]; r[i] = y[i] - f; }
      for (let p = 0; p < P; p++) { let g = 0; for (let i = 0; i < n; i++) g += J[i * P + p] * r[i]; u[p] += c * g; }
    }
    const lin = linearizedDisplacement(G, y, c, T);
    expect(lin.displacement).toBeCloseTo(Math.hypot(...u), 10);
    const res = new Float64Array(n);
    for (let i = 0; i < n; i++) { let f = 0; for (let p = 0; p < P; p++) f += J[i * P + p] * u[p]; res[i] = f - y[i]; }
    expect(lin.residual).toBeCloseTo(Math.hypot(...res) / Math.hypot(...y), 10);
  });

  it('lazy limit: the trained network converges to the linearized prediction (1); features move ∝ 1/α', () => {
    const rng = new Rng(5);
    const X = gaussianInputs(30, 2, rng.split('x'));
    const y = teacherForward(teacherFromAngles([0.3, 1.4, 3.6], [1, -1, 1]), X);
    const m = 40, steps = 300, eta0 = 0.5;
    const th0 = initTwoLayer({ m, d: 2, alpha: 1 }, rng.split('init'));
    const errs: number[] = [], feats: number[] = [];
    for (const alpha of [10, 1e5]) {
      const s: TwoLayerShape = { m, d: 2, alpha };
      const r = gradientDescent(twoLayerObjective(s, X, y), th0, { lr: lazyRichLearningRate(eta0, alpha, m), steps });
      const K0 = twoLayerNtk(th0, s, X);
      const G = { rows: K0.rows, cols: K0.cols, data: K0.data.map((v) => v / alpha ** 2) };
      const pred = linearizedDisplacement(G, y, (eta0 * m) / 30, steps).displacement / (alpha * Math.hypot(...th0));
      errs.push(Math.abs(relativeChange(th0, r.theta) / pred - 1));
      feats.push(relativeChange(twoLayerFeatures(th0, s, X), twoLayerFeatures(r.theta, s, X)) * alpha);
    }
    // At α = 1e5 no ReLU gate flips: GD follows the linearized model to O(1/α).
    expect(errs[1]).toBeLessThan(1e-6);
    expect(errs[1]).toBeLessThan(errs[0]);
    expect(Math.abs(feats[1] / feats[0] - 1)).toBeLessThan(0.2);
  });
});

describe('lazy-rich experiment', () => {
  it('the no-lazy-end variant is out of regime, not confirmed', async () => {
    const v = lazyRichExperiment.variants![0];
    const out = await runExperiment(lazyRichExperiment, v.config as Record<string, unknown>);
    expect(out.record.verdict).toBe('out-of-regime');
    expect(out.series.get('trajectories')!.length).toBeGreaterThan(0);
  });

  it('the checks can fail: a wrong exponent or a wrong baseline is falsified', async () => {
    const config = lazyRichSchema.parse({ alphas: [0.1, 30, 100, 300], widths: [], replicates: 2, steps: 1500 }) as LazyRichConfig;
    const p = lazyRichExperiment.predict(config);
    const r = (await runExperiment(lazyRichExperiment, config)).result as LazyRichResult;
    const good = lazyRichExperiment.compare(config, r, p);
    const byName = (cs: typeof good.checks, s: string) => cs.find((c) => c.name.includes(s))!;
    expect(byName(good.checks, 'relative weight change').verdict).toBe('confirmed');
    expect(byName(good.checks, 'concentrates').verdict).toBe('confirmed');
    // The naive first-order exponent −1 for the NTK change is rejected by the same data.
    const naive = lazyRichExperiment.compare(config, r, { ...p, exponents: { ...p.exponents, ntkFlip: -1, weight: -0.5 } });
    expect(byName(naive.checks, 'NTK change').verdict).toBe('falsified');
    expect(byName(naive.checks, 'relative weight change').verdict).toBe('falsified');
    const wrongBaseline = lazyRichExperiment.compare(config, r, { ...p, baseline: 0.3 });
    expect(byName(wrongBaseline.checks, 'isotropic baseline').verdict).toBe('falsified');
  });
});

/** Runs a grid's cells last to first: a cell's numbers must not depend on the order cells run in. */
const reversedCells: CellExecutor = async (exp, config, keys, { signal }) => {
  const p = exp.predict(config);
  const out: (CellResult | null)[] = keys.map(() => null);
  for (let i = keys.length - 1; i >= 0; i--) out[i] = await runGridCell(exp, config, keys[i], p, signal);
  return out;
};

describe('lazy-rich as a grid of cells', () => {
  const small = { width: 20, samples: 16, alphas: [0.3, 30, 100], widths: [6, 10], replicates: 2, steps: 60 };

  it('cells are (replicate, α) then (replicate, width); run in reverse they give the same record and series', async () => {
    const config = lazyRichSchema.parse(small) as LazyRichConfig;
    const keys = lazyRichExperiment.grid!.cells(config, lazyRichExperiment.predict(config));
    expect(keys.length).toBe(2 * 3 + 2 * 2);
    const a = await runExperiment(lazyRichExperiment, small);
    const b = await runExperiment(lazyRichExperiment, small, { cells: reversedCells });
    expect(b.record.checks).toEqual(a.record.checks);
    expect([...b.series]).toEqual([...a.series]);
    // Measured trajectories (replicate 0, smallest and largest α) come before the dashed teacher rays.
    const kinds = a.series.get('trajectories')!.map((r) => r.kind);
    expect(kinds.indexOf('theory')).toBe(kinds.lastIndexOf('measured') + 1);
  });

  it('a cell re-derives its replicate: the (replicate 1, α = 30) cell is plain GD from the documented streams', async () => {
    const config = lazyRichSchema.parse(small) as LazyRichConfig;
    const p = lazyRichExperiment.predict(config);
    const cell = await runGridCell(lazyRichExperiment, config, { kind: 'alpha', replicate: 1, j: 1 }, p, new AbortController().signal);
    const rr = new Rng(config.seed).split('replicate1');
    const X = gaussianInputs(16, 2, rr.split('data'));
    const y = teacherForward(teacherFromAngles(config.teacherAngles.map((t) => t * DEG), config.teacherOutputs), X);
    const th0 = initTwoLayer({ m: 20, d: 2, alpha: 1 }, rr.split('init'));
    const gd = gradientDescent(twoLayerObjective({ m: 20, d: 2, alpha: 30 }, X, y), th0, { lr: lazyRichLearningRate(config.eta0, 30, 20), steps: 60 });
    expect((cell.result as { weight: number }).weight).toBe(relativeChange(th0, gd.theta));
    expect(cell.rows).toEqual([]); // only replicate 0 records trajectories
  });

  it('a cell that did not run (interrupt) leaves the run interrupted', async () => {
    const dropLast: CellExecutor = async (exp, config, keys, opts) => {
      const out = await reversedCells(exp, config, keys.slice(0, -1), opts);
      return [...out, null];
    };
    const out = await runExperiment(lazyRichExperiment, small, { cells: dropLast });
    expect(out.record.status).toBe('interrupted');
    expect((out.result as LazyRichResult).widthSweep.length).toBe(2);
  });
});
