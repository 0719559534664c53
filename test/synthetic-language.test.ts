/**
 * The Zipfian Markov source (src/data/synthetic-language.ts) against independent routes:
 *   - the entropy rate of a pure Zipf source against the closed form ln Z + (s/Z) Σ r^{−s} ln r;
 *   - the entropy rate of a jittered source (unequal conditional entropies, so π matters) against
 *     the Monte Carlo estimate −(1/T) ln p(x_1 … x_T) on a long sample (Shannon–McMillan–Breiman),
 *     with a batch-means standard error;
 *   - the stationary law against the empirical context frequencies of a long sample;
 *   - the cross-entropy floor's short-context term against the plug-in conditional entropy of
 *     empirical counts;
 *   - determinism by seed.
 */
import { describe, expect, test } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import {
  bits, crossEntropyFloor, entropy, entropyRate, logProb, markovSource, sampleSequence, tokenBatch, zipfLaw,
} from '../src/data/synthetic-language.js';

describe('Zipfian Markov source', () => {
  test('pure Zipf: entropy rate = ln Z_V(s) + (s/Z) Σ r^{−s} ln r for every order; s = 0 gives ln V', () => {
    for (const [V, s] of [[16, 1.1], [7, 0.5], [32, 2]] as const) {
      let Z = 0, S = 0;
      for (let r = 1; r <= V; r++) { Z += r ** -s; S += r ** -s * Math.log(r); }
      const closed = Math.log(Z) + (s / Z) * S;
      for (const order of [0, 1, 2]) {
        const src = markovSource({ vocab: V, order, exponent: s, seed: 3 });
        expect(entropyRate(src)).toBeCloseTo(closed, 12);
      }
    }
    expect(entropyRate(markovSource({ vocab: 10, order: 1, exponent: 0, seed: 1 }))).toBeCloseTo(Math.log(10), 14);
    expect(bits(Math.log(8))).toBeCloseTo(3, 14);
    expect(entropy(zipfLaw(4, 0))).toBeCloseTo(Math.log(4), 14);
  });

  test('π is stationary (π P = π) and matches the context frequencies of a long sample', () => {
    const src = markovSource({ vocab: 5, order: 2, exponent: 1.5, seed: 7, jitter: 0.8 });
    const { vocab: V, states } = src;
    const piP = new Float64Array(states);
    for (let c = 0; c < states; c++) for (let v = 0; v < V; v++) piP[(c * V + v) % states] += src.stationary[c] * src.transition[c * V + v];
    for (let c = 0; c < states; c++) expect(Math.abs(piP[c] - src.stationary[c])).toBeLessThan(1e-13);
    const T = 400_000;
    const seq = sampleSequence(src, T, new Rng(11));
    const counts = new Float64Array(states);
    for (let t = 2; t <= T; t++) counts[seq[t - 2] * V + seq[t - 1]]++;
    let chi = 0;   // Pearson χ² of the counts against π (dependence inflates it by the chain's mixing factor ~ a few)
    for (let c = 0; c < states; c++) {
      const e = (T - 1) * src.stationary[c];
      chi += (counts[c] - e) ** 2 / e;
    }
    // i.i.d. counts would give χ²/dof ≈ 1 (Markov dependence inflates it by a mixing factor of a few);
    // π wrong by 10 % in every context would give ≈ 160 at T = 4·10⁵ (expected counts ≈ 1.6·10⁴).
    expect(chi / (states - 1)).toBeLessThan(10);
  });

  test('entropy rate = Monte Carlo −(1/T) ln p(x) on long samples, within 4 batch-means SE (jittered sources)', () => {
    for (const spec of [
      { vocab: 16, order: 1, exponent: 1.2, seed: 0, jitter: 0.9 },
      { vocab: 6, order: 2, exponent: 2, seed: 5, jitter: 0.9 },
      { vocab: 12, order: 0, exponent: 1, seed: 2 },
    ]) {
      const src = markovSource(spec);
      const H = entropyRate(src);
      const blocks = 100, len = 3000;
      const est: number[] = [];
      const seq = sampleSequence(src, blocks * len + src.order, new Rng(99).split(spec.seed));
      // Block b: tokens after its first `order` (which condition the first term).
      for (let b = 0; b < blocks; b++) {
        const part = seq.subarray(b * len, (b + 1) * len + src.order);
        est.push(-logProb(src, part) / len);
      }
      const mean = est.reduce((a, x) => a + x, 0) / blocks;
      const se = Math.sqrt(est.reduce((a, x) => a + (x - mean) ** 2, 0) / (blocks - 1) / blocks);
      console.log(`V=${spec.vocab} k=${spec.order}: H = ${H.toFixed(5)} nats, MC ${mean.toFixed(5)} ± ${se.toFixed(5)}`);
      expect(Math.abs(mean - H)).toBeLessThan(4 * se);
      expect(se).toBeLessThan(0.01 * H);
      if (spec.jitter) {
        // Not the unweighted average of the conditional entropies: π matters.
        let u = 0;
        for (let c = 0; c < src.states; c++) u += entropy(src.transition, c * src.vocab, src.vocab) / src.states;
        expect(Math.abs(u - H)).toBeGreaterThan(1e-4);
      }
    }
  });

  test('cross-entropy floor: H(X₂|X₁) term of an order-2 source = plug-in conditional entropy of bigram counts', () => {
    const src = markovSource({ vocab: 4, order: 2, exponent: 1.5, seed: 3, jitter: 0.5 });
    const H = entropyRate(src);
    const T = 8;
    const h1 = crossEntropyFloor(src, T) * T - (T - 1) * H;   // the t = 1 term
    expect(crossEntropyFloor(markovSource({ vocab: 4, order: 1, exponent: 1.5, seed: 3 }), T)).toBeCloseTo(entropyRate(markovSource({ vocab: 4, order: 1, exponent: 1.5, seed: 3 })), 14);
    const N = 400_000;
    const seq = sampleSequence(src, N, new Rng(4));
    const V = 4, joint = new Float64Array(V * V);
    for (let t = 1; t < N; t++) joint[seq[t - 1] * V + seq[t]]++;
    let plug = 0;
    for (let a = 0; a < V; a++) {
      let m = 0;
      for (let b = 0; b < V; b++) m += joint[a * V + b];
      for (let b = 0; b < V; b++) if (joint[a * V + b] > 0) plug -= (joint[a * V + b] / (N - 1)) * Math.log(joint[a * V + b] / m);
    }
    expect(h1).toBeGreaterThan(H);     // less context, higher floor
    expect(Math.abs(plug - h1)).toBeLessThan(0.01);
  });

  test('determinism by seed; token batches are shifted copies of one sequence', () => {
    const a = markovSource({ vocab: 9, order: 1, exponent: 1, seed: 4 });
    const b = markovSource({ vocab: 9, order: 1, exponent: 1, seed: 4 });
    const c = markovSource({ vocab: 9, order: 1, exponent: 1, seed: 5 });
    expect(Array.from(a.transition)).toEqual(Array.from(b.transition));
    expect(Array.from(a.transition)).not.toEqual(Array.from(c.transition));
    const s1 = sampleSequence(a, 500, new Rng(1)), s2 = sampleSequence(b, 500, new Rng(1)), s3 = sampleSequence(a, 500, new Rng(2));
    expect(Array.from(s1)).toEqual(Array.from(s2));
    expect(Array.from(s1)).not.toEqual(Array.from(s3));
    const tb = tokenBatch(a, 3, 6, new Rng(8));
    for (let i = 0; i < 3; i++) for (let t = 0; t < 5; t++) expect(tb.next[i * 6 + t]).toBe(tb.ids[i * 6 + t + 1]);
    expect(Array.from(tokenBatch(a, 3, 6, new Rng(8)).ids)).toEqual(Array.from(tb.ids));
  });

  test('bad input names the field and its range', () => {
    expect(() => markovSource({ vocab: 1, order: 1, exponent: 1, seed: 0 })).toThrow(/vocab.*\[2, 4096\]/);
    expect(() => markovSource({ vocab: 16, order: 5, exponent: 1, seed: 0 })).toThrow(/order.*\[0, 4\]/);
    expect(() => markovSource({ vocab: 64, order: 3, exponent: 1, seed: 0 })).toThrow(/order.*65536/);
    expect(() => markovSource({ vocab: 16, order: 1, exponent: -1, seed: 0 })).toThrow(/exponent/);
    expect(() => logProb(markovSource({ vocab: 3, order: 1, exponent: 1, seed: 0 }), [0, 3])).toThrow(/seq\[1\].*\[0, 2\]/);
  });
});
