import { describe, expect, it } from 'vitest';
import {
  Tensor, tensor, zeros, ones, full, eye, randn, rng, Rng,
  add, sub, mul, div, neg, scale, addScalar, matmul, matmulT, transpose, sum, mean, exp, log, tanh, relu,
  sigmoid, square, sqrt, powScalar, abs, reshape, dot, stopGradient, logSumExp, softmax, logSoftmax,
  mseLoss, softmaxCrossEntropy, concat, slice, broadcastTo, sumTo, astype,
  grad, valueAndGrad, hvp, vjp, jvp, jacobian,
  paramCount, flatten, unflatten, flatLoss, perExampleGrads,
  setBackend, useReference, referenceBackend, type Backend,
} from '../src/engine/index.js';
import { fdDirectional, fdGrad, input, norm, relErr, type InputKind } from './support/fd.js';

// ---------------------------------------------------------------------------------------
// Helpers

const flatOf = (ts: Tensor[]) => flatten(ts);

/**
 * Check an op's gradient and Hessian-vector product against finite differences.
 * The op's output y is scalarized nonlinearly, L = ⟨W, y⟩ + ½‖y‖², so even linear ops have
 * a nonzero Hessian and the second-order path through the op is exercised.
 */
function checkOp(name: string, op: (...xs: Tensor[]) => Tensor, inputs: Tensor[], seed = 1) {
  const r = rng(seed).split(name);
  const y0 = op(...inputs);
  const W = randn(r.split('W'), y0.shape.slice());
  const L = (...xs: Tensor[]) => {
    const y = op(...xs);
    return add(dot(y, W), scale(dot(y, y), 0.5));
  };
  const fl = flatLoss(L, inputs);
  const theta = flatOf(inputs);
  const g = fl.grad(theta);
  const gFd = fdGrad((t) => fl.value(t), theta);
  const eg = relErr(g, gFd);
  expect(eg, `${name}: gradient rel. error ${eg}`).toBeLessThan(1e-6);
  const v = randn(r.split('v'), [theta.length]).data as Float64Array;
  const hv = fl.hvp(theta, v);
  const hvFd = fdDirectional((t) => fl.grad(t), theta, v);
  const eh = relErr(hv, hvFd);
  expect(eh, `${name}: hvp rel. error ${eh}`).toBeLessThan(1e-6);
}

// ---------------------------------------------------------------------------------------
// A small tanh MLP.

function mlpParams(r: Rng, widths: number[], dtype: 'f32' | 'f64' = 'f64'): Tensor[] {
  const ps: Tensor[] = [];
  for (let l = 1; l < widths.length; l++) {
    ps.push(randn(r.split(`W${l}`), [widths[l], widths[l - 1]], 1 / Math.sqrt(widths[l - 1]), dtype));
    ps.push(randn(r.split(`b${l}`), [widths[l]], 0.1, dtype));
  }
  return ps;
}

function mlp(ps: Tensor[], X: Tensor): Tensor {
  let h = X;
  for (let l = 0; l < ps.length; l += 2) {
    h = add(matmul(h, transpose(ps[l])), ps[l + 1]);
    if (l + 2 < ps.length) h = tanh(h);
  }
  return h;
}

function oneHot(r: Rng, n: number, k: number): Tensor {
  const y = zeros([n, k]);
  for (let i = 0; i < n; i++) y.data[i * k + r.int(k)] = 1;
  return y;
}

const R = rng(2024);
const widths = [5, 8, 7, 3];
const N = 6;
const X = randn(R.split('X'), [N, widths[0]]);
const Y = randn(R.split('Y'), [N, widths[3]]);
const Yc = oneHot(R.split('Yc'), N, widths[3]);
const P0 = mlpParams(R.split('init'), widths);
const mseF = (...ps: Tensor[]) => mseLoss(mlp(ps, X), Y);
const ceF = (...ps: Tensor[]) => softmaxCrossEntropy(mlp(ps, X), Yc);

// ---------------------------------------------------------------------------------------

