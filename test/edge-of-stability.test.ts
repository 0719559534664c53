import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { tensor, type Tensor } from '../src/engine/tensor.js';
import { dot, scale, square, sub } from '../src/engine/ops.js';
import { flatLoss, flatten } from '../src/engine/params.js';
import { eigvalsh, mat, randomOrthogonal } from '../src/engine/linalg/index.js';
import { averagePool, centerAndScale, loadMnist, syntheticDigits } from '../src/data/mnist.js';
import {
  catapultPhase, catapultWindow, gdMultiplier, isStable, maxStableLr, quadraticGdLoss, stabilityThreshold, uvStep, uvTrajectory,
} from '../src/theory/edge-of-stability.js';
import {
  analyzeTrace, edgeOfStabilityExperiment, eosSchema, eosChecks, flowWithSharpness, gdWithSharpness, type EosConfig, type EosResult, type SharpnessTrace,
} from '../src/experiments/edge-of-stability.js';
import { runExperiment, runGridCell, type CellExecutor, type CellResult } from '../src/experiments/runner.js';
import { blockSharpnessTracker, densityRows, mlpBlocks, sharpnessTracker } from '../src/observables/trackers.js';
import { mlpProblem, type MlpProblem } from '../src/training/problem.js';
import { catapultChecks, spikeOf } from '../src/experiments/catapult.js';
import type { RunContext } from '../src/experiments/types.js';

const ctx = (): RunContext & { rows: Map<string, Record<string, number | string>[]> } => {
  const rows = new Map<string, Record<string, number | string>[]>();
  return {
    rng: new Rng(0), progress: () => {}, signal: new AbortController().signal, rows,
    record: (s, r) => { if (!rows.has(s)) rows.set(s, []); rows.get(s)!.push(r); },
  };
};

/** The full Hessian, column by column from exact HVPs, and its eigenvalues. */
function fullHessianEigs(hvp: (v: Float64Array) => Float64Array, P: number): Float64Array {
  const H = mat(P, P);
  for (let j = 0; j < P; j++) {
    const e = new Float64Array(P); e[j] = 1;
    const col = hvp(e);
    for (let i = 0; i < P; i++) H.data[i * P + j] = col[i];
  }
  // Symmetric up to rounding; symmetrize before the eigensolver.
  for (let i = 0; i < P; i++) for (let j = 0; j < i; j++) {
    const m = 0.5 * (H.data[i * P + j] + H.data[j * P + i]);
    H.data[i * P + j] = H.data[j * P + i] = m;
  }
  return eigvalsh(H);
}

/** A planted quadratic ½θᵀAθ with eigenvalues `lambdas`, posing as an MlpProblem. */
function plantedQuadratic(lambdas: number[], seed = 1): MlpProblem & { A: Float64Array } {
  const P = lambdas.length;
  const Q = randomOrthogonal(P, new Rng(seed));
  const A = new Float64Array(P * P);
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) {
    let s = 0;
    for (let k = 0; k < P; k++) s += Q.data[i * P + k] * lambdas[k] * Q.data[j * P + k];
    A[i * P + j] = s;
  }
  const mv = (v: ArrayLike<number>) => Float64Array.from({ length: P }, (_, i) => { let s = 0; for (let j = 0; j < P; j++) s += A[i * P + j] * v[j]; return s; });
  const value = (th: Float64Array) => 0.5 * mv(th).reduce((a, x, i) => a + x * th[i], 0);
  const theta0 = Float64Array.from(new Rng(seed + 1).normals(P, 1));
  return {
    A, spec: { widths: [1, 1], activation: 'tanh' }, like: [], theta0,
    objective: { dim: P, value, valueAndGrad: (th) => ({ value: value(th), grad: mv(th) }) },
    hvp: (_th, v) => mv(v),
  };
}

