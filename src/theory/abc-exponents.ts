/**
 * Width exponents of a coordinate check, predicted from an abc table (src/nn/parameterization.ts):
 * for each layer of a network, the exponent ξ of its pre-activation at init, RMS(h_l) ∝ m^ξ, and the
 * exponent Δ of its first-order update after one optimizer step, RMS(Δh_l) ∝ m^Δ, with m = n/n₀.
 * (Yang & Hu 2021, TP IV, arXiv 2011.14522, §3 and its Table 1 of "stable / faithful / feature
 * learning" conditions; Yang et al. 2022, TP V, arXiv 2203.03466, Table 3 and §D.1; science-notes
 * §A1–A2, whose SGD rows this reproduces. The recursion below is derived here.)
 *
 * Setting. A chain of weight layers l = 1 … L, h_l = W_l x_{l−1} (+ b_l), x_l = φ(h_l) with φ′ = Θ(1),
 * x₀ the data (finite dim, Θ(1) entries), ∂L/∂f = Θ(1) (f is the last h). Layer l has class input
 * (finite fan-in, width fan-out), hidden (both width) or output (width fan-in, finite fan-out), and
 * its class's row (a, b, c, e) of the table. Effective weight W = c₀m^{−a}·w with w's std σ₀m^{−b}
 * where σ₀ is the SP std *at n₀* (so the SP row b = ½ reads "var 1/fan_in"): its entries are
 * ∝ m^{−α}, α = a + b. One step moves the effective weight by
 *     SGD:   ΔW = −ρ ∂L/∂W,  ρ ∝ m^{−c−2a}           (w ← w − η m^{−c} ∂L/∂w and ∂L/∂w = m^{−a}∂L/∂W)
 *     Adam:  ΔW_ij ∝ m^{−a−c}                       (step 1: −η m^{−c}·sign(g); scale-free while ε ≪ √v̂)
 *
 * Exponents, with [w] = 1 when that dim of layer l is width, else 0, and "in" the layer's input:
 *   init (CLT over the fan-in at init, independent weights):
 *     ξ_l = [w_in](ξ_in + ½) − α_l                                     (ξ_in = 0 for data)
 *   backward at init (CLT over the next layer's fan-out):
 *     δ_L = 0,   δ_l = δ_{l+1} + ½[w_out of l+1] − α_{l+1}                (δ_l: exponent of ∂L/∂h_l;
 *                                                                      δ_l = δ_{l+1} when l+1 is input-class)
 *   update of h_l = direct term ΔW_l x_in (+ Δb_l) and propagated term W_l Δx_in:
 *     SGD  direct  D_l = −c_l − 2a_l + [w_in](1 + 2ξ_in) + δ_l         (ΔW x = −ρ Σ_batch δ (x·x′), x·x′ a
 *                                                                      coherent sum over the fan-in: LLN)
 *     Adam direct  D_l = −a_l − c_l + [w_in](1 + ξ_in)                 (sign(δxᵀ)·x is coherent over the fan-in)
 *     bias (class input, row (a_b, b_b, c_b); the readout bias has no width dim):
 *          SGD  −c_b − 2a_b + δ_l,   Adam  −a_b − c_b                  (readout bias: δ_L = 0 resp. 0)
 *     propagated   P_l = Δ_in + [w_in](1 − α_l − ½[w_out])             (Δx_in lies along W_lᵀ(·) through
 *                                                                      backprop: W_l W_lᵀ = Θ(m^{1−2α}) per unit
 *                                                                      of norm, and h_l has m^{½[w_in]−½[w_out]}
 *                                                                      times the entries' count ratio)
 *     Δ_l = max(D_l, P_l, bias term)
 * "in" is the stream feeding layer l: for a serial chain the previous layer; a model read as the chain
 * of its weights in declaration order (residual blocks, attention) takes ξ_in, Δ_in as the running
 * maximum over the layers before it (a residual stream is the sum of all earlier branches), and an
 * input-class layer reads the data (ξ_in = 0, no propagated term). For the rows of the table the
 * hidden α is ½ everywhere, so the running maximum and the serial chain agree.
 *
 * Check against a linear network (derived; test/coord-check.test.ts): with isometric directions
 * (WᵀW = S·I, S_l ∝ m^{1−2α_l}) and L = −(1/B)Σ y∘f, the first-order update is exactly
 *     RMS(Δh_l) = Σ_{j≤l} ρ_j Π_{i≤l, i≠j} S_i · √(Π_{i>l} S_i) · ‖x xᵀ g‖_F / √(B n_l),
 * a sum of positive monomials in m whose largest exponent is Δ_l of the SGD recursion (direct term
 * j = l, propagated terms j < l), for any table.
 *
 * The rows this gives for a 3-hidden-layer MLP (input, hidden, hidden, output; biases), first step:
 *   SGD  SP (−½, ½, ½, 1)   NTP (−½, −½, −½, 0)   μP / mean-field (0, 0, 0, 0)      (science-notes §A2)
 *   Adam SP (0, 1, 1, 3/2)  NTP (0, ½, ½, 1)      μP / mean-field (0, 0, 0, 0)
 * and at init ξ = 0 for every hidden layer; the readout ξ_L = 0 (SP, NTP), −½ (μP: f₀ ∝ m^{−½}).
 * These are leading exponents at first order in η. Sub-leading terms (a factor m^{−½} or m^{−1} down)
 * bend finite-width slopes: SP/NTP Adam rows are approached from below on widths 64…512 (measured in
 * experiments/coord-check.ts), and at finite η SP's large updates compound over steps and layers
 * (science-notes §A2 [NR]: SP Adam hidden +1.38, readout +1.98 at lr 0.01). μP's zeros and the SGD
 * feature rows are the sharp predictions at CPU widths.
 * Attention scores qᵀk/d_head are not a layer's pre-activation: at step 1 under μP they move as
 * m^{−½} (test/mup-one-step.test.ts); they get no prediction here.
 */
