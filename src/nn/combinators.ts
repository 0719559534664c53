/**
 * Combinators: layers built from layers, composing parameters (names prefixed by the child's
 * position, "2.W"), application and — where every part has one — the infinite-width kernel.
 *
 *   serial(l₁, …, l_k):   x ↦ l_k(⋯ l₁(x))                   kernel: composition
 *   fanOut(n):             x ↦ (x, …, x)                       kernel: n copies of the state
 *   parallel(l₁, …, l_n):  (x₁, …, x_n) ↦ (l₁(x₁), …, l_n(x_n)) kernel: each branch's map
 *   fanInSum():            (x₁, …, x_n) ↦ Σ_a x_a               kernel: Σ_a (q_a, t_a)
 *   residual(f, m):        x ↦ x + m·f(x)                      kernel: (q, t) + m²·f(q, t)
 *   repeat(factory, L):    serial(factory(0), …, factory(L−1))
 * A tuple of n tensors of equal shape [B, ...s] travels as one tensor [B, n, ...s] (axis 1 is the
 * branch). The summed kernels assume uncorrelated branches (nn/kernels.ts header): every branch
 * but one ends in its own zero-mean weight matrix — true of x + W h(x), not of x + relu(x).
 */
import { add, concat, reshape, scale, slice } from '../engine/ops.js';
import { sameShape, type Tensor } from '../engine/tensor.js';
import { type KernelState, sumStates } from './kernels.js';
import { applyLayer, checkPositiveInt } from './param.js';
import type { ApplyContext, Layer, ParamInfo } from './types.js';

interface Plan { counts: number[]; shapes: number[][]; outShape: number[] }

/** Parameter counts and shapes of children applied one after another (cached per input shape). */
function sequentialPlanner(layers: readonly Layer[]) {
  const cache = new Map<string, Plan>();
  return (inShape: readonly number[]): Plan => {
    const key = inShape.join(',');
    let plan = cache.get(key);
    if (!plan) {
      const counts: number[] = [], shapes: number[][] = [];
      let shape = inShape.slice();
      for (const l of layers) {
        shapes.push(shape);
        const d = l.declare(shape, '');
        counts.push(d.params.length);
        shape = d.outShape;
      }
      plan = { counts, shapes, outShape: shape };
      cache.set(key, plan);
    }
    return plan;
  };
}

function sliceMultipliers(ctx: ApplyContext, o: number, n: number): readonly number[] | undefined {
  return ctx.multipliers ? ctx.multipliers.slice(o, o + n) : undefined;
}

/** Layers applied left to right; child i's parameters are named `<prefix><name_i>.…` (default name: i). */
export function serial(...layers: Layer[]): Layer {
  return namedSerial(layers.map((l, i) => [String(i), l]));
}

export function namedSerial(entries: [string, Layer][]): Layer {
  const names = entries.map(([n]) => n), layers = entries.map(([, l]) => l);
  if (new Set(names).size !== names.length) throw new RangeError(`serial.names: must be distinct (got ${names.join(', ')})`);
  const plan = sequentialPlanner(layers);
  const defaultNames = names.every((n, i) => n === String(i));
  const spec = { type: 'serial', layers: layers.map((l) => l.spec), ...(defaultNames ? {} : { names }) };
  const layer: Layer = {
    spec,
    foldsMultipliers: true,
    declare(inShape, prefix) {
      const params: ParamInfo[] = [];
      let shape = inShape.slice();
      layers.forEach((l, i) => {
        const d = l.declare(shape, `${prefix}${names[i]}.`);
        params.push(...d.params);
        shape = d.outShape;
      });
      return { params, outShape: shape };
    },
    apply(params, x, ctx) {
      const { counts } = plan(x.shape.slice(1));
      let h = x, o = 0;
      layers.forEach((l, i) => {
        h = applyLayer(l, params.slice(o, o + counts[i]), sliceMultipliers(ctx, o, counts[i]), h, ctx, `${ctx.prefix}${names[i]}.`);
        o += counts[i];
      });
      return h;
    },
  };
  if (layers.every((l) => l.kernel)) {
    layer.kernel = (s, info, inShape) => {
      const { counts, shapes } = plan(inShape);
      let o = 0;
      return layers.reduce((acc, l, i) => {
        const r = l.kernel!(acc, info.slice(o, o + counts[i]), shapes[i]);
        o += counts[i];
        return r;
      }, s);
    };
  }
  return layer;
}

/** L copies made by `factory(i)`, applied in sequence (a serial of them). */
export function repeat(factory: (i: number) => Layer, L: number): Layer {
  checkPositiveInt(L, 'repeat.count', 0);
  return serial(...Array.from({ length: L }, (_, i) => factory(i)));
}

