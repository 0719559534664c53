/**
 * Parameterizations as a table: SP / NTP / μP / mean-field (and any abc-parameterization), plus the
 * depth multipliers of residual networks, applied to any model as a pure map ParamInfo[] → ParamInfo[].
 *
 * abc framework (Yang & Hu 2021, "Feature learning in infinite-width neural networks", TP IV,
 * arXiv 2011.14522). Layer l of a width-n network is
 *     W_l = n^{−a_l} w_l,   w_l ~ N(0, n^{−2 b_l}),   learning rate η n^{−c_l}.
 * Here the exponents act on the width *ratio* m = n/n₀ against a base width n₀, on top of base
 * constants taken at n₀ (the μTransfer convention: tune at n₀, scale out):
 *     multiplier = c₀·m^{−a},   init std = σ₀·m^{−b},   lrScale = λ₀·m^{−c},   Adam ε factor = ε₀·m^{−e},
 * with (c₀, σ₀, λ₀, ε₀) the standard-parameterization values at n₀ (`baseInfo`, or `info` rescaled to
 * n₀ by the SP rule σ ∝ fan_in^{−½}). So at m = 1 every scheme here *is* SP: multipliers 1, the same
 * init std, lrScale 1, bit for bit (the backward compatibility `mup` promises at the base shape).
 *
 * Role classes (μP's count of "infinite" dimensions; read from the width flags of ParamInfo):
 *   input-like  finite fan-in, width fan-out: input / embedding weights, all biases, norm gains/shifts
 *   hidden      width fan-in and fan-out: hidden dense, attention q/k/v/o, conv between width channels
 *   output      width fan-in, finite fan-out: the readout
 *   (neither dim width, e.g. the readout bias: untouched by every scheme.)
 *
 * Exponents (a, b, c) per class; base constants absorb n₀, so e.g. "var 1/fan_in²" reads b = 1.
 *
 *   scheme               optimizer   input-like    hidden       output        Adam ε exponent e
 *   SP  (var 1/fan_in)   SGD, Adam   (0, 0, 0)     (0, ½, 0)    (0, ½, 0)     0, 0, 0
 *   NTP (w/√fan_in)      SGD, Adam   (0, 0, 0)     (½, 0, 0)    (½, 0, 0)     0, 0, 0
 *   μP  (TP V Table 3)   SGD         (0, 0, −1)    (0, ½, 0)    (0, 1, 1)
 *                        Adam        (0, 0, 0)     (0, ½, 1)    (0, 1, 1)     1, 1, 0
 *   μP  (`mup` package)  SGD         (0, 0, −1)    (0, ½, 0)    (1, 0, −1)
 *                        Adam        (0, 0, 0)     (0, ½, 1)    (1, 0, 0)     1, 1, 1
 *   mean-field           = the `mup`-package rows (see below)
 * NTP here is W = c₀ m^{−½} w, w ~ N(0, σ₀²): the absolute NTP (c = 1/√fan_in, w ~ N(0, 1), LR η)
 * has the same function at init and differs from it only by constant per-layer LR factors (the
 * effective LR of W is η/fan_in at n₀), which tuning at n₀ absorbs; the width exponents agree.
 * (Yang et al. 2022, "Tensor Programs V", arXiv 2203.03466, Table 3: init var 1/fan_in (input,
 * hidden), 1/fan_in² (output); SGD LR η·fan_out | η | η/fan_in; Adam LR η | η/fan_in | η/fan_in.
 * Its Tables 8/9 are the same parameterization moved along the symmetry below — the maintainers'
 * reading in microsoft/mup#7; table wording as quoted in science-notes §A1.)
 * What the `mup` package does to the readout (mup/layer.py MuReadout, mup/optim.py MuSGD/MuAdam;
 * science-notes §A1): it keeps PyTorch's init and multiplies the readout's *input* by 1/m (a = 1),
 * rescales the readout weight by √m at set_base_shapes so its variance stays at the base value
 * (b = 0), and treats the readout as "vector-like" (one infinite dim): SGD LR ×m (c = −1), Adam ×1
 * (c = 0). That is Table 3's output row shifted by θ = 1, hence the same training dynamics of f.
 * ε: Adam's update −η m̂/(√v̂ + ε) is scale-free only while ε ≪ √v̂, so ε must follow the width
 * scaling of the per-entry gradient ∂L/∂w = n^{−a}·δ·h, which under Table-3 μP is Θ(1/n) for
 * input-like and hidden weights (δ = ∂L/∂h = Θ(1/n)) and Θ(1) for the readout; in the `mup`-package
 * form (readout a = 1) all three are Θ(1/n), which is the global ε·(1/m) of CompleteP's code.
 *
 * Symmetry (derived; science-notes §A1). With the same normal draws z, w' = σ₀ m^{−b+θ} z and
 * W' = m^{−a−θ} w' = W, so f is unchanged at init; ∂L/∂w' = m^{−a−θ} ∂L/∂W, so the update of W is
 * ΔW = −η m^{−c−2a}·∂L/∂W under SGD: invariant under (a, b, c) → (a + θ, b − θ, c − 2θ). Adam with
 * ε = 0 is invariant under gradient rescaling, Δw ∝ lr, so ΔW ∝ m^{−a−c}: invariant under
 * c → c − θ (and with ε > 0 exactly when ε → ε·m^{−θ}, i.e. e → e + θ). `shiftSymmetry` applies it.
 *
 * Mean-field (Mei–Montanari–Nguyen 2018; Chizat–Bach 2018; Rotskoff–Vanden-Eijnden 2018;
 * Sirignano–Spiliopoulos 2018): f = (1/n) Σ_i a_i φ(w_i·x) with O(1) init and SGD LR ∝ n, i.e.
 * input (0, 0, −1), readout (1, 0, −1). For one hidden layer this is μP exactly: it is Table 3's
 * readout moved by θ = 1 (and coincides with the `mup`-package form). Deep mean-field limits are not
 * abc-parameterizations with feature learning in every layer (TP IV §5); here `meanField` keeps
 * μP's hidden row, so for deeper nets it is the `mup`-package μP.
 *
 * Depth (residual stream x_{l+1} = x_l + L^{−α}·branch_l(x_l), depth ratio m_L = L/L₀): branch
 * gradients scale as m_L^{−α}, so a Θ(1) per-step change of the stream needs SGD η ∝ m_L^{2α−1} and
 * Adam η ∝ m_L^{α−1} (science-notes §A4, derived): α = ½ is Depth-μP (Bordelon et al. 2023,
 * arXiv 2309.16620; Yang, Yu, Zhu & Hayou 2023, TP VI, arXiv 2310.02244): SGD LR constant, Adam
 * LR ∝ L^{−½}; α = 1 is CompleteP (Dey et al. 2025, arXiv 2505.01618): SGD LR ∝ L, Adam LR constant,
 * with Adam ε ∝ m_L^{−α} on branch parameters (nanoGPT-mup `completep` branch).
 *
 * Attention's logit scale (qᵀk/d_head under μP instead of /√d_head) is a layer option, not a
 * ParamInfo field: pass it to the attention layer.
 */
