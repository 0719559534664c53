/**
 * Coordinate check (observables/coord-check.ts), its width exponents (theory/abc-exponents.ts), the
 * experiment `coord-check` and `lmech coord-check`, checked by independent routes:
 *   - the observable against hand-computed steps of linear regression (SGD with a per-parameter
 *     lrScale; Adam's first step is −η·sign(g));
 *   - the exponent recursion against the exact first-order update of a linear network with isometric
 *     directions, RMS(Δh_l) = Σ_{j≤l} ρ_j Π_{i≤l,i≠j} S_i √(Π_{i>l} S_i)·‖G‖/√(B n_l), evaluated from the
 *     ParamInfo numbers at m = 2^20 and 2^22 (its local exponent), for the named schemes and random
 *     abc tables, depths 3–5; the closed form itself against the engine's JVP at depth 4;
 *   - Adam rows by simulation: one Adam step (B = 1) of a linear net at widths 1024 → 4096;
 *   - slopeAcrossSeeds on planted power laws; the quick config and its variants reach their verdicts.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { grad, jvp } from '../src/engine/autodiff.js';
import { useWasm } from '../src/engine/backend/index.js';
import { type Mat, matmul as mmat, qr, randomGaussian, randomOrthogonal, transpose as tmat } from '../src/engine/linalg/index.js';
import { mseLoss, mul, scale, sum } from '../src/engine/ops.js';
import { Rng } from '../src/engine/rng.js';
import { Tensor, randn, tensor } from '../src/engine/tensor.js';
import { coordCheckExperiment } from '../src/experiments/coord-check.js';
import { runExperiment } from '../src/experiments/runner.js';
import { coordCheckCommand, formatCoordCheck } from '../src/cli/commands/coord-check.js';
import { transformer } from '../src/models/transformer.js';
import { serial } from '../src/nn/combinators.js';
import { dense } from '../src/nn/layers/dense.js';
import { type Model, model, withInfo } from '../src/nn/model.js';
import { type Scheme, abc, meanField, mup, mupPackage, ntp, parameterize, sp } from '../src/nn/parameterization.js';
import type { ParamInfo } from '../src/nn/types.js';
import { coordCheck, slopeAcrossSeeds } from '../src/observables/coord-check.js';
import { abcExponents, chainFromInfo, mlpChain, predictCaptured } from '../src/theory/abc-exponents.js';

beforeAll(async () => { await useWasm(); });

const stdOf = (p: ParamInfo) => (p.init.kind === 'normal' ? p.init.std : NaN);
const rmsOf = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, v) => s + v * v, 0) / a.length);

describe('coordCheck: hand-computed steps of linear regression f = x Wᵀ', () => {
  const B = 5, d = 3, k = 2;
  const X = randn(new Rng(1), [B, d]), Y = randn(new Rng(2), [B, k]);
  const net0 = model(serial(dense(k, { bias: false })), [d]);
  // mseLoss = (1/B) Σ_b ‖f_b − y_b‖²: ∇_W = (2/B) (f − y)ᵀ x
  const gradW = (W: number[][]) => {
    const g = Array.from({ length: k }, () => new Array(d).fill(0));
    for (let b = 0; b < B; b++) for (let i = 0; i < k; i++) {
      let f = 0;
      for (let j = 0; j < d; j++) f += W[i][j] * X.data[b * d + j];
      const r = (2 / B) * (f - Y.data[b * k + i]);
      for (let j = 0; j < d; j++) g[i][j] += r * X.data[b * d + j];
    }
    return g;
  };
  const outputs = (W: number[][]) => Array.from({ length: B * k }, (_, q) => {
    const b = Math.floor(q / k), i = q % k;
    let f = 0;
    for (let j = 0; j < d; j++) f += W[i][j] * X.data[b * d + j];
    return f;
  });

  test('SGD with lrScale ½, two steps: RMS(f_t − f_0) and RMS(f_t) as by hand; inputs untouched', () => {
    const net = withInfo(net0, net0.info.map((p) => ({ ...p, lrScale: 0.5 })));
    const params = net.init(new Rng(3));
    const copy = Float64Array.from(params[0].data);
    const r = coordCheck({ model: net, params, batch: { x: X, y: Y }, loss: (f, b) => mseLoss(f, b.y!), optimizer: { kind: 'sgd', lr: 0.2 }, steps: 2 });
    expect(Array.from(params[0].data)).toEqual(Array.from(copy));
    expect(r.status).toBe('ok');
    expect(r.layers).toEqual(['0.preact', 'logits']);
    let W = Array.from({ length: k }, (_, i) => Array.from(copy.slice(i * d, (i + 1) * d)));
    const f0 = outputs(W);
    for (let t = 1; t <= 2; t++) {
      const g = gradW(W);
      W = W.map((row, i) => row.map((w, j) => w - 0.2 * 0.5 * g[i][j]));
      const ft = outputs(W);
      const l = r.steps[t].layers[1];
      expect(l.rmsUpdate).toBeCloseTo(rmsOf(ft.map((v, q) => v - f0[q])), 12);
      expect(l.rmsActivation).toBeCloseTo(rmsOf(ft), 12);
      expect(l.meanAbsActivation).toBeCloseTo(ft.reduce((s, v) => s + Math.abs(v), 0) / ft.length, 12);
    }
    expect(r.steps[0].layers[1].rmsUpdate).toBe(0);
  });

  test('Adam step 1 is −η·sign(g) (ε ≪ |g|): the update of f is x·(−η sign g)ᵀ', () => {
    const params = net0.init(new Rng(4));
    const W = Array.from({ length: k }, (_, i) => Array.from(params[0].data.slice(i * d, (i + 1) * d)));
    const g = gradW(W);
    const f0 = outputs(W), f1 = outputs(W.map((row, i) => row.map((w, j) => w - 0.01 * Math.sign(g[i][j]))));
    const r = coordCheck({ model: net0, params, batch: { x: X, y: Y }, loss: (f, b) => mseLoss(f, b.y!), optimizer: { kind: 'adam', lr: 0.01, eps: 1e-14 }, steps: 1 });
    expect(r.steps[1].layers[1].rmsUpdate).toBeCloseTo(rmsOf(f1.map((v, q) => v - f0[q])), 10);
  });

  test('divergence is reported with its step; bad input names the field', () => {
    const params = net0.init(new Rng(5));
    const r = coordCheck({ model: net0, params, batch: { x: X, y: Y }, loss: (f, b) => scale(mseLoss(f, b.y!), 1e300), optimizer: { kind: 'sgd', lr: 1e300 }, steps: 3 });
    expect(r.status).toBe('diverged');
    expect(r.divergedAt).toBeGreaterThanOrEqual(1);
    expect(r.steps.length).toBe(r.divergedAt);
    const base = { model: net0, params, batch: { x: X, y: Y }, loss: (f: Tensor) => sum(f), optimizer: { kind: 'sgd' as const, lr: 0.1 }, steps: 1 };
    expect(() => coordCheck({ ...base, steps: 0 })).toThrow(/coordCheck\.steps: must be an integer in \[1, 100000\]/);
    expect(() => coordCheck({ ...base, optimizer: { kind: 'lion' as never, lr: 1 } })).toThrow(/coordCheck\.optimizer\.kind: must be 'sgd' or 'adam'/);
    expect(() => coordCheck({ ...base, layers: ['nothing'] })).toThrow(/coordCheck\.layers: selects none/);
  });
});

describe('slopeAcrossSeeds', () => {
  test('planted power laws: exact slope without noise; mean ± SE covers it with noise', () => {
    const xs = [64, 128, 256, 512];
    const exact = slopeAcrossSeeds(xs, [xs.map((x) => 3 * x ** -0.5), xs.map((x) => 7 * x ** -0.5)]);
    expect(exact.mean).toBeCloseTo(-0.5, 12);
    expect(exact.se).toBeCloseTo(0, 12);
    const rng = new Rng(9);
    const noisy = slopeAcrossSeeds(xs, Array.from({ length: 40 }, () => xs.map((x) => x ** 0.75 * Math.exp(0.1 * rng.normal()))));
    expect(Math.abs(noisy.mean - 0.75)).toBeLessThan(4 * noisy.se);
    // SE of an OLS slope with ln-noise σ = 0.1 over these x: σ/√(Σ(ln x − mean)²)/√40
    const lx = xs.map(Math.log), m = lx.reduce((a, b) => a + b, 0) / 4;
    const expected = 0.1 / Math.sqrt(lx.reduce((a, x) => a + (x - m) ** 2, 0)) / Math.sqrt(40);
    expect(noisy.se / expected).toBeGreaterThan(0.6);
    expect(noisy.se / expected).toBeLessThan(1.5);
  });
});

// ————— the exponent recursion against a linear network —————

const linearNet = (n: number, L: number, d = 8, k = 4): Model => {
  const layers = [...Array.from({ length: L - 1 }, () => dense(n, { bias: false })), dense(k, { bias: false })];
  return model(serial(...layers), [d]);
};

/** RMS(Δh_l)/(‖G‖) of the isometric linear net at width n (closed form; S, ρ from the ParamInfo numbers). */
function closedForm(info: ParamInfo[], n: number, k: number, B: number, eta: number): number[] {
  const L = info.length;
  const S = info.map((p) => p.multiplier ** 2 * stdOf(p) ** 2 * n);
  const rho = info.map((p) => eta * p.lrScale * p.multiplier ** 2);
  return Array.from({ length: L }, (_, l) => {
    let s = 0;
    for (let j = 0; j <= l; j++) {
      let term = rho[j];
      for (let i = 0; i <= l; i++) if (i !== j) term *= S[i];
      s += term;
    }
    let tail = 1;
    for (let i = l + 1; i < L; i++) tail *= S[i];
    return (s * Math.sqrt(tail)) / Math.sqrt(B * (l === L - 1 ? k : n));
  });
}

