/**
 * Engine figures (issue 2, issue 8 §5): matmul throughput per backend and dtype, one MLP training
 * step, the cost of a Hessian-vector product relative to a gradient, and the symmetric
 * eigensolver, each beside numpy where numpy has an equivalent:
 *
 *   matmul   wasm and reference (single-threaded, TypeScript/wasm kernels) vs numpy at 1 thread;
 *            native (OpenBLAS sgemm/dgemm through koffi) at 1 and 2 threads vs numpy at the same
 *            thread count (target ≥ 0.9× numpy: the FFI should cost nothing measurable)
 *   eigh     our TypeScript eigensolver (wasm active) and the native backend's LAPACK dsyevd
 *            through linalg's `eigh` (target ≤ 1.2× numpy.linalg.eigh's time), 1 thread
 *
 * Every figure is a median with min–max and the number of runs (the shared `time()` of
 * bench/harness.ts; bench/reference/timing.py on the numpy side), both sides measured in this
 * run: numpy first, once per thread count, so its processes have exited before ours are timed.
 */
import { backend, nativeInfo, setBackend, setNativeThreads, useNative, useReference, useWasm, type Backend } from '../../src/engine/backend/index.js';
import { createWasmBackend, type WasmVariant } from '../../src/engine/backend/wasm.js';
import { allocate, type DType, type FloatArray, type FloatDType } from '../../src/engine/dtype.js';
import { Rng } from '../../src/engine/rng.js';
import { Tensor, noGrad, randn } from '../../src/engine/tensor.js';
import { softmaxCrossEntropy } from '../../src/engine/ops.js';
import { grad, hvp, valueAndGrad } from '../../src/engine/autodiff.js';
import { eigh, mat, symmetrize } from '../../src/engine/linalg/index.js';
import { initMlp, mlpForward, type MlpSpec } from '../../src/models/mlp.js';
import {
  fmt, runPython, speedRatio, time,
  type BenchContext, type BenchRow, type BenchSection, type SectionResult, type Target, type Timing,
} from '../harness.js';

const SECTION = 'engine';
const REFERENCE_MAX_N = 512;

interface Plan {
  /** Sizes of the wasm (and, up to REFERENCE_MAX_N, reference) matmul rows. */
  matmul: number[];
  /** Sizes of the native matmul rows, each at every thread count in `threads`. */
  nativeMatmul: number[];
  threads: number[];
  matmulSeconds: number;
  matmulRuns: number;
  mlp: { widths: number[]; batch: number; seconds: number; runs: number };
  hvpMlp: { widths: number[]; batch: number; seconds: number; runs: number };
  eigh: number[];
  /** Timed eigh runs per size: the TypeScript eigensolver and LAPACK (numpy uses LAPACK's count). */
  eighRuns: { ts: (n: number) => number; lapack: (n: number) => number };
}

function plan(quick: boolean): Plan {
  return quick
    ? {
        matmul: [128, 512],
        nativeMatmul: [512],
        threads: [1, 2],
        matmulSeconds: 0.1,
        matmulRuns: 2,
        mlp: { widths: [784, 256, 256, 10], batch: 64, seconds: 0.1, runs: 2 },
        hvpMlp: { widths: [100, 64, 64, 10], batch: 32, seconds: 0.1, runs: 2 },
        eigh: [200],
        eighRuns: { ts: () => 2, lapack: () => 2 },
      }
    : {
        matmul: [128, 256, 512, 1024, 2048],
        nativeMatmul: [512, 1024, 2048],
        threads: [1, 2],
        matmulSeconds: 1,
        matmulRuns: 5,
        mlp: { widths: [784, 1024, 1024, 10], batch: 256, seconds: 3, runs: 10 },
        hvpMlp: { widths: [100, 256, 256, 10], batch: 128, seconds: 2, runs: 10 },
        eigh: [1000, 2000],
        eighRuns: { ts: () => 3, lapack: () => 5 },
      };
}

