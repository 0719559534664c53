/**
 * Elementwise unary ops from one table: each entry is the scalar forward y = f(x) and the
 * reverse rule g ↦ g ⊙ f'(x), written with differentiable ops (so it can be differentiated
 * again: exact Hessian-vector products and beyond).
 *
 *   exp: g⊙y   log: g/x   tanh: g⊙(1−y²)   erf: g⊙(2/√π)e^{−x²}   sigmoid: g⊙y(1−y)
 *   (tanh and sigmoid through the fused ops tanhBackward / sigmoidBackward: one pass)
 *   square: 2x⊙g   sqrt: g/(2y)   rsqrt: −½y³⊙g   abs: sign(x)⊙g   relu: g⊙1[x>0]
 *   gelu (exact, Hendrycks & Gimpel 2016): y = x·Φ(x) = ½x(1 + erf(x/√2)),  f' = Φ(x) + x·φ(x)
 *   softplus (stable): y = max(x,0) + log1p(e^{−|x|}),  f' = σ(x)
 *
 * The transcendental kernels (exp, tanh, sigmoid, erf, gelu and its derivatives, the fused
 * backward ops) come from the backend's math-kernel family when it has one (math-kernels.ts).
 *
 * Parametric ops (scale, addScalar, powScalar, clip) use the same `unary` helper with their
 * forward and rule side by side.
 */
import { backend } from '../backend/index.js';
import {
  erfScalar, geluCurvScalar, geluScalar, geluSlopeScalar, referenceMath, sigmoidScalar,
} from '../backend/math-kernels.js';
import type { MathBackwardName, MathUnaryName } from '../backend/math-kernels.js';
import type { FloatArray, TensorData } from '../dtype.js';
import { Tensor, fmtShape, zeros } from '../tensor.js';
import { div, mul, sub } from './binary.js';
import { alloc, checkDtype, make, requireFloat, sameShape } from './core.js';
import * as libm from '../libm.js';

export interface UnaryDef {
  forward: (x: number) => number;
  /** Cotangent of x given the output cotangent g, the input x and the output y. */
  vjp: (g: Tensor, x: Tensor, y: Tensor) => Tensor;
  /** Whole-array float kernel (e.g. a backend kernel) used instead of `forward`. */
  kernel?: (x: FloatArray, out: FloatArray) => void;
  /** Whether i32 input is allowed (the result is i32 and never differentiated). */
  ints?: boolean;
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

export { erfScalar };

const softplusScalar = (x: number): number => Math.max(x, 0) + libm.log1p(libm.exp(-Math.abs(x)));

/** Constant tensor f(x) elementwise (not differentiated): masks and signs inside reverse rules. */
function constantOf(x: Tensor, f: (v: number) => number): Tensor {
  const out = alloc(x.dtype, x.size);
  const d = x.data;
  for (let i = 0; i < out.length; i++) out[i] = f(d[i]);
  return new Tensor(out, x.shape);
}

/** φ(x) = e^{−x²/2}/√(2π), differentiable. */
function normalPdf(x: Tensor): Tensor {
  return scale(exp(scale(square(x), -0.5)), INV_SQRT_2PI);
}

/**
 * The whole-array kernel of a math-kernel op: the active backend's when it has one, else the
 * reference loop (math-kernels.ts).
 */
const mathKernel = (name: MathUnaryName) => (x: FloatArray, out: FloatArray): void =>
  (backend()[name] ?? referenceMath[name])(x, out);

/**
 * GELU's derivatives as fused elementwise ops (one pass each, computed in f64 and rounded once):
 *   f′(x) = Φ(x) + x·φ(x),   f″(x) = φ(x)(2 − x²),   f‴(x) = φ(x)(x³ − 4x).
 */
const GELU_SLOPE: UnaryDef = {
  forward: geluSlopeScalar,
  vjp: (g, x) => mul(g, geluCurv(x)),
  kernel: mathKernel('geluSlope'),
};
const GELU_CURV: UnaryDef = {
  forward: geluCurvScalar,
  vjp: (g, x) => mul(g, mul(normalPdf(x), sub(mul(x, square(x)), scale(x, 4)))),
  kernel: mathKernel('geluCurv'),
};
const geluSlope = (x: Tensor): Tensor => unary('geluSlope', x, GELU_SLOPE);
const geluCurv = (x: Tensor): Tensor => unary('geluCurv', x, GELU_CURV);

/**
 * The op table. Adding an elementwise op is one entry here plus a one-line export. Each float
 * entry also spells out its whole-array loop as `kernel` (same arithmetic as `forward`): one
 * monomorphic loop per op, instead of a shared loop calling whichever `forward` it is handed.
 */
export const UNARY = {
  neg: {
    forward: (x) => -x, vjp: (g) => neg(g), ints: true,
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = -x[i]; },
  },
  exp: {
    forward: libm.exp, vjp: (g, _x, y) => mul(g, y), kernel: mathKernel('exp'),
  },
  log: {
    forward: libm.log, vjp: (g, x) => div(g, x),
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = libm.log(x[i]); },
  },
  tanh: {
    forward: libm.tanh, vjp: (g, _x, y) => tanhBackward(g, y), kernel: mathKernel('tanh'),
  },
  erf: {
    forward: erfScalar, vjp: (g, x) => mul(g, scale(exp(neg(square(x))), TWO_OVER_SQRT_PI)),
    kernel: mathKernel('erf'),
  },
  sigmoid: {
    forward: sigmoidScalar, vjp: (g, _x, y) => sigmoidBackward(g, y), kernel: mathKernel('sigmoid'),
  },
  square: {
    forward: (x) => x * x, vjp: (g, x) => mul(g, scale(x, 2)), ints: true,
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) { const v = x[i]; o[i] = v * v; } },
  },
  sqrt: {
    forward: Math.sqrt, vjp: (g, _x, y) => div(g, scale(y, 2)),
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.sqrt(x[i]); },
  },
  rsqrt: {
    forward: (x) => 1 / Math.sqrt(x), vjp: (g, _x, y) => mul(g, scale(mul(y, square(y)), -0.5)),
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = 1 / Math.sqrt(x[i]); },
  },
  abs: {
    forward: Math.abs, vjp: (g, x) => mul(g, constantOf(x, Math.sign)), ints: true,
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = Math.abs(x[i]); },
  },
  relu: {
    forward: (x) => (x > 0 ? x : 0),
    kernel: (x, out) => backend().relu(x, out),
    vjp: (g, x) => reluMask(g, x),
  },
  gelu: {
    forward: geluScalar,
    vjp: (g, x) => mul(g, geluSlope(x)),
    kernel: mathKernel('gelu'),
  },
  softplus: {
    forward: softplusScalar,
    vjp: (g, x) => mul(g, sigmoid(x)),
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = softplusScalar(x[i]); },
  },
} satisfies Record<string, UnaryDef>;