/**
 * The leading exponent of the closed form: each term ρ_j Π S_i √(Π S_i) is a monomial in m, so its
 * exponent is exactly its log-slope between two widths (from the ParamInfo numbers); the sum's
 * exponent is the largest of them.
 */
function closedFormTerms(info: ParamInfo[], n: number, k: number): number[][] {
  const L = info.length;
  const S = info.map((p) => p.multiplier ** 2 * stdOf(p) ** 2 * n);
  const rho = info.map((p) => p.lrScale * p.multiplier ** 2);
  return Array.from({ length: L }, (_, l) => Array.from({ length: l + 1 }, (_, j) => {
    let t = Math.log(rho[j]);
    for (let i = 0; i <= l; i++) if (i !== j) t += Math.log(S[i]);
    for (let i = l + 1; i < L; i++) t += 0.5 * Math.log(S[i]);
    return t - 0.5 * Math.log(l === L - 1 ? k : n);
  }));
}

function localExponents(scheme: Scheme, L: number): number[] {
  const at = (n: number) => closedFormTerms(parameterize(linearNet(n, L).info, scheme, { baseWidth: 1, optimizer: 'sgd' }), n, 4);
  const a = at(2 ** 10), b = at(2 ** 12);
  return a.map((terms, l) => Math.max(...terms.map((t, j) => (b[l][j] - t) / Math.log(4))));
}