describe('tensor basics', () => {
  it('creates tensors with shapes, dtypes and accessors', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a.shape).toEqual([2, 3]);
    expect(a.dtype).toBe('f64');
    expect(a.size).toBe(6);
    expect(a.rank).toBe(2);
    expect(a.get(1, 2)).toBe(6);
    expect(a.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor(3).item()).toBe(3);
    expect(tensor(3).shape).toEqual([]);
    expect(tensor([1, 2, 3, 4], [2, 2]).get(1, 0)).toBe(3);
    expect(tensor(new Float32Array([1, 2])).dtype).toBe('f32');
    expect(tensor([1, 2], undefined, 'f32').data).toBeInstanceOf(Float32Array);
    expect(zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(ones([3]).toArray()).toEqual([1, 1, 1]);
    expect(full([2], 7, 'f32').toArray()).toEqual([7, 7]);
    expect(eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/3 values do not fit shape \[2,2\]/);
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged/);
    expect(() => a.item()).toThrow(/not a scalar/);
  });

  it('plain forward evaluation records no graph', () => {
    const a = randn(rng(1), [3, 3]);
    const y = sum(tanh(matmul(a, a)));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
  });

  it('same seed → identical numbers', () => {
    const a = randn(rng(7), [4, 5]);
    const b = randn(rng(7), [4, 5]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const g1 = grad(mseF, mlpParams(rng(3), widths));
    const g2 = grad(mseF, mlpParams(rng(3), widths));
    expect(Array.from(flatten(g1))).toEqual(Array.from(flatten(g2)));
    expect(Array.from(randn(rng(8), [4]).data)).not.toEqual(Array.from(a.data.subarray(0, 4)));
  });
});

