/**
 * Model families beside PyTorch (issue 7 §6, issue 8 §5): one training step (forward + backward +
 * optimizer update) of each family built from src/nn layers, the same architecture, dtype and
 * optimizer as bench/reference/nn.py, both sides single-threaded:
 *
 *   MLP 784-1024-1024-10   relu, batch 256, f32, softmax cross-entropy, SGD      — wasm and native
 *   MLP 49-128-128-10      tanh, batch 300, f64, ½·mean‖f − y‖², SGD; gradient and HVP — wasm, native
 *   CNN conv3×3(1→16)-relu-maxpool2 → conv3×3(16→32)-relu-maxpool2 → dense 10, 28×28, batch 64, f32
 *   transformer            2 pre-LN blocks, d 128, 4 heads, seq 64, batch 32, vocab 64, d_ff 512,
 *                          gelu, untied, AdamW; gradient, HVP and HVP/gradient
 *
 * Figures are medians with min–max and the number of runs (issue 8 §5: medians, not best-of).
 * Ratio = PyTorch time / ours (> 1: ours faster), both measured in this run: PyTorch first, so its
 * process has exited before ours are timed. Parameter counts of both sides are compared, so an
 * architecture drift between nn.ts and nn.py shows up as a note instead of a silent mismatch.
 */
import path from 'node:path';
import {
  backend, nativeInfo, setBackend, setNativeThreads, useNative, useWasm, type Backend,
} from '../../src/engine/backend/index.js';
import type { FloatArray, FloatDType } from '../../src/engine/dtype.js';
import { grad, hvp, valueAndGrad } from '../../src/engine/autodiff.js';
import { crossEntropyWithIds, mseLoss, scale } from '../../src/engine/ops.js';
import { Rng } from '../../src/engine/rng.js';
import { withArena } from '../../src/engine/arena.js';
import { Tensor, randn, tensor } from '../../src/engine/tensor.js';
import type { Model } from '../../src/nn/model.js';
import { cnn } from '../../src/models/cnn.js';
import { mlpModel } from '../../src/models/mlp.js';
import { transformer } from '../../src/models/transformer.js';
import { adamw, sgd, type Optimizer } from '../../src/training/optim/index.js';
import {
  findPython, fmt, runPython, speedRatio, time,
  type BenchContext, type BenchRow, type BenchSection, type SectionResult, type Target, type Timing,
} from '../harness.js';

const SECTION = 'nn';
const TORCH_MISSING = 'PyTorch unavailable (apt-get install python3-torch to compare)';

type BackendName = 'wasm' | 'native';

/** One benchmarked problem: a model, its loss on a fixed batch, and the optimizer of its step. */
export interface Problem {
  id: string;
  label: string;
  model: Model;
  loss: (out: Tensor) => Tensor;
  x: Tensor;
  optimizer: () => Optimizer<unknown>;
  lr: number;
}

interface Plan {
  seconds: number;
  runs: number;
  /** Backends for the two transformer/CNN rows (the MLP rows always run on both). */
  heavyBackends: BackendName[];
}

function plan(quick: boolean): Plan {
  // Same architectures in both modes (the ratio needs them equal); --quick only cuts repetitions.
  return quick
    ? { seconds: 0.1, runs: 2, heavyBackends: ['native'] }
    : { seconds: 2, runs: 10, heavyBackends: ['native', 'wasm'] };
}

const ids = (rng: Rng, shape: number[], k: number): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Int32Array.from({ length: n }, () => rng.int(k)), shape, 'i32');
};

// ---------------------------------------------------------------------------------------
// The four problems, matching bench/reference/nn.py.