function randomScheme(rng: Rng, i: number): Scheme {
  const r = () => Math.round(rng.uniform() * 8 - 4) / 4;   // exponents in {−1, −¾, …, 1}
  const row = () => ({ a: r(), b: r(), c: r() });
  return abc({ sgd: { input: row(), hidden: row(), output: row() } }, `random${i}`);
}

describe('abcExponents: SGD rows = the leading exponent of the exact linear-network update', () => {
  test('the named schemes, depths 3–5 (3-hidden-layer rows: SP −½, ½, ½, 1; NTP −½, −½, −½, 0; μP 0)', () => {
    const rows: [Scheme, number[]][] = [[sp, [-0.5, 0.5, 0.5, 1]], [ntp, [-0.5, -0.5, -0.5, 0]], [mup, [0, 0, 0, 0]], [mupPackage, [0, 0, 0, 0]], [meanField, [0, 0, 0, 0]]];
    for (const [scheme, expected] of rows) {
      expect(abcExponents(mlpChain(2), scheme, 'sgd').map((e) => e.update)).toEqual(expected);
      for (const L of [3, 4, 5]) {
        const pred = abcExponents(mlpChain(L - 2, false), scheme, 'sgd').map((e) => e.update);
        localExponents(scheme, L).forEach((e, l) => expect(Math.abs(e - pred[l])).toBeLessThan(0.01));
      }
    }
    expect(abcExponents(mlpChain(2), sp, 'adam').map((e) => e.update)).toEqual([0, 1, 1, 1.5]);
    expect(abcExponents(mlpChain(2), ntp, 'adam').map((e) => e.update)).toEqual([0, 0.5, 0.5, 1]);
    expect(abcExponents(mlpChain(2), mup, 'adam').map((e) => e.update)).toEqual([0, 0, 0, 0]);
    // init: hidden pre-activations Θ(1); μP's readout f₀ ∝ m^{−½}
    expect(abcExponents(mlpChain(2), mup, 'sgd').map((e) => e.activation)).toEqual([0, 0, 0, -0.5]);
  });

  test('40 random abc tables, depths 3 and 4', () => {
    const rng = new Rng(77);
    for (let i = 0; i < 40; i++) {
      const scheme = randomScheme(rng, i);
      for (const L of [3, 4]) {
        const pred = abcExponents(mlpChain(L - 2, false), scheme, 'sgd').map((e) => e.update);
        localExponents(scheme, L).forEach((e, l) => expect(Math.abs(e - pred[l])).toBeLessThan(0.01));
      }
    }
  });

  test('the closed form is the engine\'s first-order update (JVP along the SGD step), depth 4, a random table', () => {
    const scheme = randomScheme(new Rng(5), 0), L = 4, d = 8, k = 4, B = 6, eta = 0.1;
    const x = randomGaussian(B, d, new Rng(31)), y = randomGaussian(B, k, new Rng(32));
    const sc = (A: Mat, s: number): Mat => ({ rows: A.rows, cols: A.cols, data: A.data.map((v) => v * s) });
    const isometry = (out: number, inn: number, r: Rng): Mat => out === inn ? sc(randomOrthogonal(out, r), Math.sqrt(out))
      : out > inn ? sc(qr(randomGaussian(out, inn, r)).Q, Math.sqrt(out)) : sc(tmat(qr(randomGaussian(inn, out, r)).Q), Math.sqrt(inn));
    const G = mmat(mmat(x, tmat(x)), sc(y, -1 / B));
    const Gnorm = Math.sqrt(G.data.reduce((s, v) => s + v * v, 0));
    for (const n of [16, 32]) {
      const base = linearNet(n, L, d, k);
      const net = withInfo(base, parameterize(base.info, scheme, { baseWidth: 1, optimizer: 'sgd' }));
      const rng = new Rng(33);
      const w = net.info.map((p) => { const Z = isometry(p.shape[0], p.shape[1], rng.split(p.name)); return new Tensor(Float64Array.from(Z.data.map((v) => v * stdOf(p))), p.shape); });
      const X = new Tensor(Float64Array.from(x.data), [B, d]), Y = new Tensor(Float64Array.from(y.data), [B, k]);
      const g = grad((...ps) => scale(sum(mul(net.apply(ps, X), Y)), -1 / B), w);
      const dw = g.map((gi, i) => scale(gi, -eta * net.info[i].lrScale));
      const names = ['0.preact', '1.preact', '2.preact', 'logits'];
      const closed = closedForm(net.info, n, k, B, eta);
      names.forEach((nm, l) => {
        const dh = jvp((...ps) => { let h: Tensor | undefined; net.apply(ps, X, { capture: (c, v) => { if (c === nm) h = v; } }); return h!; }, w, dw);
        expect(Math.abs(rmsOf(dh.data) / (closed[l] * Gnorm) - 1)).toBeLessThan(1e-9);
      });
    }
  });
});