describe('theory: stability of GD on a quadratic', () => {
  it('2/η is the boundary of |1 − ηλ| < 1, and the closed-form loss matches iteration', () => {
    expect(stabilityThreshold(0.25)).toBe(8);
    expect(maxStableLr(8)).toBe(0.25);
    expect(isStable(0.25, 7.99)).toBe(true);
    expect(isStable(0.25, 8.01)).toBe(false);
    expect(isStable(0.25, 8)).toBe(false); // |1 − 2| = 1: marginal, not contracting
    expect(gdMultiplier(0.1, 30)).toBeCloseTo(-2, 12);
    const lambdas = [1, 5, 9.5], x0 = [1, -2, 0.5], lr = 0.2;
    const x = [...x0];
    const closed = quadraticGdLoss(lr, lambdas, x0, 40);
    for (let t = 0; t <= 40; t++) {
      const direct = lambdas.reduce((a, l, i) => a + 0.5 * l * x[i] * x[i], 0);
      expect(Math.abs(closed[t] - direct)).toBeLessThan(1e-12 * Math.max(1, direct));
      for (let i = 0; i < 3; i++) x[i] -= lr * lambdas[i] * x[i]; // gradient step on ½λx²
    }
  });

  it('catapult window constants: lazy below 2/λ₀, catapult to 4/λ₀, divergent above', () => {
    expect(catapultWindow(10)).toEqual({ lazyBelow: 0.2, divergentAbove: 0.4 });
    expect(catapultPhase(0.19, 10)).toBe('lazy');
    expect(catapultPhase(0.3, 10)).toBe('catapult');
    expect(catapultPhase(0.41, 10)).toBe('divergent');
  });
});

describe('theory: the two-layer linear (uv) model of Lewkowycz et al.', () => {
  /** GD on f = uᵀv/√n, loss ½(f − y)², by autodiff on the vectors; (f, λ) read off the weights. */
  function gdOnWeights(n: number, lr: number, steps: number, y: number, seed: number) {
    const rng = new Rng(seed);
    const u = tensor(Float64Array.from(rng.normals(n, 1)), [n]), v = tensor(Float64Array.from(rng.normals(n, 1)), [n]);
    const like = [u, v];
    const fl = flatLoss((a: Tensor, b: Tensor) => scale(square(sub(scale(dot(a, b), 1 / Math.sqrt(n)), y)), 0.5), like);
    const th = flatten(like);
    const state = () => {
      let uv = 0, uu = 0, vv = 0;
      for (let i = 0; i < n; i++) { uv += th[i] * th[n + i]; uu += th[i] ** 2; vv += th[n + i] ** 2; }
      return { f: uv / Math.sqrt(n), lambda: (uu + vv) / n };
    };
    const out = [state()];
    for (let t = 0; t < steps; t++) {
      const g = fl.grad(th);
      for (let i = 0; i < th.length; i++) th[i] -= lr * g[i];
      out.push(state());
    }
    return out;
  }

  it('the (f, λ) recursion is exact: it matches GD on the weights step by step', () => {
    for (const [n, ratio, y] of [[50, 0.8, 0.3], [200, 1.5, -0.5], [200, 1.9, 0]] as const) {
      const w = gdOnWeights(n, 1, 1, y, 3)[0];
      const lr = (2 * ratio) / w.lambda;
      const sim = gdOnWeights(n, lr, 25, y, 3);
      const th = uvTrajectory(sim[0], lr, n, 25, y).states;
      for (let t = 0; t <= 25; t++) {
        expect(Math.abs(th[t].f - sim[t].f)).toBeLessThan(1e-8 * Math.max(1, Math.abs(sim[t].f)));
        expect(Math.abs(th[t].lambda - sim[t].lambda)).toBeLessThan(1e-8 * sim[t].lambda);
      }
    }
  });

  it('phases at large width: lazy keeps λ, catapult spikes the loss and ends below 2/η, ηλ₀ > 4 diverges', () => {
    const n = 10_000, s0 = { f: 0.5, lambda: 2 };
    const lazy = uvTrajectory(s0, 0.8 / 2, n, 200).states; // ηλ₀ = 0.8
    expect(Math.abs(lazy[200].f)).toBeLessThan(1e-10);
    expect(Math.abs(lazy[200].lambda - 2) / 2).toBeLessThan(1e-3);
    const lr = 3 / 2; // ηλ₀ = 3
    const cat = uvTrajectory(s0, lr, n, 2000);
    expect(cat.diverged).toBe(false);
    const peak = Math.max(...cat.states.map((s) => s.f * s.f));
    expect(peak).toBeGreaterThan(100 * s0.f * s0.f); // loss spike, O(n)
    const end = cat.states[cat.states.length - 1];
    expect(Math.abs(end.f)).toBeLessThan(1e-6);
    expect(end.lambda).toBeLessThan(2 / lr);
    expect(uvTrajectory(s0, 4.4 / 2, n, 2000).diverged).toBe(true); // ηλ₀ = 4.4
  });
});

