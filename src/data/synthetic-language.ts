/**
 * A seeded synthetic language with a known entropy rate: a Zipfian Markov source of order k over
 * a vocabulary of V tokens (a "Zipfian n-gram" with n = k + 1). Nothing is downloaded.
 *
 * Source. The state is the context c = (x_{t−k}, …, x_{t−1}) ∈ [V]^k (one state when k = 0). Each
 * context has its own ranking of the vocabulary, a seeded permutation ρ_c of [V], and the next
 * token is drawn from the Zipf law over that ranking,
 *     p(v | c) = (ρ_c(v) + 1)^{−s} / Z_V(s),    Z_V(s) = Σ_{r=1}^{V} r^{−s}        (s ≥ 0),
 * so every context has the same conditional entropy H_Z = ln Z_V + (s/Z_V) Σ_r r^{−s} ln r, but a
 * different most-likely successor: a model has to learn the V^k × V table to reach it. s = 0 is
 * the uniform source (H = ln V); s → ∞ a deterministic one. The first k tokens of a sequence are
 * drawn from the stationary law of the context chain, so every sample is a stationary sequence.
 *
 * Entropy rate (Cover & Thomas, Elements of Information Theory, Thm 4.2.4): for a stationary
 * Markov chain of order k,
 *     H(𝒳) = lim (1/T) H(X_1 … X_T) = H(X_{t} | X_{t−k} … X_{t−1}) = Σ_c π(c) H(p(· | c)),
 * with π the stationary distribution of the context chain c → (c_2, …, c_k, v) w.p. p(v | c). All
 * p(v | c) > 0 for finite s, so the chain is irreducible and aperiodic and π is unique; it is found
 * by power iteration (|π_{j+1} − π_j|₁ < 1e-14). With the construction above every H(p(·|c)) = H_Z,
 * so H(𝒳) = H_Z whatever π is; with `jitter` > 0 each context has its own exponent s_c, and
 * `entropyRate` computes the π-weighted sum, which is then a genuine average. By Shannon–McMillan–Breiman,
 * −(1/T) ln p(x_1 … x_T) → H(𝒳) almost surely: the Monte Carlo route the tests use.
 *
 * Loss floor. A next-token model that sees the whole prefix has expected cross-entropy H(𝒳) at
 * positions t ≥ k; at positions t < k it sees less context, so its floor there is the entropy of
 * x_t given the t tokens before it under π (≥ H(𝒳)). `crossEntropyFloor` averages the two exactly.
 *
 * Units: nats (natural log), the units of the lab's cross-entropy losses; `bits` converts.
 */
import { Rng } from '../engine/rng.js';
import * as libm from '../engine/libm.js';

export interface MarkovSourceSpec {
  /** Vocabulary size V (2 … 4096). */
  vocab: number;
  /** Context length k (0 … 4); the number of states V^k must stay ≤ 65 536. */
  order: number;
  /** Zipf exponent s ≥ 0 of every conditional law. */
  exponent: number;
  /** Seed of the context rankings. */
  seed: number;
  /**
   * Spread of the per-context exponent, j ∈ [0, 1) (default 0): context c uses
   * s_c = s·(1 + j·(2u_c − 1)) with u_c uniform (seeded), so the conditional entropies differ and
   * the entropy rate depends on π. 0 gives one Zipf law for every context.
   */
  jitter?: number;
}

export interface MarkovSource {
  readonly spec: Readonly<Required<MarkovSourceSpec>>;
  readonly vocab: number;
  readonly order: number;
  /** Number of contexts V^k. */
  readonly states: number;
  /** p(v | c) at [c·V + v]; context c = Σ_i x_{t−k+i} V^{k−1−i} (oldest token most significant). */
  readonly transition: Float64Array;
  /** Cumulative p(· | c) at [c·V + v] (for sampling). */
  readonly cumulative: Float64Array;
  /** Stationary law π of the context chain. */
  readonly stationary: Float64Array;
}

