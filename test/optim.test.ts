import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { batchSampler } from '../src/training/batches.js';
import {
  adam, adamw, applyUpdates, applyUpdatesInPlace, clipGradNorm, clipGradNormInPlace, clipped, constant, cosine, globalNorm,
  groupsFromInfo, linearWarmup, scaled, sgd, stepDecay, times, type FloatArray, type Optimizer, type ParamGroups,
} from '../src/training/optim/index.js';
import type { ParamInfo } from '../src/nn/types.js';

const f64 = (xs: number[]) => Float64Array.from(xs);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** Run an optimizer (in place) on a fixed gradient sequence; returns θ after each step. */
function runFixed(opt: Optimizer<any>, theta0: number[][], grads: number[][][], lr: number): number[][][] {
  const params = theta0.map(f64);
  let state = opt.init(params);
  const out: number[][][] = [];
  grads.forEach((g, t) => {
    state = opt.step(g.map(f64), state, params, t + 1, lr);
    out.push(params.map((p) => Array.from(p)));
  });
  return out;
}

// Fixed gradient sequence on θ0 = [1, −2] (gradients chosen, not derived from a loss).
const TH0 = [[1, -2]];
const G = [[[0.5, -1]], [[0.25, 0.5]], [[-1, 2]]];

describe('sgd: hand-computed updates', () => {
  it('plain SGD is θ − ηg', () => {
    const tr = runFixed(sgd(), TH0, G, 0.1);
    expect(tr[0][0]).toEqual([1 - 0.1 * 0.5, -2 + 0.1 * 1]);
    expect(maxDiff(tr[2][0], [0.95 - 0.025 + 0.1, -1.9 - 0.05 - 0.2])).toBeLessThan(1e-15);
  });

  it('heavy-ball momentum: b₁ = g₁, b_t = μb + g', () => {
    // b1 = [0.5, −1] → θ1 = [0.95, −1.9]; b2 = 0.9·b1 + g2 = [0.7, −0.4] → θ2 = [0.88, −1.86];
    // b3 = 0.9·b2 + g3 = [−0.37, 1.64] → θ3 = [0.917, −2.024].
    const tr = runFixed(sgd({ momentum: 0.9 }), TH0, G, 0.1);
    expect(maxDiff(tr[0][0], [0.95, -1.9])).toBeLessThan(1e-15);
    expect(maxDiff(tr[1][0], [0.88, -1.86])).toBeLessThan(1e-15);
    expect(maxDiff(tr[2][0], [0.917, -2.024])).toBeLessThan(1e-15);
  });

  it('dampening scales the new gradient in the buffer (not on the first step)', () => {
    // b1 = g1 = [0.5, −1]; b2 = 0.5·b1 + 0.75·g2 = [0.4375, −0.125].
    const tr = runFixed(sgd({ momentum: 0.5, dampening: 0.25 }), TH0, G.slice(0, 2), 1);
    expect(maxDiff(tr[0][0], [0.5, -1])).toBeLessThan(1e-15);
    expect(maxDiff(tr[1][0], [0.5 - 0.4375, -1 + 0.125])).toBeLessThan(1e-15);
  });

  it('Nesterov: d = g + μb', () => {
    // d1 = g1 + 0.9·g1 = [0.95, −1.9] → θ1 = [0.905, −1.81]; b2 = [0.7, −0.4], d2 = g2 + 0.9·b2 = [0.88, 0.14]
    // → θ2 = [0.817, −1.824].
    const tr = runFixed(sgd({ momentum: 0.9, nesterov: true }), TH0, G.slice(0, 2), 0.1);
    expect(maxDiff(tr[0][0], [0.905, -1.81])).toBeLessThan(1e-15);
    expect(maxDiff(tr[1][0], [0.817, -1.824])).toBeLessThan(1e-15);
  });

  it('coupled weight decay: d = g + λθ', () => {
    // d1 = [0.5, −1] + 0.5·[1, −2] = [1, −2] → θ1 = [0.9, −1.8]; d2 = [0.25, 0.5] + 0.5·θ1 = [0.7, −0.4] → θ2 = [0.83, −1.76].
    const tr = runFixed(sgd({ weightDecay: 0.5 }), TH0, G.slice(0, 2), 0.1);
    expect(maxDiff(tr[0][0], [0.9, -1.8])).toBeLessThan(1e-15);
    expect(maxDiff(tr[1][0], [0.83, -1.76])).toBeLessThan(1e-15);
  });

  it('rejects bad hyper-parameters with the field named', () => {
    expect(() => sgd({ momentum: -0.1 })).toThrow(/momentum/);
    expect(() => sgd({ nesterov: true })).toThrow(/nesterov/);
    expect(() => sgd({ dampening: 2 })).toThrow(/dampening/);
    expect(() => sgd().step([f64([1])], { buf: null }, [f64([1])], 0, 0.1)).toThrow(/step/);
    expect(() => sgd({ groups: { lrScale: [1, 1] } }).init([f64([1])])).toThrow(/groups.lrScale/);
  });
});

