/**
 * Fourier toolkit for modular tasks, and Gromov's analytic network for (a + b) mod p.
 *
 * Tables. A weight table E ∈ R^{p×d} has one row per token (E_{a·}: the embedding of a, or the
 * readout row of output class q) and one column per neuron j. All three tables of the
 * one-hidden-layer network below are stored this way (row-major [p, N]).
 *
 * DFT over the token axis (p odd prime, K = (p − 1)/2 non-trivial frequencies):
 *     F_{σj} = Σ_{a=0}^{p−1} E_{aj} e^{−2πiσa/p},        σ = 0, 1, …, K
 * (σ and p − σ are complex conjugates for real E, so σ ≤ K carries everything; the angle 2πσa/p is
 * reduced exactly as σa mod p before the cosine). Power per frequency and per column:
 *     P_{jσ} = |F_{σj}|²,      P_σ = Σ_j P_{jσ}.
 * Sparsity of a spectrum P over the non-constant frequencies σ = 1 … K (the constant σ = 0 carries
 * no information about the token and is left out):
 *     IPR = Σ_σ P_σ² / (Σ_σ P_σ)²  ∈ [1/K, 1]      (1/IPR = effective number of frequencies),
 *     top-k share = (sum of the k largest P_σ) / Σ_σ P_σ,
 *     key frequencies = the smallest set of σ whose power is ≥ a given share of Σ_σ P_σ.
 * A pure cosine E_{aj} = cos(2πσ_j a/p + φ_j) has F = (p/2)e^{iφ_j} at σ_j and 0 elsewhere, so a
 * table whose columns use each frequency of a set S equally often has IPR = 1/|S| exactly.
 *
 * Uniform (random) baseline, derived: for iid Gaussian entries the K complex coefficients F_{σj}
 * (σ ≥ 1) of a column are independent circular Gaussians of equal variance, so the P_{jσ} are iid
 * exponential and P_σ ~ Gamma(d) iid; then P/ΣP ~ Dirichlet(d, …, d) and
 *     E[IPR] = K·E[w₁²] = (d + 1)/(K·d + 1)          (d columns pooled; one column: 2/(K + 1)),
 * → 1/K for d → ∞ (science-notes §C3 [NR]: p = 23, IPR ≈ 0.091 ≈ 1/11).
 *
 * Network (Gromov 2023, "Grokking modular arithmetic", arXiv 2301.02679): one-hot(a) ⊕ one-hot(b)
 * → N hidden units with activation φ → p logits,
 *     f_q(a, b) = Σ_i W_{qi} φ(U_{ai} + V_{bi}),        φ(z) = z² (Gromov) or max(z, 0).
 * Gromov's analytic solution (quadratic φ): neuron i has a frequency σ_i and phases φ_i, φ'_i,
 *     U_{ai} = cos(2πσ_i a/p + φ_i),  V_{bi} = cos(2πσ_i b/p + φ'_i),  W_{qi} = cos(2πσ_i q/p + φ_i + φ'_i).
 * (U + V)² = ½ + ½cos(2θ_a + 2φ) + ½cos(2θ_b + 2φ') + cos(θ_a + θ_b + φ + φ') + cos(θ_a − θ_b + φ − φ'),
 * and only cos(θ_a + θ_b + φ + φ')·W survives the sum over phases, leaving ½cos(2πσ(a + b − q)/p)
 * per neuron on average (science-notes §C3, derived there and here).
 *   Balanced phases (derived here): for each σ ∈ S take the m × m grid φ_j = 2πj/m, φ'_k = 2πk/m
 *   (m ≥ 3). Every other term carries a factor Σ_j e^{iφ_j}, Σ_j e^{2iφ_j} or their k analogues,
 *   all zero for m ≥ 3, so exactly
 *       f_q(a, b) = (m²/2) Σ_{σ∈S} cos(2πσ(a + b − q)/p),
 *   maximal only at q ≡ a + b (σ ≠ 0 is invertible mod p): 100 % accuracy on all p² pairs for any
 *   non-empty S. With S = {1…K}, Σ_σ cos(2πσn/p) = K for n ≡ 0 and −½ otherwise.
 *   Random phases (φ, φ' iid uniform, σ_i uniform on S): the surviving term averages to N/4 per
 *   frequency-weighted cosine while the cross terms are O(√N) noise, so accuracy → 1 as N grows;
 *   a single frequency has the smallest margin (1 − cos(2π/p)) and needs far more neurons
 *   (science-notes §C3 [NR], p = 23: all 11 frequencies, N = 2000 → 1.000; σ ∈ {1, 5, 8}, N = 600 →
 *   1.000; one frequency, N = 200 → 0.68).
 *
 * Neuron-level comparison with training (derived from the solution above): the DFT of a Gromov
 * neuron has arg F^U_{σ_i} = φ_i, arg F^V_{σ_i} = φ'_i and arg F^W_{σ_i} = φ_i + φ'_i, all at the
 * same σ_i. `neuronFourier` measures, per neuron, the dominant input frequency, its share of the
 * neuron's input power, whether U, V and W peak at the same σ, and the phase defect
 * Δ_i = arg F^W − arg F^U − arg F^V (Gromov: 0), and the IPR of its input spectrum P^U + P^V
 * (Gromov: 1; iid Gaussian: two pooled columns, (2 + 1)/(2K + 1)); the summary weights neuron i by
 * |F^U||F^V||F^W| at σ_i (the amplitude of its cos(θ_a + θ_b − θ_q) term). `idealizedGromov`
 * replaces every neuron by Gromov's pure cosines at its measured σ_i, φ_i, φ'_i, with the predicted
 * readout phase φ_i + φ'_i: the analytic network that training's frequencies and phases define.
 */
