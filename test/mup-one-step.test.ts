/**
 * μP vs SP after one SGD step (issue 7, "done means"; science-notes §A2): on a fixed batch, the
 * update of each layer's pre-activation, c_l(n) = RMS(h_l after − h_l before), against width n.
 * The fitted log-log slope s_l is the width exponent of the update:
 *   μP (TP V Table 3):  0 for every layer                       (every layer learns features)
 *   SP (one global η):  input −½, hidden +½, readout +1           (science-notes §A2 table)
 * Slope per seed by OLS of ln c against ln n (observables/fit.ts), interval = mean ± 2 SE over seeds.
 *
 * Base width. The μP slopes drift negative at finite width by an amount that grows with the base
 * width n₀ (science-notes, Corrections): the readout's initial output f₀ ∝ √(n₀/n) enters the first
 * step's residual f₀ − y, and its batch-coherent part (ReLU features have a nonzero mean) is
 * amplified by the kernel's constant mode, so until n ≫ B·n₀ the first update shrinks with n.
 * Measured here (3 hidden layers, widths 64…2048, 3–6 seeds), readout slope: n₀ = 64 −0.44,
 * n₀ = 8 −0.25, n₀ = 4 −0.19, n₀ = 2 −0.14, n₀ = 1 −0.11. We therefore use n₀ = 1 (TP V's table read literally,
 * fan_in and fan_out in units), and check the mechanism at n₀ = 64: with the target y + f₀ (so the
 * first residual is exactly −y, width-independent) the drift disappears.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { grad } from '../src/engine/autodiff.js';
import { useWasm } from '../src/engine/backend/index.js';
import { crossEntropyWithIds, mseLoss, scale } from '../src/engine/ops.js';
import { Rng } from '../src/engine/rng.js';
import { Tensor, randn, tensor } from '../src/engine/tensor.js';
import { transformer } from '../src/models/transformer.js';
import { serial } from '../src/nn/combinators.js';
import { relu } from '../src/nn/layers/activations.js';
import { dense } from '../src/nn/layers/dense.js';
import { type Model, model, withInfo } from '../src/nn/model.js';
import { type Scheme, mup, parameterize, sp } from '../src/nn/parameterization.js';
import { logLogFit } from '../src/observables/fit.js';

beforeAll(async () => { await useWasm(); });

interface SlopeInterval { mean: number; se: number; lo: number; hi: number; perSeed: number[] }

/**
 * Width exponent of a per-seed series: OLS slope of ln y against ln n for each seed, then the mean
 * and its standard error over seeds; the interval is mean ± 2 SE.
 */
function slopeInterval(widths: number[], perSeed: number[][]): SlopeInterval {
  const s = perSeed.map((ys) => logLogFit(widths, ys).slope);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  const se = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / (s.length - 1) / s.length);
  return { mean, se, lo: mean - 2 * se, hi: mean + 2 * se, perSeed: s };
}

/** RMS(h after − h before) of each captured intermediate in `names`, after one SGD step p ← p − η λ_p ∇_p L. */
function oneStepUpdate(net: Model, params: Tensor[], x: Tensor, loss: (out: Tensor) => Tensor, eta: number, names: string[]): number[] {
  const capture = (into: Map<string, Tensor>) => (name: string, v: Tensor) => { if (names.includes(name)) into.set(name, v); };
  const before = new Map<string, Tensor>(), after = new Map<string, Tensor>();
  net.apply(params, x, { capture: capture(before) });
  const g = grad((...ps) => loss(net.apply(ps, x)), params);
  const stepped = params.map((p, i) => new Tensor(p.data.map((w, j) => w - eta * net.info[i].lrScale * g[i].data[j]), p.shape));
  net.apply(stepped, x, { capture: capture(after) });
  return names.map((nm) => {
    const a = after.get(nm)?.data, b = before.get(nm)?.data;
    if (!a || !b) throw new Error(`oneStepUpdate: nothing captured as ${nm}`);
    let s = 0;
    for (let j = 0; j < a.length; j++) s += (a[j] - b[j]) ** 2;
    return Math.sqrt(s / a.length);
  });
}

