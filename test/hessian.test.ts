import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { tensor, type Tensor } from '../src/engine/tensor.js';
import { mseLoss, scale } from '../src/engine/ops.js';
import { flatLoss, flatten } from '../src/engine/params.js';
import { eigvalsh, mat, matvec, randomOrthogonal, type Mat } from '../src/engine/linalg/index.js';
import { initMlp, mlpForward, type MlpSpec } from '../src/models/mlp.js';
import { empiricalNtk, jacobianRows } from '../src/observables/ntk.js';
import {
  blockOperator, broadenedDensity, denseHessian, gaussNewtonFromJacobian, gaussNewtonOperator, hutchinsonTrace,
  hutchinsonTracePerBlock, lanczosQuadrature, ntkMaxStableLr, paramBlocks, powerIteration, preconditionedSharpness,
  slqDensity, slqDensityPerBlock, topHessianEigen, topHessianEigenPerBlock,
} from '../src/observables/hessian.js';
import {
  adamStabilityThreshold, criticalLearningRate, gdConverges, predictedDivergenceStep, quadraticGdLoss,
} from '../src/theory/stability.js';
import { gradientDescent } from '../src/training/gd.js';

// ---------- helpers ----------

/** H = Q diag(λ) Qᵀ with a random orthogonal Q. */
function planted(lambdas: number[], seed = 1): { H: Mat; Q: Mat } {
  const n = lambdas.length;
  const Q = randomOrthogonal(n, new Rng(seed));
  const H = mat(n, n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q.data[i * n + k] * lambdas[k] * Q.data[j * n + k];
      H.data[i * n + j] = s;
    }
  return { H, Q };
}

const opOf = (H: Mat) => (v: Float64Array) => matvec(H, v);
const trace = (H: Mat) => { let s = 0; for (let i = 0; i < H.rows; i++) s += H.data[i * H.cols + i]; return s; };
const col = (Q: Mat, j: number) => Float64Array.from({ length: Q.rows }, (_, i) => Q.data[i * Q.cols + j]);
const dotp = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
function subMatrix(H: Mat, off: number, size: number): Mat {
  const S = mat(size, size);
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) S.data[i * size + j] = H.data[(off + i) * H.cols + off + j];
  return S;
}
function trapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += 0.5 * (y[i] + y[i - 1]) * (x[i] - x[i - 1]);
  return s;
}

/** A tiny tanh MLP with MSE loss L = (1/2n)Σ‖f − y‖²; returns the flat loss and θ. */
function tinyMlp(widths = [3, 4, 2], n = 6, seed = 3) {
  const spec: MlpSpec = { widths, activation: 'tanh' };
  const rng = new Rng(seed);
  const params = initMlp(spec, rng.split('init'));
  const X = tensor(rng.split('x').normals(n * widths[0]), [n, widths[0]]);
  const Y = tensor(rng.split('y').normals(n * widths[widths.length - 1]), [n, widths[widths.length - 1]]);
  const fl = flatLoss((...ps: Tensor[]) => scale(mseLoss(mlpForward(spec, ps, X), Y), 0.5), params);
  const theta = flatten(params);
  return { spec, params, X, Y, fl, theta, hvp: (v: Float64Array) => fl.hvp(theta, v), dim: theta.length };
}

// ---------- top eigenpairs ----------