describe('sharpness of an MLP: Lanczos on exact HVPs vs the full Hessian', () => {
  for (const [activation, loss] of [['tanh', 'mse'], ['relu', 'ce']] as const) {
    it(`${activation}/${loss}: top eigenvalue equals the full Hessian's (built column by column)`, () => {
      const ds = syntheticDigits({ samples: 12, pool: 14, classes: 3, seed: 2 }); // d = 4
      const prob = mlpProblem(ds, { width: 5, depth: 1, activation, loss, seed: 4 });
      const P = prob.objective.dim; // 4·5 + 5 + 5·3 + 3 = 43
      expect(P).toBe(43);
      // Move off the init a little so the Hessian is generic.
      const th = Float64Array.from(prob.theta0);
      for (let k = 0; k < 5; k++) { const g = prob.objective.valueAndGrad(th).grad; for (let i = 0; i < P; i++) th[i] -= 0.1 * g[i]; }
      const eigs = fullHessianEigs((v) => prob.hvp(th, v), P);
      const top = eigs[eigs.length - 1];
      const tracker = sharpnessTracker(prob.hvp, P, 1e-10);
      const s = tracker.measure(th);
      expect(Math.abs(s - top) / top).toBeLessThan(1e-8);
      // Warm start from the previous vector converges in fewer HVPs at a nearby point.
      const before = tracker.hvps;
      th[0] += 1e-3;
      const s2 = tracker.measure(th);
      expect(tracker.hvps - before).toBeLessThanOrEqual(before);
      expect(Math.abs(s2 - s) / s).toBeLessThan(0.05);
    });
  }
});

