/**
 * Dense (affine) layer z = c_W·(h Wᵀ) + c_b·b on the last axis: h [..., n] → z [..., units],
 * W [units, n], b [units]. Default (standard parameterization) init W ~ N(0, σ_w²/n),
 * b ~ N(0, σ_b²) (zero when σ_b = 0). The NTK parameterization of theory/kernels.ts
 * (W, b ~ N(0, 1), c_W = σ_w/√n, c_b = σ_b) is the same layer with other ParamInfo
 * (`parameterization: 'ntk'`). The multiplier c_W is applied to the product h Wᵀ (fewer
 * multiplications than scaling W, same value). Kernel: nn/kernels.ts eq. (1), from the ParamInfo.
 * Captures `<prefix>preact` = z.
 */
import { add, matmulT, reshape, scale } from '../../engine/ops.js';
import { denseFromInfo } from '../kernels.js';
import { checkPositiveInt, normalInit, param, widthFlags } from '../param.js';
import type { Layer, ParamInfo, Role } from '../types.js';

export interface DenseOptions {
  /** Add a bias (default true). */
  bias?: boolean;
  /** Fixed role; default: by position in the model ('input' first, 'output' last, else 'hidden'). */
  role?: Role;
  /** Weight scale σ_w (default 1): Var W_ij = σ_w²/fan-in (standard) or multiplier σ_w/√fan-in (ntk). */
  sigmaW?: number;
  /** Bias scale σ_b (default 0). */
  sigmaB?: number;
  parameterization?: 'standard' | 'ntk';
}

export function dense(units: number, opts: DenseOptions = {}): Layer {
  checkPositiveInt(units, 'dense.units');
  const bias = opts.bias ?? true;
  const sigmaW = opts.sigmaW ?? 1, sigmaB = opts.sigmaB ?? 0;
  if (!(sigmaW >= 0) || !(sigmaB >= 0)) throw new RangeError(`dense.sigmaW, dense.sigmaB: must be ≥ 0 (got ${sigmaW}, ${sigmaB})`);
  const param_ = opts.parameterization ?? 'standard';
  if (param_ !== 'standard' && param_ !== 'ntk') throw new RangeError(`dense.parameterization: must be 'standard' or 'ntk' (got ${String(param_)})`);
  const spec = { type: 'dense', units, bias, sigmaW, sigmaB, parameterization: param_, ...(opts.role ? { role: opts.role } : {}) };
  return {
    spec,
    foldsMultipliers: true,
    declare(inShape, prefix) {
      if (inShape.length < 1) throw new RangeError(`dense: input shape must have at least one axis (got [${inShape.join(',')}])`);
      const n = inShape[inShape.length - 1];
      const role = opts.role ?? 'hidden';
      const positional = opts.role === undefined;
      const ntk = param_ === 'ntk';
      const params: ParamInfo[] = [param({
        name: `${prefix}W`, shape: [units, n], role, fanIn: n, fanOut: units, ...widthFlags(role),
        init: ntk ? { kind: 'normal', std: 1 } : normalInit(sigmaW / Math.sqrt(n)),
        multiplier: ntk ? sigmaW / Math.sqrt(n) : 1, positional,
      })];
      if (bias) params.push(param({
        name: `${prefix}b`, shape: [units], role: 'bias', fanIn: 1, fanOut: units,
        inIsWidth: false, outIsWidth: widthFlags(role).outIsWidth,
        init: ntk ? { kind: 'normal', std: 1 } : normalInit(sigmaB), multiplier: ntk ? sigmaB : 1, positional,
      }));
      return { params, outShape: [...inShape.slice(0, -1), units] };
    },
    apply(params, x, ctx) {
      const n = x.shape[x.rank - 1];
      const flat = x.rank === 2 ? x : reshape(x, [-1, n]);
      let z = matmulT(flat, params[0], false, true);
      const cw = ctx.multipliers?.[0] ?? 1;
      if (cw !== 1) z = scale(z, cw);
      if (bias) {
        const cb = ctx.multipliers?.[1] ?? 1;
        z = add(z, cb === 1 ? params[1] : scale(params[1], cb));
      }
      if (x.rank !== 2) z = reshape(z, [...x.shape.slice(0, -1), units]);
      ctx.capture?.(`${ctx.prefix}preact`, z);
      return z;
    },
    kernel(s, info, inShape) {
      if (inShape.length !== 1) throw new Error(`dense.kernel: defined for vector inputs (got input shape [${inShape.join(',')}])`);
      return denseFromInfo(info[0], info[1])(s);
    },
  };
}
