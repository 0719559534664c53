import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as lm from '../src/index.js';

describe('library API as the README shows it', () => {
  it('the README snippet runs and gives sensible numbers', async () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toMatch(/const curve = eigenlearning\(/);
    const { useWasm, linalg, dlnTheory, analyticKernel, eigenlearning, runExperiment, getExperiment } = lm;
    await useWasm();
    const tau = dlnTheory.halfLearningTime(6, 1e-3, 3);
    expect(tau).toBeGreaterThan(0);
    const { values } = linalg.eigh(linalg.fromRows([[2, 1], [1, 2]]));
    expect(Array.from(values).map((v) => +v.toFixed(12))).toEqual([1, 3]);
    const X = linalg.fromRows([[1, 0], [0.6, 0.8]]);
    const { ntk, nngp } = analyticKernel({ activation: 'relu', depth: 3, sigmaW2: 2, sigmaB2: 0 }, X);
    expect(ntk.rows).toBe(2);
    expect(ntk.data[0]).toBeGreaterThan(nngp.data[0]); // the NTK adds the gradient terms to the NNGP
    const curve = eigenlearning({ lambdas: [1, 0.1, 0.01], targetPower: [1, 1, 1] }, 2);
    // Ridgeless: Σ L_i = n, learnabilities fall with λ, and E₀ = n/(n − Σ L_i²) > 1.
    expect(curve.sumL).toBeCloseTo(2, 10);
    expect(curve.kappa).toBeGreaterThan(0);
    const L = Array.from(curve.learnabilities);
    expect(L[0]).toBeGreaterThan(L[1]);
    expect(L[1]).toBeGreaterThan(L[2]);
    expect(curve.e0).toBeCloseTo(2 / (2 - L.reduce((a, x) => a + x * x, 0)), 10);
    const { record } = await runExperiment(getExperiment('dln'), { depth: 2, init: 0.01, lr: 0.005, conservation: false });
    expect(record.verdict).toBe('confirmed');
    lm.useReference();
  });
});

describe('the README\'s any-architecture snippet', () => {
  it('trains a μP transformer with AdamW and checkpoints it', async () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toMatch(/const net = muP\(transformer\(/);
    const { transformer, muP, optim, train, Rng, Tensor, crossEntropyWithIds, encodeModelCheckpoint, decodeModelCheckpoint } = lm;
    const net = muP(transformer({ vocab: 16, dModel: 64, heads: 4, layers: 1, seqLen: 8, tied: false, attnScale: 'mup' }), 16, 'adam');
    const ids = new Tensor(Int32Array.from({ length: 32 }, (_, i) => i % 16), [4, 8]);
    const next = new Tensor(Int32Array.from({ length: 32 }, (_, i) => (i + 1) % 16), [4, 8]);
    const run = train({
      params: net.init(new Rng(0)), steps: 60, lr: 3e-3,
      optimizer: optim.adamw({ weightDecay: 0.01, groups: optim.groupsFromInfo(net.info) }),
      loss: (ps) => crossEntropyWithIds(net.apply(ps, ids), next),
    });
    expect(run.status).toBe('completed');
    expect(run.losses[0]).toBeGreaterThan(2);            // ≈ ln 16 at init
    expect(run.finalLoss).toBeLessThan(0.5);
    const { manifest, bytes } = encodeModelCheckpoint({ model: net, params: run.params, loss: 'cross-entropy' });
    const ck = decodeModelCheckpoint(manifest, bytes);
    expect(ck.model.info).toEqual(net.info);
    expect(Array.from(ck.model.apply(ck.params, ids).data)).toEqual(Array.from(net.apply(run.params, ids).data));
  });
});