describe('adam / adamw: hand-computed updates', () => {
  const eps = 1e-8;
  it('Adam, first two steps', () => {
    const tr = runFixed(adam(), TH0, G.slice(0, 2), 0.1);
    // t = 1: m̂ = g, v̂ = g² → u = −η g / (|g| + ε).
    expect(maxDiff(tr[0][0], [1 - (0.1 * 0.5) / (0.5 + eps), -2 + 0.1 / (1 + eps)])).toBeLessThan(1e-14);
    // t = 2: m2 = 0.9·0.1·g1 + 0.1·g2 = [0.07, −0.04]; v2 = 0.999·0.001·g1² + 0.001·g2² = [3.1225e-4, 1.249e-3];
    // 1 − β1² = 0.19, 1 − β2² = 0.001999.
    const m2 = [0.07, -0.04], v2 = [3.1225e-4, 1.249e-3];
    const th2 = tr[0][0].map((p, i) => p - (0.1 / 0.19) * (m2[i] / (Math.sqrt(v2[i]) / Math.sqrt(0.001999) + eps)));
    expect(maxDiff(tr[1][0], th2)).toBeLessThan(1e-14);
  });

  it('Adam with coupled decay adds λθ to g before the moments', () => {
    // λ = 0.5: g1' = [0.5 + 0.5, −1 − 1] = [1, −2] → u = −η g'/(|g'| + ε).
    const tr = runFixed(adam({ weightDecay: 0.5 }), TH0, G.slice(0, 1), 0.1);
    expect(maxDiff(tr[0][0], [1 - 0.1 / (1 + eps), -2 + (0.1 * 2) / (2 + eps)])).toBeLessThan(1e-14);
  });

  it('AdamW decays θ by (1 − ηλ) outside the adaptive step', () => {
    const tr = runFixed(adamw({ weightDecay: 0.1 }), TH0, G.slice(0, 2), 0.1);
    const th1 = [1 - 0.01 - (0.1 * 0.5) / (0.5 + eps), -2 + 0.02 + 0.1 / (1 + eps)];
    expect(maxDiff(tr[0][0], th1)).toBeLessThan(1e-14);
    const m2 = [0.07, -0.04], v2 = [3.1225e-4, 1.249e-3];
    const th2 = th1.map((p, i) => p * (1 - 0.01) - (0.1 / 0.19) * (m2[i] / (Math.sqrt(v2[i]) / Math.sqrt(0.001999) + eps)));
    expect(maxDiff(tr[1][0], th2)).toBeLessThan(1e-14);
  });

  it('epsScale multiplies ε per tensor', () => {
    // ε = 0.5 on the second tensor: u = −η g/(|g| + 0.5).
    const tr = runFixed(adam({ eps: 0.25, groups: { epsScale: [1, 2] } }), [[1], [1]], [[[1], [1]]], 0.1);
    expect(maxDiff([tr[0][0][0], tr[0][1][0]], [1 - 0.1 / 1.25, 1 - 0.1 / 1.5])).toBeLessThan(1e-15);
  });
});

