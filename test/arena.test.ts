/**
 * Arena scopes (src/engine/arena.ts) and the wasm backend's zero-copy operands. The oracle for
 * every number is the same computation without the arena (plain heap arrays, copy path): the
 * arena must change where tensors live, never what they hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arenaCheckEnabled, arenaOf, arenaStats, inArena, outsideArena, withArena } from '../src/engine/arena.js';
import { setBackend, useReference, type Backend } from '../src/engine/backend/index.js';
import { referenceBackend } from '../src/engine/backend/reference.js';
import { createWasmBackend } from '../src/engine/backend/wasm.js';
import { allocate } from '../src/engine/dtype.js';
import { mean, mul, sub, sum } from '../src/engine/ops.js';
import { Rng } from '../src/engine/rng.js';
import { tensor, Tensor } from '../src/engine/tensor.js';
import { mlpModel } from '../src/models/mlp.js';
import { train, trainFlat, type TrainOptions } from '../src/training/loop.js';
import { adam, sgd } from '../src/training/optim/index.js';

let wasm: Backend;

beforeAll(async () => {
  wasm = await createWasmBackend({ minMatmulWork: 0, minElementwise: 0 });
});
afterAll(() => {
  useReference();
});

const randn = (rng: Rng, n: number): Float64Array => rng.normals(n);

describe('arena scopes', () => {
  it('serves zero-filled views inside a scope and heap arrays outside', () => {
    const arena = arenaOf(wasm);
    const a = withArena(() => {
      expect(inArena()).toBe(true);
      const x = allocate('f64', 100);
      const y = allocate('f32', 7);
      expect(x.buffer).toBe(y.buffer);
      expect(x.byteOffset % 64).toBe(0);
      expect(y.byteOffset % 64).toBe(0);
      expect(Array.from(x).every((v) => v === 0)).toBe(true);
      x.fill(3);
      expect(arenaStats(arena).used).toBeGreaterThanOrEqual(100 * 8 + 7 * 4);
      return x.buffer;
    }, arena);
    expect(inArena()).toBe(false);
    const h = allocate('f64', 100);
    expect(h.buffer).not.toBe(a);
    expect(h.buffer.byteLength).toBe(800);
    // Reused memory is zero again.
    withArena(() => {
      expect(Array.from(allocate('f64', 100)).every((v) => v === 0)).toBe(true);
    }, arena);
  });

  it('nests like a stack: an inner scope releases only its own allocations', () => {
    const arena = arenaOf(wasm);
    withArena(() => {
      const a = allocate('f64', 50).fill(1);
      let innerAt = -1;
      withArena(() => {
        const b = allocate('f64', 50).fill(2);
        innerAt = b.byteOffset;
        expect(arenaStats(arena).depth).toBe(2);
      }, arena);
      expect(arenaStats(arena).depth).toBe(1);
      const c = allocate('f64', 50);
      expect(c.byteOffset).toBe(innerAt); // the inner allocation's memory is reused
      expect(Array.from(c).every((v) => v === 0)).toBe(true);
      expect(Array.from(a).every((v) => v === 1)).toBe(true); // the outer one is intact
    }, arena);
    expect(arenaStats(arena).depth).toBe(0);
  });

  it('outsideArena allocates on the heap; a scope opened inside it uses the arena again', () => {
    const arena = arenaOf(wasm);
    withArena(() => {
      const arenaBuffer = allocate('f64', 10).buffer;
      const kept = outsideArena(() => {
        expect(inArena()).toBe(false);
        expect(withArena(() => allocate('f64', 10).buffer, arena)).toBe(arenaBuffer);
        return allocate('f64', 10);
      });
      expect(kept.buffer).not.toBe(arenaBuffer);
      expect(kept.buffer.byteLength).toBe(80);
      expect(inArena()).toBe(true);
    }, arena);
  });

  it('releases on throw, and refuses an async body', () => {
    const arena = arenaOf(wasm);
    expect(() => withArena(() => { allocate('f64', 10); throw new Error('boom'); }, arena)).toThrow('boom');
    expect(arenaStats(arena).depth).toBe(0);
    expect(inArena()).toBe(false);
    expect(() => withArena(async () => 1, arena)).toThrow(/synchronous/);
  });

  it('poisons released memory: a tensor kept past its scope reads NaN, and a kernel refuses it', () => {
    expect(arenaCheckEnabled()).toBe(true); // VITEST is set
    const arena = arenaOf(wasm);
    const leak64 = withArena(() => allocate('f64', 600).fill(1), arena);
    const leak32 = withArena(() => allocate('f32', 600).fill(1), arena);
    expect(Array.from(leak64).every(Number.isNaN)).toBe(true);
    expect(Array.from(leak32).every(Number.isNaN)).toBe(true);
    const out = new Float64Array(600);
    expect(() => wasm.mul(leak64, leak64, out)).toThrow(/after its withArena scope ended/);
    // The heap arena (backends without their own) poisons too.
    const heapLeak = withArena(() => allocate('f64', 10).fill(1), arenaOf(referenceBackend));
    expect(Array.from(heapLeak).every(Number.isNaN)).toBe(true);
  });
});

describe('wasm kernels on arena operands', () => {
  it('run in place (no copies) and give the copy path\'s numbers bit for bit', () => {
    const rng = new Rng(3);
    const m = 37, k = 29, n = 41;
    const A = randn(rng, m * k), B = randn(rng, k * n), X = randn(rng, 1000), Y = randn(rng, 1000);
    // Copy path: heap arrays.
    const C0 = new Float64Array(m * n), CT0 = new Float64Array(k * n);
    wasm.matmul(A, B, C0, m, k, n);
    wasm.matmul(A, C0, CT0, k, m, n, true, false);
    const ax0 = new Float64Array(1000), mu0 = new Float64Array(1000), re0 = new Float64Array(1000), rm0 = new Float64Array(1000);
    wasm.axpby(0.5, X, -2, Y, ax0);
    wasm.mul(X, Y, mu0);
    wasm.relu(X, re0);
    wasm.reluMask(Y, X, rm0);
    const arena = arenaOf(wasm);
    withArena(() => {
      const a = allocate('f64', m * k), b = allocate('f64', k * n), c = allocate('f64', m * n), ct = allocate('f64', k * n);
      a.set(A); b.set(B);
      const x = allocate('f64', 1000), y = allocate('f64', 1000);
      x.set(X); y.set(Y);
      const before = { ...arenaStats(arena) };
      wasm.matmul(a, b, c, m, k, n);
      wasm.matmul(a, c, ct, k, m, n, true, false);
      const ax = allocate('f64', 1000), mu = allocate('f64', 1000), re = allocate('f64', 1000);
      wasm.axpby(0.5, x, -2, y, ax);
      wasm.mul(x, y, mu);
      wasm.relu(x, re);
      const rm = allocate('f64', 1000);
      rm.set(y);
      wasm.reluMask(rm, x, rm); // out == g exactly: allowed in place
      const after = arenaStats(arena);
      expect(after.copiedIn - before.copiedIn).toBe(0);
      expect(after.copiedOut - before.copiedOut).toBe(0);
      expect(Array.from(c)).toEqual(Array.from(C0));
      expect(Array.from(ct)).toEqual(Array.from(CT0));
      expect(Array.from(ax)).toEqual(Array.from(ax0));
      expect(Array.from(mu)).toEqual(Array.from(mu0));
      expect(Array.from(re)).toEqual(Array.from(re0));
      expect(Array.from(rm)).toEqual(Array.from(rm0));
    }, arena);
  });

  it('stages an input that partly overlaps the output, and matmul operands that alias it', () => {
    const rng = new Rng(4);
    const X = randn(rng, 1001), Y = randn(rng, 1000);
    // Reference on separate arrays: out[i] = x[i] + y[i] where x = buf[0..1000), out = buf[1..1001).
    const want = new Float64Array(1000);
    referenceBackend.axpby(1, X.subarray(0, 1000), 1, Y, want);
    const arena = arenaOf(wasm);
    withArena(() => {
      const buf = allocate('f64', 1001), y = allocate('f64', 1000);
      buf.set(X); y.set(Y);
      const before = arenaStats(arena).copiedIn;
      wasm.axpby(1, buf.subarray(0, 1000), 1, y, buf.subarray(1, 1001));
      expect(arenaStats(arena).copiedIn - before).toBe(1000 * 8); // only the overlapping input
      expect(Array.from(buf.subarray(1))).toEqual(Array.from(want));
      // matmul with out aliasing A (not allowed in place): A is staged, the result is right.
      const n = 8, A = randn(rng, n * n), I = new Float64Array(n * n);
      for (let i = 0; i < n; i++) I[i * n + i] = 1;
      const a = allocate('f64', n * n), eye = allocate('f64', n * n);
      a.set(A); eye.set(I);
      wasm.matmul(a, eye, a, n, n, n);
      expect(Array.from(a)).toEqual(Array.from(A));
    }, arena);
  });

  it('spills to the heap when full, runs staging on the spare instance, and is resident next time', async () => {
    const be = await createWasmBackend({ minMatmulWork: 0, minElementwise: 0 });
    const arena = arenaOf(be);
    const rng = new Rng(5);
    const m = 300, k = 200, n = 250; // each operand ≈ 0.5 MB: three of them overflow the first 1 MiB region
    const A = randn(rng, m * k), B = randn(rng, k * n);
    const C0 = new Float64Array(m * n);
    wasm.matmul(A, B, C0, m, k, n); // another instance: `be`'s memory is still at its initial size
    const scope = () => withArena(() => {
      const a = allocate('f64', m * k), b = allocate('f64', k * n), c = allocate('f64', m * n);
      a.set(A); b.set(B);
      be.matmul(a, b, c, m, k, n);
      return Array.from(c);
    }, arena);
    const first = scope();
    const s1 = arenaStats(arena);
    expect(s1.spilled).toBeGreaterThan(0);
    expect(s1.spareCalls).toBeGreaterThan(0);
    expect(first).toEqual(Array.from(C0));
    const second = scope();
    const s2 = arenaStats(arena);
    expect(s2.spilled).toBe(s1.spilled); // everything resident now
    expect(s2.spareCalls).toBe(s1.spareCalls);
    expect(s2.copiedIn).toBe(s1.copiedIn);
    expect(second).toEqual(Array.from(C0));
  });

  it('a kernel family\'s ctx.run is in place on arena operands and runs on the spare instance when staging cannot fit', async () => {
    const be = await createWasmBackend({ minElementwise: 0 });
    if (!be.softmaxRows) return; // the row family is optional
    const arena = arenaOf(be);
    const rng = new Rng(6);
    const rows = 100, n = 300; // 240 KB per operand
    const X = randn(rng, rows * n);
    const want = new Float64Array(rows * n);
    referenceBackend.softmaxRows!(X, want, rows, n);
    const heapOut = new Float64Array(rows * n);
    withArena(() => {
      const filler = allocate('f64', 140_000); // ≈ 1.07 MiB: the first region is nearly full
      const s0 = arenaStats(arena);
      be.softmaxRows!(X, heapOut, rows, n); // heap operands need staging: it cannot fit, so the spare runs it
      expect(arenaStats(arena).spareCalls).toBe(s0.spareCalls + 1);
      expect(filler.length).toBe(140_000);
    }, arena);
    const got = withArena(() => {
      const x = allocate('f64', rows * n), out = allocate('f64', rows * n);
      x.set(X);
      const s0 = arenaStats(arena);
      be.softmaxRows!(x, out, rows, n);
      const s1 = arenaStats(arena);
      expect(s1.copiedIn - s0.copiedIn).toBe(0);
      expect(s1.copiedOut - s0.copiedOut).toBe(0);
      return Array.from(out);
    }, arena);
    const copyPath = new Float64Array(rows * n);
    be.softmaxRows!(X, copyPath, rows, n);
    expect(Array.from(heapOut)).toEqual(Array.from(copyPath));
    expect(got).toEqual(Array.from(copyPath));
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-15);
  });
});

// ---------- training ----------

function mlpTask(seed: number) {
  const rng = new Rng(seed);
  const n = 64, d = 12, h = 48, c = 5;
  const model = mlpModel({ widths: [d, h, h, c], activation: 'tanh' });
  const X = tensor(rng.split('x').normals(n * d), [n, d]);
  const Y = tensor(rng.split('y').normals(n * c), [n, c]);
  const params = model.init(rng.split('init'));
  const loss = (ps: Tensor[]) => {
    const r = sub(model.apply(ps, X), Y);
    return mean(mul(r, r));
  };
  return { params, loss, n };
}

function runTrain(be: Backend, arena: boolean, steps: number, extra: Partial<TrainOptions> = {}) {
  setBackend(be);
  const { params, loss, n } = mlpTask(7);
  return train({ params, loss: (ps) => loss(ps), optimizer: adam(), lr: 1e-2, steps, n, batchSize: 16, seed: 2, arena, ...extra });
}

describe('training in arena scopes', () => {
  it('gives bit-identical parameters with and without the arena (wasm and reference)', async () => {
    const be = await createWasmBackend();
    for (const b of [be, referenceBackend]) {
      const on = runTrain(b, true, 20), off = runTrain(b, false, 20);
      expect(Array.from(on.losses)).toEqual(Array.from(off.losses));
      on.params.forEach((p, k) => expect(Array.from(p.data)).toEqual(Array.from(off.params[k].data)));
      expect(on.params.every((p) => Array.from(p.data).every(Number.isFinite))).toBe(true);
    }
    useReference();
  });

  it('hands onObserve heap snapshots that survive the run', async () => {
    const be = await createWasmBackend();
    const kept: Tensor[][] = [];
    const r = runTrain(be, true, 6, { onObserve: (_t, ps) => { kept.push(ps); } });
    expect(kept.length).toBe(7);
    kept[6].forEach((p, k) => expect(Array.from(p.data)).toEqual(Array.from(r.params[k].data)));
    useReference();
  });

  it('stays resident and does not grow over 100 steps after warm-up; copies only the heap operands', async () => {
    const be = await createWasmBackend();
    const arena = arenaOf(be);
    const marks: { capacity: number; spilled: number; spare: number; copiedIn: number; allocations: number }[] = [];
    runTrain(be, true, 102, {
      onObserve: (t) => {
        const s = arenaStats(arena);
        if (t === 2 || t === 3 || t === 102) marks.push({ capacity: s.capacity, spilled: s.spilled, spare: s.spareCalls, copiedIn: s.copiedIn, allocations: s.allocations });
      },
    });
    const [a, b, z] = marks;
    expect(z.capacity).toBe(a.capacity);
    expect(z.spilled).toBe(a.spilled);
    expect(z.spare).toBe(a.spare);
    const perStep = b.allocations - a.allocations;
    expect(perStep).toBeGreaterThan(20);
    expect(z.allocations - a.allocations).toBe(100 * perStep);
    // Copy traffic per step: the same every step, and less than without the arena.
    const inPerStep = b.copiedIn - a.copiedIn;
    expect(z.copiedIn - a.copiedIn).toBe(100 * inPerStep);
    const off = await createWasmBackend();
    const offArena = arenaOf(off);
    let c2 = 0, c3 = 0;
    runTrain(off, false, 3, { onObserve: (t) => { if (t === 2) c2 = arenaStats(offArena).copiedIn; if (t === 3) c3 = arenaStats(offArena).copiedIn; } });
    expect(inPerStep).toBeLessThan(0.5 * (c3 - c2));
    useReference();
  });

  it('a loss that caches a tensor across steps is caught by the poison; arena: false is the way out', () => {
    const make = () => {
      let cached: Tensor | null = null;
      const target = new Float64Array([1, 2, 3]);
      return (ps: Float64Array[]) => {
        cached ??= tensor(target, [3]); // kept beyond the first step's scope
        let value = 0;
        const g = new Float64Array(3);
        for (let i = 0; i < 3; i++) {
          const r = ps[0][i] - cached.data[i];
          value += 0.5 * r * r;
          g[i] = r;
        }
        return { value, grads: [g] };
      };
    };
    const opts = { params: [new Float64Array(3)], optimizer: sgd(), lr: 0.5, steps: 3 };
    useReference();
    const bad = trainFlat({ ...opts, evaluate: make() });
    expect(bad.status).toBe('diverged'); // NaN targets from step 1 on
    const good = trainFlat({ ...opts, evaluate: make(), arena: false });
    expect(good.status).toBe('completed');
    expect(Array.from(good.params[0])).toEqual([0.875, 1.75, 2.625]);
    // Sanity of the reference loss itself on the heap.
    expect(sum(tensor([1, 2])).item()).toBe(3);
  });
});