import type { Rng } from '../engine/rng.js';
import * as libm from '../engine/libm.js';
import { checkModulus, type ModularSet } from '../data/modular.js';

const TWO_PI = 2 * Math.PI;

export type ModularActivation = 'quadratic' | 'relu';

/** One-hidden-layer network on (a, b); U, V, W row-major [p, N] (see the file comment). */
export interface ModularNet {
  p: number;
  width: number;
  activation: ModularActivation;
  U: Float64Array;
  V: Float64Array;
  W: Float64Array;
}

/** K = (p − 1)/2, the number of non-constant frequencies. */
export function frequencyCount(p: number): number {
  return (p - 1) / 2;
}

/** cos and sin of 2πm/p for m = 0 … p − 1 (so σa is reduced exactly mod p). */
export function unitRoots(p: number): { cos: Float64Array; sin: Float64Array } {
  const c = new Float64Array(p), s = new Float64Array(p);
  for (let m = 0; m < p; m++) { c[m] = libm.cos((TWO_PI * m) / p); s[m] = libm.sin((TWO_PI * m) / p); }
  return { cos: c, sin: s };
}

function checkTable(E: ArrayLike<number>, p: number, d: number, where: string): void {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`${where}: columns must be an integer ≥ 1 (got ${d})`);
  if (E.length !== p * d) throw new RangeError(`${where}: table must have p·d = ${p * d} entries (got ${E.length})`);
}

/** F_{σj} = Σ_a E_{aj} e^{−2πiσa/p} for σ = 0 … K; re and im row-major [K + 1, d]. */
export function tokenDft(E: ArrayLike<number>, p: number, d: number): { re: Float64Array; im: Float64Array } {
  if (!Number.isInteger(p) || p < 3 || p % 2 === 0) throw new RangeError(`p: must be an odd integer ≥ 3 (got ${p})`);
  checkTable(E, p, d, 'tokenDft');
  const K = frequencyCount(p);
  const { cos, sin } = unitRoots(p);
  const re = new Float64Array((K + 1) * d), im = new Float64Array((K + 1) * d);
  for (let s = 0; s <= K; s++) {
    const o = s * d;
    for (let a = 0; a < p; a++) {
      const m = (s * a) % p, c = cos[m], sn = sin[m], row = a * d;
      for (let j = 0; j < d; j++) { const e = E[row + j]; re[o + j] += e * c; im[o + j] -= e * sn; }
    }
  }
  return { re, im };
}