describe('op gradients and Hessian-vector products vs finite differences (f64)', () => {
  const r = rng(99);
  let counter = 0;
  const n = (s: number[], k: InputKind = 'n') => input(r.split(counter++), s, k);
  const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ['add', add, [n([3, 4]), n([3, 4])]],
    ['add row', add, [n([3, 4]), n([4])]],
    ['add col', add, [n([3, 4]), n([3, 1])]],
    ['add scalar', add, [n([3, 4]), n([])]],
    ['add outer', add, [n([3, 1]), n([1, 4])]],
    ['add vec+mat', add, [n([4]), n([3, 4])]],
    ['add number', (a) => add(a, 2.5), [n([2, 3])]],
    ['sub', sub, [n([3, 4]), n([3, 4])]],
    ['sub row', sub, [n([3, 4]), n([1, 4])]],
    ['sub col', sub, [n([3, 1]), n([3, 4])]],
    ['sub number', (a) => sub(1, a), [n([3])]],
    ['mul', mul, [n([3, 4]), n([3, 4])]],
    ['mul row', mul, [n([3, 4]), n([4])]],
    ['mul col', mul, [n([3, 1]), n([3, 4])]],
    ['mul scalar', mul, [n([]), n([3, 4])]],
    ['div', div, [n([3, 4]), n([3, 4], 'p')]],
    ['div row', div, [n([3, 4]), n([4], 'p')]],
    ['div col', div, [n([3, 4]), n([3, 1], 'p')]],
    ['div scalar', div, [n([]), n([2, 3], 'p')]],
    ['neg', neg, [n([3, 4])]],
    ['scale', (a) => scale(a, -1.7), [n([3, 4])]],
    ['addScalar', (a) => addScalar(a, 0.3), [n([3, 4])]],
    ['exp', exp, [n([3, 4])]],
    ['log', log, [n([3, 4], 'p')]],
    ['tanh', tanh, [n([3, 4])]],
    ['relu', relu, [n([3, 4], 'r')]],
    ['sigmoid', sigmoid, [n([3, 4])]],
    ['square', square, [n([3, 4])]],
    ['sqrt', sqrt, [n([3, 4], 'p')]],
    ['powScalar 2.5', (a) => powScalar(a, 2.5), [n([3, 4], 'p')]],
    ['powScalar 3', (a) => powScalar(a, 3), [n([3, 4])]],
    ['powScalar -1.5', (a) => powScalar(a, -1.5), [n([3, 4], 'p')]],
    ['abs', abs, [n([3, 4], 'r')]],
    ['reshape', (a) => reshape(a, [4, -1]), [n([3, 4])]],
    ['transpose', (a) => transpose(a), [n([3, 4])]],
    ['matmul', matmul, [n([3, 4]), n([4, 2])]],
    ['matmul mat·vec', matmul, [n([3, 4]), n([4])]],
    ['matmul vec·mat', matmul, [n([4]), n([4, 2])]],
    ['matmul vec·vec', matmul, [n([4]), n([4])]],
    ['matmulT Aᵀ·B', (a, b) => matmulT(a, b, true, false), [n([4, 3]), n([4, 2])]],
    ['matmulT A·Bᵀ', (a, b) => matmulT(a, b, false, true), [n([3, 4]), n([2, 4])]],
    ['matmulT Aᵀ·Bᵀ', (a, b) => matmulT(a, b, true, true), [n([4, 3]), n([2, 4])]],
    ['sum', (a) => sum(a), [n([3, 4])]],
    ['sum axis 0', (a) => sum(a, 0), [n([3, 4])]],
    ['sum axis 1', (a) => sum(a, 1), [n([3, 4])]],
    ['sum vector', (a) => sum(a, 0), [n([5])]],
    ['mean', (a) => mean(a), [n([3, 4])]],
    ['mean axis 0', (a) => mean(a, 0), [n([3, 4])]],
    ['mean axis 1', (a) => mean(a, 1), [n([3, 4])]],
    ['dot', dot, [n([3, 4]), n([3, 4])]],
    ['logSumExp axis 1', (a) => logSumExp(a, 1), [n([3, 4])]],
    ['logSumExp axis 0', (a) => logSumExp(a, 0), [n([3, 4])]],
    ['logSumExp vector', (a) => logSumExp(a), [n([5])]],
    ['softmax', (a) => softmax(a), [n([3, 4])]],
    ['logSoftmax', (a) => logSoftmax(a), [n([3, 4])]],
    ['mseLoss', mseLoss, [n([5, 3]), n([5, 3])]],
    ['softmaxCrossEntropy', (z) => softmaxCrossEntropy(z, oneHot(rng(5), 4, 3)), [n([4, 3])]],
    ['concat axis 0', (a, b) => concat([a, b], 0), [n([2, 3]), n([3, 3])]],
    ['concat axis 1', (a, b) => concat([a, b], 1), [n([3, 2]), n([3, 4])]],
    ['slice axis 0', (a) => slice(a, 0, 1, 3), [n([4, 3])]],
    ['slice axis 1', (a) => slice(a, 1, 1, 2), [n([4, 3])]],
    ['broadcastTo', (a) => broadcastTo(a, [3, 4]), [n([3, 1])]],
    ['sumTo', (a) => sumTo(a, [4]), [n([3, 4])]],
    ['composite', (a, b) => sigmoid(div(tanh(matmul(a, b)), addScalar(exp(b.rank ? sum(b) : b), 1))), [n([3, 4]), n([4, 2])]],
  ];
  for (const [name, op, xs] of cases) {
    it(name, () => checkOp(name, op, xs));
  }

  it('stopGradient blocks the gradient', () => {
    const x = tensor([1, 2, 3]);
    const [g] = grad((a) => sum(add(a, stopGradient(square(a)))), [x]);
    expect(g.toArray()).toEqual([1, 1, 1]);
  });

  it('relu has derivative 1[x>0] and second derivative 0', () => {
    const x = tensor([-1, 2, -3, 4]);
    const [g] = grad((a) => sum(relu(a)), [x]);
    expect(g.toArray()).toEqual([0, 1, 0, 1]);
    const [h] = hvp((a) => sum(relu(a)), [x], [ones([4])]);
    expect(h.toArray()).toEqual([0, 0, 0, 0]);
    // Through a quadratic: H = diag(2·1[x>0]).
    const [h2] = hvp((a) => dot(relu(a), relu(a)), [x], [ones([4])]);
    expect(h2.toArray()).toEqual([0, 2, 0, 2]);
  });

  it('logSumExp is stable for huge inputs', () => {
    const z = tensor([[1000, 1000], [-1000, -1001]]);
    const l = logSumExp(z, 1);
    expect(l.get(0)).toBeCloseTo(1000 + Math.log(2), 10);
    expect(l.get(1)).toBeCloseTo(-1000 + Math.log(1 + Math.exp(-1)), 10);
    const [g] = grad((a) => softmaxCrossEntropy(a, tensor([[1, 0], [0, 1]])), [z]);
    expect(Array.from(g.data).every(Number.isFinite)).toBe(true);
  });
});