export type UnaryName = keyof typeof UNARY;

/** y = f(x) elementwise, recording g ↦ vjp(g, x, y). */
export function unary(op: string, a: Tensor, def: UnaryDef): Tensor {
  if (!def.ints) requireFloat(op, a);
  const out = alloc(a.dtype, a.size);
  if (def.kernel && a.dtype !== 'i32') {
    def.kernel(a.data as FloatArray, out as FloatArray);
  } else {
    const f = def.forward, x: TensorData = a.data;
    for (let i = 0; i < out.length; i++) out[i] = f(x[i]);
  }
  const t: Tensor = make(op, out, a.shape, [a], (g) => [def.vjp(g, a, t)]);
  return t;
}

/** Apply a table entry. */
export function applyUnary(name: UnaryName, a: Tensor): Tensor {
  return unary(name, a, UNARY[name]);
}

/** −a. */
export function neg(a: Tensor): Tensor { return applyUnary('neg', a); }
/** eᵃ. */
export function exp(a: Tensor): Tensor { return applyUnary('exp', a); }
/** ln a. */
export function log(a: Tensor): Tensor { return applyUnary('log', a); }
/** tanh a. */
export function tanh(a: Tensor): Tensor { return applyUnary('tanh', a); }
/** erf a. */
export function erf(a: Tensor): Tensor { return applyUnary('erf', a); }
/** σ(a) = 1/(1+e⁻ᵃ), computed stably. */
export function sigmoid(a: Tensor): Tensor { return applyUnary('sigmoid', a); }
/** a². */
export function square(a: Tensor): Tensor { return applyUnary('square', a); }
/** √a. */
export function sqrt(a: Tensor): Tensor { return applyUnary('sqrt', a); }
/** 1/√a. */
export function rsqrt(a: Tensor): Tensor { return applyUnary('rsqrt', a); }
/** |a| (derivative sign(a), 0 at 0). */
export function abs(a: Tensor): Tensor { return applyUnary('abs', a); }
/** max(a, 0): derivative 1[a > 0] held constant, so the second derivative is 0. */
export function relu(a: Tensor): Tensor { return applyUnary('relu', a); }
/** Exact GELU x·Φ(x). */
export function gelu(a: Tensor): Tensor { return applyUnary('gelu', a); }
/** log(1 + eᵃ), stable for large |a|. */
export function softplus(a: Tensor): Tensor { return applyUnary('softplus', a); }

