import { describe, expect, test } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import * as libm from '../src/engine/libm.js';
import { isPrime, modularPairs, modularSplit, trainSize } from '../src/data/modular.js';
import {
  balancedGromov, columnPower, fourierPower, frequencyCount, gromovLimitLogits, idealizedGromov, ipr, keyFrequencies, netAccuracy, netEvaluate, netLogits,
  neuronFourier, projectFrequencies, randomGromov, randomIprBaseline, summarizeNeurons, tokenDft, topKShare, type ModularNet,
} from '../src/theory/modular-fourier.js';

/** A table [p, d] whose column j is A_j cos(2πσ_j a/p + φ_j). */
function cosineTable(p: number, sigma: number[], phase: number[], amp: number[] = sigma.map(() => 1)): Float64Array {
  const d = sigma.length, E = new Float64Array(p * d);
  for (let a = 0; a < p; a++) for (let j = 0; j < d; j++) E[a * d + j] = amp[j] * libm.cos((2 * Math.PI * sigma[j] * a) / p + phase[j]);
  return E;
}

describe('modular data', () => {
  test('all p² pairs, each residue p times; the split is a seeded partition', () => {
    const p = 23, all = modularPairs(p);
    expect(all.size).toBe(p * p);
    const count = new Array(p).fill(0);
    for (let r = 0; r < all.size; r++) { expect(all.y[r]).toBe((all.a[r] + all.b[r]) % p); count[all.y[r]]++; }
    expect(count).toEqual(new Array(p).fill(p));
    const s = modularSplit(p, 0.4, new Rng(3));
    expect(s.train.size).toBe(trainSize(p, 0.4));
    expect(s.train.size).toBe(Math.round(0.4 * 529));
    const key = (x: typeof s.train, k: number) => x.a[k] * p + x.b[k];
    const seen = new Set<number>();
    for (const set of [s.train, s.test]) for (let k = 0; k < set.size; k++) seen.add(key(set, k));
    expect(seen.size).toBe(p * p);
    const again = modularSplit(p, 0.4, new Rng(3));
    expect(Array.from(again.train.a)).toEqual(Array.from(s.train.a));
    expect(Array.from(modularSplit(p, 0.4, new Rng(4)).train.a)).not.toEqual(Array.from(s.train.a));
  });

  test('bad input names the field and range', () => {
    expect(isPrime(23)).toBe(true);
    expect(isPrime(21)).toBe(false);
    expect(() => modularPairs(21)).toThrow(/p: must be a prime in \[3, 257\]/);
    expect(() => modularSplit(23, 1, new Rng(0))).toThrow(/trainFraction: must be in \(0, 1\)/);
  });
});