/** Power per frequency, pooled over columns: P_σ = Σ_j |F_{σj}|², σ = 0 … K. */
export function fourierPower(E: ArrayLike<number>, p: number, d: number): Float64Array {
  const { re, im } = tokenDft(E, p, d);
  const K = frequencyCount(p);
  const P = new Float64Array(K + 1);
  for (let s = 0; s <= K; s++) for (let j = 0; j < d; j++) P[s] += re[s * d + j] ** 2 + im[s * d + j] ** 2;
  return P;
}

/** Power per column: result[j][σ] = |F_{σj}|², σ = 0 … K. */
export function columnPower(E: ArrayLike<number>, p: number, d: number): Float64Array[] {
  const { re, im } = tokenDft(E, p, d);
  const K = frequencyCount(p);
  return Array.from({ length: d }, (_, j) => {
    const P = new Float64Array(K + 1);
    for (let s = 0; s <= K; s++) P[s] = re[s * d + j] ** 2 + im[s * d + j] ** 2;
    return P;
  });
}

function nonConstant(P: ArrayLike<number>): number[] {
  if (P.length < 2) throw new RangeError(`power spectrum: needs σ = 0 … K with K ≥ 1 (got ${P.length} entries)`);
  return Array.from(P).slice(1);
}

/** IPR = Σ P_σ² / (Σ P_σ)² over σ = 1 … K (P indexed from σ = 0). NaN for an all-zero spectrum. */
export function ipr(P: ArrayLike<number>): number {
  const q = nonConstant(P);
  let s = 0, s2 = 0;
  for (const x of q) { s += x; s2 += x * x; }
  return s > 0 ? s2 / (s * s) : NaN;
}

/** Share of the non-constant power in the k largest frequencies. */
export function topKShare(P: ArrayLike<number>, k: number): number {
  const q = nonConstant(P).sort((x, y) => y - x);
  if (!Number.isInteger(k) || k < 1 || k > q.length) throw new RangeError(`k: must be an integer in [1, ${q.length}] (got ${k})`);
  const total = q.reduce((a, b) => a + b, 0);
  let top = 0;
  for (let i = 0; i < k; i++) top += q[i];
  return total > 0 ? top / total : NaN;
}

/** Smallest set of frequencies σ ≥ 1 holding ≥ `share` of the non-constant power, sorted ascending. */
export function keyFrequencies(P: ArrayLike<number>, share = 0.9): number[] {
  if (!(share > 0 && share <= 1)) throw new RangeError(`share: must be in (0, 1] (got ${share})`);
  const q = nonConstant(P);
  const total = q.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return [];
  const order = q.map((_, i) => i).sort((i, j) => q[j] - q[i] || i - j);
  const out: number[] = [];
  let acc = 0;
  for (const i of order) {
    out.push(i + 1);
    acc += q[i];
    if (acc >= share * total * (1 - 1e-12)) break;
  }
  return out.sort((x, y) => x - y);
}

/** E[IPR] of d pooled iid Gaussian columns over K frequencies: (d + 1)/(K·d + 1) (file comment). */
export function randomIprBaseline(K: number, d: number): number {
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`K: must be an integer ≥ 1 (got ${K})`);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`d: must be an integer ≥ 1 (got ${d})`);
  return (d + 1) / (K * d + 1);
}

// ---------------------------------------------------------------------------------------
// The network and its accuracy.

function act(z: number, a: ModularActivation): number {
  return a === 'quadratic' ? z * z : z > 0 ? z : 0;
}

/** Logits f_q(a, b), q = 0 … p − 1, into `out` (length p). */
export function netLogits(net: ModularNet, a: number, b: number, out = new Float64Array(net.p), hidden = new Float64Array(net.width)): Float64Array {
  const { p, width: N, U, V, W, activation } = net;
  const ra = a * N, rb = b * N;
  for (let i = 0; i < N; i++) hidden[i] = act(U[ra + i] + V[rb + i], activation);
  for (let q = 0; q < p; q++) {
    let s = 0;
    const rq = q * N;
    for (let i = 0; i < N; i++) s += W[rq + i] * hidden[i];
    out[q] = s;
  }
  return out;
}