import type { InitSpec, ParamInfo } from './types.js';
import { type Model, withInfo } from './model.js';
import * as libm from '../engine/libm.js';

export type RoleClass = 'input' | 'hidden' | 'output';
export type Optimizer = 'sgd' | 'adam';

/** Width exponents of one role class: multiplier ∝ m^{−a}, init std ∝ m^{−b}, lr ∝ m^{−c}, Adam ε ∝ m^{−e}. */
export interface Exponents {
  a: number;
  b: number;
  c: number;
  /** Adam ε exponent (default 0: ε fixed). Ignored under SGD. */
  e?: number;
}

export type ClassTable = Record<RoleClass, Exponents>;

export interface AbcTable {
  sgd: ClassTable;
  adam: ClassTable;
}

/** A parameterization: a name and its table role class → exponents, per optimizer. */
export interface Scheme {
  readonly name: string;
  readonly table: AbcTable;
}

const CLASSES: readonly RoleClass[] = ['input', 'hidden', 'output'];

function checkExponents(x: unknown, field: string): Exponents {
  const o = x as Partial<Exponents> | undefined;
  if (!o || typeof o !== 'object') throw new RangeError(`${field}: must be an object {a, b, c, e?} of finite numbers`);
  for (const k of ['a', 'b', 'c'] as const) {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) throw new RangeError(`${field}.${k}: must be a finite number (got ${String(o[k])})`);
  }
  if (o.e !== undefined && (typeof o.e !== 'number' || !Number.isFinite(o.e))) throw new RangeError(`${field}.e: must be a finite number (got ${String(o.e)})`);
  return { a: o.a!, b: o.b!, c: o.c!, e: o.e ?? 0 };
}