/** updates[seed][layer][width] for a model family over widths and seeds. */
function sweep(widths: number[], seeds: number[], names: string[], run: (n: number, seed: number) => number[]): number[][][] {
  return seeds.map((seed) => {
    const perWidth = widths.map((n) => run(n, seed));
    return names.map((_, l) => perWidth.map((r) => r[l]));
  });
}

const layerSlopes = (widths: number[], u: number[][][], names: string[]) =>
  names.map((_, l) => slopeInterval(widths, u.map((perSeed) => perSeed[l])));

const fmt = (names: string[], s: SlopeInterval[]) => names.map((nm, l) => `${nm}: ${s[l].mean.toFixed(3)} ± ${(2 * s[l].se).toFixed(3)}`).join(', ');

describe('MLP (3 hidden ReLU layers, d = 32, k = 10, B = 64, MSE, SGD η = 0.05), widths 64…2048', () => {
  const d = 32, k = 10, B = 64, eta = 0.05, seeds = [1, 2, 3];
  const widths = [64, 128, 256, 512, 1024, 2048];
  const names = ['0.preact', '2.preact', '4.preact', '6.preact'];   // input layer, hidden, hidden, readout
  const X = randn(new Rng(1), [B, d]), Y = randn(new Rng(2), [B, k]);
  const mse = (target: Tensor) => (f: Tensor) => scale(mseLoss(f, target), 1 / k);   // mean over B·k (PyTorch MSELoss)
  const mlp = (n: number) => {
    const h = () => dense(n, { sigmaW: Math.SQRT2 });
    return model(serial(h(), relu(), h(), relu(), h(), relu(), dense(k)), [d]);
  };
  const run = (scheme: Scheme, n0: number, centered = false) => (n: number, seed: number) => {
    const base = mlp(n);
    const net = withInfo(base, parameterize(base.info, scheme, { baseWidth: n0, optimizer: 'sgd' }));
    const params = net.init(new Rng(1000 + seed));
    let target = Y;
    if (centered) {
      const f0 = net.apply(params, X).data;
      target = new Tensor(Y.data.map((y, j) => y + f0[j]), Y.shape);
    }
    return oneStepUpdate(net, params, X, mse(target), eta, names);
  };

  let muCache: SlopeInterval[] | undefined;
  const muSlopesOf = () => (muCache ??= layerSlopes(widths, sweep(widths, [1, 2, 3, 4, 5], names, run(mup, 1)), names));
  test('μP (n₀ = 1, 5 seeds): every slope interval (mean ± 2 SE) lies inside [−0.25, 0.25]', () => {
    // 5 seeds here (not 3): the readout's seed-to-seed spread (SD ≈ 0.05–0.08) would leave a
    // 3-seed interval within ~0.03 of the bound; the mean (−0.12) is what the check is about.
    const muSlopes = muSlopesOf();
    console.log(`μP one-step slopes: ${fmt(names, muSlopes)}`);
    for (const s of muSlopes) {
      expect(s.lo).toBeGreaterThan(-0.25);
      expect(s.hi).toBeLessThan(0.25);
    }
  });

  test('SP: input ≈ −½, hidden ≈ +½, readout ≈ +1 (±0.25); distinguished from μP', () => {
    // Finite-width budget: a hidden update is a·n^{½} + b·n^{−½} (the ΔW_l term and the propagated
    // Δh_{l−1} term), so its local slope over 64…2048 sits below ½ (−0.15 here; the science notes'
    // reference measured +0.44 on 512…4096), plus 2 SE ≈ 0.1 of seed noise: tolerance 0.25.
    const spSlopes = layerSlopes(widths, sweep(widths, seeds, names, run(sp, 1)), names);
    console.log(`SP one-step slopes: ${fmt(names, spSlopes)}`);
    const predicted = [-0.5, 0.5, 0.5, 1];
    spSlopes.forEach((s, l) => expect(Math.abs(s.mean - predicted[l])).toBeLessThan(0.25));
    // science-notes §A2 verdict: SP distinguished when s_out(SP) − s_out(μP) ≥ 0.75
    const muSlopes = muSlopesOf();
    expect(spSlopes[3].mean - muSlopes[3].mean).toBeGreaterThan(0.75);
    for (const l of [1, 2]) expect(spSlopes[l].mean - muSlopes[l].mean).toBeGreaterThan(0.25);
  });

  test('the finite-width drift at n₀ = 64 is the readout\'s initial output (widths 64…1024)', () => {
    const w = widths.slice(0, 5);
    const plain = layerSlopes(w, sweep(w, seeds, names, run(mup, 64)), names);
    const centered = layerSlopes(w, sweep(w, seeds, names, run(mup, 64, true)), names);
    console.log(`μP n₀ = 64, target y: ${fmt(names, plain)}\nμP n₀ = 64, target y + f₀: ${fmt(names, centered)}`);
    expect(plain[3].mean).toBeLessThan(-0.25);                    // the drift is there …
    for (const s of centered) {                                    // … and goes with f₀
      expect(s.lo).toBeGreaterThan(-0.25);
      expect(s.hi).toBeLessThan(0.25);
    }
  });
});

