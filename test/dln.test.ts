import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { linearTeacher } from '../src/data/linear-teacher.js';
import { endToEnd, initAligned, initRandom } from '../src/models/dln.js';
import { modeStrengths } from '../src/observables/modes.js';
import { layerAlignments } from '../src/observables/alignment.js';
import { balanceMatrices, conservationDrift } from '../src/observables/conservation.js';
import { matmul, transpose } from '../src/engine/linalg/index.js';
import { runExperiment } from '../src/experiments/runner.js';
import { dlnExperiment } from '../src/experiments/dln.js';

const teacher = () => linearTeacher({ lambdas: [3, 2, 1], dIn: 3, dOut: 3, samples: 16, rotate: true, rng: new Rng(7) });

describe('linear teacher data', () => {
  it('inputs are exactly whitened and Σ_yx is the target map', () => {
    const t = teacher();
    const C = matmul(transpose(t.X), t.X);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(C.data[i * 3 + j] / 16).toBeCloseTo(i === j ? 1 : 0, 12);
    const Syx = matmul(transpose(t.Y), t.X);
    for (let i = 0; i < 9; i++) expect(Syx.data[i] / 16).toBeCloseTo(t.T.data[i], 12);
    // T = U diag(λ) Vᵀ: the planted singular values come back as the mode strengths of T itself.
    expect(Array.from(modeStrengths(t.T, t.U, t.V, 3)).map((x) => +x.toFixed(12))).toEqual([3, 2, 1]);
  });
});

describe('DLN observables on planted configurations', () => {
  it('aligned init: every mode starts at s₀^L, layers exactly balanced and aligned', () => {
    const t = teacher();
    const layers = initAligned([3, 5, 4, 3], 0.3, t.U, t.V, new Rng(1));
    const u = modeStrengths(endToEnd(layers), t.U, t.V, 3);
    for (const x of u) expect(x).toBeCloseTo(0.3 ** 3, 14);
    for (const G of balanceMatrices(layers)) for (const g of G.data) expect(Math.abs(g)).toBeLessThan(1e-14);
    // A perturbation of W1 shows up as conservation-law drift.
    const moved = layers.map((W) => ({ ...W, data: W.data.slice() }));
    moved[0].data[0] += 0.01;
    expect(conservationDrift(balanceMatrices(layers), moved)).toBeGreaterThan(1e-3);
  });

  it('alignment is 1 on the diagonal for an aligned product and below 1 for a random one', () => {
    const t = teacher();
    // Distinct per-mode strengths so singular vectors are unique: scale the aligned init by mode.
    const layers = initAligned([3, 3, 3], 1, t.U, t.V, new Rng(2));
    const D = [1.5, 1.0, 0.5];
    // W1 ← diag-scale in its own frame: W1 = R diag(D) Vᵀ
    const R = matmul(layers[0], t.V); // = R (since W1 = R Vᵀ)
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += R.data[i * 3 + k] * D[k] * t.V.data[j * 3 + k];
      layers[0].data[i * 3 + j] = s;
    }
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += t.U.data[i * 3 + k] * D[k] * R.data[j * 3 + k];
      layers[1].data[i * 3 + j] = s;
    }
    for (const a of layerAlignments(layers, t.U, t.V, 3)) expect(a.score).toBeCloseTo(1, 10);
    const random = initRandom([3, 3, 3], 1, new Rng(3));
    const scores = layerAlignments(random, t.U, t.V, 3).map((a) => a.score);
    expect(Math.min(...scores)).toBeLessThan(0.95);
  });
});