function mlpLarge(): Problem {
  const rng = new Rng(11);
  const model = mlpModel({ widths: [784, 1024, 1024, 10], activation: 'relu' }, 'f32');
  const y = ids(rng.split('y'), [256], 10);
  return {
    id: 'mlp-large', label: 'MLP 784-1024-1024-10, relu, batch 256, f32, cross-entropy, SGD',
    model, x: randn(rng.split('x'), [256, 784], 1, 'f32'),
    loss: (out) => crossEntropyWithIds(out, y), optimizer: () => sgd(), lr: 0.01,
  };
}

function mlpSmall(): Problem {
  const rng = new Rng(12);
  const model = mlpModel({ widths: [49, 128, 128, 10], activation: 'tanh' }, 'f64');
  const y = randn(rng.split('y'), [300, 10], 1, 'f64');
  return {
    id: 'mlp-small', label: 'lab MLP 49-128-128-10, tanh, batch 300, f64, ½·MSE, SGD',
    model, x: randn(rng.split('x'), [300, 49], 1, 'f64'),
    loss: (out) => scale(mseLoss(out, y), 0.5), optimizer: () => sgd(), lr: 0.1,
  };
}

function cnnSmall(): Problem {
  const rng = new Rng(13);
  const model = cnn({ channels: [16, 32], k: 3, inShape: [1, 28, 28], classes: 10, pool: 'max', activation: 'relu' }, 'f32');
  const y = ids(rng.split('y'), [64], 10);
  return {
    id: 'cnn', label: 'CNN conv3×3(1→16)-relu-maxpool → conv3×3(16→32)-relu-maxpool → dense 10, 28×28, batch 64, f32, cross-entropy, SGD',
    model, x: randn(rng.split('x'), [64, 1, 28, 28], 1, 'f32'),
    loss: (out) => crossEntropyWithIds(out, y), optimizer: () => sgd(), lr: 0.01,
  };
}

function transformerSmall(): Problem {
  const rng = new Rng(14);
  const model = transformer({ vocab: 64, dModel: 128, heads: 4, layers: 2, seqLen: 64, dFf: 512, tied: false }, 'f32');
  const next = ids(rng.split('next'), [32, 64], 64);
  return {
    id: 'transformer', label: 'transformer 2×(d 128, 4 heads, d_ff 512, gelu), seq 64, batch 32, vocab 64, untied, f32, AdamW',
    model, x: ids(rng.split('ids'), [32, 64], 64),
    // AdamW as torch.optim.AdamW(lr 1e-3, weight_decay 0.01): decay on every tensor, no groups.
    loss: (out) => crossEntropyWithIds(out, next), optimizer: () => adamw({ weightDecay: 0.01 }), lr: 1e-3,
  };
}

/** The four problems of this section (models, fixed batches, losses, optimizers). */
export function nnProblems(): { large: Problem; small: Problem; cnn: Problem; tr: Problem } {
  return { large: mlpLarge(), small: mlpSmall(), cnn: cnnSmall(), tr: transformerSmall() };
}

export const paramCount = (m: Model): number => m.info.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);

// ---------------------------------------------------------------------------------------
// Timing ours.

interface Measured { step?: Timing; grad?: Timing; hvp?: Timing }

function timeStep(pr: Problem, p: Plan): Timing {
  const params = pr.model.init(new Rng(1).split(pr.id));
  const data = params.map((w) => w.data as FloatArray);
  const opt = pr.optimizer();
  const state = opt.init(data);
  const loss = (...ps: Tensor[]) => pr.loss(pr.model.apply(ps, pr.x));
  let t = 0;
  // As the training loop runs a step: inside an arena scope (tensors in wasm memory, no copies).
  const step = () => withArena(() => {
    const { grads } = valueAndGrad(loss, params);
    opt.step(grads.map((g) => g.data as FloatArray), state, data, ++t, pr.lr);
  });
  return time(step, { warmup: 2, minRuns: p.runs, minSeconds: p.seconds });
}

