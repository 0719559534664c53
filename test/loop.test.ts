import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mat, solve } from '../src/engine/linalg/index.js';
import { add, matmul, mul, scale, sub, sum } from '../src/engine/ops.js';
import { flatten } from '../src/engine/params.js';
import { Rng } from '../src/engine/rng.js';
import { tensor, Tensor } from '../src/engine/tensor.js';
import { gradientDescent } from '../src/training/gd.js';
import { train } from '../src/training/loop.js';
import { isDiverged, objectiveFromLoss, type Objective, type TrainResult } from '../src/training/objective.js';
import { adam, adamw, constant, cosine, sgd, stepDecay, type Optimizer } from '../src/training/optim/index.js';

// ---------- a least-squares problem y = Xw* + b* + σξ ----------

function lsqProblem(n: number, d: number, noise: number, seed = 1) {
  const rng = new Rng(seed);
  const X = rng.split('X').normals(n * d);
  const wStar = rng.split('w').normals(d);
  const xi = rng.split('noise').normals(n, noise);
  const Y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0.3;
    for (let j = 0; j < d; j++) s += X[i * d + j] * wStar[j];
    Y[i] = s + xi[i];
  }
  /** L = 1/(2|B|) Σ_{i∈B} (x_iᵀw + b − y_i)² over batch B (null: all n). */
  const loss = (ps: Tensor[], batch: Int32Array | null) => {
    const idx = batch ?? Int32Array.from({ length: n }, (_, i) => i);
    const Xb = new Float64Array(idx.length * d), Yb = new Float64Array(idx.length);
    idx.forEach((i, r) => { Xb.set(X.subarray(i * d, (i + 1) * d), r * d); Yb[r] = Y[i]; });
    const res = sub(add(matmul(tensor(Xb, [idx.length, d]), ps[0]), ps[1]), tensor(Yb, [idx.length, 1]));
    return scale(sum(mul(res, res)), 0.5 / idx.length);
  };
  // Closed form: normal equations for [w; b] with the design [X 1].
  const A = mat(d + 1, d + 1), B = mat(d + 1, 1);
  for (let i = 0; i < n; i++) {
    const row = [...X.subarray(i * d, (i + 1) * d), 1];
    for (let a = 0; a <= d; a++) {
      B.data[a] += row[a] * Y[i];
      for (let c = 0; c <= d; c++) A.data[a * (d + 1) + c] += row[a] * row[c];
    }
  }
  const solution = solve(A, B).data;
  const params0 = [tensor(new Float64Array(d), [d, 1]), tensor([[0]])];
  return { X, Y, loss, solution, params0, n, d };
}