describe('dln experiment end to end', () => {
  it('depth-2 aligned run confirms Saxe: half-learning times, trajectories, order, conservation', async () => {
    const { record, series } = await runExperiment(dlnExperiment, { depth: 2, init: 0.01, lr: 0.005 });
    expect(record.verdict).toBe('confirmed');
    expect(record.status).toBe('ok');
    const names = record.checks.map((c) => c.name);
    expect(names).toContain('learning order');
    expect(names).toContain('conservation-law drift under GD grows as O(η)');
    const flow = record.checks.find((c) => c.name === 'gradient-flow trajectories vs theory')!;
    expect(flow.measured as number).toBeLessThan(1e-6);
    expect(series.get('modes')!.some((r) => r.method === 'theory')).toBe(true);
    expect(series.get('alignment')!.length).toBeGreaterThan(0);
  });

  it('a wrong theory is falsified: GD against a mis-stated learning rate', async () => {
    // The checks must be able to fail. Same run, but theory evaluated as if time ran 30% faster.
    const c = dlnExperiment.schema.parse({ depth: 2, init: 0.01, lr: 0.005, flow: false, conservation: false });
    const p = dlnExperiment.predict(c);
    const skewed = { ...p, tau: p.tau.map((t: number) => t * 0.7) };
    const ctx = { rng: new Rng(0), progress: () => {}, record: () => {}, signal: new AbortController().signal };
    const r = await dlnExperiment.run!(c, ctx, p);
    const cmp = dlnExperiment.compare(c, r, skewed);
    expect(cmp.checks.filter((x) => x.name.includes('half-learning')).every((x) => x.verdict === 'falsified')).toBe(true);
  });

  it('a diverging run is detected, stopped and reported', async () => {
    const { record, series } = await runExperiment(dlnExperiment, { depth: 2, init: 0.5, lr: 0.5, steps: 500, flow: false, conservation: false });
    expect(record.status).toBe('diverged');
    expect(record.verdict).toBe('out-of-regime');
    expect(record.checks[0].measured).toMatch(/non-finite at step \d+/);
    const gdLoss = series.get('loss')!.filter((r) => r.method === 'gd');
    expect(gdLoss.length).toBeLessThan(500);
  });

  it('an interrupted run stops early and keeps what it measured', async () => {
    const ac = new AbortController();
    let rows = 0;
    const out = await runExperiment(dlnExperiment, { depth: 3, init: 0.1, lr: 0.002, conservation: false }, {
      signal: ac.signal,
      sink: { record: () => { if (++rows === 400) ac.abort(); }, close: () => {} },
    });
    expect(out.record.status).toBe('interrupted');
    expect(out.record.verdict).toBe('out-of-regime');
    expect(rows).toBeGreaterThanOrEqual(400);
  });

  it('same config and seed give the same numbers', async () => {
    const cfg = { depth: 2, init: 0.05, lr: 0.005, initScheme: 'random', hidden: 16, flow: false, conservation: false, steps: 300 };
    const a = await runExperiment(dlnExperiment, cfg);
    const b = await runExperiment(dlnExperiment, cfg);
    expect(a.record.checks.map((c) => c.measured)).toEqual(b.record.checks.map((c) => c.measured));
    expect(a.series.get('modes')).toEqual(b.series.get('modes'));
  });
});

describe('dln with a general Σ_yx and across backends', () => {
  it('a rectangular target map is learned mode by mode (its singular values from our SVD)', async () => {
    const { record } = await runExperiment(dlnExperiment, { target: [[3, 1, 0], [0, 2, 0]], depth: 2, init: 0.01, lr: 0.01, hidden: 4, conservation: false });
    expect(record.verdict).toBe('confirmed');
    expect(record.checks.filter((c) => c.name.includes('half-learning'))).toHaveLength(2);
  });

  it('reference and wasm backends give the same measurements to rounding', async () => {
    const { useWasm, useReference } = await import('../src/engine/backend/index.js');
    const cfg = { depth: 3, init: 0.2, lr: 0.002, hidden: 8, flow: false, conservation: false, steps: 1500 };
    useReference();
    const a = await runExperiment(dlnExperiment, cfg);
    await useWasm();
    const b = await runExperiment(dlnExperiment, cfg);
    useReference();
    const ma = a.series.get('modes')!.filter((r) => r.method === 'gd').map((r) => r.u as number);
    const mb = b.series.get('modes')!.filter((r) => r.method === 'gd').map((r) => r.u as number);
    expect(ma.length).toBe(mb.length);
    for (let i = 0; i < ma.length; i++) expect(Math.abs(ma[i] - mb[i])).toBeLessThan(1e-9 * (1 + Math.abs(ma[i])));
  });
});