describe('broadcasting values', () => {
  const A = tensor([[1, 2, 3], [4, 5, 6]]);
  it('row, column, scalar and outer', () => {
    expect(add(A, tensor([10, 20, 30])).toArray()).toEqual([[11, 22, 33], [14, 25, 36]]);
    expect(add(A, tensor([[10], [20]])).toArray()).toEqual([[11, 12, 13], [24, 25, 26]]);
    expect(mul(A, tensor(2)).toArray()).toEqual([[2, 4, 6], [8, 10, 12]]);
    expect(sub(tensor([[1], [2]]), tensor([[1, 2, 3]])).toArray()).toEqual([[0, -1, -2], [1, 0, -1]]);
    expect(sum(A, 0).toArray()).toEqual([5, 7, 9]);
    expect(sum(A, 1).toArray()).toEqual([6, 15]);
    expect(mean(A).item()).toBe(3.5);
  });
  it('broadcast gradients sum back to the operand shape', () => {
    const [ga, gb] = grad((a, b) => sum(mul(a, b)), [A, tensor([[1], [2]])]);
    expect(ga.toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(gb.shape).toEqual([2, 1]);
    expect(gb.toArray()).toEqual([[6], [15]]);
  });
});

describe('errors', () => {
  it('shape mismatches name the op and both shapes', () => {
    expect(() => add(zeros([2, 3]), zeros([3, 2]))).toThrow(/add: shapes \[2,3\] and \[3,2\] are not broadcastable/);
    expect(() => mul(zeros([2, 3]), zeros([2]))).toThrow(/mul: shapes \[2,3\] and \[2\]/);
    expect(() => matmul(zeros([2, 3]), zeros([2, 3]))).toThrow(/matmul: .*\[2,3\].*\[2,3\]/);
    expect(() => dot(zeros([2]), zeros([3]))).toThrow(/dot: shapes \[2\] and \[3\] differ/);
    expect(() => mseLoss(zeros([2, 3]), zeros([2, 2]))).toThrow(/mseLoss: .*\[2,3\].*\[2,2\]/);
    expect(() => reshape(zeros([2, 3]), [4])).toThrow(/reshape/);
    expect(() => grad((a) => a, [zeros([2])])).toThrow(/grad: f must return a scalar, got shape \[2\]/);
  });
  it('mixing dtypes throws', () => {
    expect(() => add(zeros([2], 'f32'), zeros([2], 'f64'))).toThrow(/add: dtype mismatch \(f32 .* vs f64/);
    expect(() => matmul(zeros([2, 2], 'f32'), zeros([2, 2]))).toThrow(/matmul: dtype mismatch/);
  });
});

describe('higher order on a tanh MLP', () => {
  const theta = flatten(P0);
  for (const [name, f] of [['MSE', mseF], ['softmax CE', ceF]] as const) {
    it(`${name}: gradient vs finite differences`, () => {
      const fl = flatLoss(f, P0);
      const e = relErr(fl.grad(theta), fdGrad((t) => fl.value(t), theta));
      expect(e).toBeLessThan(1e-6);
    });
    it(`${name}: hvp vs finite differences of gradients`, () => {
      const fl = flatLoss(f, P0);
      const r = rng(11).split(name);
      for (let k = 0; k < 3; k++) {
        const v = r.normals(theta.length);
        const e = relErr(fl.hvp(theta, v), fdDirectional((t) => fl.grad(t), theta, v));
        expect(e).toBeLessThan(1e-6);
      }
    });
    it(`${name}: hvp is symmetric, ⟨u,Hv⟩ = ⟨v,Hu⟩`, () => {
      const fl = flatLoss(f, P0);
      const r = rng(12).split(name);
      const u = r.normals(theta.length), v = r.normals(theta.length);
      const Hv = fl.hvp(theta, v), Hu = fl.hvp(theta, u);
      let a = 0, b = 0;
      for (let i = 0; i < theta.length; i++) { a += u[i] * Hv[i]; b += v[i] * Hu[i]; }
      expect(Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b))).toBeLessThan(1e-12);
    });
  }

  it('hvp of ½θᵀAθ is exactly Aθ-style: H·v = A·v for symmetric A', () => {
    const A = tensor([[4, 1, -2], [1, 3, 0], [-2, 0, 5]]);
    const th = tensor([1, -2, 3]);
    const v = tensor([2, 1, -1]);
    const f = (t: Tensor) => scale(dot(t, matmul(A, t)), 0.5);
    expect(hvp(f, [th], [v])[0].toArray()).toEqual(matmul(A, v).toArray());
    expect(grad(f, [th])[0].toArray()).toEqual(matmul(A, th).toArray());
    // Non-symmetric B: H = ½(B + Bᵀ).
    const B = tensor([[1, 2], [0, 3]]);
    const g = (t: Tensor) => scale(dot(t, matmul(B, t)), 0.5);
    expect(hvp(g, [tensor([1, 1])], [tensor([1, 0])])[0].toArray()).toEqual([1, 1]);
    // The Hessian of a quadratic does not depend on θ; its third derivative is 0.
    const [t3] = grad((t) => dot(hvp(f, [t], [v])[0], tensor([1, 1, 1])), [th]);
    expect(t3.toArray()).toEqual([0, 0, 0]);
  });

  it('third order: ∇θ⟨Hv, w⟩ vs finite differences of hvp', () => {
    const r = rng(13);
    const v = unflatten(r.normals(paramCount(P0)), P0);
    const w = unflatten(r.normals(paramCount(P0)), P0);
    const t3 = flatten(grad((...ps) => {
      const hv = hvp(mseF, ps, v);
      return hv.reduce((s: Tensor, h, i) => add(s, dot(h, w[i])), tensor(0));
    }, P0));
    const fl = flatLoss(mseF, P0);
    const wf = flatten(w), vf = flatten(v);
    const fd = fdGrad((t) => { const hv = fl.hvp(t, vf); let s = 0; for (let i = 0; i < hv.length; i++) s += hv[i] * wf[i]; return s; }, theta, 1e-5);
    expect(relErr(t3, fd)).toBeLessThan(1e-6);
  });

  it('nested grad has no perturbation confusion: d/dx[x · d/dy(xy)] = 2x', () => {
    const [g] = grad((x) => mul(x, grad((y) => mul(x, y), [tensor(3)])[0]), [tensor(5)]);
    expect(g.item()).toBe(10);
  });

  it('createGraph: first-order grads are constants unless requested', () => {
    const gs = grad(mseF, P0);
    expect(gs.every((g) => !g.requiresGrad)).toBe(true);
    const vg = valueAndGrad(mseF, P0);
    expect(vg.value).toBeCloseTo(mseF(...P0).item(), 14);
    expect(relErr(flatten(vg.grads), flatten(gs))).toBe(0);
  });
});