function randomArray(dtype: FloatDType, n: number, rng: Rng) {
  const a = allocate(dtype, n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** A one-hot [batch, k] target of random labels. */
function oneHot(batch: number, k: number, dtype: DType, rng: Rng): Tensor {
  const y = allocate(dtype, batch * k);
  for (let i = 0; i < batch; i++) y[i * k + rng.int(k)] = 1;
  return new Tensor(y, [batch, k]);
}

/** numpy's figures (bench/reference/engine.py): seconds, or ms for the MLP step. */
interface NpTiming { median: number; min: number; max: number; runs: number }
interface NpResult {
  numpy: string;
  threads: number;
  openblas?: { library?: string; corename?: string; threads?: number };
  matmul?: (NpTiming & { dtype: string; n: number; gflops: number })[];
  mlp?: { median_ms: number; min_ms: number; max_ms: number; runs: number };
  eigh?: (NpTiming & { n: number })[];
}

const msSpread = (t: Timing | NpTiming): string => `${fmt(t.min * 1e3)}–${fmt(t.max * 1e3)} ms (${t.runs} runs)`;
const sSpread = (t: Timing | NpTiming): string => `${fmt(t.min)}–${fmt(t.max)} s (${t.runs} runs)`;

// ---------------------------------------------------------------------------------------

interface MatmulFigure { backend: string; variant?: string; dtype: DType; n: number; threads: number; t: Timing; gflops: number }

/** 'wasm simd128', 'native', 'reference': the backend and, for wasm, its kernel build. */
const labelOf = (be: { name: string; variant?: string }): string => (be.name === 'wasm' && be.variant ? `wasm ${be.variant}` : be.name);

const gflopsOf = (n: number, seconds: number): number => (2 * n ** 3) / seconds / 1e9;

/** Square matmuls `be.matmul(a, b, out, n, n, n)` at each size and dtype, timed by `time()`. */
function benchMatmul(sizes: number[], be: Backend, threads: number, p: Plan, ctx: BenchContext): MatmulFigure[] {
  const rng = new Rng(0);
  const out: MatmulFigure[] = [];
  const slow = be.name === 'reference';
  for (const dtype of ['f32', 'f64'] as const) {
    for (const n of sizes) {
      if (slow && n > REFERENCE_MAX_N) continue;
      const a = randomArray(dtype, n * n, rng);
      const b = randomArray(dtype, n * n, rng);
      const c = allocate(dtype, n * n);
      const t = time(() => be.matmul(a, b, c, n, n, n), {
        warmup: slow && n >= 512 ? 1 : 2,
        minRuns: slow && n >= 512 ? 2 : p.matmulRuns,
        minSeconds: p.matmulSeconds,
      });
      const gflops = gflopsOf(n, t.median);
      ctx.log(`  matmul ${labelOf(be)} ${dtype} n=${n}${be.name === 'native' ? `, ${threads} thread${threads === 1 ? '' : 's'}` : ''}: ${fmt(gflops)} GFLOP/s (median, ${msSpread(t)})`);
      // The native backend spreads the wasm one, `variant` included: only wasm rows carry it.
      out.push({ backend: be.name, variant: be.name === 'wasm' ? be.variant : undefined, dtype, n, threads, t, gflops });
    }
  }
  return out;
}

/** One SGD step (forward + backward + update) of a relu MLP in f32 on the active backend. */
function benchTrainStep(p: Plan['mlp'], ctx: BenchContext): Timing {
  const spec: MlpSpec = { widths: p.widths, activation: 'relu' };
  const rng = new Rng(1);
  let params = initMlp(spec, rng.split('init'), 'f32');
  const X = randn(rng.split('x'), [p.batch, p.widths[0]], 1, 'f32');
  const Y = oneHot(p.batch, p.widths[p.widths.length - 1], 'f32', rng.split('y'));
  const lr = 0.01;
  const loss = (...ps: Tensor[]) => softmaxCrossEntropy(mlpForward(spec, ps, X), Y);
  const step = () => {
    const { grads } = valueAndGrad(loss, params);
    // Plain SGD, functional: θ ← θ − lr·g through the backend's axpby kernel.
    params = noGrad(() => params.map((w, i) => {
      const data = allocate('f32', w.size);
      backend().axpby(1, w.data as FloatArray, -lr, grads[i].data as FloatArray, data);
      return new Tensor(data, w.shape);
    }));
  };
  const t = time(step, { warmup: 2, minRuns: p.runs, minSeconds: p.seconds });
  ctx.log(`  train step ${p.widths.join('-')} batch ${p.batch}: ${fmt(t.median * 1e3)} ms (median, ${msSpread(t)})`);
  return t;
}

/** One gradient and one exact HVP (double backward) for a tanh MLP in f64. */
function benchHvp(p: Plan['hvpMlp'], ctx: BenchContext): { grad: Timing; hvp: Timing } {
  const spec: MlpSpec = { widths: p.widths, activation: 'tanh' };
  const rng = new Rng(2);
  const params = initMlp(spec, rng.split('init'), 'f64');
  const X = randn(rng.split('x'), [p.batch, p.widths[0]], 1, 'f64');
  const Y = oneHot(p.batch, p.widths[p.widths.length - 1], 'f64', rng.split('y'));
  const v = params.map((w, i) => randn(rng.split(`v${i}`), w.shape.slice(), 1, 'f64'));
  const loss = (...ps: Tensor[]) => softmaxCrossEntropy(mlpForward(spec, ps, X), Y);
  const opts = { warmup: 2, minRuns: p.runs, minSeconds: p.seconds };
  const tg = time(() => grad(loss, params), opts);
  const th = time(() => hvp(loss, params, v), opts);
  ctx.log(`  grad ${fmt(tg.median * 1e3)} ms, hvp ${fmt(th.median * 1e3)} ms (medians) → ${fmt(th.median / tg.median)}×`);
  return { grad: tg, hvp: th };
}

/** linalg `eigh` (values + vectors) on the active backend: TypeScript, or LAPACK dsyevd on native. */
function benchEigh(sizes: number[], runs: (n: number) => number, label: string, ctx: BenchContext): { n: number; t: Timing }[] {
  const rng = new Rng(3);
  // Let V8 compile and tier up the eigensolver (or load LAPACK) on a small problem first.
  const warm = mat(120, 120, rng.normals(120 * 120));
  for (let i = 0; i < 3; i++) eigh(symmetrize(warm));
  return sizes.map((n) => {
    const A = symmetrize(mat(n, n, rng.normals(n * n)));
    const t = time(() => eigh(A), { warmup: 0, minRuns: runs(n), minSeconds: 0 });
    ctx.log(`  eigh ${label} n=${n}: ${fmt(t.median)} s (median, ${sSpread(t)})`);
    return { n, t };
  });
}

// ---------------------------------------------------------------------------------------

async function numpyReference(spec: Record<string, unknown>, ctx: BenchContext): Promise<NpResult | string> {
  try {
    return (await runPython('engine.py', [JSON.stringify(spec)])) as NpResult;
  } catch (e) {
    const msg = (e as Error).message;
    ctx.log(`  numpy reference (${spec.threads} thread${spec.threads === 1 ? '' : 's'}) unavailable: ${msg}`);
    return msg;
  }
}

const threadsLabel = (t: number) => `${t} thread${t === 1 ? '' : 's'}`;

const VARIANTS: readonly WasmVariant[] = ['simd128', 'relaxed-simd'];

/** One wasm backend per kernel build that loads here, and why the others do not. */
async function wasmVariants(): Promise<{ backends: Backend[]; missing: string[] }> {
  const backends: Backend[] = [], missing: string[] = [];
  for (const variant of VARIANTS) {
    try {
      backends.push(await createWasmBackend({ variant }));
    } catch (e) {
      missing.push(`${variant}: ${(e as Error).message}`);
    }
  }
  return { backends, missing };
}

async function run(ctx: BenchContext): Promise<SectionResult> {
  const p = plan(ctx.quick);
  const previous = backend();
  const notes: string[] = [];

  // Load the native library first (no timing): whether it loads decides the 2-thread numpy run.
  const native = await useNative();
  const haveNative = native.name === 'native';
  setBackend(previous);
  if (!haveNative) notes.push('Native backend unavailable (koffi or libopenblas missing): native matmul and LAPACK eigh rows skipped.');

  // numpy first, once per thread count, so its processes are gone before we time ours.
  const np = new Map<number, NpResult>();
  let npError: string | undefined;
  for (const threads of haveNative ? p.threads : [1]) {
    ctx.log(`  numpy reference (${threadsLabel(threads)})...`);
    const spec = threads === 1
      ? {
          threads,
          matmul: [...new Set([...p.matmul, ...(haveNative ? p.nativeMatmul : [])])].sort((a, b) => a - b),
          minSeconds: p.matmulSeconds, minRuns: p.matmulRuns,
          mlp: { widths: p.mlp.widths, batch: p.mlp.batch },
          eigh: p.eigh.map((n) => ({ n, runs: p.eighRuns.lapack(n) })),
        }
      : { threads, matmul: p.nativeMatmul, minSeconds: p.matmulSeconds, minRuns: p.matmulRuns };
    const r = await numpyReference(spec, ctx);
    if (typeof r === 'string') npError ??= r;
    else np.set(threads, r);
  }
  if (npError) notes.push(`numpy reference unavailable (${npError}): those rows have no reference.`);
  const noRef = npError ? 'no numpy reference' : 'no numpy figure';

  let mm: MatmulFigure[] = [];
  let wasmAuto: Backend | undefined;
  let train: Timing | undefined;
  let hv: { grad: Timing; hvp: Timing } | undefined;
  let eigTs: { n: number; t: Timing }[] = [];
  let eigLapack: { n: number; t: Timing }[] = [];
  try {
    const ref = useReference();
    const variants = await wasmVariants();
    wasmAuto = await useWasm();
    if (variants.missing.length > 0) notes.push(`wasm kernel builds not measured: ${variants.missing.join('; ')}.`);
    for (const be of variants.backends) mm.push(...benchMatmul(p.matmul, be, 1, p, ctx));
    mm.push(...benchMatmul(p.matmul, ref, 1, p, ctx));
    train = benchTrainStep(p.mlp, ctx); // wasm is active
    hv = benchHvp(p.hvpMlp, ctx);
    eigTs = benchEigh(p.eigh, p.eighRuns.ts, 'TypeScript (wasm active)', ctx);
    if (haveNative) {
      setBackend(native);
      for (const threads of p.threads) {
        setNativeThreads(threads);
        mm.push(...benchMatmul(p.nativeMatmul, native, threads, p, ctx));
      }
      setNativeThreads(1);
      eigLapack = benchEigh(p.eigh, p.eighRuns.lapack, 'LAPACK dsyevd (native, 1 thread)', ctx);
    }
  } finally {
    if (haveNative) setNativeThreads(1);
    setBackend(previous);
  }

  const rows: BenchRow[] = [];
  // 1. matmul
  const npMatmul = (f: { dtype: string; n: number }, threads: number) =>
    np.get(threads)?.matmul?.find((r) => r.dtype === f.dtype && r.n === f.n);
  for (const f of mm) {
    const r = npMatmul(f, f.threads);
    const onNative = f.backend === 'native';
    rows.push({
      section: SECTION,
      name: `matmul ${labelOf({ name: f.backend, variant: f.variant })} ${f.dtype} n=${f.n}${onNative ? `, ${threadsLabel(f.threads)}` : ''}`,
      ours: f.gflops,
      unit: 'GFLOP/s',
      reference: r?.gflops,
      ratio: speedRatio(f.gflops, r?.gflops, 'higher'),
      note: `medians; times: ours ${msSpread(f.t)}` + (r ? `, numpy ${msSpread(r)} at ${threadsLabel(f.threads)}` : `; ${noRef}`),
    });
  }
  // 2. training step
  const npTrain = np.get(1)?.mlp;
  if (train) {
    const ms = train.median * 1e3;
    rows.push({
      section: SECTION,
      name: `train step MLP ${p.mlp.widths.join('-')}, batch ${p.mlp.batch}, f32, relu, wasm`,
      ours: ms,
      unit: 'ms/step',
      reference: npTrain?.median_ms,
      ratio: speedRatio(ms, npTrain?.median_ms, 'lower'),
      note: `forward + backward + SGD update; medians, ours ${msSpread(train)}` +
        (npTrain ? `, numpy ${fmt(npTrain.min_ms)}–${fmt(npTrain.max_ms)} ms (${npTrain.runs} runs; the same step written by hand in float32)` : `; ${noRef}`),
    });
  }
  // 3. HVP / grad
  if (hv) {
    const hvpName = `MLP ${p.hvpMlp.widths.join('-')}, batch ${p.hvpMlp.batch}, f64, tanh, wasm`;
    rows.push({ section: SECTION, name: `gradient, ${hvpName}`, ours: hv.grad.median * 1e3, unit: 'ms', note: `median, ${msSpread(hv.grad)}; no numpy equivalent` });
    rows.push({ section: SECTION, name: `HVP (double backward), ${hvpName}`, ours: hv.hvp.median * 1e3, unit: 'ms', note: `median, ${msSpread(hv.hvp)}; no numpy equivalent` });
    rows.push({
      section: SECTION,
      name: 'HVP cost / gradient cost',
      ours: hv.hvp.median / hv.grad.median,
      unit: '× grad',
      note: 'ratio of medians; theory: an exact HVP costs ≈ 2–4× a gradient (Pearlmutter 1994); no numpy equivalent, so no ratio',
    });
  }
  // 4. eigh
  const npEigh = (n: number) => np.get(1)?.eigh?.find((r) => r.n === n);
  const eighRow = (e: { n: number; t: Timing }, what: string, route: string) => {
    const r = npEigh(e.n);
    rows.push({
      section: SECTION,
      name: `eigh n=${e.n} (values + vectors, f64), ${what}`,
      ours: e.t.median,
      unit: 's',
      reference: r?.median,
      ratio: speedRatio(e.t.median, r?.median, 'lower'),
      note: `${route}; medians, ours ${sSpread(e.t)}` + (r ? `, numpy.linalg.eigh (LAPACK syevd, 1 thread) ${sSpread(r)}` : `; ${noRef}`),
    });
  };
  for (const e of eigTs) eighRow(e, 'TypeScript', 'our portable eigensolver (linalg/eigh.ts: blocked tridiagonalisation and divide and conquer at large n, its matmuls in wasm)');
  for (const e of eigLapack) eighRow(e, 'native LAPACK', 'linalg eigh → the native backend\'s LAPACK dsyevd (row-major wrapper), 1 thread');

  // Targets.
  // The wasm targets apply to the build the engine picks by default (`useWasm()`, variant 'auto').
  const gf = (dt: DType, n: number) =>
    mm.find((f) => f.backend === 'wasm' && f.variant === wasmAuto?.variant && f.dtype === dt && f.n === n)?.gflops;
  const auto = wasmAuto?.variant ? ` (${wasmAuto.variant}, the default build)` : '';
  const targets: Target[] = [
    { label: `wasm matmul f32 n=512${auto}`, measured: gf('f32', 512), op: '>=', threshold: 20, unit: 'GFLOP/s' },
    { label: `wasm matmul f64 n=512${auto}`, measured: gf('f64', 512), op: '>=', threshold: 8, unit: 'GFLOP/s' },
    { label: 'eigh n=1000 (TypeScript)', measured: eigTs.find((e) => e.n === 1000)?.t.median, op: '<=', threshold: 3, unit: 's' },
    // Issue 8 §4: the wasm ceiling (relaxed SIMD, one thread) for n ≥ 512, and the browser's eigh.
    ...(['f32', 'f64'] as const).map((dt): Target => {
      const all = [512, 1024, 2048].map((n) => mm.find((f) => f.backend === 'wasm' && f.variant === 'relaxed-simd' && f.dtype === dt && f.n === n)?.gflops);
      return { label: `wasm relaxed-SIMD matmul ${dt}, lowest over n = 512, 1024, 2048`, measured: all.some((g) => g === undefined) ? undefined : Math.min(...(all as number[])), op: '>=', threshold: dt === 'f32' ? 45 : 22, unit: 'GFLOP/s' };
    }),
    { label: 'eigh n=2000 (TypeScript, wasm: the browser route)', measured: eigTs.find((e) => e.n === 2000)?.t.median, op: '<=', threshold: 4, unit: 's' },
  ];
  if (haveNative) {
    for (const threads of p.threads) {
      for (const dtype of ['f32', 'f64'] as const) {
        const ratios = mm
          .filter((f) => f.backend === 'native' && f.threads === threads && f.dtype === dtype)
          .map((f) => speedRatio(f.gflops, npMatmul(f, threads)?.gflops, 'higher'))
          .filter((x): x is number => x !== undefined);
        targets.push({
          label: `native matmul ${dtype}, ${threadsLabel(threads)}, lowest speed ratio vs numpy over n = ${p.nativeMatmul.join(', ')}`,
          measured: ratios.length === p.nativeMatmul.length ? Math.min(...ratios) : undefined,
          op: '>=', threshold: 0.9, unit: '×',
        });
      }
    }
    for (const n of [1000, 2000]) {
      const ours = eigLapack.find((e) => e.n === n)?.t.median, ref = npEigh(n)?.median;
      targets.push({
        label: `native LAPACK eigh n=${n}, time / numpy's`,
        measured: ours !== undefined && ref !== undefined ? ours / ref : undefined,
        op: '<=', threshold: 1.2, unit: '×',
      });
    }
  }

  // Notes.
  const refSpeeds = mm.filter((f) => f.backend === 'reference').map((f) => f.gflops);
  const refRange = refSpeeds.length > 0
    ? `${fmt(Math.min(...refSpeeds), 2)}–${fmt(Math.max(...refSpeeds), 2)} GFLOP/s here`
    : 'about 1 GFLOP/s';
  notes.push(
    `The reference backend (portable TypeScript) is measured only up to n = ${REFERENCE_MAX_N}: it runs at about 1 GFLOP/s (${refRange}), so n = 2048 would take tens of seconds per call and say nothing new.`,
    'matmul figures are backend-level calls `backend.matmul(a, b, out, n, n, n)` on square random matrices; numpy\'s are `np.matmul(a, b, out=c)` into a preallocated C. The wasm time includes copying operands into and the result out of wasm memory; the native backend hands OpenBLAS the arrays themselves. GFLOP/s = 2n³ / median time.',
    `wasm rows name the kernel build: simd128 (baseline SIMD) and relaxed-simd (relaxed_madd multiply-adds, an FMA on x64); createWasmBackend({ variant }) loads each, and the training step, HVP and TypeScript eigh rows use the default build${wasmAuto?.variant ? ` (${wasmAuto.variant} here)` : ''}.`,
    'Threads: the wasm and reference rows and our TypeScript eigensolver run on one core (the engine is single-threaded) beside numpy with OMP/OPENBLAS/MKL_NUM_THREADS = 1. Native rows name their OpenBLAS thread count (setNativeThreads), and numpy runs in a separate process with the same count; the LAPACK eigh rows run at 1 thread on both sides.',
  );
  const ni = haveNative ? nativeInfo() : null;
  if (ni) {
    notes.push(`Native backend: ${ni.library}${ni.corename ? `, OpenBLAS kernel **${ni.corename}**` : ''}${ni.config ? ` (${ni.config.trim()})` : ''}; LAPACK from ${ni.lapack ?? 'no library (eigh rows use the TypeScript solver)'}; ${ni.ffi}.`);
  }
  for (const [threads, r] of np) {
    const ob = r.openblas;
    notes.push(`numpy ${r.numpy} at ${threadsLabel(threads)}: ${ob?.library ? `${ob.library}, OpenBLAS kernel **${ob.corename}**, reports ${ob.threads} thread${ob.threads === 1 ? '' : 's'}` : 'its BLAS did not report an OpenBLAS kernel'}.`);
  }
  notes.push(
    `Times are medians (issue 8 §5), min–max and the number of runs in each note: matmuls at least ${p.matmulRuns} timed runs and ${p.matmulSeconds} s per figure after 2 untimed warm-up calls (the reference backend at n = 512: 1 warm-up, 2 runs); eigh ${p.eigh.map((n) => `${p.eighRuns.ts(n)} runs (TypeScript) and ${p.eighRuns.lapack(n)} (LAPACK, numpy) at n = ${n}`).join(', ')}, after a small warm-up. The same rule on the numpy side (bench/reference/timing.py). Both sides are measured in this run, numpy first. The machine is shared with other work, so min–max spreads can be wide.`,
  );
  if (ctx.quick) notes.push('**--quick run**: reduced sizes and repetitions; a smoke test of the pipeline, not a measurement.');

  return { rows, targets, notes };
}

export const engineSection: BenchSection = {
  id: 'engine',
  title: 'Engine (issue 2): matmul, training step, HVP, eigh',
  description: 'Kernel and autodiff throughput of our engine beside numpy where numpy has an equivalent: wasm/reference single-threaded, native OpenBLAS/LAPACK at the thread count named, numpy at the same count.',
  ratioLabel: 'speed vs numpy (>1 = ours faster)',
  run,
};