/** c·a. d/da = c·g. */
export function scale(a: Tensor, c: number): Tensor {
  return unary('scale', a, {
    forward: (x) => c * x, vjp: (g) => scale(g, c),
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = c * x[i]; },
  });
}

/** a + c. d/da = g. */
export function addScalar(a: Tensor, c: number): Tensor {
  return unary('addScalar', a, {
    forward: (x) => x + c, vjp: (g) => g, ints: true,
    kernel: (x, o) => { for (let i = 0; i < o.length; i++) o[i] = x[i] + c; },
  });
}

/** aᵖ. d/da = p·aᵖ⁻¹ ⊙ g. */
export function powScalar(a: Tensor, p: number): Tensor {
  if (p === 1) return a;
  return unary('powScalar', a, {
    forward: (x) => libm.pow(x, p),
    vjp: (g) => (p === 0 ? zeros(g.shape, g.dtype) : mul(g, scale(powScalar(a, p - 1), p))),
  });
}

/** min(max(a, lo), hi). d/da = g ⊙ 1[lo ≤ a ≤ hi] (mask held constant). */
export function clip(a: Tensor, lo: number, hi: number): Tensor {
  if (!(lo <= hi)) throw new Error(`clip: lo (${lo}) must be ≤ hi (${hi})`);
  return unary('clip', a, {
    forward: (x) => (x < lo ? lo : x > hi ? hi : x),
    vjp: (g, x) => mul(g, constantOf(x, (v) => (v >= lo && v <= hi ? 1 : 0))),
    ints: true,
  });
}

/**
 * g ⊙ 1[x > 0] (the fused ReLU backward), linear in g with x held constant.
 * d/dg = reluMask(h, x).
 */
export function reluMask(g: Tensor, x: Tensor): Tensor {
  checkDtype('reluMask', g, x);
  requireFloat('reluMask', g);
  if (!sameShape(g.shape, x.shape)) throw new Error(`reluMask: shapes ${fmtShape(g.shape)} and ${fmtShape(x.shape)} differ`);
  const out = alloc(g.dtype, g.size) as FloatArray;
  backend().reluMask(g.data as FloatArray, x.data as FloatArray, out);
  return make('reluMask', out, g.shape, [g], (h) => [reluMask(h, x)]);
}

/** g ⊙ f′ as raw data, through the backend's fused kernel (or the reference loop). */
function fusedBackward(op: MathBackwardName, g: Tensor, y: Tensor): FloatArray {
  checkDtype(op, g, y);
  requireFloat(op, g);
  if (!sameShape(g.shape, y.shape)) throw new Error(`${op}: shapes ${fmtShape(g.shape)} and ${fmtShape(y.shape)} differ`);
  const out = alloc(g.dtype, g.size) as FloatArray;
  (backend()[op] ?? referenceMath[op])(g.data as FloatArray, y.data as FloatArray, out);
  return out;
}

/**
 * g ⊙ (1 − y)(1 + y): tanh's reverse rule in one pass (y = tanh x), differentiable in both
 * arguments: d/dg = tanhBackward(h, y), d/dy = −2·g⊙y⊙h.
 */
export function tanhBackward(g: Tensor, y: Tensor): Tensor {
  return make('tanhBackward', fusedBackward('tanhBackward', g, y), g.shape, [g, y],
    (h, needs) => [needs[0] ? tanhBackward(h, y) : null, needs[1] ? scale(mul(mul(g, y), h), -2) : null]);
}

/**
 * g ⊙ y(1 − y): the sigmoid's reverse rule in one pass (y = σ(x)).
 * d/dg = sigmoidBackward(h, y), d/dy = g⊙(1 − 2y)⊙h.
 */
export function sigmoidBackward(g: Tensor, y: Tensor): Tensor {
  return make('sigmoidBackward', fusedBackward('sigmoidBackward', g, y), g.shape, [g, y],
    (h, needs) => [
      needs[0] ? sigmoidBackward(h, y) : null,
      needs[1] ? mul(mul(g, h), addScalar(scale(y, -2), 1)) : null,
    ]);
}