describe('vjp, jvp and jacobian', () => {
  const out = (...ps: Tensor[]) => mlp(ps, X); // [N, 3]
  const J = jacobian(out, P0);
  const P = paramCount(P0);
  const M = N * widths[3];
  it('jacobian vs finite differences', () => {
    const theta = flatten(P0);
    const fd = new Float64Array(M * P);
    const F = (t: Float64Array) => Float64Array.from(out(...unflatten(t, P0)).data);
    for (let j = 0; j < P; j++) {
      const e = new Float64Array(P); e[j] = 1;
      const col = fdDirectional(F, theta, e, 1e-6);
      for (let i = 0; i < M; i++) fd[i * P + j] = col[i];
    }
    expect(relErr(J, fd)).toBeLessThan(1e-6);
  });
  it('vjp = Jᵀu and jvp = Jv', () => {
    const r = rng(21);
    const u = randn(r.split('u'), [N, widths[3]]);
    const v = unflatten(r.normals(P), P0);
    const vf = flatten(v);
    const JTu = new Float64Array(P), Jv = new Float64Array(M);
    for (let i = 0; i < M; i++) for (let j = 0; j < P; j++) { JTu[j] += J[i * P + j] * u.data[i]; Jv[i] += J[i * P + j] * vf[j]; }
    expect(relErr(flatten(vjp(out, P0, u)), JTu)).toBeLessThan(1e-12);
    const jv = jvp(out, P0, v);
    expect(jv.shape).toEqual([N, widths[3]]);
    expect(relErr(jv.data, Jv)).toBeLessThan(1e-12);
  });
  it('jvp of a scalar function is the directional derivative ⟨∇f, v⟩', () => {
    const v = unflatten(rng(22).normals(P), P0);
    const g = flatten(grad(mseF, P0)), vf = flatten(v);
    let d = 0;
    for (let i = 0; i < P; i++) d += g[i] * vf[i];
    expect(jvp(mseF, P0, v).item()).toBeCloseTo(d, 12);
  });
});