describe('DFT over tokens, IPR, top-k share, key frequencies', () => {
  test('tokenDft equals the direct complex sum Σ_a E_a e^{−2πiσa/p} (no reduction of σa mod p)', () => {
    const p = 31, d = 5, rng = new Rng(1);
    const E = rng.normals(p * d);
    const { re, im } = tokenDft(E, p, d);
    for (let s = 0; s <= frequencyCount(p); s++) {
      for (let j = 0; j < d; j++) {
        let r = 0, i = 0;
        for (let a = 0; a < p; a++) { const th = (2 * Math.PI * s * a) / p; r += E[a * d + j] * libm.cos(th); i -= E[a * d + j] * libm.sin(th); }
        expect(re[s * d + j]).toBeCloseTo(r, 10);
        expect(im[s * d + j]).toBeCloseTo(i, 10);
      }
    }
    // Parseval: Σ_a E² = (P_0 + 2 Σ_{σ≥1} P_σ)/p.
    const P = fourierPower(E, p, d);
    let e2 = 0;
    for (const x of E) e2 += x * x;
    expect((P[0] + 2 * P.slice(1).reduce((x, y) => x + y, 0)) / p).toBeCloseTo(e2, 9);
  });

  test('a pure cosine has F = (p/2)e^{iφ} at its frequency; IPR of |S| frequencies used equally = 1/|S|', () => {
    const p = 23;
    const E1 = cosineTable(p, [5], [0.7]);
    const f = tokenDft(E1, p, 1);
    expect(f.re[5]).toBeCloseTo((p / 2) * libm.cos(0.7), 10);
    expect(f.im[5]).toBeCloseTo((p / 2) * libm.sin(0.7), 10);
    expect(ipr(fourierPower(E1, p, 1))).toBeCloseTo(1, 12);
    for (const S of [[1, 5, 8], [2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]) {
      const sigma = S.flatMap((s) => [s, s, s]);
      const phases = sigma.map((_, j) => 0.37 * j);
      const P = fourierPower(cosineTable(p, sigma, phases), p, sigma.length);
      expect(ipr(P)).toBeCloseTo(1 / S.length, 12);
      expect(keyFrequencies(P, 0.99)).toEqual(S);
      expect(topKShare(P, S.length)).toBeCloseTo(1, 12);
    }
    // Hand spectrum (σ = 0 … 4): P = [9, 4, 3, 2, 1] → non-constant part [4, 3, 2, 1].
    const Q = [9, 4, 3, 2, 1];
    expect(ipr(Q)).toBeCloseTo(30 / 100, 14);
    expect(topKShare(Q, 2)).toBeCloseTo(0.7, 14);
    expect(keyFrequencies(Q, 0.7)).toEqual([1, 2]);
    expect(keyFrequencies(Q, 0.71)).toEqual([1, 2, 3]);
    expect(() => topKShare(Q, 5)).toThrow(/k: must be an integer in \[1, 4\]/);
  });

  test('random Gaussian tables: mean IPR = (d + 1)/(K·d + 1) (Dirichlet baseline)', () => {
    const p = 23, K = frequencyCount(p), rng = new Rng(7);
    for (const d of [1, 2, 64]) {
      const draws = d === 64 ? 300 : 3000;
      const xs: number[] = [];
      for (let t = 0; t < draws; t++) xs.push(ipr(fourierPower(rng.normals(p * d, 0.3), p, d)));
      const m = xs.reduce((a, b) => a + b, 0) / draws;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (draws - 1));
      expect(Math.abs(m - randomIprBaseline(K, d))).toBeLessThan(4 * sd / Math.sqrt(draws));
    }
    expect(randomIprBaseline(11, 128)).toBeCloseTo(0.0916, 4); // science-notes [NR]: 0.091 ≈ 1/11
  });

  test('projectFrequencies: all modes reproduce the table; a subset keeps exactly its cosines', () => {
    const p = 19, rng = new Rng(2);
    const E = rng.normals(p * 3);
    const all = projectFrequencies(E, p, 3, Array.from({ length: frequencyCount(p) }, (_, i) => i + 1));
    for (let k = 0; k < E.length; k++) expect(all[k]).toBeCloseTo(E[k], 11);
    const A = cosineTable(p, [2, 7], [0.3, 1.1]), B = cosineTable(p, [4, 4], [2.0, 0.5]);
    const mix = A.map((x, k) => x + B[k] + 0.25);
    const kept = projectFrequencies(mix, p, 2, [2, 7], false);
    for (let k = 0; k < A.length; k++) expect(kept[k]).toBeCloseTo(A[k], 11);
    const withConst = projectFrequencies(mix, p, 2, [2, 7]);
    for (let k = 0; k < A.length; k++) expect(withConst[k]).toBeCloseTo(A[k] + 0.25, 11);
  });
});