/**
 * A general abc-parameterization from its table. `table.adam` defaults to `table.sgd` (the same
 * exponents with ε fixed), which is what "SP with Adam" and "NTP with Adam" mean.
 */
export function abc(table: { sgd: ClassTable; adam?: ClassTable }, name = 'abc'): Scheme {
  if (!table || typeof table !== 'object') throw new RangeError('abc.table: must be {sgd: {input, hidden, output}, adam?}');
  const read = (t: ClassTable | undefined, opt: Optimizer): ClassTable => {
    if (!t || typeof t !== 'object') throw new RangeError(`abc.table.${opt}: must be an object with keys input, hidden, output`);
    const out = {} as ClassTable;
    for (const k of CLASSES) out[k] = checkExponents(t[k], `abc.table.${opt}.${k}`);
    return out;
  };
  const sgd = read(table.sgd, 'sgd');
  const adam = table.adam === undefined ? { ...sgd } : read(table.adam, 'adam');
  return Object.freeze({ name, table: Object.freeze({ sgd, adam }) });
}

const row = (a: number, b: number, c: number, e = 0): Exponents => ({ a, b, c, e });

/** Standard parameterization (PyTorch default): var 1/fan_in everywhere, one global LR. */
export const sp: Scheme = abc({ sgd: { input: row(0, 0, 0), hidden: row(0, 0.5, 0), output: row(0, 0.5, 0) } }, 'sp');

/** NTK parameterization (Jacot et al. 2018): W = w/√fan_in, w ~ N(0, 1), one global LR. */
export const ntp: Scheme = abc({ sgd: { input: row(0, 0, 0), hidden: row(0.5, 0, 0), output: row(0.5, 0, 0) } }, 'ntp');

/** Maximal-update parameterization in the form of TP V Table 3 (multipliers all 1). */
export const mup: Scheme = abc({
  sgd: { input: row(0, 0, -1), hidden: row(0, 0.5, 0), output: row(0, 1, 1) },
  adam: { input: row(0, 0, 0, 1), hidden: row(0, 0.5, 1, 1), output: row(0, 1, 1, 0) },
}, 'mup');

/** μP as the `mup` package implements it (readout multiplier 1/m, readout init variance kept). */
export const mupPackage: Scheme = abc({
  sgd: { input: row(0, 0, -1), hidden: row(0, 0.5, 0), output: row(1, 0, -1) },
  adam: { input: row(0, 0, 0, 1), hidden: row(0, 0.5, 1, 1), output: row(1, 0, 0, 1) },
}, 'mup-package');

/** Mean-field: f = (1/n) Σ a_i φ(w_i·x), O(1) init, SGD LR ∝ n. Equals μP for one hidden layer. */
export const meanField: Scheme = abc({
  sgd: { input: row(0, 0, -1), hidden: row(0, 0.5, 0), output: row(1, 0, -1) },
  adam: { input: row(0, 0, 0, 1), hidden: row(0, 0.5, 1, 1), output: row(1, 0, 0, 1) },
}, 'mean-field');

/**
 * The scheme moved along the abc symmetry by θ (one number, or per class): a + θ, b − θ,
 * SGD c − 2θ, Adam c − θ and e + θ. The trajectory of f is unchanged (exactly for Adam only at ε = 0).
 */