function timeGradHvp(pr: Problem, p: Plan): { grad: Timing; hvp: Timing } {
  const rng = new Rng(2).split(pr.id);
  const params = pr.model.init(rng.split('init'));
  const v = params.map((w, i) => randn(rng.split(`v${i}`), w.shape.slice(), 1, pr.model.dtype as FloatDType));
  const loss = (...ps: Tensor[]) => pr.loss(pr.model.apply(ps, pr.x));
  const opts = { warmup: 2, minRuns: p.runs, minSeconds: p.seconds };
  // Results are only timed, never kept, so each call can run in an arena scope.
  return { grad: time(() => withArena(() => { grad(loss, params); }), opts), hvp: time(() => withArena(() => { hvp(loss, params, v); }), opts) };
}

const spread = (t: { median_ms?: number; min_ms?: number; max_ms?: number; runs?: number } | undefined): string =>
  t?.median_ms === undefined ? '–' : `${fmt(t.min_ms)}–${fmt(t.max_ms)} ms (${t.runs} runs)`;

const oursSpread = (t: Timing): string => `${fmt(t.min * 1e3)}–${fmt(t.max * 1e3)} ms (${t.runs} runs)`;

const msOf = (t: Timing | undefined): number => (t ? t.median * 1e3 : NaN);

// ---------------------------------------------------------------------------------------