import type { ParamInfo } from '../nn/types.js';
import { type Optimizer, type RoleClass, type Scheme, meanField, mup, mupPackage, ntp, roleClass, sp } from '../nn/parameterization.js';

/** One weight layer of the chain, in forward order. */
export interface ChainLayer {
  name: string;
  cls: RoleClass;
  /** Has a bias (class input row; the readout's bias has no width dim). Default false. */
  bias?: boolean;
}

export interface LayerExponents {
  name: string;
  cls: RoleClass;
  /** ξ: RMS(h_l) at init ∝ m^ξ. */
  activation: number;
  /** Δ: RMS(h_l after one step − h_l at init) ∝ m^Δ (first order in η). */
  update: number;
  /** The direct term ΔW_l x (+ Δb_l) and the propagated term W_l Δx (null when there is none). */
  direct: number;
  propagated: number | null;
  /** ∂L/∂h_l ∝ m^δ at init. */
  backward: number;
}

const checkChain = (chain: readonly ChainLayer[]) => {
  if (!Array.isArray(chain) || chain.length === 0) throw new RangeError('abcExponents.chain: must be a non-empty array of {name, cls}');
  chain.forEach((l, i) => {
    if (l.cls !== 'input' && l.cls !== 'hidden' && l.cls !== 'output') throw new RangeError(`abcExponents.chain[${i}].cls: must be 'input', 'hidden' or 'output' (got ${String(l.cls)})`);
  });
};

/**
 * The exponents of every layer of `chain` under `scheme` and `optimizer` (see the header). A serial
 * chain by default; `stream: true` reads ξ_in, Δ_in as the running maximum (residual streams).
 */
export function abcExponents(chain: readonly ChainLayer[], scheme: Scheme, optimizer: Optimizer, opts: { stream?: boolean } = {}): LayerExponents[] {
  checkChain(chain);
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw new RangeError(`abcExponents.optimizer: must be 'sgd' or 'adam' (got ${String(optimizer)})`);
  const t = scheme.table[optimizer];
  const L = chain.length;
  const row = (l: number) => t[chain[l].cls];
  const alpha = (l: number) => row(l).a + row(l).b;
  const wIn = (l: number) => (chain[l].cls === 'input' ? 0 : 1);
  const wOut = (l: number) => (chain[l].cls === 'output' ? 0 : 1);
  // backward pass at init
  const delta = new Array<number>(L);
  delta[L - 1] = 0;
  // an input-class layer reads the data, not layer l: the stream's backward signal passes it by
  for (let l = L - 2; l >= 0; l--) delta[l] = delta[l + 1] + (chain[l + 1].cls === 'input' ? 0 : 0.5 * wOut(l + 1) - alpha(l + 1));
  const out: LayerExponents[] = [];
  let xiStream = -Infinity, dStream = -Infinity;
  for (let l = 0; l < L; l++) {
    const r = row(l), inW = wIn(l) === 1;
    const xiIn = inW && Number.isFinite(xiStream) ? xiStream : 0;
    const activation = (inW ? xiIn + 0.5 : 0) - alpha(l);
    let direct = optimizer === 'sgd'
      ? -r.c - 2 * r.a + (inW ? 1 + 2 * xiIn : 0) + delta[l]
      : -r.a - r.c + (inW ? 1 + xiIn : 0);
    if (chain[l].bias) {
      const bRow = t.input;
      const biasTerm = wOut(l) === 0 ? (optimizer === 'sgd' ? delta[l] : 0)
        : optimizer === 'sgd' ? -bRow.c - 2 * bRow.a + delta[l] : -bRow.a - bRow.c;
      direct = Math.max(direct, biasTerm);
    }
    const propagated = inW && Number.isFinite(dStream) ? dStream + 1 - alpha(l) - 0.5 * wOut(l) : null;
    const update = propagated === null ? direct : Math.max(direct, propagated);
    out.push({ name: chain[l].name, cls: chain[l].cls, activation, update, direct, propagated, backward: delta[l] });
    // serial chain: the next layer reads this one; stream: the sum of everything so far
    xiStream = opts.stream ? Math.max(xiStream, activation) : activation;
    dStream = opts.stream ? Math.max(dStream, update) : update;
  }
  return out;
}