/**
 * Accuracy and mean cross-entropy of the network on a set of pairs (default: all p² pairs). A tie
 * for the top logit counts as wrong.
 */
export function netEvaluate(net: ModularNet, set?: ModularSet): { accuracy: number; loss: number } {
  const p = net.p;
  const n = set ? set.size : p * p;
  const out = new Float64Array(p), hidden = new Float64Array(net.width);
  let correct = 0, loss = 0;
  for (let r = 0; r < n; r++) {
    const a = set ? set.a[r] : Math.floor(r / p), b = set ? set.b[r] : r % p;
    const y = set ? set.y[r] : (a + b) % p;
    netLogits(net, a, b, out, hidden);
    let m = -Infinity, arg = -1, tie = false;
    for (let q = 0; q < p; q++) {
      if (out[q] > m) { m = out[q]; arg = q; tie = false; } else if (out[q] === m) tie = true;
    }
    if (arg === y && !tie) correct++;
    let z = 0;
    for (let q = 0; q < p; q++) z += libm.exp(out[q] - m);
    loss += m + libm.log(z) - out[y];
  }
  return { accuracy: correct / n, loss: loss / n };
}

/** Accuracy on all p² pairs. */
export function netAccuracy(net: ModularNet, set?: ModularSet): number {
  return netEvaluate(net, set).accuracy;
}

// ---------------------------------------------------------------------------------------
// Gromov's analytic solution.

/** Gromov's network for given per-neuron frequencies σ_i and phases φ_i, φ'_i (quadratic φ). */
export function gromovNetwork(p: number, sigma: ArrayLike<number>, phi: ArrayLike<number>, phiPrime: ArrayLike<number>): ModularNet {
  checkModulus(p);
  const N = sigma.length;
  if (N < 1) throw new RangeError('gromovNetwork: needs at least one neuron');
  if (phi.length !== N || phiPrime.length !== N) throw new RangeError(`gromovNetwork: phi and phiPrime need ${N} entries (got ${phi.length}, ${phiPrime.length})`);
  const K = frequencyCount(p);
  const U = new Float64Array(p * N), V = new Float64Array(p * N), W = new Float64Array(p * N);
  for (let i = 0; i < N; i++) {
    const s = sigma[i];
    if (!Number.isInteger(s) || s < 1 || s > K) throw new RangeError(`sigma[${i}]: must be an integer in [1, ${K}] (got ${s})`);
    for (let t = 0; t < p; t++) {
      const th = (TWO_PI * ((s * t) % p)) / p;
      U[t * N + i] = libm.cos(th + phi[i]);
      V[t * N + i] = libm.cos(th + phiPrime[i]);
      W[t * N + i] = libm.cos(th + phi[i] + phiPrime[i]);
    }
  }
  return { p, width: N, activation: 'quadratic', U, V, W };
}

function checkFrequencies(p: number, S: readonly number[]): void {
  const K = frequencyCount(p);
  if (S.length < 1) throw new RangeError('frequencies: must name at least one frequency');
  for (const s of S) if (!Number.isInteger(s) || s < 1 || s > K) throw new RangeError(`frequencies: each must be an integer in [1, ${K}] (got ${s})`);
}

/** Random phases: σ_i uniform on S, φ_i, φ'_i uniform on [0, 2π), N neurons. */
export function randomGromov(p: number, neurons: number, S: readonly number[], rng: Rng): ModularNet {
  checkModulus(p);
  checkFrequencies(p, S);
  if (!Number.isInteger(neurons) || neurons < 1) throw new RangeError(`neurons: must be an integer ≥ 1 (got ${neurons})`);
  const rs = rng.split('sigma'), rp = rng.split('phi'), rq = rng.split('phi-prime');
  const sigma = Array.from({ length: neurons }, () => S[rs.int(S.length)]);
  const phi = Array.from({ length: neurons }, () => TWO_PI * rp.uniform());
  const phiPrime = Array.from({ length: neurons }, () => TWO_PI * rq.uniform());
  return gromovNetwork(p, sigma, phi, phiPrime);
}