async function run(ctx: BenchContext): Promise<SectionResult> {
  const p = plan(ctx.quick);
  const previous = backend();
  const notes: string[] = [];
  const problems = nnProblems();

  // PyTorch first, so its process is gone before we time ours.
  ctx.log('  PyTorch reference (torch.set_num_threads(1))...');
  let torch: any;
  let torchNote: string | undefined;
  try {
    const py = await findPython(['torch']);
    if (!py) throw new Error('No module named torch');
    torch = await runPython('nn.py', [JSON.stringify({ minSeconds: p.seconds, minRuns: p.runs, threads: 1 })], undefined, py);
    ctx.log(`  PyTorch ${torch.torch} (${py}), ${torch.threads} thread`);
  } catch (e) {
    const msg = (e as Error).message;
    torchNote = /torch/i.test(msg) ? TORCH_MISSING : `PyTorch reference failed: ${msg}`;
    ctx.log(`  ${torchNote}`);
  }

  // Ours: wasm, then native pinned to one OpenBLAS thread.
  const ours = new Map<string, Measured>(); // key `${id}/${backend}`
  const available: Partial<Record<BackendName, Backend>> = {};
  let nativeMissing: string | undefined;
  try {
    available.wasm = await useWasm();
    const nat = await useNative();
    if (nat.name === 'native') {
      available.native = nat;
      setNativeThreads(1);
    } else {
      nativeMissing = 'native backend unavailable (koffi or libopenblas missing): native rows skipped';
    }
    const measure = (pr: Problem, be: BackendName, withHvp: boolean) => {
      const b = available[be];
      if (!b) return;
      setBackend(b);
      const m: Measured = { step: timeStep(pr, p) };
      ctx.log(`  ${pr.id} ${be}: step ${fmt(msOf(m.step))} ms (${oursSpread(m.step!)})`);
      if (withHvp) {
        const gh = timeGradHvp(pr, p);
        Object.assign(m, gh);
        ctx.log(`  ${pr.id} ${be}: grad ${fmt(msOf(gh.grad))} ms, hvp ${fmt(msOf(gh.hvp))} ms`);
      }
      ours.set(`${pr.id}/${be}`, m);
    };
    for (const be of ['wasm', 'native'] as const) {
      measure(problems.large, be, false);
      measure(problems.small, be, true);
    }
    for (const be of p.heavyBackends) {
      measure(problems.cnn, be, false);
      measure(problems.tr, be, true);
    }
  } finally {
    setBackend(previous);
  }
  if (nativeMissing) notes.push(nativeMissing);

  const rows: BenchRow[] = [];
  const ref = (key: string) => torch?.rows?.[key] as { median_ms: number; min_ms: number; max_ms: number; runs: number } | undefined;
  const push = (name: string, t: Timing | undefined, refKey: string, what: string) => {
    if (!t) return;
    const r = ref(refKey);
    const oursMs = msOf(t);
    rows.push({
      section: SECTION, name, ours: oursMs, unit: 'ms', reference: r?.median_ms,
      ratio: speedRatio(oursMs, r?.median_ms, 'lower'),
      note: `${what}; figures are medians, min–max: ours ${oursSpread(t)}` + (r ? `; PyTorch ${spread(r)}` : `; ${torchNote ?? 'no PyTorch figure'}`),
    });
  };
  const stepWhat = (pr: Problem) => `forward + backward + ${pr.id === 'transformer' ? 'AdamW' : 'SGD'} update`;
  const backendsRun = (['wasm', 'native'] as const).filter((be) => available[be]);

  for (const pr of [problems.large, problems.small]) {
    for (const be of backendsRun) push(`train step, ${pr.label}, ${be}`, ours.get(`${pr.id}/${be}`)?.step, pr.id, stepWhat(pr));
  }
  for (const be of backendsRun) {
    const m = ours.get(`mlp-small/${be}`);
    push(`gradient, lab MLP 49-128-128-10, f64, ${be}`, m?.grad, 'mlp-small-grad', 'reverse mode, PyTorch autograd.grad');
    push(`HVP (double backward), lab MLP 49-128-128-10, f64, ${be}`, m?.hvp, 'mlp-small-hvp', 'exact Hessian-vector product');
  }
  for (const pr of [problems.cnn, problems.tr]) {
    for (const be of backendsRun.filter((b) => p.heavyBackends.includes(b))) push(`train step, ${pr.label}, ${be}`, ours.get(`${pr.id}/${be}`)?.step, pr.id, stepWhat(pr));
  }
  const rg = ref('transformer-grad'), rh = ref('transformer-hvp');
  const torchMultiple = rg && rh ? rh.median_ms / rg.median_ms : undefined;
  for (const be of backendsRun.filter((b) => p.heavyBackends.includes(b))) {
    const m = ours.get(`transformer/${be}`);
    push(`gradient, transformer, f32, ${be}`, m?.grad, 'transformer-grad', 'reverse mode, PyTorch autograd.grad');
    push(`HVP (double backward), transformer, f32, ${be}`, m?.hvp, 'transformer-hvp', 'exact Hessian-vector product');
    if (m?.grad && m.hvp) {
      const multiple = m.hvp.median / m.grad.median;
      rows.push({
        section: SECTION, name: `HVP cost / gradient cost, transformer, ${be}`, ours: multiple, unit: '× grad',
        reference: torchMultiple, ratio: speedRatio(multiple, torchMultiple, 'lower'),
        note: 'ratio of medians; theory: an exact HVP costs ≈ 2–4× a gradient (Pearlmutter 1994). Ratio column > 1: our HVP is relatively cheaper than PyTorch\'s',
      });
    }
  }

  // Issue 8's targets, as speed ratios vs PyTorch measured in this run (> 1: ours faster).
  const ratioOf = (t: Timing | undefined, key: string) => { const r = ref(key); return t && r ? r.median_ms / msOf(t) : undefined; };
  const native = (id: string) => ours.get(`${id}/native`);
  const wasmOf = (id: string) => ours.get(`${id}/wasm`);
  const targets: Target[] = [
    { label: 'lab MLP 49-128-128-10 f64 train step, native, vs PyTorch', measured: ratioOf(native('mlp-small')?.step, 'mlp-small'), op: '>=', threshold: 1, unit: '×' },
    { label: 'lab MLP gradient, native, vs PyTorch', measured: ratioOf(native('mlp-small')?.grad, 'mlp-small-grad'), op: '>=', threshold: 1, unit: '×' },
    { label: 'lab MLP HVP, native, vs PyTorch', measured: ratioOf(native('mlp-small')?.hvp, 'mlp-small-hvp'), op: '>=', threshold: 1, unit: '×' },
    { label: 'MLP 784-1024-1024-10 f32 train step, native, vs PyTorch', measured: ratioOf(native('mlp-large')?.step, 'mlp-large'), op: '>=', threshold: 0.9, unit: '×' },
    { label: 'MLP 784-1024-1024-10 f32 train step, wasm, vs PyTorch', measured: ratioOf(wasmOf('mlp-large')?.step, 'mlp-large'), op: '>=', threshold: 0.6, unit: '×' },
    { label: 'CNN train step, native, within 1.5× of PyTorch', measured: ratioOf(native('cnn')?.step, 'cnn'), op: '>=', threshold: 0.667, unit: '×' },
    { label: 'transformer train step, native, within 1.5× of PyTorch', measured: ratioOf(native('transformer')?.step, 'transformer'), op: '>=', threshold: 0.667, unit: '×' },
  ];

  // Architecture check: parameter counts on both sides.
  if (torch?.params) {
    const bad = Object.values(problems)
      .filter((pr) => torch.params[pr.id] !== undefined && torch.params[pr.id] !== paramCount(pr.model))
      .map((pr) => `${pr.id}: ours ${paramCount(pr.model)}, PyTorch ${torch.params[pr.id]}`);
    notes.push(bad.length === 0
      ? `Architectures agree: parameter counts ${Object.values(problems).map((pr) => `${pr.id} ${paramCount(pr.model)}`).join(', ')} on both sides.`
      : `**Parameter counts differ** (${bad.join('; ')}): those ratios compare different models.`);
  }
  const ni = nativeInfo();
  if (ni) {
    notes.push(`Native backend: ${ni.library}${ni.corename ? `, OpenBLAS kernel **${ni.corename}**` : ''}${ni.config ? ` (${ni.config.trim()})` : ''}, pinned to ${ni.threads ?? 1} thread (setNativeThreads(1)); elementwise kernels in wasm.`);
  }
  if (torch) {
    const libs = (torch.blas as string[] | undefined) ?? [];
    const blas = libs.find((l) => /libopenblas/i.test(path.basename(l))) ?? libs[0];
    notes.push(`PyTorch ${torch.torch}, torch.set_num_threads(1) (reports ${torch.threads}), OMP/OPENBLAS/MKL_NUM_THREADS = 1${blas ? `; its BLAS: ${blas}` : ''}.`);
  }
  if (torchNote) notes.push(torchNote);
  notes.push(
    `Times are medians (issue 8 §5), min–max and the number of runs in each note: at least ${p.runs} timed runs and ${p.seconds} s per figure after 2 untimed warm-up calls, the same rule on the PyTorch side. Ratio = PyTorch median / our median (> 1: ours faster), both measured in this run, PyTorch first.`,
    'Our optimizers are src/training/optim (sgd, adamw) through the in-place `step`, on the parameters\' own buffers; PyTorch uses torch.optim.SGD / AdamW with zero_grad(set_to_none=True). The HVP is grad of ⟨∇L, v⟩ on both sides. Each timed call of ours runs in an arena scope (withArena), as the training loop runs its steps: tensors live in wasm memory, kernels neither copy nor allocate.',
  );
  if (!p.heavyBackends.includes('wasm')) notes.push('CNN and transformer rows run on the native backend only in this mode.');
  if (ctx.quick) notes.push('**--quick run**: reduced repetitions; a smoke test of the pipeline, not a measurement.');
  return { rows, targets, notes };
}

export const nnSection: BenchSection = {
  id: SECTION,
  title: 'Model families (issue 7 §6): training steps, gradients and HVPs vs PyTorch',
  description: 'One training step (forward + backward + optimizer update) of each model family built from src/nn, beside PyTorch 1.x on the same architecture, dtype and optimizer, both single-threaded.',
  ratioLabel: 'speed vs PyTorch (>1 = ours faster)',
  run,
};
