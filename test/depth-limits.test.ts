import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import * as libm from '../src/engine/libm.js';
import {
  binomialHalfPmf, digamma, edgeworthKsBound, layerLogCumulants, logChiSquareCumulants, logNormCumulants, mixtureCumulants, polygamma, trigamma,
  type Cumulants,
} from '../src/theory/random-products.js';
import { depthLimitsExperiment, ksNormal, normalCdf, sampleLogNorms, sampleMoments, type DepthLimitsResult } from '../src/experiments/depth-limits.js';
import { runExperiment } from '../src/experiments/runner.js';

const EULER = 0.5772156649015329;
const ZETA3 = 1.2020569031595942;

/** Moments about the mean → cumulants, from a density tabulated on a uniform grid (trapezoid). */
function cumulantsByQuadrature(f: (y: number) => number, lo: number, hi: number, steps = 200_000): Cumulants {
  const h = (hi - lo) / steps;
  const m = [0, 0, 0, 0, 0];
  for (let i = 0; i <= steps; i++) {
    const y = lo + i * h, w = (i === 0 || i === steps ? 0.5 : 1) * f(y);
    let p = 1;
    for (let j = 0; j <= 4; j++) { m[j] += w * p; p *= y; }
  }
  const [z, a, b, c, d] = m.map((v) => v / m[0]);
  void z;
  const mu = a, c2 = b - mu * mu, c3 = c - 3 * mu * b + 2 * mu ** 3, c4 = d - 4 * mu * c + 6 * mu * mu * b - 3 * mu ** 4;
  return [mu, c2, c3, c4 - 3 * c2 * c2];
}

/** Unnormalized density of Y = ln χ²_k: e^{yk/2} e^{−e^y/2} (normalized numerically). */
const logChiDensity = (k: number) => (y: number) => libm.exp((k / 2) * y - 0.5 * libm.exp(y));

describe('polygamma', () => {
  it('matches closed forms at 1 and ½', () => {
    expect(digamma(1)).toBeCloseTo(-EULER, 14);
    expect(digamma(0.5)).toBeCloseTo(-EULER - 2 * Math.LN2, 14);
    expect(trigamma(1)).toBeCloseTo(Math.PI ** 2 / 6, 14);
    expect(trigamma(0.5)).toBeCloseTo(Math.PI ** 2 / 2, 13);
    expect(polygamma(2, 1)).toBeCloseTo(-2 * ZETA3, 13);
    expect(polygamma(3, 1)).toBeCloseTo(Math.PI ** 4 / 15, 12);
  });

  it('matches the finite sums at integers and half-integers', () => {
    let h = 0, h2 = 0, o = 0, o2 = 0;
    for (let m = 1; m <= 60; m++) {
      // ψ(m) = −γ + Σ_{k<m} 1/k,  ψ′(m) = π²/6 − Σ_{k<m} 1/k²
      expect(digamma(m)).toBeCloseTo(-EULER + h, 13);
      expect(trigamma(m)).toBeCloseTo(Math.PI ** 2 / 6 - h2, 13);
      h += 1 / m; h2 += 1 / (m * m);
      // ψ(m + ½) = −γ − 2 ln 2 + Σ_{k≤m} 2/(2k − 1),  ψ′(m + ½) = π²/2 − Σ_{k≤m} 4/(2k − 1)²
      o += 2 / (2 * m - 1); o2 += 4 / (2 * m - 1) ** 2;
      expect(digamma(m + 0.5)).toBeCloseTo(-EULER - 2 * Math.LN2 + o, 13);
      expect(trigamma(m + 0.5)).toBeCloseTo(Math.PI ** 2 / 2 - o2, 12);
    }
  });

  it('higher orders are the derivatives of the lower ones (central differences)', () => {
    for (const x of [0.3, 1.7, 5, 11.9, 12.1, 40]) {
      const e = 1e-4 * x;
      for (const m of [0, 1, 2] as const) {
        const fd = (polygamma(m, x + e) - polygamma(m, x - e)) / (2 * e);
        expect(Math.abs(fd - polygamma((m + 1) as 1 | 2 | 3, x))).toBeLessThan(1e-6 * Math.abs(polygamma((m + 1) as 1 | 2 | 3, x)) + 1e-9);
      }
    }
  });

  it('rejects bad input with the field named', () => {
    expect(() => polygamma(4, 1)).toThrow(/order m/);
    expect(() => digamma(0)).toThrow(/argument x/);
    expect(() => layerLogCumulants('relu', 0)).toThrow(/width n/);
  });
});

