/**
 * Loss-landscape slices (src/observables/landscape.ts, `lmech landscape`) against planted truths:
 * a quadratic loss, whose slice along a Hessian eigenvector is exactly the parabola with
 * curvature = eigenvalue; filter normalization's defining norms; and the PyTorch-exported MLP,
 * whose slice curvature along u₁ at small range is PyTorch's λ₁.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { randomOrthogonal } from '../src/engine/linalg/index.js';
import { topHessianEigen } from '../src/observables/hessian.js';
import {
  filterNormalize, fitParabola, landscape1d, landscape2d, landscapeCsv, randomFilterNormalizedDirection, symmetricGrid,
} from '../src/observables/landscape.js';
import { register } from '../src/cli/commands/landscape.js';
import { runCommand } from './support/hessian-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lmech-landscape-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** L(θ) = ½ (θ − θ*)ᵀ A (θ − θ*), A = Q diag(λ) Qᵀ. */
function plantedQuadratic(P: number, seed: number) {
  const rng = new Rng(seed);
  const Q = randomOrthogonal(P, rng.split('Q'));
  const lambdas = Array.from({ length: P }, (_, i) => (i === 0 ? 5 : i === 1 ? 3 : 2 - (1.5 * i) / P));
  const A = new Float64Array(P * P);
  for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) {
    let s = 0;
    for (let k = 0; k < P; k++) s += Q.data[i * P + k] * lambdas[k] * Q.data[j * P + k];
    A[i * P + j] = s;
  }
  const Av = (v: ArrayLike<number>) => { const o = new Float64Array(P); for (let i = 0; i < P; i++) { let s = 0; for (let j = 0; j < P; j++) s += A[i * P + j] * v[j]; o[i] = s; } return o; };
  const star = rng.split('star').normals(P);
  const loss = (t: Float64Array) => { const d = t.map((x, i) => x - star[i]); const Ad = Av(d); return 0.5 * d.reduce((s, x, i) => s + x * Ad[i], 0); };
  const theta = rng.split('theta').normals(P);
  const grad = Av(theta.map((x, i) => x - star[i]));
  return { loss, theta, grad, hvp: (v: Float64Array) => Av(v), lambdas };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };

describe('landscape slices along Hessian eigenvectors of a planted quadratic', () => {
  const P = 12;
  const q = plantedQuadratic(P, 3);
  const top = topHessianEigen(q.hvp, P, { k: 2, tol: 1e-12, rng: new Rng(1) });

  it('1-D: exactly L₀ + α g·u₁ + ½ λ₁ α², and the parabola fit recovers λ₁', () => {
    expect(top.values[0]).toBeCloseTo(5, 10);
    const u = top.vectors[0];
    const alphas = symmetricGrid(2, 11);
    const s = landscape1d(q.loss, q.theta, u, alphas);
    const L0 = q.loss(Float64Array.from(q.theta)), gu = dot(q.grad, u);
    expect(s.center).toBe(L0);
    alphas.forEach((a, i) => expect(Math.abs(s.values[i] - (L0 + a * gu + 0.5 * 5 * a * a))).toBeLessThan(1e-11 * (1 + Math.abs(s.values[i]))));
    const fit = fitParabola(alphas, s.values);
    expect(Math.abs(fit.curvature - 5)).toBeLessThan(1e-9);
    expect(Math.abs(fit.c1 - gu)).toBeLessThan(1e-9);
    expect(Math.abs(fit.c0 - L0)).toBeLessThan(1e-9);
    expect(landscapeCsv(s).split('\n')[0]).toBe('alpha,loss');
  });

  it('2-D: the plane through u₁, u₂ has no cross term: L₀ + αg·u₁ + βg·u₂ + ½(λ₁α² + λ₂β²)', () => {
    const [u1, u2] = top.vectors;
    const g = symmetricGrid(1, 5);
    const s = landscape2d(q.loss, q.theta, u1, u2, g, g);
    const L0 = s.center, g1 = dot(q.grad, u1), g2 = dot(q.grad, u2);
    for (let i = 0; i < 5; i++) for (let k = 0; k < 5; k++) {
      const a = g[i], b = g[k];
      expect(Math.abs(s.values[i * 5 + k] - (L0 + a * g1 + b * g2 + 0.5 * (5 * a * a + 3 * b * b)))).toBeLessThan(1e-11 * (1 + Math.abs(L0)));
    }
    const csv = landscapeCsv(s).trim().split('\n');
    expect(csv.length).toBe(26);
    expect(csv[0]).toBe('alpha,beta,loss');
  });
});