describe('per-layer sharpness and the spectral density along GD', () => {
  const ds = syntheticDigits({ samples: 12, pool: 14, classes: 3, seed: 2 }); // d = 4
  const prob = mlpProblem(ds, { width: 5, depth: 1, activation: 'tanh', loss: 'mse', seed: 4 });
  const P = prob.objective.dim; // 43

  it('block top eigenvalues equal eigh of the dense Hessian\'s diagonal blocks, each ≤ λ_max (Cauchy interlacing)', () => {
    const blocks = mlpBlocks(prob.like);
    expect(blocks.map((b) => [b.name, b.offset, b.size])).toEqual([['W1', 0, 20], ['b1', 20, 5], ['W2', 25, 15], ['b2', 40, 3]]);
    const th = Float64Array.from(prob.theta0);
    for (let k = 0; k < 5; k++) { const g = prob.objective.valueAndGrad(th).grad; for (let i = 0; i < P; i++) th[i] -= 0.1 * g[i]; }
    // Dense H, column j = H e_j by one HVP, symmetrized.
    const H = new Float64Array(P * P);
    for (let j = 0; j < P; j++) {
      const e = new Float64Array(P); e[j] = 1;
      const col = prob.hvp(th, e);
      for (let i = 0; i < P; i++) H[i * P + j] = col[i];
    }
    for (let i = 0; i < P; i++) for (let j = 0; j < i; j++) H[i * P + j] = H[j * P + i] = 0.5 * (H[i * P + j] + H[j * P + i]);
    const full = mat(P, P); full.data.set(H);
    const lambdaMax = eigvalsh(full).at(-1)!;
    const tracker = blockSharpnessTracker(prob.hvp, P, blocks, 1e-10);
    const measured = tracker.measure(th);
    blocks.forEach((b, n) => {
      const sub = mat(b.size, b.size);
      for (let i = 0; i < b.size; i++) for (let j = 0; j < b.size; j++) sub.data[i * b.size + j] = H[(b.offset + i) * P + b.offset + j];
      const top = eigvalsh(sub).at(-1)!;
      expect(Math.abs(measured[n] - top)).toBeLessThan(1e-8 * Math.abs(top));
      expect(top).toBeLessThanOrEqual(lambdaMax * (1 + 1e-12));
    });
    // Warm-started re-measurement at a nearby point is cheaper than the cold one.
    const cold = tracker.hvps;
    th[0] += 1e-4;
    const again = tracker.measure(th);
    expect(tracker.hvps - cold).toBeLessThanOrEqual(cold);
    again.forEach((v, n) => expect(Math.abs(v - measured[n])).toBeLessThan(0.01 * Math.abs(measured[n])));
  });

  it('along GD: block eigenvalues ≤ S at every measurement; densities at init, crossing, end integrate to 1', () => {
    const run1 = (lr: number) => {
      const c = ctx();
      const run = gdWithSharpness(prob, lr, 200, 5, 1e-8, c, () => {}, undefined, {
        perLayer: { every: 50, blocks: mlpBlocks(prob.like) },
        density: { steps: 'auto', probes: 3, lanczos: 20, crossFraction: 0.9, seed: 0 },
      });
      return { run, rows: c.rows };
    };
    for (const lr of [1, 0.5]) {
      const { run, rows } = run1(lr);
      expect(run.status).toBe('completed');
      const pl = rows.get('perLayer')!;
      expect(pl.length).toBe(5 * 5); // steps 0, 50, …, 200 × (4 blocks + S)
      for (const step of [0, 50, 100, 150, 200]) {
        const at = pl.filter((r) => r.step === step);
        const S = Number(at.find((r) => r.block === 'S = λ_max(H)')!.lambda);
        expect(S).toBeCloseTo(run.trace.sharpness[run.trace.steps.indexOf(step)], 10);
        for (const r of at) expect(Number(r.lambda)).toBeLessThanOrEqual(S * (1 + 1e-6));
      }
      // Auto steps: init, the crossing exactly as analyzeTrace finds it (else mid-run), end.
      const a = analyzeTrace(run.trace, { crossFraction: 0.9, burnIn: 0.5 });
      const middle = a.crossStep >= 0 ? `2: crossing (step ${a.crossStep})` : '2: mid-run, no crossing (step 100)';
      expect(run.density!.map((d) => d.label)).toEqual(['1: init (step 0)', middle, '3: end (step 200)']);
      const dens = rows.get('density')!;
      for (const label of run.density!.map((d) => d.label)) {
        const curve = dens.filter((r) => r.label === label);
        expect(curve.length).toBe(300);
        let integral = 0;
        for (let i = 1; i < curve.length; i++) integral += 0.5 * (Number(curve[i].eigenvalue) - Number(curve[i - 1].eigenvalue)) * (Number(curve[i].density) + Number(curve[i - 1].density));
        expect(Math.abs(integral - 1)).toBeLessThan(1e-3);
      }
      if (lr === 1) expect(a.crossStep).toBeGreaterThan(0); // this η does cross: both branches are exercised
      else expect(a.crossStep).toBe(-1);
    }
  });

  it('density on a planted quadratic: Ritz nodes are the eigenvalues; explicit steps', () => {
    const lambdas = [0.5, 1, 2, 3.5, 6];
    const q = plantedQuadratic(lambdas);
    const c = ctx();
    const run = gdWithSharpness(q, 0.25, 60, 10, 1e-10, c, () => {}, undefined, { density: { steps: [0, 20, 999], probes: 2, lanczos: 10, crossFraction: 0.9, seed: 1 } });
    expect(run.density!.map((d) => d.label)).toEqual(['step 0', 'step 20']);
    for (const d of run.density!) for (const r of d.rules) {
      expect(r.nodes.length).toBe(5); // Krylov space of dimension 5 = the whole space
      r.nodes.forEach((x, i) => expect(Math.abs(x - lambdas[i])).toBeLessThan(1e-8));
    }
    const rows = densityRows(run.density!, 500);
    expect(rows.length).toBe(1000);
    // The Hessian does not change along GD on a quadratic: both curves peak at the 5 eigenvalues.
    for (const label of ['step 0', 'step 20']) {
      const curve = rows.filter((r) => r.label === label);
      const at = (x: number) => curve.reduce((best, r) => (Math.abs(r.x - x) < Math.abs(best.x - x) ? r : best)).density;
      for (let i = 0; i + 1 < lambdas.length; i++) {
        const between = at(0.5 * (lambdas[i] + lambdas[i + 1]));
        expect(at(lambdas[i])).toBeGreaterThan(100 * between);
        expect(at(lambdas[i + 1])).toBeGreaterThan(100 * between);
      }
    }
    expect(c.rows.get('perLayer')).toBeUndefined();
  });

  it('config: defaults draw both new plots; perLayerEvery = 0 and densityProbes = 0 drop them', () => {
    const titles = (cfg: object) => edgeOfStabilityExperiment.plots!(eosSchema.parse(cfg)).map((p) => p.series);
    expect(titles({})).toEqual(['sharpness', 'sharpness', 'loss', 'perLayer', 'density']);
    expect(titles({ perLayerEvery: 0, densityProbes: 0 })).toEqual(['sharpness', 'sharpness', 'loss']);
    const dens = edgeOfStabilityExperiment.plots!(eosSchema.parse({}))[4];
    expect(dens.rulesX).toEqual([{ x: 2 / 0.3, label: '2/η = 6.67' }]);
  });
});