describe('abcExponents: Adam rows by simulation (one step, B = 1, linear net d → n → n → k)', () => {
  // Local slope between n = 512 and 2048 of RMS(Δh) after one Adam step (lr 1e-7: first order; ε
  // 1e-30 ≪ |g|, but ε > 0 keeps a gradient entry that is exactly 0 at 0/ε = 0). Error budget: the
  // next term is a factor m^{−½} down; a m^e + b m^{e−½} has local slope e − ½·r/(1 + r) with
  // r = (b/a) m^{−½}, so tolerance 0.2 allows r ≤ 0.67 at these widths.
  for (const [scheme, expected] of [[sp, [0, 1, 1.5]], [ntp, [0, 0.5, 1]], [mup, [0, 0, 0]]] as [Scheme, number[]][]) {
    test(`${scheme.name}: ${expected.join(', ')}`, () => {
      expect(abcExponents(mlpChain(1, false), scheme, 'adam').map((e) => e.update)).toEqual(expected);
      const X = randn(new Rng(41), [1, 4]), Y = randn(new Rng(42), [1, 2]);
      const at = (n: number) => {
        const base = linearNet(n, 3, 4, 2);
        const net = withInfo(base, parameterize(base.info, scheme, { baseWidth: 1, optimizer: 'adam' }));
        const r = coordCheck({ model: net, params: net.init(new Rng(43)), batch: { x: X, y: Y }, loss: (f, b) => mseLoss(f, b.y!), optimizer: { kind: 'adam', lr: 1e-7, eps: 1e-30 }, steps: 1, layers: ['0.preact', '1.preact', 'logits'] });
        return r.steps[1].layers.map((l) => l.rmsUpdate);
      };
      const a = at(512), b = at(2048);
      a.forEach((v, l) => expect(Math.abs(Math.log(b[l] / v) / Math.log(4) - expected[l])).toBeLessThan(0.2));
    });
  }
});

