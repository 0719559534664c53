/**
 * The contract of the layer library: what a layer declares about each parameter it creates, so
 * that parameterizations (SP / NTP / μP / mean-field, depth multipliers), optimizers (per-group
 * learning rate and weight decay), checkpoints and coordinate checks can act on *any* model
 * without editing it.
 *
 * A layer declares its parameters (`ParamInfo`) with their role, fan-in/fan-out and which of those
 * are "width" (the dims that grow in an infinite-width limit), plus a default (SP) initialization.
 * A parameterization is a pure map ParamInfo[] → ParamInfo[] that changes only `init.std`,
 * `multiplier` and `lrScale` (and, for Adam, `epsScale`); layers never read those fields: the
 * model multiplies each parameter by its `multiplier` before the layer sees it (W_eff = c·w), and
 * initializes each from `init`. So an abc-parameterization (Yang & Hu 2021) W = n^{−a} w,
 * w ~ N(0, n^{−2b}), lr = η n^{−c} is exactly (multiplier, init.std, lrScale).
 */
import type { DType } from '../engine/dtype.js';
import type { Rng } from '../engine/rng.js';
import type { Tensor } from '../engine/tensor.js';
import type { KernelState } from './kernels.js';

/** What a parameter does: the key of every parameterization table. */
export type Role =
  | 'input'        // first weight matrix: finite fan-in (data dim), width fan-out
  | 'hidden'       // width → width weight matrix
  | 'output'       // readout: width fan-in, finite fan-out
  | 'bias'         // additive vector (fan-in 1)
  | 'embedding'    // token / position table: finite fan-in (one-hot), width fan-out
  | 'attn-q' | 'attn-k' | 'attn-v' | 'attn-o'
  | 'norm-gain'    // LayerNorm / RMSNorm gain (init 1)
  | 'norm-bias'    // LayerNorm shift (init 0)
  | 'conv';        // convolution kernel (fan-in = C_in·kh·kw); width = channels

export type InitSpec =
  | { kind: 'normal'; std: number }
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'constant'; value: number };

export interface ParamInfo {
  /** Path-like name unique in the model, e.g. "blocks.0.attn.q", "dense2.W". */
  name: string;
  shape: number[];
  role: Role;
  /** Number of inputs each output unit sums over (1 for biases and gains). */
  fanIn: number;
  /** Number of output units. */
  fanOut: number;
  /** Whether fanIn / fanOut scale with the model's width (the "infinite" dims of μP). */
  inIsWidth: boolean;
  outIsWidth: boolean;
  /** Initialization of the stored parameter w. */
  init: InitSpec;
  /** Forward multiplier c: the layer sees c·w. Default 1. */
  multiplier: number;
  /** Per-parameter learning-rate factor (η_p = η · lrScale). Default 1. */
  lrScale: number;
  /** Per-parameter weight-decay factor (λ_p = λ · wdScale). Default 1 (0 for norms/biases if chosen). */
  wdScale: number;
  /** Adam ε factor (μP-style ε scaling with width); default 1. */
  epsScale?: number;
  /**
   * Set by layers whose role depends on where they sit (Dense, Conv2d without an explicit role):
   * `model()` resolves it — the first weight layer becomes 'input' (fan-in not width), the last
   * 'output' (fan-out not width) — and removes the flag, so a model's `info` never carries it.
   */
  positional?: boolean;
}

/** JSON-serializable description of a layer; `layerFromSpec` rebuilds the layer from it. */
export interface LayerSpec {
  type: string;
  [key: string]: unknown;
}

/** Hooks available while applying a model. */
export interface ApplyContext {
  /** Called with named intermediates (pre-activations, block outputs, logits) when recording. */
  capture?: (name: string, value: Tensor) => void;
  /** Name prefix of the current layer (set by combinators). */
  prefix: string;
  /**
   * Only for layers with `foldsMultipliers`: the multipliers c of `params`, which are then the
   * stored w (not c·w). The layer must compute exactly what it would on c·w, but may apply c where
   * it is cheapest (Dense scales its [B, out] product instead of its [out, in] weight).
   */
  multipliers?: readonly number[];
}

/**
 * A layer: declares parameters for an input shape (without the batch dimension) and applies
 * itself to a batch x of shape [B, ...inShape]. `params` are exactly the layer's own parameters,
 * in the order of `declare(...).params`, already multiplied by their multipliers (unless the layer
 * sets `foldsMultipliers`; then they are the stored w and `ctx.multipliers` holds the c).
 */
export interface Layer {
  readonly spec: LayerSpec;
  declare(inShape: readonly number[], prefix: string): { params: ParamInfo[]; outShape: number[] };
  apply(params: Tensor[], x: Tensor, ctx: ApplyContext): Tensor;
  /**
   * The layer's infinite-width map on the kernel state (NNGP q, NTK t; see nn/kernels.ts), where a
   * closed form exists. `info` is this layer's own ParamInfo (as `declare` returned it, possibly
   * re-parameterized), `inShape` its input shape without the batch dimension.
   */
  kernel?(s: KernelState, info: readonly ParamInfo[], inShape: readonly number[]): KernelState;
  /** True when `apply` accepts raw parameters with `ctx.multipliers` (see ApplyContext). */
  readonly foldsMultipliers?: boolean;
}

export type { DType, Rng, Tensor };