describe('per-parameter groups', () => {
  const theta0 = [[1, 2], [3, -1]];
  const grads = [[[0.5, 0.5], [1, -2]], [[0.1, 0.2], [0.3, 0.4]]];
  for (const [name, make] of [
    ['sgd', (g: ParamGroups) => sgd({ momentum: 0.9, weightDecay: 0.1, groups: g })],
    ['adam', (g: ParamGroups) => adam({ weightDecay: 0.1, groups: g })],
    ['adamw', (g: ParamGroups) => adamw({ weightDecay: 0.1, groups: g })],
  ] as const) {
    it(`${name}: lrScale 0 freezes a tensor, lrScale s equals lr·s`, () => {
      const tr = runFixed(make({ lrScale: [1, 0] }), theta0, grads, 0.1);
      expect(tr[1][1]).toEqual(theta0[1]);
      expect(tr[1][0]).not.toEqual(theta0[0]);
      // lrScale 0.5 on tensor 0 ≡ running that tensor alone at lr 0.05.
      const half = runFixed(make({ lrScale: [0.5, 1] }), theta0, grads, 0.1);
      const alone = runFixed(make({}), [theta0[0]], grads.map((g) => [g[0]]), 0.05);
      expect(maxDiff(half[1][0], alone[1][0])).toBeLessThan(1e-15);
    });
    it(`${name}: wdScale 0 removes decay from one tensor only`, () => {
      const tr = runFixed(make({ wdScale: [0, 1] }), theta0, grads, 0.1);
      const noWd = runFixed(name === 'sgd' ? sgd({ momentum: 0.9 }) : name === 'adam' ? adam() : adamw({ weightDecay: 0 }), theta0, grads, 0.1);
      expect(maxDiff(tr[1][0], noWd[1][0])).toBeLessThan(1e-15);
      expect(maxDiff(tr[1][1], noWd[1][1])).toBeGreaterThan(1e-4);
    });
  }

  it('groupsFromInfo reads lrScale / wdScale / epsScale (default 1)', () => {
    const info = (name: string, lrScale: number, wdScale: number, epsScale?: number): ParamInfo => ({
      name, shape: [2], role: 'bias', fanIn: 1, fanOut: 2, inIsWidth: false, outIsWidth: true, init: { kind: 'zeros' },
      multiplier: 1, lrScale, wdScale, ...(epsScale !== undefined ? { epsScale } : {}),
    });
    expect(groupsFromInfo([info('a', 0.5, 0, 0.1), info('b', 2, 1)])).toEqual({ lrScale: [0.5, 2], wdScale: [0, 1], epsScale: [0.1, 1] });
  });
});

describe('pure update vs in-place step', () => {
  it('update leaves inputs untouched and update+applyUpdates equals step bit for bit', () => {
    for (const opt of [sgd({ momentum: 0.9, nesterov: true, weightDecay: 0.01 }), adam({ weightDecay: 0.1 }), adamw(), clipped(adam(), 0.5)] as Optimizer<any>[]) {
      const rng = new Rng(3);
      const p0 = [rng.normals(5), Float32Array.from(rng.normals(3))] as FloatArray[];
      let pPure: FloatArray[] = p0.map((p) => p.slice());
      const pInPlace = p0.map((p) => p.slice());
      let sPure = opt.init(pPure);
      let sIn = opt.init(pInPlace);
      for (let t = 1; t <= 4; t++) {
        const g = [rng.normals(5), rng.normals(3)];
        const before = pPure.map((p) => p.slice());
        const gCopy = g.map((x) => x.slice());
        const r = opt.update(g, sPure, pPure, t, 0.05);
        expect(pPure).toEqual(before);
        expect(g).toEqual(gCopy);
        pPure = applyUpdates(pPure, r.updates);
        sPure = r.state;
        sIn = opt.step(g, sIn, pInPlace, t, 0.05);
        expect(pInPlace[0]).toEqual(pPure[0]);
        expect(pInPlace[1]).toEqual(pPure[1]);
        expect(pPure[1]).toBeInstanceOf(Float32Array);
      }
    }
  });

  it('applyUpdatesInPlace adds u into θ', () => {
    const p = [f64([1, 2])];
    expect(applyUpdatesInPlace(p, [f64([0.5, -1])])[0]).toEqual(f64([1.5, 1]));
    expect(() => applyUpdates(p, [f64([1])])).toThrow(/updates\[0\]/);
  });
});

describe('clip by global norm', () => {
  it('scales by max/(‖g‖ + 1e-6) only when that is < 1', () => {
    const g = [f64([3]), f64([4])];
    expect(globalNorm(g)).toBe(5);
    const r = clipGradNorm(g, 1);
    expect(r.norm).toBe(5);
    expect(r.coef).toBe(1 / (5 + 1e-6));
    expect(maxDiff([r.grads[0][0], r.grads[1][0]], [3 / (5 + 1e-6), 4 / (5 + 1e-6)])).toBeLessThan(1e-16);
    expect(g[0][0]).toBe(3);
    const same = clipGradNorm(g, 5.00001); // 5 itself clips: 5/(5 + 1e-6) < 1
    expect(same.coef).toBe(1);
    expect(same.grads[0]).toBe(g[0]);
    clipGradNormInPlace(g, 1);
    expect(g[1][0]).toBe(4 / (5 + 1e-6));
  });
});

