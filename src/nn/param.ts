/**
 * Building blocks shared by the layers: ParamInfo constructors with the default (standard
 * parameterization) initialization, and `applyLayer`, the one place that hands a layer its
 * parameters — effective (c·w) or raw with multipliers, depending on what the layer accepts.
 *
 * Default SP init: a weight with fan-in n is drawn from N(0, σ²/n); biases are 0 (or N(0, σ_b²));
 * norm gains 1, shifts 0. Width flags by role (μP's "infinite" dims): input: fan-out; hidden:
 * both; output: fan-in; biases and gains: fan-out.
 */
import { scale } from '../engine/ops.js';
import type { Tensor } from '../engine/tensor.js';
import type { ApplyContext, InitSpec, Layer, ParamInfo, Role } from './types.js';

/** What a layer states about a parameter; the optimizer-side factors start at 1. */
export type ParamOptions = Omit<ParamInfo, 'multiplier' | 'lrScale' | 'wdScale' | 'epsScale'> & { multiplier?: number };

export function param(o: ParamOptions): ParamInfo {
  const p: ParamInfo = {
    name: o.name, shape: o.shape.slice(), role: o.role, fanIn: o.fanIn, fanOut: o.fanOut,
    inIsWidth: o.inIsWidth, outIsWidth: o.outIsWidth, init: o.init,
    multiplier: o.multiplier ?? 1, lrScale: 1, wdScale: 1,
  };
  if (o.positional) p.positional = true;
  return p;
}

/** The width flags that go with a weight role. */
export function widthFlags(role: Role): { inIsWidth: boolean; outIsWidth: boolean } {
  switch (role) {
    case 'input': case 'embedding': return { inIsWidth: false, outIsWidth: true };
    case 'output': return { inIsWidth: true, outIsWidth: false };
    case 'bias': case 'norm-gain': case 'norm-bias': return { inIsWidth: false, outIsWidth: true };
    default: return { inIsWidth: true, outIsWidth: true };
  }
}

/** N(0, std²) or exactly zero when std = 0. */
export const normalInit = (std: number): InitSpec => (std > 0 ? { kind: 'normal', std } : { kind: 'zeros' });

/** Apply `layer` to x with its own slice of parameters (and, if given, their multipliers). */
export function applyLayer(layer: Layer, params: Tensor[], multipliers: readonly number[] | undefined, x: Tensor, ctx: ApplyContext, prefix: string): Tensor {
  const base = { capture: ctx.capture, prefix };
  if (!multipliers) return layer.apply(params, x, base);
  if (layer.foldsMultipliers) return layer.apply(params, x, { ...base, multipliers });
  return layer.apply(scaled(params, multipliers), x, base);
}

/** c_i·w_i (w_i itself where c_i = 1). */
function scaled(params: Tensor[], multipliers: readonly number[]): Tensor[] {
  return params.map((p, i) => (multipliers[i] === 1 ? p : scale(p, multipliers[i])));
}

/** For a layer with `foldsMultipliers`: its parameters as c·w (when it has no cheaper place for c). */
export function effective(params: Tensor[], ctx: ApplyContext): Tensor[] {
  return ctx.multipliers ? scaled(params, ctx.multipliers) : params;
}

export function checkPositiveInt(v: unknown, field: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new RangeError(`${field}: must be an integer ≥ ${min} (got ${String(v)})`);
  return v;
}