function checkInt(v: unknown, field: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${field}: must be an integer in [${lo}, ${hi}] (got ${String(v)})`);
  return v;
}

function checkNum(v: unknown, field: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) throw new RangeError(`${field}: must be a number in [${lo}, ${hi}] (got ${String(v)})`);
  return v;
}

/** The Zipf law over ranks 1 … V with exponent s: q_r = r^{−s}/Z_V(s). */
export function zipfLaw(V: number, s: number): Float64Array {
  checkInt(V, 'zipfLaw.V', 1, 1 << 20);
  checkNum(s, 'zipfLaw.s', 0, 64);
  const q = new Float64Array(V);
  let z = 0;
  for (let r = 0; r < V; r++) z += (q[r] = libm.pow(r + 1, -s));
  for (let r = 0; r < V; r++) q[r] /= z;
  return q;
}

/** Shannon entropy −Σ p ln p (nats) of a probability vector (zeros contribute 0). */
export function entropy(p: ArrayLike<number>, offset = 0, length = p.length - offset): number {
  let h = 0;
  for (let i = offset; i < offset + length; i++) { const x = p[i]; if (x > 0) h -= x * libm.log(x); }
  return h;
}

export const bits = (nats: number): number => nats / Math.LN2;

/** Successor context of c after token v: (c·V + v) mod V^k. */
const successor = (c: number, v: number, V: number, states: number) => (c * V + v) % states;

/** Build the source: per-context rankings from rng(seed).split('ranking').split(c), then π. */
export function markovSource(spec: MarkovSourceSpec): MarkovSource {
  if (!spec || typeof spec !== 'object') throw new RangeError('markovSource.spec: must be {vocab, order, exponent, seed}');
  const V = checkInt(spec.vocab, 'markovSource.vocab', 2, 4096);
  const k = checkInt(spec.order, 'markovSource.order', 0, 4);
  const s = checkNum(spec.exponent, 'markovSource.exponent', 0, 64);
  const seed = checkInt(spec.seed, 'markovSource.seed', 0, 2 ** 31);
  const jitter = checkNum(spec.jitter ?? 0, 'markovSource.jitter', 0, 0.999);
  const states = libm.pow(V, k);
  if (states > 65536) throw new RangeError(`markovSource.order: vocab^order = ${states} contexts exceeds 65536; lower vocab or order`);
  const rank = new Rng(seed).split('ranking'), spread = new Rng(seed).split('jitter');
  const transition = new Float64Array(states * V), cumulative = new Float64Array(states * V);
  for (let c = 0; c < states; c++) {
    const perm = rank.split(c).permutation(V); // perm[r] = the token of rank r + 1
    const q = zipfLaw(V, jitter === 0 ? s : s * (1 + jitter * (2 * spread.split(c).uniform() - 1)));
    for (let r = 0; r < V; r++) transition[c * V + perm[r]] = q[r];
    let acc = 0;
    for (let v = 0; v < V; v++) cumulative[c * V + v] = (acc += transition[c * V + v]);
    cumulative[c * V + V - 1] = 1;
  }
  const stationary = stationaryLaw(transition, V, states);
  return { spec: { vocab: V, order: k, exponent: s, seed, jitter }, vocab: V, order: k, states, transition, cumulative, stationary };
}

/** π = π P of the context chain, by power iteration from the uniform law. */
function stationaryLaw(P: Float64Array, V: number, states: number): Float64Array {
  let pi = new Float64Array(states).fill(1 / states);
  if (states === 1) return pi;
  let next = new Float64Array(states);
  for (let it = 0; it < 200_000; it++) {
    next.fill(0);
    for (let c = 0; c < states; c++) {
      const w = pi[c];
      if (w === 0) continue;
      const base = (c * V) % states;
      for (let v = 0; v < V; v++) next[base + v] += w * P[c * V + v];
    }
    let diff = 0, sum = 0;
    for (let c = 0; c < states; c++) { diff += Math.abs(next[c] - pi[c]); sum += next[c]; }
    for (let c = 0; c < states; c++) next[c] /= sum;
    [pi, next] = [next, pi];
    if (diff < 1e-14) return pi;
  }
  throw new Error('markovSource: power iteration for the stationary law did not converge in 200000 sweeps (exponent too large?)');
}

/** Entropy rate H(𝒳) = Σ_c π(c) H(p(·|c)) in nats per token (see the file comment). */
export function entropyRate(src: MarkovSource): number {
  let h = 0;
  for (let c = 0; c < src.states; c++) h += src.stationary[c] * entropy(src.transition, c * src.vocab, src.vocab);
  return h;
}

/**
 * The expected next-token cross-entropy of the Bayes-optimal predictor, averaged over the T
 * positions of a stationary sequence (targets x_2 … x_{T+1} given x_1 … x_t): position t sees
 * min(t, k) tokens of context, so its floor is H(X_{k+1} | X_{k−t+1} … X_k) under π (the
 * marginal of the context chain), which is H(𝒳) once t ≥ k.
 */
export function crossEntropyFloor(src: MarkovSource, T: number): number {
  checkInt(T, 'crossEntropyFloor.T', 1, 1 << 20);
  const { vocab: V, order: k, states } = src;
  const H = entropyRate(src);
  let total = 0;
  for (let t = 1; t <= T; t++) {
    const seen = Math.min(t, k);
    if (seen === k) { total += H; continue; }
    // Group contexts by their last `seen` tokens: joint law of (suffix, next) = Σ_c π(c) p(v|c).
    const groups = libm.pow(V, seen);
    const joint = new Float64Array(groups * V);
    for (let c = 0; c < states; c++) {
      const g = c % groups;
      for (let v = 0; v < V; v++) joint[g * V + v] += src.stationary[c] * src.transition[c * V + v];
    }
    let h = 0;
    for (let g = 0; g < groups; g++) {
      let m = 0;
      for (let v = 0; v < V; v++) m += joint[g * V + v];
      for (let v = 0; v < V; v++) { const j = joint[g * V + v]; if (j > 0) h -= j * libm.log(j / m); }
    }
    total += h;
  }
  return total / T;
}

function drawFrom(cum: Float64Array, offset: number, length: number, u: number): number {
  let lo = 0, hi = length - 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[offset + mid] > u) hi = mid; else lo = mid + 1; }
  return lo;
}

/** Index of a stationary context: c ~ π (inverse CDF). */
function drawContext(src: MarkovSource, u: number): number {
  let acc = 0;
  for (let c = 0; c < src.states; c++) { acc += src.stationary[c]; if (u < acc) return c; }
  return src.states - 1;
}

/** A stationary sequence of `length` tokens: the first k from π, then the chain. */
export function sampleSequence(src: MarkovSource, length: number, rng: Rng): Int32Array {
  checkInt(length, 'sampleSequence.length', 0, 1 << 28);
  const { vocab: V, order: k, states } = src;
  const out = new Int32Array(length);
  let c = drawContext(src, rng.uniform());
  // Write the initial context's tokens (oldest first), as many as fit.
  for (let i = 0; i < Math.min(k, length); i++) out[i] = Math.floor(c / libm.pow(V, k - 1 - i)) % V;
  for (let t = k; t < length; t++) {
    const v = drawFrom(src.cumulative, c * V, V, rng.uniform());
    out[t] = v;
    c = successor(c, v, V, states);
  }
  return out;
}

/**
 * ln p(x_{k+1} … x_T | x_1 … x_k): the log-probability of a sequence after its first k tokens
 * (so −logProb/(T − k) estimates the entropy rate).
 */
export function logProb(src: MarkovSource, seq: ArrayLike<number>): number {
  const { vocab: V, order: k, states } = src;
  if (seq.length < k) throw new RangeError(`logProb.seq: needs at least order = ${k} tokens (got ${seq.length})`);
  let c = 0;
  for (let i = 0; i < k; i++) c = c * V + checkToken(seq[i], V, i);
  let lp = 0;
  for (let t = k; t < seq.length; t++) {
    const v = checkToken(seq[t], V, t);
    lp += libm.log(src.transition[c * V + v]);
    c = successor(c, v, V, states);
  }
  return lp;
}

function checkToken(v: number, V: number, t: number): number {
  if (!Number.isInteger(v) || v < 0 || v >= V) throw new RangeError(`seq[${t}]: tokens must be integers in [0, ${V - 1}] (got ${v})`);
  return v;
}

export interface TokenBatch {
  /** Inputs x_1 … x_T of each sequence, [batch, T] row-major. */
  ids: Int32Array;
  /** Targets x_2 … x_{T+1}, [batch, T]. */
  next: Int32Array;
  batch: number;
  seqLen: number;
}

/** `batch` independent stationary sequences of T + 1 tokens, split into inputs and next-token targets; sequence b uses rng.split(b). */
export function tokenBatch(src: MarkovSource, batch: number, seqLen: number, rng: Rng): TokenBatch {
  checkInt(batch, 'tokenBatch.batch', 1, 1 << 20);
  checkInt(seqLen, 'tokenBatch.seqLen', 1, 1 << 16);
  const ids = new Int32Array(batch * seqLen), next = new Int32Array(batch * seqLen);
  for (let b = 0; b < batch; b++) {
    const s = sampleSequence(src, seqLen + 1, rng.split(b));
    ids.set(s.subarray(0, seqLen), b * seqLen);
    next.set(s.subarray(1), b * seqLen);
  }
  return { ids, next, batch, seqLen };
}