describe('schedules', () => {
  it('values at chosen steps', () => {
    expect(constant(17)).toBe(1);
    const w = linearWarmup(4);
    expect([1, 2, 3, 4, 5, 100].map(w)).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
    const s = stepDecay(3, 0.5);
    expect([1, 3, 4, 6, 7, 10].map(s)).toEqual([1, 1, 0.5, 0.5, 0.25, 0.125]);
    const c = cosine(10, { minFactor: 0.1 });
    expect(c(1)).toBe(1);
    expect(c(6)).toBeCloseTo(0.55, 15); // p = 1/2: 0.1 + 0.9·½
    expect(c(11)).toBeCloseTo(0.1, 15); // p = 1: the floor
    expect(c(50)).toBeCloseTo(0.1, 15);
    const cw = cosine(12, { warmup: 2 });
    expect([1, 2, 3].map(cw)).toEqual([0.5, 1, 1]);
    expect(cw(8)).toBeCloseTo(0.5, 15); // p = (8 − 1 − 2)/10 = 1/2
    expect(times(linearWarmup(2), stepDecay(2, 0.1))(3)).toBeCloseTo(0.1, 15);
    expect(scaled(0.3, linearWarmup(3))(1)).toBeCloseTo(0.1, 15);
    expect(() => cosine(5, { warmup: 5 })).toThrow(/warmup/);
    expect(() => stepDecay(0, 0.5)).toThrow(/every/);
  });
});

// ---------------------------------------------------------------------------------------
// PyTorch replay (bench/reference/optim.py → test/fixtures/optim-torch.json).

interface TorchCase {
  name: string; kind: 'sgd' | 'adam' | 'adamw'; lr: number;
  hyper: { momentum?: number; dampening?: number; nesterov?: boolean; weight_decay?: number; betas?: [number, number]; eps?: number };
  groups?: { lr?: number[]; wd?: number[]; eps?: number[] };
  clip?: number;
  scheduler?: { kind: 'step' | 'warmup' | 'cosine'; every?: number; gamma?: number; warmup?: number; total?: number; minFactor?: number };
  trajectory: number[][]; losses: number[]; gradNorms?: number[];
}
export interface TorchFixture {
  problem: { X: number[][]; Y: number[]; w0: number[]; b0: number; steps: number };
  cases: TorchCase[];
  schedules: { spec: NonNullable<TorchCase['scheduler']>; base: number; lrs: number[] }[];
}
export const fixture: TorchFixture = JSON.parse(readFileSync(new URL('./fixtures/optim-torch.json', import.meta.url), 'utf8'));

export function torchOptimizer(c: TorchCase): Optimizer<any> {
  const groups: ParamGroups = {
    ...(c.groups?.lr ? { lrScale: c.groups.lr } : {}),
    ...(c.groups?.wd ? { wdScale: c.groups.wd } : {}),
    ...(c.groups?.eps ? { epsScale: c.groups.eps } : {}),
  };
  const h = c.hyper;
  if (c.kind === 'sgd') {
    return sgd({ momentum: h.momentum ?? 0, dampening: h.dampening ?? 0, nesterov: h.nesterov ?? false, weightDecay: h.weight_decay ?? 0, groups });
  }
  const o = { ...(h.betas ? { beta1: h.betas[0], beta2: h.betas[1] } : {}), ...(h.eps !== undefined ? { eps: h.eps } : {}), ...(h.weight_decay !== undefined ? { weightDecay: h.weight_decay } : {}), groups };
  return c.kind === 'adam' ? adam(o) : adamw(o);
}

export function torchSchedule(s: NonNullable<TorchCase['scheduler']>) {
  if (s.kind === 'step') return stepDecay(s.every!, s.gamma!);
  if (s.kind === 'warmup') return linearWarmup(s.warmup!);
  return cosine(s.total!, { minFactor: s.minFactor! });
}

/** L = 1/(2m) Σ (x_iᵀw + b − y_i)² and its gradient, by hand. */
function lsq(w: ArrayLike<number>, b: number) {
  const { X, Y } = fixture.problem;
  const m = X.length;
  const gw = new Float64Array(3);
  let gb = 0, L = 0;
  for (let i = 0; i < m; i++) {
    const r = X[i][0] * w[0] + X[i][1] * w[1] + X[i][2] * w[2] + b - Y[i];
    L += (r * r) / (2 * m);
    for (let j = 0; j < 3; j++) gw[j] += (X[i][j] * r) / m;
    gb += r / m;
  }
  return { L, grads: [gw, f64([gb])] };
}

