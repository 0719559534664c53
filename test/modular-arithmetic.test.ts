import { describe, expect, test } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import * as libm from '../src/engine/libm.js';
import { tensor, type Tensor } from '../src/engine/tensor.js';
import { add, crossEntropyWithIds, embedding, matmulT, relu, square } from '../src/engine/ops.js';
import { valueAndGrad } from '../src/engine/autodiff.js';
import { modularSplit } from '../src/data/modular.js';
import { netEvaluate } from '../src/theory/modular-fourier.js';
import { delaySlope, initModularNet, modularArithmeticExperiment as exp, modularLossGrad } from '../src/experiments/modular-arithmetic.js';
import { runExperiment } from '../src/experiments/runner.js';

describe('modular-arithmetic network', () => {
  test.each(['quadratic', 'relu'] as const)('hand-derived loss and gradient equal the engine autodiff (%s)', (act) => {
    const p = 11, N = 7;
    const { train } = modularSplit(p, 0.5, new Rng(1));
    const net = initModularNet(p, N, act, new Rng(2), 1.3);
    const mine = modularLossGrad(net, train);
    // Independent route: the same network from engine ops (two embedding lookups, φ, dense, fused CE).
    const ids = (v: Int32Array) => tensor(v, [v.length]);
    const f = (U: Tensor, V: Tensor, W: Tensor) => {
      const z = add(embedding(U, ids(train.a)), embedding(V, ids(train.b)));
      const h = act === 'quadratic' ? square(z) : relu(z);
      return crossEntropyWithIds(matmulT(h, W, false, true), ids(train.y));
    };
    const { value, grads } = valueAndGrad(f, [tensor(net.U, [p, N]), tensor(net.V, [p, N]), tensor(net.W, [p, N])]);
    expect(mine.loss).toBeCloseTo(value, 12);
    for (let k = 0; k < 3; k++) {
      const g = grads[k].data as Float64Array;
      for (let i = 0; i < g.length; i++) expect(mine.grads[k][i]).toBeCloseTo(g[i], 12);
    }
    // Loss and accuracy agree with the theory module's evaluator.
    const ev = netEvaluate(net, train);
    expect(ev.loss).toBeCloseTo(mine.loss, 12);
    expect(ev.accuracy).toBeCloseTo(mine.correct / train.size, 14);
  });

  test('delaySlope recovers a planted power law Δt = A λ^{−1} (exact for noiseless seeds)', () => {
    const wds = [0.25, 0.5, 1, 2];
    const seeds = [1, 1.2, 0.9].map((a) => wds.map((w) => (1000 * a) / w));
    const f = delaySlope(wds, seeds, 500, new Rng(0));
    expect(f.slope).toBeCloseTo(-1, 12);
    expect(f.lo).toBeCloseTo(-1, 12);
    expect(f.hi).toBeCloseTo(-1, 12);
    const g = delaySlope(wds, [wds.map((w) => libm.pow(w, -0.5))], 100, new Rng(0));
    expect(g.slope).toBeCloseTo(-0.5, 12);
    expect(Number.isNaN(g.lo)).toBe(true); // one seed: no interval
  });
});

describe('modular-arithmetic experiment', () => {
  test('quick config: grokking, per-neuron Fourier features and Gromov structure confirmed', async () => {
    const out = await runExperiment(exp, { ...exp.quick });
    const by = (s: string) => out.record.checks.find((c) => c.name.startsWith(s))!;
    expect(out.record.verdict).toBe('confirmed');
    expect(by('grokking').measured as number).toBeGreaterThan(5);
    expect(by('Fourier features').measured as number).toBeGreaterThan(0.5);
    expect(by("Gromov's solution: readout phase").measured as number).toBeGreaterThan(0.9);
    expect(out.series.get('curves')!.length).toBeGreaterThan(50);
  });

  test('out of regime: train fraction 0.9 (no delay) and λ = 0', async () => {
    const v = exp.variants!.find((x) => x.label.startsWith('train fraction'))!;
    const out = await runExperiment(exp, { ...v.config });
    expect(out.record.verdict).toBe('out-of-regime');
    expect(out.record.regime.find((r) => r.name.startsWith('train fraction f (a delay'))!.ok).toBe(false);
    const zero = await runExperiment(exp, { ...exp.quick, weightDecays: [0], steps: 60 });
    expect(zero.record.verdict).toBe('out-of-regime');
  });

  test('transformer variant trains on (a, b, =) and records the embedding spectrum', async () => {
    const out = await runExperiment(exp, { model: 'transformer', p: 7, width: 8, heads: 2, weightDecays: [1], seeds: 1, steps: 3, observeEvery: 1, trainFraction: 0.5 });
    const curves = out.series.get('curves')!;
    expect(curves.length).toBe(4);
    expect(out.series.get('spectrum')!.length).toBe(3);
    expect(out.record.checks.some((c) => c.name.includes('idealized'))).toBe(false);
    expect(out.record.verdict).toBe('out-of-regime'); // 3 steps: neither memorized nor grokked
  });

  test('bad input names the field', async () => {
    await expect(runExperiment(exp, { p: 21 })).rejects.toThrow(/p/);
    await expect(runExperiment(exp, { model: 'transformer', width: 10, heads: 4 })).rejects.toThrow(/--heads: must divide/);
  });
});