describe("Gromov's analytic network", () => {
  test('balanced phases give exactly (m²/2)Σ_σ cos(2πσ(a + b − q)/p) and 100 % on all p² pairs', () => {
    for (const p of [23, 31]) {
      const K = frequencyCount(p);
      for (const S of [Array.from({ length: K }, (_, i) => i + 1), [1], [3, 7]]) {
        const net = balancedGromov(p, S, 3);
        expect(net.width).toBe(9 * S.length);
        for (const [a, b] of [[0, 0], [3, 17], [p - 1, p - 2], [11, 5]]) {
          const f = netLogits(net, a, b), g = gromovLimitLogits(p, S, 3, a, b);
          for (let q = 0; q < p; q++) expect(f[q]).toBeCloseTo(g[q], 9);
        }
        expect(netAccuracy(net)).toBe(1);
      }
      // All frequencies: the logit is K at q = a + b and −½ elsewhere (times m²/2).
      const g = gromovLimitLogits(p, Array.from({ length: K }, (_, i) => i + 1), 3, 4, 9);
      for (let q = 0; q < p; q++) expect(g[q]).toBeCloseTo(q === 13 ? 4.5 * K : -2.25, 10);
    }
  });

  test('random phases: 100 % on all p² pairs with enough neurons (p = 23, 31); a single frequency at N = 200 fails', () => {
    const rng = new Rng(0);
    for (const p of [23, 31]) {
      const K = frequencyCount(p);
      const all = Array.from({ length: K }, (_, i) => i + 1);
      const net = randomGromov(p, 2000, all, rng.split(`all${p}`));
      expect(netAccuracy(net)).toBe(1);
      // Pooled power is spread over all K frequencies: IPR ≈ 1/K (science-notes [NR] 0.091 at p = 23).
      const P = fourierPower(net.U, p, net.width);
      expect(ipr(P)).toBeGreaterThan(1 / K);
      expect(ipr(P)).toBeLessThan(1.15 / K);
    }
    const three = randomGromov(23, 600, [1, 5, 8], rng.split('three'));
    expect(netAccuracy(three)).toBe(1);
    const P3 = fourierPower(three.U, 23, 600);
    expect(keyFrequencies(P3, 0.999)).toEqual([1, 5, 8]);
    expect(Math.abs(ipr(P3) - 1 / 3)).toBeLessThan(0.02); // [NR] 0.336
    // Negative control: one frequency, N = 200: the O(√N) cross terms beat the margin 1 − cos(2π/p).
    const accs = [0, 1, 2].map((s) => netAccuracy(randomGromov(23, 200, [1], new Rng(s).split('single'))));
    for (const a of accs) expect(a).toBeLessThan(1); // measured 0.605, 0.945, 0.688
    const mean = accs.reduce((x, y) => x + y, 0) / 3;
    expect(mean).toBeGreaterThan(0.3); // [NR] 0.68: far above chance 1/23, well below 1
    expect(mean).toBeLessThan(0.9);
  });

  test('neuron-level structure: Gromov has phase defect 0, U/V/W agreement 1, one frequency per neuron; random weights do not', () => {
    const p = 23;
    const gnet = randomGromov(p, 300, [2, 5, 9], new Rng(5));
    const g = summarizeNeurons(neuronFourier(gnet));
    expect(g.neuronIpr).toBeCloseTo(1, 10);
    // Idealizing a Gromov network into Gromov's form gives it back (σ_i and phases recovered exactly).
    const back = idealizedGromov(gnet);
    for (const k of ['U', 'V', 'W'] as const) for (let i = 0; i < gnet[k].length; i++) expect(back[k][i]).toBeCloseTo(gnet[k][i], 10);
    expect(g.phaseAlignment).toBeCloseTo(1, 10);
    expect(g.frequencyAgreement).toBe(1);
    expect(g.singleFrequencyShare).toBeCloseTo(1, 10);
    const rng = new Rng(6), N = 400;
    const rand: ModularNet = { p, width: N, activation: 'quadratic', U: rng.normals(p * N), V: rng.normals(p * N), W: rng.normals(p * N) };
    const r = summarizeNeurons(neuronFourier(rand));
    expect(Math.abs(r.phaseAlignment)).toBeLessThan(0.15);
    expect(r.frequencyAgreement).toBeLessThan(0.1);
    // The top-1 share of a neuron's pooled (U, V) power at random: E[max of Dirichlet(2, …, 2)], well below ½.
    expect(r.singleFrequencyShare).toBeLessThan(0.35);
    expect(r.neuronIpr).toBeLessThan(0.2); // unweighted mean would be 3/(2K + 1) = 0.13
    // Per-neuron spectra against the one- and two-column baselines.
    const cp = columnPower(rand.U, p, N);
    const m = cp.reduce((s, P) => s + ipr(P), 0) / N;
    expect(Math.abs(m - randomIprBaseline(11, 1))).toBeLessThan(0.02);
  });

  test('netEvaluate: cross-entropy of the balanced network by a direct log-softmax', () => {
    const p = 5, net = balancedGromov(p, [1, 2], 3);
    const { accuracy, loss } = netEvaluate(net);
    expect(accuracy).toBe(1);
    // Logits are 4.5·K = 9 at the target and −2.25 elsewhere: loss = log(1 + (p − 1)e^{−11.25}).
    expect(loss).toBeCloseTo(libm.log(1 + 4 * libm.exp(-11.25)), 12);
  });
});