export function shiftSymmetry(scheme: Scheme, theta: number | Partial<Record<RoleClass, number>>): Scheme {
  const th = (k: RoleClass) => (typeof theta === 'number' ? theta : theta[k] ?? 0);
  for (const k of CLASSES) if (!Number.isFinite(th(k))) throw new RangeError(`shiftSymmetry.theta${typeof theta === 'number' ? '' : '.' + k}: must be a finite number (got ${String(th(k))})`);
  const shift = (t: ClassTable, cFactor: number): ClassTable => {
    const out = {} as ClassTable;
    for (const k of CLASSES) {
      const x = t[k], d = th(k);
      out[k] = { a: x.a + d, b: x.b - d, c: x.c - cFactor * d, e: (x.e ?? 0) + d };
    }
    return out;
  };
  return abc({ sgd: shift(scheme.table.sgd, 2), adam: shift(scheme.table.adam, 1) }, `${scheme.name}+θ`);
}

/** Role class from the width flags (μP's number of infinite dims); null when no dim is width. */
export function roleClass(p: Pick<ParamInfo, 'inIsWidth' | 'outIsWidth'>): RoleClass | null {
  if (p.inIsWidth && p.outIsWidth) return 'hidden';
  if (p.inIsWidth) return 'output';
  if (p.outIsWidth) return 'input';
  return null;
}

export interface ParameterizeOptions {
  optimizer: Optimizer;
  /**
   * Base width n₀. `info` must then be the layers' default (SP) ParamInfo: its base constants are
   * read off it with σ₀ = σ·√m for a width fan-in (σ ∝ fan_in^{−½}). m = width/n₀ for every width dim.
   */
  baseWidth?: number;
  /** The model's width n (default: the smallest width fan over all parameters). Only with baseWidth. */
  width?: number;
  /**
   * The same model's ParamInfo at the base width (matched by name): its init, multiplier and
   * lrScale are the base constants and m = fan/base fan per parameter (fan-in when it is width).
   */
  baseInfo?: readonly ParamInfo[];
}

function scaleInit(init: InitSpec, s: number): InitSpec {
  if (s === 1) return init;
  switch (init.kind) {
    case 'normal': return { kind: 'normal', std: init.std * s };
    case 'zeros': return init;
    case 'ones': return { kind: 'constant', value: s };
    case 'constant': return { kind: 'constant', value: init.value * s };
  }
}

/** The smallest width fan in `info`: the model's width when all width dims are multiples of it. */
export function inferWidth(info: readonly ParamInfo[]): number {
  let n = Infinity;
  for (const p of info) {
    if (p.inIsWidth) n = Math.min(n, p.fanIn);
    if (p.outIsWidth) n = Math.min(n, p.fanOut);
  }
  if (!Number.isFinite(n)) throw new RangeError('parameterize.info: no parameter has a width dimension (inIsWidth/outIsWidth), so there is no width to scale');
  return n;
}

function checkPositive(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`${field}: must be a finite number > 0 (got ${String(v)})`);
  return v;
}

/**
 * The base constants, the width ratio of each parameter, and the exponent s with σ₀ = σ·m^{s}
 * (s = ½ when the base std is read off SP-default info at a width fan-in; kept as an exponent so
 * that SP applied to SP info returns the same std exactly: σ·m^{½−½} = σ).
 */