describe('cumulants of log χ² and of the ReLU layer factor', () => {
  it('log χ²_k: ψ(k/2) + ln 2, ψ′, ψ″, ψ‴ against quadrature of the density', () => {
    for (const k of [1, 3, 8, 33]) {
      const q = cumulantsByQuadrature(logChiDensity(k), -100, 8);
      const c = logChiSquareCumulants(k);
      for (let j = 0; j < 4; j++) expect(Math.abs(c[j] - q[j])).toBeLessThan(1e-9);
    }
  });

  it('ReLU He layer: mixture over K ~ Bin(n, ½) | K ≥ 1, against quadrature of each K', () => {
    const n = 6;
    const pmf = binomialHalfPmf(n);
    expect(pmf.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(pmf[3]).toBeCloseTo(20 / 64, 15);
    // Mixture moments by quadrature: density of X = ln(2/n) + ln χ²_K, mixed with weights P(K)/(1 − 2^{−n}).
    const norm = (k: number) => {
      const f = logChiDensity(k);
      let s = 0;
      const h = 108 / 200_000;
      for (let i = 0; i <= 200_000; i++) s += f(-100 + i * h) * h;
      return s;
    };
    const Z = Array.from({ length: n + 1 }, (_, k) => (k ? norm(k) : 1));
    const shift = libm.log(2 / n);
    const mixture = (x: number) => {
      let s = 0;
      for (let k = 1; k <= n; k++) s += (pmf[k] * logChiDensity(k)(x - shift)) / Z[k];
      return s;
    };
    const q = cumulantsByQuadrature(mixture, -100 + shift, 8 + shift);
    const c = layerLogCumulants('relu', n);
    for (let j = 0; j < 4; j++) expect(Math.abs(c[j] - q[j])).toBeLessThan(1e-9);
    // total variance: E ψ′(K/2) + Var ψ(K/2)
    let w = 0, e1 = 0, e2 = 0, ep = 0;
    for (let k = 1; k <= n; k++) { w += pmf[k]; e1 += pmf[k] * digamma(k / 2); e2 += pmf[k] * digamma(k / 2) ** 2; ep += pmf[k] * trigamma(k / 2); }
    expect(c[1]).toBeCloseTo(ep / w + e2 / w - (e1 / w) ** 2, 13);
  });

  it('mixtureCumulants of a two-point mixture of constants is the Bernoulli cumulant sequence', () => {
    const p = 0.3;
    const c = mixtureCumulants([1 - p, p], [[0, 0, 0, 0], [1, 0, 0, 0]]);
    expect(c[0]).toBeCloseTo(p, 15);
    expect(c[1]).toBeCloseTo(p * (1 - p), 15);
    expect(c[2]).toBeCloseTo(p * (1 - p) * (1 - 2 * p), 15);
    expect(c[3]).toBeCloseTo(p * (1 - p) * (1 - 6 * p * (1 - p)), 15);
  });

  it('wide layers: ReLU V(n) = 5/n + 37/(2n²) + O(n⁻³), mean −5/(2n); linear ψ′(n/2) = 2/n + 2/n² + …', () => {
    for (const n of [2048, 4096]) {
      const c = layerLogCumulants('relu', n);
      // next order measured ≈ 85/n³ (so the bracket is 18.5 + O(1/n))
      expect(Math.abs((n * c[1] - 5) * n - 18.5)).toBeLessThan(120 / n);
      expect(Math.abs(n * c[0] + 2.5)).toBeLessThan(10 / n);
      const l = layerLogCumulants('linear', n);
      expect(Math.abs((n * l[1] - 2) * n - 2)).toBeLessThan(2 / n);
    }
    const wide = layerLogCumulants('relu', 64, false);
    expect(wide).toEqual([-5 / 128, 5 / 64, 0, 0]);
  });

  it('network cumulants add over layers and the readout', () => {
    const a = layerLogCumulants('relu', 32), r = layerLogCumulants('linear', 4);
    const net = logNormCumulants({ activation: 'relu', width: 32, depth: 5, readout: 4 });
    for (let j = 0; j < 4; j++) expect(net[j]).toBeCloseTo(5 * a[j] + r[j], 13);
  });

  it('Edgeworth constants are the maxima of |φ He_k|', () => {
    const phi = (x: number) => libm.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    let m3 = 0, m5 = 0;
    for (let x = 0; x < 8; x += 1e-4) {
      m3 = Math.max(m3, Math.abs((x ** 3 - 3 * x) * phi(x)));
      m5 = Math.max(m5, Math.abs((x ** 5 - 10 * x ** 3 + 15 * x) * phi(x)));
    }
    expect(edgeworthKsBound(0, 24)).toBeCloseTo(m3, 3);
    expect(edgeworthKsBound(1, 0) - 0.3989 / 6).toBeCloseTo(m5 / 72, 4);
  });
});

describe('random networks against the exact law', () => {
  it('both samplers (full Gaussian matrices, projected rows) match mean and variance', () => {
    for (const [activation, sampler, width, depth, readout, N] of [
      ['relu', 'matrix', 8, 3, 0, 3000], ['relu', 'projected', 8, 3, 0, 3000], ['linear', 'matrix', 6, 4, 2, 3000], ['relu', 'projected', 12, 6, 3, 3000],
    ] as const) {
      const rng = new Rng(3);
      const J: number[] = [], F: number[] = [];
      for (let k = 0; k < N; k++) {
        const r = sampleLogNorms({ activation, width, depth, readout }, sampler, rng);
        if (r) { J.push(r.jac); F.push(r.out); }
      }
      const c = logNormCumulants({ activation, width, depth, readout });
      const seVar = Math.sqrt((c[3] + 2 * c[1] ** 2) / J.length), seMean = Math.sqrt(c[1] / J.length);
      for (const xs of [J, F]) {
        const m = sampleMoments(xs);
        expect(Math.abs(m.mean - c[0]), `${activation} ${sampler} mean`).toBeLessThan(4 * seMean);
        expect(Math.abs(m.variance - c[1]), `${activation} ${sampler} variance`).toBeLessThan(4 * seVar);
      }
    }
  });

  it('KS distance and the normal CDF', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 12);
    const rng = new Rng(1);
    const xs = rng.normals(4000);
    expect(ksNormal(xs)).toBeLessThan(1.63 / Math.sqrt(4000));
    expect(ksNormal(Array.from(xs, (x) => x + 0.2))).toBeGreaterThan(0.06);
  });
});

describe('depth-limits experiment', () => {
  it('quick config is confirmed, with the exact finite-width slope', async () => {
    const out = await runExperiment(depthLimitsExperiment, { ...depthLimitsExperiment.quick });
    expect(out.record.verdict).toBe('confirmed');
    const r = out.result as DepthLimitsResult;
    // the exact constant is measurably above the wide-layer 5 at these widths
    expect(r.slope.predicted).toBeGreaterThan(5.4);
    expect(out.series.get('variance')!.length).toBeGreaterThan(0);
  });

  it('deep-narrow is out of regime for the kernel; the wide-limit constant at narrow widths is falsified', async () => {
    for (const v of depthLimitsExperiment.variants!.filter((q) => q.expect !== 'confirmed')) {
      const out = await runExperiment(depthLimitsExperiment, { ...depthLimitsExperiment.quick, ...v.config });
      expect(out.record.verdict, v.label).toBe(v.expect);
    }
  });

  it('needs two depths', () => {
    expect(() => depthLimitsExperiment.predict(depthLimitsExperiment.schema.parse({ depths: [4, 4] }))).toThrow(/depths/);
  });
});