describe('GD sharpness tracking on a planted quadratic', () => {
  it('tracks λ_max exactly; loss follows the closed form; monotone below 2/η', () => {
    const lambdas = [0.5, 1, 2, 3.5, 6];
    const q = plantedQuadratic(lambdas);
    const lr = 0.25; // 2/η = 8 > 6
    const c = ctx();
    const run = gdWithSharpness(q, lr, 60, 10, 1e-10, c, () => {});
    expect(run.status).toBe('completed');
    expect(run.trace.steps).toEqual([0, 10, 20, 30, 40, 50, 60]);
    for (const s of run.trace.sharpness) expect(Math.abs(s - 6) / 6).toBeLessThan(1e-8);
    // Closed form in the eigenbasis: x0 = Qᵀθ0.
    const P = lambdas.length, Q = randomOrthogonal(P, new Rng(1));
    const x0 = lambdas.map((_, k) => { let s = 0; for (let i = 0; i < P; i++) s += Q.data[i * P + k] * q.theta0[i]; return s; });
    const closed = quadraticGdLoss(lr, lambdas, x0, 60);
    for (let t = 0; t <= 60; t++) expect(Math.abs(run.trace.loss[t] - closed[t])).toBeLessThan(1e-10 * Math.max(1, closed[t]));
    const a = analyzeTrace(run.trace, { crossFraction: 0.9, burnIn: 0.5 });
    expect(a.crossStep).toBe(-1);
    expect(a.riseFractionStable).toBe(0);
    expect(c.rows.get('sharpness')!.length).toBe(7);
  });

  it('above 2/η the same quadratic diverges (the edge is a hard wall without nonlinearity)', () => {
    const q = plantedQuadratic([0.5, 1, 2, 3.5, 6]);
    const run = gdWithSharpness(q, 0.35, 400, 50, 1e-8, ctx(), () => {}); // 2/η = 5.7 < 6
    expect(run.status).toBe('diverged');
  });
});

describe('gradient-flow control on a planted quadratic', () => {
  it('RK4 with dt = 0.9/S follows e^{−λt}; stops at the horizon, or once S ≥ flowStop·2/η', () => {
    const lambdas = [0.2, 0.7, 1.5, 3, 6];
    const q = plantedQuadratic(lambdas, 3);
    const P = lambdas.length, Q = randomOrthogonal(P, new Rng(3));
    const x0 = lambdas.map((_, k) => { let s = 0; for (let i = 0; i < P; i++) s += Q.data[i * P + k] * q.theta0[i]; return s; });
    const c = ctx();
    // 2/η = 8 > 6: never stops early; horizon T = η·steps = 10.
    const f = flowWithSharpness(q, 0.25, { steps: 40, every: 10, tol: 1e-10, stop: 1.1, tMin: 0, dt: 0.9 }, c, () => {});
    expect(f.status).toBe('completed');
    expect(f.times.at(-1)).toBeCloseTo(10, 12);
    for (const s of f.sharpness) expect(Math.abs(s - 6) / 6).toBeLessThan(1e-8);
    expect(f.maxRatio).toBeCloseTo(6 / 8, 8);
    const exact = lambdas.reduce((a, l, i) => a + 0.5 * l * (Math.exp(-l * 10) * x0[i]) ** 2, 0);
    const last = c.rows.get('loss')!.at(-1)!;
    expect(Math.abs(Number(last.loss) - exact) / exact).toBeLessThan(1e-3);
    // 2/η = 5 < 6: S·η/2 = 1.2 ≥ 1.1 at t = 0 → stops at once.
    const g = flowWithSharpness(q, 0.4, { steps: 40, every: 10, tol: 1e-10, stop: 1.1, tMin: 0, dt: 0.9 }, ctx(), () => {});
    expect(g.times).toEqual([0]);
    expect(g.maxRatio).toBeCloseTo(1.2, 8);
    expect(g.gradients).toBe(0);
  });
});