/** Balanced phases: per σ ∈ S the m × m grid φ = 2πj/m, φ' = 2πk/m (m ≥ 3); N = |S|·m². */
export function balancedGromov(p: number, S: readonly number[], m = 3): ModularNet {
  checkModulus(p);
  checkFrequencies(p, S);
  if (!Number.isInteger(m) || m < 3) throw new RangeError(`m: must be an integer ≥ 3 (got ${m})`);
  const sigma: number[] = [], phi: number[] = [], phiPrime: number[] = [];
  for (const s of S) for (let j = 0; j < m; j++) for (let k = 0; k < m; k++) { sigma.push(s); phi.push((TWO_PI * j) / m); phiPrime.push((TWO_PI * k) / m); }
  return gromovNetwork(p, sigma, phi, phiPrime);
}

/** The balanced network's exact logits (m²/2)·Σ_{σ∈S} cos(2πσ(a + b − q)/p), q = 0 … p − 1. */
export function gromovLimitLogits(p: number, S: readonly number[], m: number, a: number, b: number): Float64Array {
  const out = new Float64Array(p);
  for (let q = 0; q < p; q++) {
    const n = (((a + b - q) % p) + p) % p;
    let s = 0;
    for (const f of S) s += libm.cos((TWO_PI * ((f * n) % p)) / p);
    out[q] = (m * m / 2) * s;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Neuron-level Fourier structure.

export interface NeuronFourier {
  /** dominant non-constant frequency of neuron i's input weights (power of U plus V) */
  sigma: Int32Array;
  /** its share of neuron i's non-constant input power */
  share: Float64Array;
  /** IPR of neuron i's input spectrum P^U_σ + P^V_σ, σ = 1 … K (one frequency: 1; iid Gaussian: 3/(2K + 1)) */
  ipr: Float64Array;
  /** U, V and W of neuron i all peak at sigma[i] */
  agree: Uint8Array;
  /** phase defect arg F^W − arg F^U − arg F^V at sigma[i], wrapped to (−π, π] */
  defect: Float64Array;
  /** |F^U||F^V||F^W| at sigma[i] */
  weight: Float64Array;
}

export interface NeuronFourierSummary {
  /** weighted mean of cos(defect) (Gromov: 1; unrelated phases: 0) */
  phaseAlignment: number;
  /** weighted share of neurons whose U, V, W peak at the same frequency (Gromov: 1) */
  frequencyAgreement: number;
  /** weighted mean top-1 share of a neuron's input power (Gromov: 1; iid Gaussian: H_K/K) */
  singleFrequencyShare: number;
  /** weighted mean per-neuron IPR (Gromov: 1) */
  neuronIpr: number;
}

function argmaxFrom1(P: Float64Array): number {
  let best = 1;
  for (let s = 2; s < P.length; s++) if (P[s] > P[best]) best = s;
  return best;
}

function wrap(x: number): number {
  let y = x % TWO_PI;
  if (y > Math.PI) y -= TWO_PI;
  if (y <= -Math.PI) y += TWO_PI;
  return y;
}

/** Per-neuron dominant frequency, single-frequency share, U/V/W agreement and phase defect. */
export function neuronFourier(net: ModularNet): NeuronFourier {
  const { p, width: N } = net;
  const K = frequencyCount(p);
  const fu = tokenDft(net.U, p, N), fv = tokenDft(net.V, p, N), fw = tokenDft(net.W, p, N);
  const sigma = new Int32Array(N), share = new Float64Array(N), iprs = new Float64Array(N), agree = new Uint8Array(N), defect = new Float64Array(N), weight = new Float64Array(N);
  const pw = (f: { re: Float64Array; im: Float64Array }, s: number, i: number) => f.re[s * N + i] ** 2 + f.im[s * N + i] ** 2;
  for (let i = 0; i < N; i++) {
    const Pin = new Float64Array(K + 1), Pu = new Float64Array(K + 1), Pv = new Float64Array(K + 1), Pw = new Float64Array(K + 1);
    let tot = 0, tot2 = 0;
    for (let s = 1; s <= K; s++) {
      Pu[s] = pw(fu, s, i); Pv[s] = pw(fv, s, i); Pw[s] = pw(fw, s, i);
      Pin[s] = Pu[s] + Pv[s];
      tot += Pin[s];
      tot2 += Pin[s] * Pin[s];
    }
    iprs[i] = tot > 0 ? tot2 / (tot * tot) : NaN;
    const s = argmaxFrom1(Pin);
    sigma[i] = s;
    share[i] = tot > 0 ? Pin[s] / tot : NaN;
    agree[i] = argmaxFrom1(Pu) === s && argmaxFrom1(Pv) === s && argmaxFrom1(Pw) === s ? 1 : 0;
    const o = s * N + i;
    defect[i] = wrap(libm.atan2(fw.im[o], fw.re[o]) - libm.atan2(fu.im[o], fu.re[o]) - libm.atan2(fv.im[o], fv.re[o]));
    weight[i] = Math.sqrt(Pu[s] * Pv[s] * Pw[s]);
  }
  return { sigma, share, ipr: iprs, agree, defect, weight };
}

/**
 * The trained network idealized into Gromov's form: neuron i replaced by pure cosines at its
 * dominant σ_i with its measured input phases φ_i = arg F^U, φ'_i = arg F^V and the predicted readout
 * phase φ_i + φ'_i (unit amplitudes; neurons with zero weight dropped).
 */
export function idealizedGromov(net: ModularNet, nf: NeuronFourier = neuronFourier(net)): ModularNet {
  const { p, width: N } = net;
  const fu = tokenDft(net.U, p, N), fv = tokenDft(net.V, p, N);
  const sigma: number[] = [], phi: number[] = [], phiPrime: number[] = [];
  for (let i = 0; i < N; i++) {
    if (!(nf.weight[i] > 0)) continue;
    const o = nf.sigma[i] * N + i;
    sigma.push(nf.sigma[i]);
    phi.push(libm.atan2(fu.im[o], fu.re[o]));
    phiPrime.push(libm.atan2(fv.im[o], fv.re[o]));
  }
  return gromovNetwork(p, sigma, phi, phiPrime);
}

/** Weighted summaries of `neuronFourier` (weights |F^U||F^V||F^W| at each neuron's σ). */
export function summarizeNeurons(nf: NeuronFourier): NeuronFourierSummary {
  let w = 0, cosSum = 0, ag = 0, sh = 0, ip = 0;
  for (let i = 0; i < nf.sigma.length; i++) {
    const wi = nf.weight[i];
    if (!(wi > 0)) continue;
    w += wi; cosSum += wi * libm.cos(nf.defect[i]); ag += wi * nf.agree[i]; sh += wi * nf.share[i]; ip += wi * nf.ipr[i];
  }
  return w > 0
    ? { phaseAlignment: cosSum / w, frequencyAgreement: ag / w, singleFrequencyShare: sh / w, neuronIpr: ip / w }
    : { phaseAlignment: NaN, frequencyAgreement: NaN, singleFrequencyShare: NaN, neuronIpr: NaN };
}

/**
 * Keep only the frequencies in `keep` (and σ = 0 when `keepConstant`) in every column of a table:
 * E ↦ Σ_{σ kept} (inverse DFT of F_σ), i.e. the projection onto those Fourier modes.
 */
export function projectFrequencies(E: ArrayLike<number>, p: number, d: number, keep: readonly number[], keepConstant = true): Float64Array {
  const { re, im } = tokenDft(E, p, d);
  const { cos, sin } = unitRoots(p);
  const out = new Float64Array(p * d);
  const modes = [...(keepConstant ? [0] : []), ...keep.filter((s) => s >= 1)];
  for (const s of modes) {
    const f = s === 0 ? 1 / p : 2 / p; // σ and p − σ together
    for (let a = 0; a < p; a++) {
      const m = (s * a) % p, c = cos[m], sn = sin[m];
      for (let j = 0; j < d; j++) out[a * d + j] += f * (re[s * d + j] * c - im[s * d + j] * sn);
    }
  }
  return out;
}