/** The gradient-descent loop as it stood before it moved onto train(): the bit-level reference. */
function referenceGd(obj: Objective, theta0: Float64Array, lr: number, steps: number, onStep?: (s: number, th: Float64Array, L: number) => void, signal?: AbortSignal): TrainResult {
  const theta = Float64Array.from(theta0);
  let { value: loss, grad } = obj.valueAndGrad(theta);
  const initial = loss;
  onStep?.(0, theta, loss);
  for (let step = 1; step <= steps; step++) {
    if (signal?.aborted) return { theta, status: 'interrupted', steps: step - 1, time: (step - 1) * lr, finalLoss: loss };
    for (let i = 0; i < theta.length; i++) theta[i] -= lr * grad[i];
    ({ value: loss, grad } = obj.valueAndGrad(theta));
    if (isDiverged(loss, initial, grad)) return { theta, status: 'diverged', steps: step, time: step * lr, divergedAt: step, finalLoss: loss };
    onStep?.(step, theta, loss);
  }
  return { theta, status: 'completed', steps, time: steps * lr, finalLoss: loss };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('train: convergence to the closed-form least-squares solution', () => {
  const p = lsqProblem(40, 3, 0.1);

  it('full batch, SGD with momentum → normal-equation solution', () => {
    const r = train({ params: p.params0, loss: p.loss, optimizer: sgd({ momentum: 0.9 }), lr: 0.1, steps: 400 });
    expect(r.status).toBe('completed');
    expect(r.steps).toBe(400);
    expect(r.losses.length).toBe(401);
    expect(maxDiff(flatten(r.params), p.solution)).toBeLessThan(1e-8);
    expect(p.params0[0].data.every((x) => x === 0)).toBe(true); // inputs not mutated
  });

  it('minibatches (without and with replacement), SGD → the interpolating solution', () => {
    const q = lsqProblem(40, 3, 0); // noiseless: every minibatch gradient vanishes at the solution
    for (const replacement of [false, true]) {
      const r = train({ params: q.params0, loss: q.loss, n: q.n, batchSize: 8, replacement, seed: 5, optimizer: sgd(), lr: 0.2, steps: 1500 });
      expect(r.status).toBe('completed');
      expect(maxDiff(flatten(r.params), q.solution)).toBeLessThan(1e-8);
    }
  });

  it('minibatch Adam with a cosine schedule lands near the noisy solution; same seed → same run', () => {
    const run = (seed: number) => train({ params: p.params0, loss: p.loss, n: p.n, batchSize: 10, seed, optimizer: adam(), lr: 0.05, schedule: cosine(3000, { warmup: 50, minFactor: 0 }), steps: 3000 });
    const a = run(2), b = run(2), c = run(3);
    expect(a.losses).toEqual(b.losses);
    expect(flatten(a.params)).toEqual(flatten(b.params));
    expect(a.losses).not.toEqual(c.losses);
    expect(maxDiff(flatten(a.params), p.solution)).toBeLessThan(2e-3);
  });

  it('float32 parameters train and stay float32', () => {
    const ps = p.params0.map((t) => new Tensor(new Float32Array(t.size), t.shape));
    const X32 = tensor(Float32Array.from(p.X), [p.n, p.d]), Y32 = tensor(Float32Array.from(p.Y), [p.n, 1]);
    const r = train({
      params: ps, optimizer: adamw({ weightDecay: 0 }), lr: 0.02, steps: 800,
      loss: (q) => { const res = sub(add(matmul(X32, q[0]), q[1]), Y32); return scale(sum(mul(res, res)), 0.5 / p.n); },
    });
    expect(r.params[0].data).toBeInstanceOf(Float32Array);
    expect(maxDiff(flatten(r.params), p.solution)).toBeLessThan(1e-3);
  });
});

describe('full-batch SGD(μ = 0) is gradientDescent, bit for bit', () => {
  const p = lsqProblem(30, 4, 0.5, 9);
  const obj = objectiveFromLoss((...ps) => p.loss(ps, null), p.params0);
  const theta0 = flatten(p.params0).map((_, i) => 0.1 * i - 0.2);
  const start = [new Tensor(theta0.slice(0, 4), [4, 1]), new Tensor(theta0.slice(4), [1, 1])];

  it('the same θ_t and L_t at every step, for train() and the new gradientDescent', () => {
    const ref: number[][] = [], viaGd: number[][] = [], viaTrain: number[][] = [];
    const rRef = referenceGd(obj, theta0, 0.3, 60, (_s, th, L) => ref.push([...th, L]));
    const rGd = gradientDescent(obj, theta0, { lr: 0.3, steps: 60, onStep: (_s, th, L) => viaGd.push([...th, L]) });
    const rTr = train({ params: start, loss: p.loss, optimizer: sgd(), lr: 0.3, steps: 60, onObserve: (_s, ps, L) => { viaTrain.push([...flatten(ps), L]); } });
    expect(viaGd).toEqual(ref);
    expect(viaTrain).toEqual(ref);
    expect(rGd).toEqual(rRef);
    expect(flatten(rTr.params)).toEqual(rRef.theta);
    expect(rTr.finalLoss).toBe(rRef.finalLoss);
    expect(Array.from(rTr.losses)).toEqual(ref.map((r) => r[r.length - 1]));
  });

  it('divergence and interruption are reported as before', () => {
    const big = 5; // far above 2/λ_max
    const rRef = referenceGd(obj, theta0, big, 200);
    const rGd = gradientDescent(obj, theta0, { lr: big, steps: 200 });
    expect(rRef.status).toBe('diverged');
    expect(rGd).toEqual(rRef);
    const stopAt = (k: number) => { const c = new AbortController(); return { c, on: (s: number) => { if (s === k) c.abort(); } }; };
    const a = stopAt(7), b = stopAt(7);
    const iRef = referenceGd(obj, theta0, 0.3, 50, (s) => a.on(s), a.c.signal);
    const iGd = gradientDescent(obj, theta0, { lr: 0.3, steps: 50, onStep: (s) => b.on(s), signal: b.c.signal });
    expect(iRef.status).toBe('interrupted');
    expect(iGd).toEqual(iRef);
  });

  it('objectiveFromLoss: H·v matches a central difference of the gradient', () => {
    const v = new Rng(4).normals(obj.dim);
    const h = 1e-5;
    const plus = obj.valueAndGrad(theta0.map((x, i) => x + h * v[i])).grad;
    const minus = obj.valueAndGrad(theta0.map((x, i) => x - h * v[i])).grad;
    const fd = plus.map((g, i) => (g - minus[i]) / (2 * h));
    expect(obj.dim).toBe(5);
    expect(maxDiff(obj.hvp(theta0, v), fd)).toBeLessThan(1e-8);
    expect(obj.value(theta0)).toBe(obj.valueAndGrad(theta0).value);
  });
});

describe('divergence, interruption and observation', () => {
  // L(θ) = ½ λ θ², GD multiplies θ by (1 − ηλ) per step.
  const lam = 1;
  const quad = (ps: Tensor[]) => scale(mul(ps[0], ps[0]), 0.5 * lam);
  const theta = [tensor([1])];

  it('diverges at the predicted step for ηλ = 4 (loss ×9 per step past 1e8·max(L0, 1))', () => {
    const L0 = 0.5;
    let expected = 1;
    while (L0 * 9 ** expected <= 1e8 * Math.max(L0, 1)) expected++;
    expect(expected).toBe(9);
    const r = train({ params: theta, loss: quad, optimizer: sgd(), lr: 4, steps: 100 });
    expect(r.status).toBe('diverged');
    expect(r.divergedAt).toBe(expected);
    expect(r.steps).toBe(expected);
    expect(r.losses.length).toBe(expected + 1);
    expect(r.finalLoss).toBeCloseTo(L0 * 9 ** expected, -2);
    // A smaller factor trips earlier: 0.5·9^t > 100 first at t = 3.
    expect(train({ params: theta, loss: quad, optimizer: sgd(), lr: 4, steps: 100, divergenceFactor: 100 }).divergedAt).toBe(3);
  });

  it('a non-finite loss is divergence at that step', () => {
    const r = train({ params: theta, loss: (ps) => (ps[0].data[0] < 0.5 ? scale(mul(ps[0], ps[0]), Number.NaN) : quad(ps)), optimizer: sgd(), lr: 0.2, steps: 50 });
    // θ_t = 0.8^t: first below 0.5 at t = 4.
    expect(r.status).toBe('diverged');
    expect(r.divergedAt).toBe(4);
  });

  it('aborting gives interrupted with the steps done', () => {
    const c = new AbortController();
    const r = train({ params: theta, loss: quad, optimizer: sgd(), lr: 0.1, steps: 100, onObserve: (s) => { if (s === 12) c.abort(); }, signal: c.signal });
    expect(r.status).toBe('interrupted');
    expect(r.steps).toBe(12);
    expect(r.params[0].data[0]).toBeCloseTo(0.9 ** 12, 14);
    const pre = new AbortController();
    pre.abort();
    expect(train({ params: theta, loss: quad, optimizer: sgd(), lr: 0.1, steps: 5, signal: pre.signal }).steps).toBe(0);
  });

  it('onObserve at step 0, every observeEvery steps and the last; snapshots; stop', () => {
    const seen: number[] = [], values: number[] = [];
    const r = train({ params: theta, loss: quad, optimizer: sgd(), lr: 0.1, steps: 10, observeEvery: 3, onObserve: (s, ps) => { seen.push(s); values.push(ps[0].data[0]); } });
    expect(seen).toEqual([0, 3, 6, 9, 10]);
    expect(values.map((v, k) => v - 0.9 ** seen[k]).every((d) => Math.abs(d) < 1e-15)).toBe(true);
    expect(r.stoppedEarly).toBe(false);
    const stop = train({ params: theta, loss: quad, optimizer: sgd(), lr: 0.1, steps: 100, observeEvery: 5, onObserve: (_s, _p, L) => (L < 0.01 ? 'stop' : undefined) });
    // L_t = ½·0.81^t < 0.01 first at t = 19 → first observed at 20.
    expect(stop.status).toBe('completed');
    expect(stop.stoppedEarly).toBe(true);
    expect(stop.steps).toBe(20);
    const fracs: number[] = [];
    train({ params: theta, loss: quad, optimizer: sgd(), lr: 0.1, steps: 400, progress: (f) => fracs.push(f) });
    expect(fracs.length).toBe(200);
    expect(fracs[fracs.length - 1]).toBe(1);
  });

  it('bad options name the field', () => {
    expect(() => train({ params: theta, loss: quad, optimizer: sgd(), lr: -1, steps: 1 })).toThrow(/lr/);
    expect(() => train({ params: theta, loss: quad, optimizer: sgd(), lr: 0.1, steps: 1.5 })).toThrow(/steps/);
    expect(() => train({ params: theta, loss: quad, optimizer: sgd(), lr: 0.1, steps: 1, observeEvery: 0 })).toThrow(/observeEvery/);
    expect(() => train({ params: theta, loss: quad, optimizer: sgd(), lr: 0.1, steps: 1, batchSize: 2 })).toThrow(/batchSize/);
    expect(() => train({ params: theta, loss: quad, optimizer: sgd(), lr: 0.1, steps: 1, n: 10, batchSize: 2 })).toThrow(/seed/);
  });
});

// ---------- the loop (autodiff gradients, schedule, clipping) against PyTorch ----------

interface Case {
  name: string; kind: 'sgd' | 'adam' | 'adamw'; lr: number; hyper: Record<string, number>;
  clip?: number; scheduler?: { kind: string; every?: number; gamma?: number; total?: number; minFactor?: number }; trajectory: number[][];
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/optim-torch.json', import.meta.url), 'utf8')) as {
  problem: { X: number[][]; Y: number[]; w0: number[]; b0: number; steps: number }; cases: Case[];
};

describe('train() replays torch.optim runs with schedules and clipping (1e-12)', () => {
  const { X, Y, w0, b0, steps } = fx.problem;
  const Xt = tensor(X), Yt = tensor(Y.map((y) => [y]));
  const loss = (ps: Tensor[]) => { const r = sub(add(matmul(Xt, ps[0]), ps[1]), Yt); return scale(sum(mul(r, r)), 0.5 / X.length); };
  const make = (c: Case): Optimizer<any> => c.kind === 'sgd' ? sgd({ momentum: c.hyper.momentum ?? 0 }) : adamw({ weightDecay: c.hyper.weight_decay ?? 0.01 });
  for (const name of ['sgd-momentum-steplr-clip', 'adamw-cosine', 'sgd-momentum']) {
    it(name, () => {
      const c = fx.cases.find((k) => k.name === name)!;
      const s = c.scheduler;
      const schedule = !s ? constant : s.kind === 'step' ? stepDecay(s.every!, s.gamma!) : cosine(s.total!, { minFactor: s.minFactor! });
      const traj: number[][] = [];
      train({
        params: [tensor(w0.map((w) => [w])), tensor([[b0]])], loss, optimizer: make(c), lr: c.lr, schedule, steps,
        ...(c.clip !== undefined ? { clipNorm: c.clip } : {}),
        onObserve: (_t, ps) => { traj.push(Array.from(flatten(ps))); },
      });
      expect(traj.length).toBe(steps + 1);
      let worst = 0;
      traj.forEach((th, t) => { worst = Math.max(worst, maxDiff(th, c.trajectory[t])); });
      expect(worst).toBeLessThan(1e-12);
    });
  }
});