/** x [B, ...s] ↦ [B, n, ...s]: n copies along a new branch axis. */
export function fanOut(n: number): Layer {
  checkPositiveInt(n, 'fanOut.n');
  return {
    spec: { type: 'fanOut', n },
    declare: (inShape) => ({ params: [], outShape: [n, ...inShape] }),
    apply(_p, x) {
      const u = reshape(x, [x.shape[0], 1, ...x.shape.slice(1)]);
      return concat(Array.from({ length: n }, () => u), 1);
    },
    kernel: (s) => ({ ...s, branches: Array.from({ length: n }, () => ({ ...s, branches: undefined })) }),
  };
}

/** Branch i of a [B, n, ...s] tuple, as [B, ...s]. */
function branch(x: Tensor, i: number): Tensor {
  const b = slice(x, 1, i, i + 1);
  return reshape(b, [x.shape[0], ...x.shape.slice(2)]);
}

/** [B, n, ...s] ↦ [B, n, ...s′]: layer a on branch a (all outputs must share a shape). */
export function parallel(...layers: Layer[]): Layer {
  if (layers.length === 0) throw new RangeError('parallel.layers: need at least one layer');
  const plans = layers.map((l) => sequentialPlanner([l]));
  const check = (inShape: readonly number[]) => {
    if (inShape[0] !== layers.length) throw new RangeError(`parallel: input has ${inShape[0]} branches (axis 1) but there are ${layers.length} layers`);
    const outs = layers.map((_, i) => plans[i](inShape.slice(1)).outShape);
    if (!outs.every((s) => sameShape(s, outs[0]))) throw new RangeError(`parallel: branch outputs must share a shape (got ${outs.map((s) => `[${s.join(',')}]`).join(' ')})`);
    return outs[0];
  };
  const layer: Layer = {
    spec: { type: 'parallel', layers: layers.map((l) => l.spec) },
    foldsMultipliers: true,
    declare(inShape, prefix) {
      const outShape = check(inShape);
      const params = layers.flatMap((l, i) => l.declare(inShape.slice(1), `${prefix}${i}.`).params);
      return { params, outShape: [layers.length, ...outShape] };
    },
    apply(params, x, ctx) {
      let o = 0;
      const outs = layers.map((l, i) => {
        const c = plans[i](x.shape.slice(2)).counts[0];
        const y = applyLayer(l, params.slice(o, o + c), sliceMultipliers(ctx, o, c), branch(x, i), ctx, `${ctx.prefix}${i}.`);
        o += c;
        return reshape(y, [y.shape[0], 1, ...y.shape.slice(1)]);
      });
      return concat(outs, 1);
    },
  };
  if (layers.every((l) => l.kernel)) {
    layer.kernel = (s, info, inShape) => {
      if (!s.branches || s.branches.length !== layers.length) throw new Error(`parallel.kernel: expects ${layers.length} branches from fanOut (got ${s.branches?.length ?? 0})`);
      let o = 0;
      const branches = layers.map((l, i) => {
        const c = plans[i](inShape.slice(1)).counts[0];
        const r = l.kernel!(s.branches![i], info.slice(o, o + c), inShape.slice(1));
        o += c;
        return r;
      });
      return { ...branches[0], branches };
    };
  }
  return layer;
}

/** [B, n, ...s] ↦ [B, ...s]: the sum over branches. */
export function fanInSum(): Layer {
  return {
    spec: { type: 'fanInSum' },
    declare: (inShape) => ({ params: [], outShape: inShape.slice(1) }),
    apply(_p, x) {
      let y = branch(x, 0);
      for (let i = 1; i < x.shape[1]; i++) y = add(y, branch(x, i));
      return y;
    },
    kernel(s: KernelState) {
      if (!s.branches) throw new Error('fanInSum.kernel: no branches (use fanOut first)');
      return sumStates(s.branches);
    },
  };
}

/** x ↦ x + m·f(x) (f must keep the shape); f's parameters keep the residual's prefix. Captures `<prefix>out`. */
export function residual(f: Layer, multiplier = 1): Layer {
  if (!Number.isFinite(multiplier)) throw new RangeError(`residual.multiplier: must be a finite number (got ${multiplier})`);
  const layer: Layer = {
    spec: { type: 'residual', branch: f.spec, multiplier },
    foldsMultipliers: true,
    declare(inShape, prefix) {
      const d = f.declare(inShape, prefix);
      if (!sameShape(d.outShape, inShape)) throw new RangeError(`residual: branch maps [${inShape.join(',')}] to [${d.outShape.join(',')}]; it must keep the shape`);
      return { params: d.params, outShape: inShape.slice() };
    },
    apply(params, x, ctx) {
      const y = applyLayer(f, params, ctx.multipliers, x, ctx, ctx.prefix);
      const out = add(x, multiplier === 1 ? y : scale(y, multiplier));
      ctx.capture?.(`${ctx.prefix}out`, out);
      return out;
    },
  };
  if (f.kernel) layer.kernel = (s, info, inShape) => sumStates([s, f.kernel!(s, info, inShape)], [1, multiplier]);
  return layer;
}