describe('topHessianEigen / powerIteration', () => {
  const lambdas = Array.from({ length: 150 }, (_, i) => (i < 5 ? 10 - 1.5 * i : 3 * Math.exp(-i / 30) - 0.5));
  const { H, Q } = planted(lambdas);

  it('recovers a planted top-5 spectrum and its eigenvectors', () => {
    const r = topHessianEigen(opOf(H), 150, { k: 5, tol: 1e-10 });
    expect(r.converged).toBe(true);
    for (let i = 0; i < 5; i++) {
      expect(Math.abs(r.values[i] - lambdas[i])).toBeLessThan(1e-8 * lambdas[i]);
      expect(Math.abs(dotp(r.vectors[i], col(Q, i)))).toBeGreaterThan(1 - 1e-8);
    }
    expect(r.hvps).toBeLessThan(150);
  });

  it('resolves exact multiplicities (a single Krylov space sees one copy of each eigenvalue)', () => {
    const lam = Array.from({ length: 300 }, (_, i) => (i < 3 ? 5 : i < 5 ? 4 : 2 * Math.exp(-i / 50)));
    const { H } = planted(lam, 3);
    const r = topHessianEigen(opOf(H), 300, { k: 5, tol: 1e-10 });
    const want = [5, 5, 5, 4, 4];
    for (let i = 0; i < 5; i++) expect(Math.abs(r.values[i] - want[i])).toBeLessThan(1e-8);
    for (let i = 0; i < 5; i++) for (let j = 0; j < i; j++) expect(Math.abs(dotp(r.vectors[i], r.vectors[j]))).toBeLessThan(1e-6);
  });

  it('power iteration agrees with Lanczos on λ_max', () => {
    const p = powerIteration(opOf(H), 150, { tol: 1e-7, maxIter: 2000 });
    expect(p.converged).toBe(true);
    expect(Math.abs(p.value - 10)).toBeLessThan(1e-9 * 10);
  });

  it('power iteration finds the largest |λ|, which may be negative', () => {
    const neg = planted([-5, 3, 2, 1, 0.5, -1], 7);
    const p = powerIteration(opOf(neg.H), 6, { tol: 1e-9, maxIter: 5000 });
    expect(p.value).toBeCloseTo(-5, 8);
    const l = topHessianEigen(opOf(neg.H), 6, { k: 1 });
    expect(l.values[0]).toBeCloseTo(3, 8);
  });

  it('matches eigh of the dense Hessian of a small MLP (built column by column from HVPs)', () => {
    const m = tinyMlp([4, 6, 3], 8);
    const Hd = denseHessian(m.hvp, m.dim);
    const ev = eigvalsh(Hd); // ascending
    const r = topHessianEigen(m.hvp, m.dim, { k: 3, tol: 1e-10 });
    for (let i = 0; i < 3; i++) expect(Math.abs(r.values[i] - ev[m.dim - 1 - i])).toBeLessThan(1e-8 * Math.abs(ev[m.dim - 1]));
    const s = topHessianEigen(m.hvp, m.dim, { k: 1, which: 'smallest', tol: 1e-10 });
    expect(Math.abs(s.values[0] - ev[0])).toBeLessThan(1e-8 * Math.abs(ev[m.dim - 1]));
    const dominant = Math.abs(ev[0]) > Math.abs(ev[m.dim - 1]) ? ev[0] : ev[m.dim - 1];
    const p = powerIteration(m.hvp, m.dim, { tol: 1e-8, maxIter: 20000 });
    expect(Math.abs(p.value - dominant)).toBeLessThan(1e-6 * Math.abs(dominant));
  });
});

// ---------- Hutchinson ----------

describe('hutchinsonTrace', () => {
  it('is exact (zero variance) for a diagonal Hessian', () => {
    const d = Array.from({ length: 40 }, (_, i) => i - 10);
    const r = hutchinsonTrace((v) => v.map((x, i) => d[i] * x), 40, { minProbes: 5 });
    expect(r.value).toBeCloseTo(d.reduce((a, b) => a + b, 0), 10);
    expect(r.stderr).toBe(0);
    expect(r.converged).toBe(true);
    expect(r.probes).toBe(5);
  });

  it('meets its stopping tolerance and agrees with the planted trace', () => {
    const lambdas = Array.from({ length: 80 }, (_, i) => 1 + (i % 7));
    const { H } = planted(lambdas, 2);
    const r = hutchinsonTrace(opOf(H), 80, { relTol: 0.01, maxProbes: 5000 });
    expect(r.converged).toBe(true);
    expect(r.stderr).toBeLessThanOrEqual(0.01 * Math.abs(r.value));
    expect(Math.abs(r.value - trace(H))).toBeLessThan(4 * r.stderr);
  });

  it('its standard error has the stated coverage (≈95% within ±1.96 SE)', () => {
    const { H } = planted(Array.from({ length: 30 }, (_, i) => Math.sin(i) * 3 + 1), 5);
    const tr = trace(H);
    const rng = new Rng(11);
    let inside = 0;
    const runs = 400;
    for (let t = 0; t < runs; t++) {
      const r = hutchinsonTrace(opOf(H), 30, { minProbes: 40, maxProbes: 40, rng: rng.split(t) });
      if (Math.abs(r.value - tr) <= 1.96 * r.stderr) inside++;
    }
    expect(inside / runs).toBeGreaterThan(0.9);
    expect(inside / runs).toBeLessThan(0.985);
  });
});