describe('edge-of-stability verdict logic on synthetic traces', () => {
  const lr = 0.2, thr = 10, T = 2000, every = 20;
  /** S·η/2 rises from `start` to `level` by step `cross`, then hovers at `level` with noise; loss falls with period-2 wiggles after. */
  function synth(opts: { start?: number; cross?: number; level?: number; wiggle?: number; reach?: boolean } = {}): SharpnessTrace {
    const { start = 0.6, cross = 600, level = 1.02, wiggle = 0.02, reach = true } = opts;
    const rng = new Rng(9);
    const steps: number[] = [], sharp: number[] = [];
    for (let k = 0; k <= T; k += every) {
      const r = reach ? (k < cross ? start + (level - start) * (k / cross) : level + 0.01 * rng.normal()) : start + 0.2 * (k / T);
      steps.push(k); sharp.push(r * thr);
    }
    const loss = Float64Array.from({ length: T + 1 }, (_, t) => Math.exp(-t / 800) * (1 + (reach && t > cross ? wiggle * (t % 2) : 0)));
    return { lr, steps, sharpness: sharp, loss, lastStep: T };
  }
  const opts = { crossFraction: 0.9, burnIn: 0.5, band: 0.1 };
  const verdicts = (tr: SharpnessTrace) => eosChecks(opts, [{ lr, status: 'completed', analysis: analyzeTrace(tr, opts) }]).checks.map((c) => [c.name.replace('η=0.2 ', ''), c.verdict]);

  it('a textbook edge-of-stability trace is confirmed on every check', () => {
    const a = analyzeTrace(synth(), opts);
    expect(a.crossStep).toBe(440); // first multiple of 20 with 0.6 + 0.42·k/600 ≥ 0.9
    expect(a.plateauFrom).toBe(440 + 0.5 * (T - 440));
    expect(Math.abs(a.plateauMean - 1.02)).toBeLessThan(0.01);
    expect(a.plateauSe).toBeGreaterThan(0);
    expect(Object.fromEntries(verdicts(synth()))).toEqual({
      'progressive sharpening': 'confirmed', 'sharpness plateau at 2/η': 'confirmed', 'loss falls over long windows': 'confirmed',
      'loss non-monotone at the edge': 'confirmed', 'loss monotone below the threshold': 'confirmed',
    });
  });

  it('a plateau at 1.3·2/η falsifies; a monotone loss at the edge falsifies', () => {
    const v1 = Object.fromEntries(verdicts(synth({ level: 1.3 })));
    expect(v1['sharpness plateau at 2/η']).toBe('falsified');
    const v2 = Object.fromEntries(verdicts(synth({ wiggle: 0 })));
    expect(v2['loss non-monotone at the edge']).toBe('falsified');
    expect(v2['sharpness plateau at 2/η']).toBe('confirmed');
  });

  it('never reaching the threshold, or starting above it and staying, is out of regime, not falsified', () => {
    const v = Object.fromEntries(verdicts(synth({ reach: false })));
    expect(v['sharpness plateau at 2/η']).toBe('out-of-regime');
    expect(v['loss non-monotone at the edge']).toBe('out-of-regime');
    expect(v['progressive sharpening']).toBe('confirmed'); // 0.6 → 0.8: rose ×1.33
    // Sharpening that stalls at 0.93·2/η (past crossFraction, short of 2/η) is not the edge.
    const stall = Object.fromEntries(verdicts(synth({ level: 0.93, wiggle: 0 })));
    expect(stall['sharpness plateau at 2/η']).toBe('out-of-regime');
    expect(stall['loss non-monotone at the edge']).toBe('out-of-regime');
    const above = synth({ start: 1.2, cross: 0 });
    const va = Object.fromEntries(verdicts(above));
    expect(va['sharpness plateau at 2/η']).toBe('out-of-regime');
  });

  it('a diverged run and a flow control that does not sharpen', () => {
    const d = eosChecks(opts, [{ lr, status: 'diverged', divergedAt: 17 }]).checks;
    expect(d.every((c) => c.verdict === 'out-of-regime')).toBe(true);
    const tr = synth();
    const run = { lr, status: 'completed', analysis: analyzeTrace(tr, opts) };
    const flow = (maxRatio: number) => ({ lr, times: [0, 100], sharpness: [6, 9], maxRatio, status: 'completed', gradients: 1 });
    const last = (m: number) => eosChecks(opts, [run], flow(m)).checks.at(-1)!.verdict;
    expect(last(1.25)).toBe('confirmed');
    expect(last(1.0)).toBe('falsified');
  });
});