describe('any model: captured names → chain layers → predictions', () => {
  test('transformer: tok, q/k/v, attention output, MLP, residual streams, logits; scores unpredicted', () => {
    const net = transformer({ vocab: 11, dModel: 16, heads: 2, layers: 1, seqLen: 5, tied: false });
    const names: string[] = [];
    net.apply(net.init(new Rng(1)), tensor([[1, 2, 3, 4, 5]], [1, 5], 'i32'), { capture: (n) => names.push(n) });
    const { chain, layerOf } = chainFromInfo(net.info, names);
    expect(chain.map((c) => c.cls)).toEqual(['input', 'input', 'hidden', 'hidden', 'hidden', 'hidden', 'hidden', 'hidden', 'output']);
    expect(layerOf['blocks.0.attn.heads.scores']).toBeNull();
    expect(layerOf['blocks.0.attn.heads.preact']).toEqual({ index: 5, stream: false });
    const p = predictCaptured(net.info, names, sp, 'sgd');
    expect([p['tok.preact']!.update, p['blocks.0.attn.heads.q']!.update, p['blocks.0.mlp.out']!.update, p.logits!.update]).toEqual([-0.5, 0.5, 0.5, 1]);
    const q = predictCaptured(net.info, names, mup, 'adam');
    for (const n of names) if (q[n]) expect(q[n]!.update).toBe(0);
  });
});

describe('experiment coord-check', () => {
  test('quick (MLP, widths 64…512, SP/NTP/μP/MF × SGD/Adam, 3 seeds): confirmed', async () => {
    const { record, series } = await runExperiment(coordCheckExperiment, { ...coordCheckExperiment.quick });
    const bad = record.checks.filter((c) => c.verdict !== 'confirmed').map((c) => `${c.name}: ${c.measured} (${c.note})`);
    expect(bad).toEqual([]);
    expect(record.verdict).toBe('confirmed');
    expect(record.checks.length).toBe(40);   // μP, MF: 3 layers × 3 steps × 2; SP: 2; NTP SGD features: 2
    expect(series.get('coord-mlp-mup-sgd')!.some((r) => r.theory === 1)).toBe(true);
    const sl = series.get('slopes')!;
    const spOut = sl.find((r) => r.param === 'sp' && r.optimizer === 'sgd' && r.layer === 'logits' && r.step === 1)!;
    expect(spOut.slope as number).toBeGreaterThan(0.6);
  });

  test('variants: max width < 512 and three widths are out of regime', async () => {
    for (const v of coordCheckExperiment.variants!.filter((x) => x.expect === 'out-of-regime')) {
      const { record } = await runExperiment(coordCheckExperiment, { ...v.config });
      expect(record.verdict).toBe('out-of-regime');
    }
  });
});

describe('lmech coord-check', () => {
  test('μP MLP with Adam, widths 64…512: confirmed; the LR table of transferLr is printed', () => {
    const r = coordCheckCommand({ model: 'mlp', param: 'mup', optimizer: 'adam', widths: '64,128,256,512', steps: 2, seeds: 2 });
    expect(r.verdict).toBe('confirmed');
    expect(r.rows.length).toBe(2 * 4);   // layer1…3.preact and logits (= layer3.preact), 2 steps
    const text = formatCoordCheck(r);
    expect(text).toMatch(/verdict: confirmed/);
    expect(text).toMatch(/layer2\.W\s+hidden\s+hidden\s+\S+\s+\S+\s+0\.125/);   // Adam hidden LR ÷ m, m = 512/64
  });

  test('too few widths is out of regime; bad flags name the flag', () => {
    expect(coordCheckCommand({ model: 'mlp', param: 'mup', widths: '32,64,128', steps: 1, seeds: 2 }).verdict).toBe('out-of-regime');
    expect(() => coordCheckCommand({ param: 'xp' })).toThrow(/--param: must be one of sp, ntp, mup, mf, mup-package/);
    expect(() => coordCheckCommand({ widths: '64' })).toThrow(/--widths: must be a comma list of at least 2 integers/);
    expect(() => coordCheckCommand({ model: '{nope' })).toThrow(/--model: must be mlp, residualMlp, transformer or a JSON model spec/);
  });
});