describe('flat parameters', () => {
  it('flatten / unflatten round trip, keeping shapes and dtypes', () => {
    const ps = [randn(rng(1), [2, 3]), randn(rng(2), [4], 1, 'f32'), tensor(1.5)];
    expect(paramCount(ps)).toBe(11);
    const theta = flatten(ps);
    const back = unflatten(theta, ps);
    back.forEach((b, i) => {
      expect(b.shape).toEqual(ps[i].shape);
      expect(b.dtype).toBe(ps[i].dtype);
      expect(Array.from(b.data)).toEqual(Array.from(ps[i].data));
    });
    expect(Array.from(flatten(back))).toEqual(Array.from(theta));
    expect(() => unflatten(new Float64Array(3), ps)).toThrow(/3 numbers for 11 parameters/);
  });

  it('perExampleGrads sum to n × the full-batch gradient of a mean loss', () => {
    const lossOne = (ps: Tensor[], i: number) => mseLoss(mlp(ps, slice(X, 0, i, i + 1)), slice(Y, 0, i, i + 1));
    const G = perExampleGrads(lossOne, P0, N);
    const P = paramCount(P0);
    expect(G.length).toBe(N * P);
    const s = new Float64Array(P);
    for (let i = 0; i < N; i++) for (let j = 0; j < P; j++) s[j] += G[i * P + j];
    const full = flatten(grad(mseF, P0)).map((x) => x * N);
    expect(relErr(s, full)).toBeLessThan(1e-12);
  });

  it('flatLoss.valueAndGrad agrees with value and grad', () => {
    const fl = flatLoss(ceF, P0);
    const th = flatten(P0);
    const vg = fl.valueAndGrad(th);
    expect(vg.value).toBe(fl.value(th));
    expect(Array.from(vg.grad)).toEqual(Array.from(fl.grad(th)));
  });
});

describe('float32', () => {
  it('f32 forward agrees with f64 to ~1e-5 and dtypes are preserved', () => {
    const p32 = P0.map((p) => astype(p, 'f32'));
    const X32 = astype(X, 'f32');
    const y64 = mlp(P0, X), y32 = mlp(p32, X32);
    expect(y32.dtype).toBe('f32');
    expect(relErr(y32.data, y64.data)).toBeLessThan(1e-5);
    const l32 = mseLoss(y32, astype(Y, 'f32'));
    expect(Math.abs(l32.item() - mseF(...P0).item()) / mseF(...P0).item()).toBeLessThan(1e-5);
    const g32 = grad((...ps) => mseLoss(mlp(ps, X32), astype(Y, 'f32')), p32);
    expect(g32.every((g) => g.dtype === 'f32')).toBe(true);
    expect(relErr(flatten(g32), flatten(grad(mseF, P0)))).toBeLessThan(1e-4);
    const h32 = hvp((...ps) => mseLoss(mlp(ps, X32), astype(Y, 'f32')), p32, p32);
    expect(h32.every((h) => h.dtype === 'f32')).toBe(true);
    expect(relErr(flatten(h32), flatten(hvp(mseF, P0, P0)))).toBeLessThan(1e-4);
  });
});

describe('backend routing', () => {
  it('matmul, mul, axpby and relu kernels go through backend()', () => {
    const calls: Record<string, number> = {};
    const count = (k: string) => { calls[k] = (calls[k] ?? 0) + 1; };
    const spy: Backend = {
      name: 'spy',
      matmul: (...a) => { count('matmul'); referenceBackend.matmul(...a); },
      axpby: (...a) => { count('axpby'); referenceBackend.axpby(...a); },
      mul: (...a) => { count('mul'); referenceBackend.mul(...a); },
      relu: (...a) => { count('relu'); referenceBackend.relu(...a); },
      reluMask: (...a) => { count('reluMask'); referenceBackend.reluMask(...a); },
    };
    setBackend(spy);
    try {
      const W = randn(rng(1), [4, 3]);
      const A = randn(rng(2), [2, 4]);
      grad((w) => sum(mul(relu(matmul(A, w)), ones([2, 3]))), [W]);
    } finally {
      useReference();
    }
    expect(calls.matmul).toBeGreaterThanOrEqual(2);
    expect(calls.relu).toBe(1);
    expect(calls.reluMask).toBe(1);
    expect(calls.mul).toBeGreaterThanOrEqual(1);
  });
});