describe('catapult checks', () => {
  it('spikeOf measures the rise over the running minimum', () => {
    expect(spikeOf([3, 2, 1, 1.5, 0.5, 0.7], 10)).toEqual({ spike: 1.5, step: 3 });
    expect(spikeOf([3, 2, 1, 0.5], 10).spike).toBe(1);
    expect(spikeOf([3, 2, 1, 5], 2).spike).toBe(1);
  });
  it('verdicts: window, lazy control, and out of regime beyond ηλ₀ = 4', () => {
    const run = (role: 'catapult' | 'control', ratio: number, spike: number, sWindow: number) => ({
      role, ratio, lr: (2 * ratio) / 10, status: 'completed', loss: [], spike, spikeStep: 3, sWindow, minWindowLoss: 0.3, finalLoss: 0.1,
    });
    const c = { lrRatio: 1.5, controlRatio: 0.5, spikeMin: 1.05, window: 50 };
    const ok = catapultChecks(c, { lambda0: 10, parameters: 1, dataset: '', runs: [run('catapult', 1.5, 1.3, 5), run('control', 0.5, 1, 9)] });
    expect(ok.checks.map((x) => x.verdict)).toEqual(['confirmed', 'confirmed', 'confirmed', 'confirmed', 'confirmed']);
    const bad = catapultChecks(c, { lambda0: 10, parameters: 1, dataset: '', runs: [run('catapult', 1.5, 1.0, 8), run('control', 0.5, 1.2, 9)] });
    expect(bad.checks.map((x) => x.verdict)).toEqual(['falsified', 'falsified', 'confirmed', 'confirmed', 'falsified']);
    const beyond = catapultChecks({ ...c, lrRatio: 2.5 }, { lambda0: 10, parameters: 1, dataset: '', runs: [run('catapult', 2.5, 1.3, 3), run('control', 0.5, 1, 9)] });
    expect(beyond.checks.slice(0, 4).every((x) => x.verdict === 'out-of-regime')).toBe(true);
  });
});

describe('data: MNIST subset', () => {
  it('average pooling and centering', () => {
    const img = Float64Array.from({ length: 16 }, (_, i) => i); // 4×4
    const out = new Float64Array(4);
    averagePool(img, 4, 2, out);
    expect([...out]).toEqual([2.5, 4.5, 10.5, 12.5]);
    const X = Float64Array.from([1, 2, 3, 6, 5, 10]); // 3×2
    centerAndScale(X, 3, 2);
    expect(Math.abs(X[0] + X[2] + X[4])).toBeLessThan(1e-12);
    expect(Math.abs(X.reduce((a, x) => a + x * x, 0) / 6 - 1)).toBeLessThan(1e-12);
  });

  it('loads a deterministic, balanced, centered subset from the mnist package', async () => {
    const a = await loadMnist({ samples: 200, pool: 4, seed: 5 });
    const b = await loadMnist({ samples: 200, pool: 4, seed: 5 });
    const c = await loadMnist({ samples: 200, pool: 4, seed: 6 });
    expect(a.d).toBe(49);
    expect(a.n).toBe(200);
    expect([...a.X]).toEqual([...b.X]);
    expect([...a.X]).not.toEqual([...c.X]);
    const counts = new Array(10).fill(0);
    a.labels.forEach((l, i) => { counts[l]++; expect(a.Y[i * 10 + l]).toBe(1); });
    expect(counts).toEqual(new Array(10).fill(20));
    for (let j = 0; j < a.d; j++) {
      let m = 0;
      for (let i = 0; i < a.n; i++) m += a.X[i * a.d + j];
      expect(Math.abs(m / a.n)).toBeLessThan(1e-10);
    }
    expect(Math.abs(a.X.reduce((s, x) => s + x * x, 0) / a.X.length - 1)).toBeLessThan(1e-10);
    // Digits differ by class: class means are far apart relative to noise (a sanity check that labels match images).
    const mean = (k: number) => { const m = new Float64Array(a.d); let n = 0; a.labels.forEach((l, i) => { if (l === k) { n++; for (let j = 0; j < a.d; j++) m[j] += a.X[i * a.d + j]; } }); return m.map((x) => x / n); };
    const m0 = mean(0), m1 = mean(1);
    expect(Math.hypot(...m0.map((x, j) => x - m1[j]))).toBeGreaterThan(3);
  });
});