function basesAndRatios(info: readonly ParamInfo[], opts: ParameterizeOptions): { base: readonly ParamInfo[]; ratio: number[]; stdShift: number[] } {
  if (opts.baseInfo !== undefined) {
    if (opts.baseWidth !== undefined || opts.width !== undefined) throw new RangeError('parameterize: give either baseInfo or baseWidth (with optional width), not both');
    const byName = new Map(opts.baseInfo.map((p) => [p.name, p]));
    const base: ParamInfo[] = [], ratio: number[] = [];
    for (const p of info) {
      const b = byName.get(p.name);
      if (!b) throw new RangeError(`parameterize.baseInfo: has no parameter named "${p.name}"`);
      if (b.role !== p.role || b.inIsWidth !== p.inIsWidth || b.outIsWidth !== p.outIsWidth) {
        throw new RangeError(`parameterize.baseInfo["${p.name}"]: role/width flags (${b.role}, ${b.inIsWidth}, ${b.outIsWidth}) differ from the model's (${p.role}, ${p.inIsWidth}, ${p.outIsWidth})`);
      }
      if (!p.inIsWidth && b.fanIn !== p.fanIn) throw new RangeError(`parameterize.baseInfo["${p.name}"]: finite fan-in must match (base ${b.fanIn}, model ${p.fanIn})`);
      if (!p.outIsWidth && b.fanOut !== p.fanOut) throw new RangeError(`parameterize.baseInfo["${p.name}"]: finite fan-out must match (base ${b.fanOut}, model ${p.fanOut})`);
      if (b.init.kind !== p.init.kind) throw new RangeError(`parameterize.baseInfo["${p.name}"]: init kind '${b.init.kind}' differs from the model's '${p.init.kind}'`);
      base.push(b);
      ratio.push(p.inIsWidth ? p.fanIn / b.fanIn : p.outIsWidth ? p.fanOut / b.fanOut : 1);
    }
    return { base, ratio, stdShift: info.map(() => 0) };
  }
  if (opts.baseWidth === undefined) throw new RangeError('parameterize: needs baseWidth (a number > 0) or baseInfo (the model at its base width)');
  const n0 = checkPositive(opts.baseWidth, 'parameterize.baseWidth');
  const n = opts.width === undefined ? inferWidth(info) : checkPositive(opts.width, 'parameterize.width');
  const m = n / n0;
  return {
    base: info,
    ratio: info.map((p) => (p.inIsWidth || p.outIsWidth ? m : 1)),
    stdShift: info.map((p) => (p.inIsWidth && p.init.kind === 'normal' ? 0.5 : 0)),
  };
}

/**
 * Apply a scheme: each parameter gets multiplier c₀·m^{−a}, init σ₀·m^{−b}, lrScale λ₀·m^{−c} (and,
 * for Adam, epsScale ε₀·m^{−e}) from its role class's row; everything else is copied. Pure.
 */
export function parameterize(info: readonly ParamInfo[], scheme: Scheme, opts: ParameterizeOptions): ParamInfo[] {
  if (!opts || (opts.optimizer !== 'sgd' && opts.optimizer !== 'adam')) {
    throw new RangeError(`parameterize.optimizer: must be 'sgd' or 'adam' (got ${String(opts?.optimizer)})`);
  }
  const table = scheme.table[opts.optimizer];
  const { base, ratio, stdShift } = basesAndRatios(info, opts);
  return info.map((p, i) => {
    const b = base[i], m = ratio[i], k = roleClass(p);
    const out: ParamInfo = { ...p, shape: p.shape.slice(), init: b.init, multiplier: b.multiplier, lrScale: b.lrScale };
    if (b.epsScale !== undefined) out.epsScale = b.epsScale;
    if (k === null || m === 1) return out;
    const x = table[k];
    out.multiplier = b.multiplier * libm.pow(m, -x.a);
    out.init = scaleInit(b.init, libm.pow(m, stdShift[i] - x.b));
    out.lrScale = b.lrScale * libm.pow(m, -x.c);
    if (opts.optimizer === 'adam' && (x.e ?? 0) !== 0) out.epsScale = (b.epsScale ?? 1) * libm.pow(m, -(x.e ?? 0));
    return out;
  });
}

/**
 * μP (TP V Table 3) applied to a model built from the default (SP) layers, base width n₀:
 * `withInfo(model, parameterize(model.info, mup, { baseWidth, optimizer }))`. Pass a model at its
 * base width through `parameterize(..., { baseInfo })` instead when the layers' init is not SP.
 */
export function muP(model: Model, baseWidth: number, optimizer: Optimizer, scheme: Scheme = mup): Model {
  return withInfo(model, parameterize(model.info, scheme, { baseWidth, optimizer }));
}

export interface LrTransferRow {
  name: string;
  role: ParamInfo['role'];
  roleClass: RoleClass | null;
  baseLrScale: number;
  targetLrScale: number;
  /** targetLrScale / baseLrScale: multiply the base learning rate of this parameter by it. */
  factor: number;
}

/**
 * Per-parameter learning-rate factors from a base model's ParamInfo to a target's (matched by
 * name): what μTransfer does to a tuned LR. `text` is the same as an aligned table.
 */