// ---------- SLQ ----------

describe('slqDensity', () => {
  it('Gauss quadrature weights sum to 1 and reproduce moments vᵀHᵏv up to degree 2m−1', () => {
    const lambdas = Array.from({ length: 100 }, (_, i) => 0.1 + 2 * Math.cos(i) ** 2);
    const { H } = planted(lambdas, 4);
    const v = new Rng(9).normals(100);
    const vv = dotp(v, v);
    const m = 6;
    const q = lanczosQuadrature(opOf(H), 100, v, m);
    expect(q.nodes.length).toBe(m);
    expect(Math.abs(q.weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-14);
    let Hkv: Float64Array = Float64Array.from(v);
    for (let k = 0; k <= 2 * m - 1; k++) {
      const exact = dotp(v, Hkv) / vv;
      let quad = 0;
      for (let i = 0; i < m; i++) quad += q.weights[i] * q.nodes[i] ** k;
      expect(Math.abs(quad - exact)).toBeLessThan(1e-9 * Math.max(1, Math.abs(exact)));
      Hkv = Float64Array.from(matvec(H, Hkv));
    }
    // Degree 2m is *not* exact in general: the test above can fail.
    let quad2m = 0;
    for (let i = 0; i < m; i++) quad2m += q.weights[i] * q.nodes[i] ** (2 * m);
    expect(Math.abs(quad2m - dotp(v, Hkv) / vv)).toBeGreaterThan(1e-9);
  });

  it('the broadened density integrates to 1 and matches a planted two-cluster spectrum', () => {
    const n = 300;
    const rng = new Rng(21);
    const lambdas = Array.from({ length: n }, (_, i) => (i < 60 ? 8 + 0.5 * rng.normal() : 1 + 0.3 * rng.normal()));
    const { H } = planted(lambdas, 6);
    const r = slqDensity(opOf(H), n, { probes: 20, steps: 40, sigma: 0.4, gridSize: 500 });
    for (const rule of r.rules) expect(Math.abs(rule.weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    expect(Math.abs(trapezoid(r.grid, r.density) - 1)).toBeLessThan(1e-4);
    // True broadened density on the same grid.
    const truth = broadenedDensity([{ nodes: Float64Array.from(lambdas), weights: new Float64Array(n).fill(1 / n) }], 0.4, r.grid);
    const l1 = trapezoid(r.grid, r.density.map((x, i) => Math.abs(x - truth[i])));
    expect(l1).toBeLessThan(0.1);
    // Mass of the upper cluster: 60/300 = 0.2.
    const upper = trapezoid(r.grid.filter((t) => t > 4.5), r.density.filter((_, i) => r.grid[i] > 4.5));
    expect(Math.abs(upper - 0.2)).toBeLessThan(0.05);
    // Extreme Ritz values lie inside the spectrum and the SLQ trace is close to tr(H).
    expect(r.lambdaMax).toBeLessThanOrEqual(Math.max(...lambdas) + 1e-9);
    expect(r.lambdaMax).toBeGreaterThan(Math.max(...lambdas) - 1e-3);
    expect(r.lambdaMin).toBeGreaterThanOrEqual(Math.min(...lambdas) - 1e-9);
    expect(Math.abs(r.trace - trace(H)) / trace(H)).toBeLessThan(0.1);
  });

  it('handles spectra with few distinct eigenvalues (invariant Krylov space): weights still sum to 1', () => {
    const lambdas = Array.from({ length: 50 }, (_, i) => [1, 2, 5][i % 3]);
    const { H } = planted(lambdas, 8);
    const q = lanczosQuadrature(opOf(H), 50, new Rng(1).normals(50), 20);
    expect(Math.abs(q.weights.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    // All the weight sits on the three true eigenvalues.
    for (const t of [1, 2, 5]) {
      const w = q.nodes.reduce((s, x, i) => s + (Math.abs(x - t) < 1e-8 ? q.weights[i] : 0), 0);
      expect(w).toBeGreaterThan(0.1);
    }
    const wOn = q.nodes.reduce((s, x, i) => s + ([1, 2, 5].some((t) => Math.abs(x - t) < 1e-8) ? q.weights[i] : 0), 0);
    expect(wOn).toBeCloseTo(1, 10);
  });
});

// ---------- per-block ----------

describe('per-block (per-layer) estimators', () => {
  const m = tinyMlp([3, 5, 2], 7, 12);
  const blocks = paramBlocks(m.params, ['W1', 'b1', 'W2', 'b2']);
  const Hd = denseHessian(m.hvp, m.dim);

  it('the block operator is the diagonal block of H', () => {
    const b = blocks[0];
    const op = blockOperator(m.hvp, m.dim, b);
    const u = new Rng(2).normals(b.size);
    const got = op(u);
    const want = matvec(subMatrix(Hd, b.offset, b.size), u);
    for (let i = 0; i < b.size; i++) expect(got[i]).toBeCloseTo(want[i], 10);
  });

  it('top eigenvalues, traces and densities per block match the dense block Hessians', () => {
    const tops = topHessianEigenPerBlock(m.hvp, m.dim, blocks, { k: 2, tol: 1e-10 });
    const tr = hutchinsonTracePerBlock(m.hvp, m.dim, blocks, { relTol: 0.02, maxProbes: 20000 });
    const dens = slqDensityPerBlock(m.hvp, m.dim, blocks, { probes: 3, steps: 100 });
    let sumTraces = 0;
    blocks.forEach((b, i) => {
      const Hbb = subMatrix(Hd, b.offset, b.size);
      const ev = eigvalsh(Hbb);
      const scaleB = Math.max(Math.abs(ev[0]), Math.abs(ev[b.size - 1]), 1e-12);
      expect(Math.abs(tops[i].result.values[0] - ev[b.size - 1])).toBeLessThan(1e-8 * scaleB);
      if (b.size > 1) expect(Math.abs(tops[i].result.values[1] - ev[b.size - 2])).toBeLessThan(1e-8 * scaleB);
      const exactTr = trace(Hbb);
      sumTraces += exactTr;
      const t = tr.blocks[i].result;
      expect(Math.abs(t.value - exactTr)).toBeLessThan(4 * t.stderr + 1e-12);
      // With as many steps as the block has parameters, the quadrature nodes are its eigenvalues.
      const d = dens[i].result;
      expect(Math.abs(trapezoid(d.grid, d.density) - 1)).toBeLessThan(1e-3);
      expect(Math.abs(d.lambdaMax - ev[b.size - 1])).toBeLessThan(1e-7 * scaleB);
      for (const rule of d.rules) {
        expect(rule.nodes.length).toBe(b.size);
        for (let j = 0; j < b.size; j++) expect(Math.abs(rule.nodes[j] - ev[j])).toBeLessThan(1e-7 * scaleB);
      }
    });
    expect(sumTraces).toBeCloseTo(trace(Hd), 10);
    expect(Math.abs(tr.total.value - trace(Hd))).toBeLessThan(4 * tr.total.stderr);
  });
});

// ---------- Adam-preconditioned sharpness ----------

describe('preconditionedSharpness', () => {
  it('equals λ_max(P^{-1/2}HP^{-1/2}) and its vector is a right eigenvector of P⁻¹H', () => {
    const n = 40;
    const { H } = planted(Array.from({ length: n }, (_, i) => 5 * Math.exp(-i / 6) - 0.2), 13);
    const rng = new Rng(4);
    const vHat = Array.from({ length: n }, () => Math.exp(2 * rng.normal()) * 1e-4);
    const eps = 1e-8;
    const r = preconditionedSharpness(opOf(H), n, { vHat, eps, lr: 1e-3, beta1: 0.9 });
    const p = vHat.map((v) => Math.sqrt(v) + eps);
    const S = mat(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S.data[i * n + j] = H.data[i * n + j] / Math.sqrt(p[i] * p[j]);
    const ev = eigvalsh(S);
    expect(Math.abs(r.value - ev[n - 1])).toBeLessThan(1e-7 * ev[n - 1]);
    const Hy = matvec(H, r.vector);
    for (let i = 0; i < n; i++) expect(Math.abs(Hy[i] / p[i] - r.value * r.vector[i])).toBeLessThan(1e-5 * r.value);
    expect(r.threshold).toBeCloseTo(38 / 1e-3, 6);
    // Unpreconditioned sharpness is much smaller: the preconditioner matters.
    expect(r.value).toBeGreaterThan(10 * 5);
  });

  it('for diagonal H is max_i h_i/p_i, with the (1 − β₁^t) factor when a step is given', () => {
    const h = [3, 1, 0.5, 2];
    const vHat = [1, 0.01, 0.0001, 4];
    const op = (v: Float64Array) => v.map((x, i) => h[i] * x);
    const r = preconditionedSharpness(op, 4, { vHat, eps: 1e-3 });
    const ratios = h.map((x, i) => x / (Math.sqrt(vHat[i]) + 1e-3));
    expect(r.value).toBeCloseTo(Math.max(...ratios), 8);
    const r2 = preconditionedSharpness(op, 4, { vHat, eps: 1e-3, beta1: 0.9, step: 5 });
    expect(r2.value).toBeCloseTo(Math.max(...ratios) / (1 - 0.9 ** 5), 6);
  });

  it('Adam stability threshold (2+2β₁)/((1−β₁)η): EMA momentum on a quadratic is stable just below, unstable just above', () => {
    const eta = 0.01, beta1 = 0.9;
    const thr = adamStabilityThreshold(eta, beta1);
    const run = (a: number) => {
      let x = 1, m = 0;
      for (let t = 0; t < 300; t++) { m = beta1 * m + (1 - beta1) * a * x; x -= eta * m; }
      return Math.abs(x);
    };
    expect(run(0.97 * thr)).toBeLessThan(1e-3);
    expect(run(1.03 * thr)).toBeGreaterThan(1e3);
    expect(adamStabilityThreshold(eta, 0)).toBeCloseTo(2 / eta, 12);
  });
});

// ---------- Gauss–Newton / NTK ----------

describe('Gauss–Newton and NTK', () => {
  const m = tinyMlp([3, 5, 2], 6, 17);
  const n = 6, k = 2;
  const fwd = (ps: Tensor[], X: Tensor) => mlpForward(m.spec, ps, X);

  it('G = JᵀJ/n shares its nonzero spectrum with the NTK Gram matrix K = JJᵀ divided by n', () => {
    const J = jacobianRows(fwd, m.params, m.X, 0, n, k);
    const G = gaussNewtonFromJacobian(J, n * k, m.dim, n);
    const K = empiricalNtk(fwd, m.params, m.X, undefined, { mode: 'full' });
    const eG = eigvalsh(G), eK = eigvalsh(K);
    expect(K.rows).toBe(n * k);
    for (let i = 0; i < n * k; i++) {
      expect(Math.abs(eG[m.dim - 1 - i] - eK[n * k - 1 - i] / n)).toBeLessThan(1e-10 * eK[n * k - 1]);
    }
    // The remaining P − nk eigenvalues of G are zero.
    for (let i = 0; i < m.dim - n * k; i++) expect(Math.abs(eG[i])).toBeLessThan(1e-10 * eK[n * k - 1]);
    // Max stable lr of the NTK = 2n/λ_max(K) = 2/λ_max(G); and the matrix-free G operator agrees.
    expect(ntkMaxStableLr(eK[n * k - 1], n)).toBeCloseTo(2 / eG[m.dim - 1], 8);
    const op = gaussNewtonOperator((ps) => fwd(ps, m.X), m.params, n);
    const top = topHessianEigen(op, m.dim, { k: 1, tol: 1e-10 });
    expect(Math.abs(top.values[0] - eG[m.dim - 1])).toBeLessThan(1e-9 * eG[m.dim - 1]);
  });

  it('at zero residual the MSE Hessian equals the Gauss–Newton matrix', () => {
    const Yfit = fwd(m.params, m.X);
    const fl = flatLoss((...ps: Tensor[]) => scale(mseLoss(fwd(ps, m.X), tensor(Float64Array.from(Yfit.data), [n, k])), 0.5), m.params);
    const H = denseHessian((v) => fl.hvp(m.theta, v), m.dim);
    const J = jacobianRows(fwd, m.params, m.X, 0, n, k);
    const G = gaussNewtonFromJacobian(J, n * k, m.dim, n);
    let diff = 0, big = 0;
    for (let i = 0; i < H.data.length; i++) { diff = Math.max(diff, Math.abs(H.data[i] - G.data[i])); big = Math.max(big, Math.abs(G.data[i])); }
    expect(diff).toBeLessThan(1e-12 * Math.max(1, big));
    // ...but not at nonzero residual (the test can fail).
    const H2 = denseHessian(m.hvp, m.dim);
    let diff2 = 0;
    for (let i = 0; i < H2.data.length; i++) diff2 = Math.max(diff2, Math.abs(H2.data[i] - G.data[i]));
    expect(diff2).toBeGreaterThan(1e-3);
  });
});

// ---------- the 2/λ law ----------

describe('theory/stability', () => {
  it('closed-form GD loss on a quadratic matches GD, and 2/λ_max separates convergence from divergence', () => {
    const lambdas = [4, 1, 0.25];
    const c0 = [1, -1, 1];
    const objective = {
      dim: 3,
      value: (th: Float64Array) => 0.5 * lambdas.reduce((s, l, i) => s + l * th[i] * th[i], 0),
      valueAndGrad: (th: Float64Array) => ({ value: 0.5 * lambdas.reduce((s, l, i) => s + l * th[i] * th[i], 0), grad: th.map((x, i) => lambdas[i] * x) }),
    };
    const etaC = criticalLearningRate(4);
    expect(etaC).toBe(0.5);
    const below = gradientDescent(objective, Float64Array.from(c0), { lr: 0.95 * etaC, steps: 50 });
    expect(below.status).toBe('completed');
    expect(below.finalLoss).toBeCloseTo(quadraticGdLoss(lambdas, c0, 0.95 * etaC, 50), 12);
    expect(gdConverges(0.95 * etaC, 4)).toBe(true);
    expect(gdConverges(1.05 * etaC, 4)).toBe(false);
    const above = gradientDescent(objective, Float64Array.from(c0), { lr: 1.05 * etaC, steps: 1000 });
    expect(above.status).toBe('diverged');
    expect(above.divergedAt).toBe(predictedDivergenceStep(lambdas, c0, 1.05 * etaC, 1000));
  });
});

// ---------- the quadratic-stability experiment ----------

describe('quadratic-stability experiment', () => {
  it('quick config and variants give their expected verdicts', async () => {
    const { runExperiment } = await import('../src/experiments/runner.js');
    const { quadraticStabilityExperiment: e } = await import('../src/experiments/quadratic-stability.js');
    const quick = (await runExperiment(e, e.quick as Record<string, unknown>)).record;
    expect(quick.verdict).toBe('confirmed');
    const out = quick.checks.find((c) => c.name.includes('1.05') && c.name.endsWith('outcome'))!;
    expect(out.measured).toBe('diverges');
    for (const v of e.variants!) expect((await runExperiment(e, v.config as Record<string, unknown>)).record.verdict).toBe(v.expect);
  });

  it('is falsified when a measurement contradicts the 2/λ law (the checks can fail)', async () => {
    const { quadraticStabilityExperiment: e, quadraticStabilitySchema } = await import('../src/experiments/quadratic-stability.js');
    const { overallVerdict } = await import('../src/experiments/verdict.js');
    const c = quadraticStabilitySchema.parse({ dim: 10, lrFactors: [0.95, 1.05], steps: 300 });
    const p = e.predict(c);
    expect(p.runs.map((r) => r.outcome)).toEqual(['converges', 'diverges']);
    expect(p.criticalLr).toBe(0.5);
    const honest = {
      sharpness: { lanczos: 4, lanczosResidual: 1e-12, hvps: 10, power: 4, powerHvps: 100 },
      runs: [
        { factor: 0.95, eta: 0.475, status: 'completed', outcome: 'converges' as const, finalLossRatio: 1e-20, curveDeviation: 1e-12 },
        { factor: 1.05, eta: 0.525, status: 'diverged', outcome: 'diverges' as const, divergedAt: p.runs[1].divergenceStep, finalLossRatio: 1e9, curveDeviation: 1e-12 },
      ],
    };
    expect(overallVerdict(e.compare(c, honest, p).checks)).toBe('confirmed');
    const swapped = { ...honest, runs: [{ ...honest.runs[0], status: 'diverged', outcome: 'diverges' as const, divergedAt: 50 }, honest.runs[1]] };
    expect(overallVerdict(e.compare(c, swapped, p).checks)).toBe('falsified');
    const wrongSharpness = { ...honest, sharpness: { ...honest.sharpness, lanczos: 4.01 } };
    expect(overallVerdict(e.compare(c, wrongSharpness, p).checks)).toBe('falsified');
  });
});