describe('edge-of-stability as a grid of cells (one per η; the largest η also runs the flow control)', () => {
  const small = { data: 'synthetic', samples: 60, width: 16, depth: 1, steps: 300, sharpnessEvery: 10, lr: 0.5, lrScales: [1, 0.8], perLayerEvery: 50, densityProbes: 2, densityLanczos: 8 };
  const reversedCells: CellExecutor = async (exp, config, keys, { signal }) => {
    const p = exp.predict(config);
    const out: (CellResult | null)[] = keys.map(() => null);
    for (let i = keys.length - 1; i >= 0; i--) out[i] = await runGridCell(exp, config, keys[i], p, signal);
    return out;
  };

  it('no plot joins theory rows into a measured line: every lines plot of a series with method = theory splits by method (issue 10 §2)', async () => {
    const { series } = await runExperiment(edgeOfStabilityExperiment, { ...small, lrScales: [1], perLayerEvery: 0 });
    for (const spec of edgeOfStabilityExperiment.plots!(small as never)) {
      const rows = series.get(spec.series) ?? [];
      if (spec.kind === 'lines' && rows.some((r) => r.method === 'theory')) expect(spec.dashed, spec.title).toBe('method');
    }
  });

  it('reversed cell order gives the same record and series; theory lines open, the flow closes the sharpness series', async () => {
    const a = await runExperiment(edgeOfStabilityExperiment, small);
    const b = await runExperiment(edgeOfStabilityExperiment, small, { cells: reversedCells });
    expect(b.record.checks).toEqual(a.record.checks);
    expect([...b.series]).toEqual([...a.series]);
    const r = a.result as EosResult;
    expect(r.runs.map((x) => x.lr)).toEqual([0.5, 0.4]);
    expect(r.flow?.status).toBe('completed');
    const methods = a.series.get('sharpness')!.map((row) => row.method);
    expect(methods.slice(0, 4)).toEqual(['theory', 'theory', 'theory', 'theory']);
    expect(methods.indexOf('flow')).toBe(methods.lastIndexOf('GD') + 1);
    expect(methods.slice(methods.indexOf('flow')).every((m) => m === 'flow')).toBe(true);
    // The sharpness at θ₀ is that of the first trace (same init, same tracker seed).
    expect(r.sharpness0).toBe(r.runs[0].trace.sharpness[0]);
    // Checkpoints: one per completed run, the final θ of that run.
    const arts = edgeOfStabilityExperiment.artifacts!(a.record.config as EosConfig, r);
    expect(arts.length).toBe(r.runs.filter((x) => x.status === 'completed').length);
    expect(Array.from(arts[1].params.flatMap((t) => Array.from(t.data)))).toEqual(r.runs[1].theta);
    expect(arts[0].data.x.length).toBe(60);
  }, 60_000);

  it('a cell that did not run leaves the run interrupted', async () => {
    const dropFirst: CellExecutor = async (exp, config, keys, opts) => {
      const out = await reversedCells(exp, config, keys, opts);
      return [null, ...out.slice(1)];
    };
    const out = await runExperiment(edgeOfStabilityExperiment, small, { cells: dropFirst });
    expect(out.record.status).toBe('interrupted');
    expect((out.result as EosResult).runs.map((x) => x.lr)).toEqual([0.4]);
    expect((out.result as EosResult).flow).toBeUndefined();
  }, 60_000);
});