export function transferLr(baseInfo: readonly ParamInfo[], targetInfo: readonly ParamInfo[]): { rows: LrTransferRow[]; text: string } {
  const byName = new Map(baseInfo.map((p) => [p.name, p]));
  const rows = targetInfo.map((p): LrTransferRow => {
    const b = byName.get(p.name);
    if (!b) throw new RangeError(`transferLr.baseInfo: has no parameter named "${p.name}"`);
    return { name: p.name, role: p.role, roleClass: roleClass(p), baseLrScale: b.lrScale, targetLrScale: p.lrScale, factor: p.lrScale / b.lrScale };
  });
  const cells = [['parameter', 'role', 'class', 'base lr×', 'target lr×', 'factor'],
    ...rows.map((r) => [r.name, r.role, r.roleClass ?? 'finite', fmt(r.baseLrScale), fmt(r.targetLrScale), fmt(r.factor)])];
  const w = cells[0].map((_, j) => Math.max(...cells.map((c) => c[j].length)));
  const text = cells.map((c) => c.map((s, j) => (j < 3 ? s.padEnd(w[j]) : s.padStart(w[j]))).join('  ').trimEnd()).join('\n');
  return { rows, text };
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(4));

export interface DepthScaling {
  /** Residual-branch exponent α: 0.5 Depth-μP, 1 CompleteP. */
  alpha: number;
  /** m_L = L/L₀. */
  ratio: number;
  /** Multiply each residual branch by this: m_L^{−α}. */
  branchMultiplier: number;
  /** LR factor of branch parameters under SGD: m_L^{2α−1}. */
  sgdLr: number;
  /** LR factor of branch parameters under Adam: m_L^{α−1}. */
  adamLr: number;
  /** Adam ε factor of branch parameters: m_L^{−α}. */
  adamEps: number;
}

/** Depth multipliers for L residual branches against a base depth L₀ (see the header). */
export function depthMultiplier(L: number, L0: number, alpha: number): DepthScaling {
  if (!Number.isInteger(L) || L < 1) throw new RangeError(`depthMultiplier.L: must be an integer ≥ 1 (got ${String(L)})`);
  if (!Number.isInteger(L0) || L0 < 1) throw new RangeError(`depthMultiplier.L0: must be an integer ≥ 1 (got ${String(L0)})`);
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 2)) throw new RangeError(`depthMultiplier.alpha: must be in [0, 2] (got ${String(alpha)}); ½ is Depth-μP, 1 CompleteP`);
  const r = L / L0;
  return { alpha, ratio: r, branchMultiplier: libm.pow(r, -alpha), sgdLr: libm.pow(r, 2 * alpha - 1), adamLr: libm.pow(r, alpha - 1), adamEps: libm.pow(r, -alpha) };
}

/**
 * Depth scaling of the branch parameters' learning rate (and Adam ε): lrScale × m_L^{2α−1} (SGD) or
 * × m_L^{α−1} (Adam), epsScale × m_L^{−α}. `isBranch` picks the parameters inside residual branches
 * (default: names starting with "blocks."). The branch multiplier itself is the residual layer's.
 */
export function depthParameterize(
  info: readonly ParamInfo[],
  opts: { depth: number; baseDepth: number; alpha: number; optimizer: Optimizer; isBranch?: (p: ParamInfo) => boolean },
): ParamInfo[] {
  if (opts.optimizer !== 'sgd' && opts.optimizer !== 'adam') throw new RangeError(`depthParameterize.optimizer: must be 'sgd' or 'adam' (got ${String(opts.optimizer)})`);
  const d = depthMultiplier(opts.depth, opts.baseDepth, opts.alpha);
  const isBranch = opts.isBranch ?? ((p: ParamInfo) => p.name.startsWith('blocks.'));
  return info.map((p) => {
    const out: ParamInfo = { ...p, shape: p.shape.slice() };
    if (!isBranch(p)) return out;
    if (opts.optimizer === 'sgd') out.lrScale = p.lrScale * d.sgdLr;
    else { out.lrScale = p.lrScale * d.adamLr; out.epsScale = (p.epsScale ?? 1) * d.adamEps; }
    return out;
  });
}