/**
 * Transformer (src/models/transformer.ts): 1 pre-LN block, d_ff = 4d, 4 heads (d_head = d/4 grows),
 * attention logit scale 1/d_head ('mup'), untied readout, vocab 16, T = 8, B = 8 random sequences,
 * next-token cross-entropy on random targets, SGD η = 0.05, μP with n₀ = 1, widths 64…1024 (2048
 * would cost 4× the whole sweep), 3 seeds. Checked: the embedding output, q, k, v, the attention
 * output projection, both MLP matrices and the logits.
 * Not a layer's pre-activation: the attention scores S = QKᵀ/d_head. At init W_v is independent
 * of the backward signal G = ∂L/∂(AV), so ∂L/∂A_ts = ⟨G_t, V_s⟩ is a CLT-sized sum over d_head
 * coordinates (∝ n^{−½} relative to a coherent one), and so is every term of ΔS (ΔQ·K, Q·ΔK and
 * Δx W_qᵀW_k xᵀ with independent W_q, W_k): the scores move as n^{−½} at step 1 (derived), which is
 * checked too (on the scores as captured, before the causal mask); their Θ(1) dynamics under 1/d_head needs Q and K to correlate first (TP V §4).
 */
describe('transformer under μP (attnScale "mup"), widths 64…1024, 3 seeds', () => {
  const V = 16, T = 8, B = 8, eta = 0.05, seeds = [1, 2, 3];
  const widths = [64, 128, 256, 512, 1024];
  const pre = 'blocks.0.';
  const names = ['tok.preact', `${pre}attn.heads.q`, `${pre}attn.heads.k`, `${pre}attn.heads.v`, `${pre}attn.heads.preact`, `${pre}mlp.up.preact`, `${pre}mlp.down.preact`, 'logits', `${pre}attn.heads.scores`];
  const r = new Rng(5);
  const ids = tensor(Array.from({ length: B * T }, () => r.int(V)), [B, T], 'i32');
  const next = tensor(Array.from({ length: B * T }, () => r.int(V)), [B, T], 'i32');

  test('every pre-activation slope interval lies inside [−0.25, 0.25]; scores ≈ −½', () => {
    const u = sweep(widths, seeds, names, (n, seed) => {
      const base = transformer({ vocab: V, dModel: n, heads: 4, layers: 1, seqLen: T, tied: false, attnScale: 'mup' });
      const net = withInfo(base, parameterize(base.info, mup, { baseWidth: 1, optimizer: 'sgd' }));
      return oneStepUpdate(net, net.init(new Rng(2000 + seed)), ids, (f) => crossEntropyWithIds(f, next), eta, names);
    });
    const s = layerSlopes(widths, u, names);
    console.log(`transformer μP one-step slopes: ${fmt(names, s)}`);
    s.slice(0, -1).forEach((x) => {
      expect(x.lo).toBeGreaterThan(-0.25);
      expect(x.hi).toBeLessThan(0.25);
    });
    const scores = s[s.length - 1];
    expect(Math.abs(scores.mean + 0.5)).toBeLessThan(0.25);
  });
});