describe('optimizers against torch.optim (float64, 1e-12)', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const opt = torchOptimizer(c);
      const sched = c.scheduler ? torchSchedule(c.scheduler) : constant;
      const params = [f64(fixture.problem.w0), f64([fixture.problem.b0])];
      let state = opt.init(params);
      let worst = maxDiff([...params[0], ...params[1]], c.trajectory[0]);
      for (let t = 1; t <= fixture.problem.steps; t++) {
        const { L, grads } = lsq(params[0], params[1][0]);
        expect(Math.abs(L - c.losses[t - 1])).toBeLessThan(1e-12);
        let g: FloatArray[] = grads;
        if (c.clip !== undefined) {
          const r = clipGradNorm(grads, c.clip);
          expect(Math.abs(r.norm - c.gradNorms![t - 1])).toBeLessThan(1e-12);
          g = r.grads;
        }
        state = opt.step(g, state, params, t, c.lr * sched(t));
        worst = Math.max(worst, maxDiff([...params[0], ...params[1]], c.trajectory[t]));
      }
      expect(worst).toBeLessThan(1e-12);
    });
  }

  it('the clip cases do clip', () => {
    for (const c of fixture.cases.filter((k) => k.clip !== undefined)) expect(c.gradNorms![0]).toBeGreaterThan(c.clip!);
  });

  it('schedules match torch.optim.lr_scheduler (StepLR, LinearLR warm-up, CosineAnnealingLR)', () => {
    for (const s of fixture.schedules) {
      const f = torchSchedule(s.spec);
      s.lrs.forEach((lr, k) => expect(Math.abs(s.base * f(k + 1) - lr)).toBeLessThan(1e-12));
    }
  });
});

describe('batch sampler', () => {
  it('without replacement: every index once per epoch, a fresh permutation each epoch', () => {
    const s = batchSampler({ n: 10, batchSize: 3, seed: 7 });
    expect(s.batchesPerEpoch).toBe(4);
    const epochs: number[][] = [];
    for (let e = 0; e < 3; e++) {
      const idx: number[] = [];
      const sizes: number[] = [];
      for (let b = 0; b < 4; b++) { const x = s.next(); sizes.push(x.length); idx.push(...x); }
      expect(sizes).toEqual([3, 3, 3, 1]);
      expect([...idx].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      epochs.push(idx);
    }
    expect(epochs[0]).not.toEqual(epochs[1]);
    expect(epochs[0]).toEqual(Array.from(new Rng(7).split('epoch0').permutation(10)));
  });

  it('dropLast drops the short batch', () => {
    const s = batchSampler({ n: 10, batchSize: 3, seed: 7, dropLast: true });
    const first = [s.next(), s.next(), s.next()];
    expect(first.map((b) => b.length)).toEqual([3, 3, 3]);
    const next = s.next(); // a new epoch starts
    expect(Array.from(next)).toEqual(Array.from(new Rng(7).split('epoch1').permutation(10).slice(0, 3)));
  });

  it('same seed → same batches; other seed → other batches', () => {
    const take = (seed: number, replacement: boolean) => {
      const s = batchSampler({ n: 50, batchSize: 8, seed, replacement });
      return Array.from({ length: 20 }, () => Array.from(s.next()));
    };
    for (const rep of [false, true]) {
      expect(take(1, rep)).toEqual(take(1, rep));
      expect(take(1, rep)).not.toEqual(take(2, rep));
    }
  });

  it('with replacement: i.i.d. uniform indices (repeats within a batch, mean ≈ (n−1)/2)', () => {
    const s = batchSampler({ n: 20, batchSize: 20, seed: 3, replacement: true });
    expect(s.fullBatch).toBe(true); // batchSize ≥ n is full batch whatever the mode
    const r = batchSampler({ n: 20, batchSize: 15, seed: 3, replacement: true });
    const counts = new Float64Array(20);
    let repeats = 0;
    for (let b = 0; b < 400; b++) {
      const x = r.next();
      expect(x.length).toBe(15);
      if (new Set(x).size < x.length) repeats++;
      for (const i of x) { expect(i >= 0 && i < 20).toBe(true); counts[i]++; }
    }
    expect(repeats).toBeGreaterThan(390); // P(no repeat among 15 of 20) ≈ 1e-3
    // 6000 draws, 300 expected per index: chi² with 19 dof stays < 50 with overwhelming probability.
    let chi2 = 0;
    for (const c of counts) chi2 += (c - 300) ** 2 / 300;
    expect(chi2).toBeLessThan(50);
  });

  it('full batch is 0..n−1 in order and needs no seed', () => {
    const s = batchSampler({ n: 4, batchSize: 10 });
    expect(Array.from(s.next())).toEqual([0, 1, 2, 3]);
    expect(Array.from(s.next())).toEqual([0, 1, 2, 3]);
    expect(() => batchSampler({ n: 4, batchSize: 2 })).toThrow(/seed/);
    expect(() => batchSampler({ n: 4, batchSize: 0, seed: 1 })).toThrow(/batchSize/);
  });
});