describe('filter normalization (Li et al. 2018)', () => {
  const shapes = [[3, 4], [3], [2, 3, 2, 2]];
  const P = 12 + 3 + 24;
  const rng = new Rng(5);
  const theta = rng.split('theta').normals(P);

  it('each filter of each weight gets its weights\' norm; biases are zeroed, or normalized as one filter', () => {
    const d = randomFilterNormalizedDirection(theta, shapes, rng.split('d'));
    const norm = (v: ArrayLike<number>, o: number, n: number) => Math.sqrt(Array.from({ length: n }, (_, j) => v[o + j] ** 2).reduce((a, b) => a + b, 0));
    for (let f = 0; f < 3; f++) expect(norm(d, 4 * f, 4)).toBeCloseTo(norm(theta, 4 * f, 4), 12);
    for (let j = 12; j < 15; j++) expect(d[j]).toBe(0);
    for (let f = 0; f < 2; f++) expect(norm(d, 15 + 12 * f, 12)).toBeCloseTo(norm(theta, 15 + 12 * f, 12), 12);
    const dn = randomFilterNormalizedDirection(theta, shapes, rng.split('d'), { bias: 'normalize' });
    expect(norm(dn, 12, 3)).toBeCloseTo(norm(theta, 12, 3), 12);
    // Same stream: the weight blocks are the same direction either way.
    expect(Array.from(dn.slice(0, 12))).toEqual(Array.from(d.slice(0, 12)));
    // A zero filter of d stays zero.
    const z = new Float64Array(P).fill(1);
    z.fill(0, 0, 4);
    expect(Array.from(filterNormalize(z, theta, shapes).slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(() => filterNormalize(z.slice(1), theta, shapes)).toThrow(/filterNormalize: direction \(38\)/);
  });
});

const lmechLandscape = (...args: string[]) => runCommand(register, 'landscape', ...args);

describe('lmech landscape on the PyTorch-exported MLP', () => {
  const FIX = 'test/fixtures/onnx';
  const ref = JSON.parse(readFileSync(`${FIX}/mlp-ref.json`, 'utf8'));

  it('eigen, 1-D: the curvature of the slice along u₁ at small range is PyTorch\'s λ₁', async () => {
    const r = JSON.parse(await lmechLandscape('--model', `${FIX}/mlp.onnx`, '--data', `${FIX}/mlp-data.json`, '--range', '1e-3', '--points', '7', '--json'));
    expect(Math.abs(r.center - ref.lossValue) / ref.lossValue).toBeLessThan(1e-12);
    expect(Math.abs(r.eigenvalues[0] - ref.topEigenvalues[0]) / ref.topEigenvalues[0]).toBeLessThan(1e-8);
    expect(Math.abs(r.fit.curvature - ref.topEigenvalues[0]) / ref.topEigenvalues[0]).toBeLessThan(1e-5);
    expect(r.values[3]).toBe(r.center);
  });

  it('random, 2-D: writes the CSV grid; the centre is L(θ); bad flags name themselves', async () => {
    const out = join(dir, 'plane.csv');
    const text = await lmechLandscape('--model', `${FIX}/mlp.onnx`, '--data', `${FIX}/mlp-data.json`, '--directions', 'random', '--dims', '2', '--points', '3', '--range', '0.5', '--out', out);
    expect(text).toMatch(/2-D slice along random filter-normalized directions \(biases: zero\)/);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows.length).toBe(10);
    expect(rows[5].split(',').map(Number)).toEqual([0, 0, expect.any(Number)]);
    expect(Math.abs(Number(rows[5].split(',')[2]) - ref.lossValue) / ref.lossValue).toBeLessThan(1e-12);
    await expect(lmechLandscape('--model', `${FIX}/mlp.onnx`, '--data', `${FIX}/mlp-data.json`, '--dims', '3')).rejects.toThrow(/--dims: must be 1 or 2/);
    await expect(lmechLandscape('--model', `${FIX}/mlp.onnx`, '--data', `${FIX}/mlp-data.json`, '--out', 'x.txt')).rejects.toThrow(/--out: must end in \.csv or \.json/);
  });
});