/** The chain of a fully connected net: input, `hidden` hidden layers, output (names l1 … l_{hidden+2}). */
export function mlpChain(hidden: number, bias = true, names?: readonly string[]): ChainLayer[] {
  if (!Number.isInteger(hidden) || hidden < 0 || hidden > 1000) throw new RangeError(`mlpChain.hidden: must be an integer in [0, 1000] (got ${String(hidden)})`);
  const L = hidden + 2;
  if (names && names.length !== L) throw new RangeError(`mlpChain.names: must have ${L} entries (got ${names.length})`);
  return Array.from({ length: L }, (_, l) => ({ name: names?.[l] ?? `l${l + 1}`, cls: l === 0 ? 'input' : l === L - 1 ? 'output' : 'hidden', bias }));
}

/** Parameterizations by their CLI names. */
export const SCHEMES: Readonly<Record<'sp' | 'ntp' | 'mup' | 'mf' | 'mup-package', Scheme>> = { sp, ntp, mup, mf: meanField, 'mup-package': mupPackage };
export type SchemeName = keyof typeof SCHEMES;

export function schemeByName(name: string): Scheme {
  const s = (SCHEMES as Record<string, Scheme>)[name];
  if (!s) throw new RangeError(`param: must be one of ${Object.keys(SCHEMES).join(', ')} (got ${JSON.stringify(name)})`);
  return s;
}

const WEIGHT_ROLES = new Set<ParamInfo['role']>(['input', 'hidden', 'output', 'embedding', 'attn-q', 'attn-k', 'attn-v', 'attn-o', 'conv']);

/**
 * The weight chain of any model (its weights in declaration order, class from the width flags;
 * weights with no width dim are skipped) and the chain layer each captured name belongs to:
 *   `<p>preact` → the weight `<p>W` / `<p>table` / `<p>o` (attention output) / `<p>kernel`,
 *   `<p>q|k|v` → the weight of that name, `<p>out` (residual stream) → the last weight under `<p>`
 *   (predicted as the stream: running maximum), `logits` → the output-class weight (none when tied).
 * Names with no weight (attention scores, normalisations) map to null: no prediction.
 */
export function chainFromInfo(info: readonly ParamInfo[], captured: readonly string[]): { chain: ChainLayer[]; layerOf: Record<string, { index: number; stream: boolean } | null> } {
  const chain: ChainLayer[] = [];
  const indexOfParam = new Map<string, number>();
  for (const p of info) {
    if (!WEIGHT_ROLES.has(p.role)) continue;
    const cls = roleClass(p);
    if (cls === null) continue;
    const prefix = p.name.slice(0, p.name.lastIndexOf('.') + 1);
    const bias = info.some((b) => b.role === 'bias' && b.name.slice(0, b.name.lastIndexOf('.') + 1) === prefix);
    indexOfParam.set(p.name, chain.length);
    chain.push({ name: p.name, cls, bias });
  }
  const layerOf: Record<string, { index: number; stream: boolean } | null> = {};
  const outputIndex = chain.map((c) => c.cls).lastIndexOf('output');
  for (const name of captured) {
    let hit: { index: number; stream: boolean } | null = null;
    if (name === 'logits') hit = outputIndex >= 0 && outputIndex === chain.length - 1 ? { index: outputIndex, stream: false } : null;
    else if (name.endsWith('preact')) {
      const p = name.slice(0, -'preact'.length);
      for (const s of ['W', 'table', 'o', 'kernel', 'K']) {
        const i = indexOfParam.get(p + s);
        if (i !== undefined) { hit = { index: i, stream: false }; break; }
      }
    } else if (/\.(q|k|v)$/.test(name) && indexOfParam.has(name)) hit = { index: indexOfParam.get(name)!, stream: false };
    else if (name.endsWith('.out')) {
      const p = name.slice(0, -'out'.length);
      let last = -1;
      chain.forEach((c, i) => { if (c.name.startsWith(p)) last = i; });
      hit = last >= 0 ? { index: last, stream: true } : null;
    }
    layerOf[name] = hit;
  }
  return { chain, layerOf };
}

/** Predicted update exponent Δ (and init exponent ξ) of each captured name; null where none. */
export function predictCaptured(info: readonly ParamInfo[], captured: readonly string[], scheme: Scheme, optimizer: Optimizer): Record<string, { update: number; activation: number; cls: RoleClass } | null> {
  const { chain, layerOf } = chainFromInfo(info, captured);
  const out: Record<string, { update: number; activation: number; cls: RoleClass } | null> = {};
  if (chain.length === 0) { for (const n of captured) out[n] = null; return out; }
  const ex = abcExponents(chain, scheme, optimizer, { stream: true });
  for (const name of captured) {
    const h = layerOf[name];
    if (!h) { out[name] = null; continue; }
    if (h.stream) {
      const upTo = ex.slice(0, h.index + 1);
      out[name] = { update: Math.max(...upTo.map((e) => e.update)), activation: Math.max(...upTo.map((e) => e.activation)), cls: ex[h.index].cls };
    } else out[name] = { update: ex[h.index].update, activation: ex[h.index].activation, cls: ex[h.index].cls };
  }
  return out;
}
