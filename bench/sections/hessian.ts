/**
 * Hessian estimators (issue 4): the cost of one exact HVP relative to one gradient, top-5
 * Lanczos eigenvalues of a ~100k-parameter MLP on 1k examples, and a Hutchinson trace to 1%
 * standard error — beside PyTorch (double backward) when python3 can import torch.
 */
import { useWasm, setBackend, backend } from '../../src/engine/backend/index.js';
import { Rng } from '../../src/engine/rng.js';
import { type Tensor, randn } from '../../src/engine/tensor.js';
import { mseLoss, scale } from '../../src/engine/ops.js';
import { flatLoss, flatten } from '../../src/engine/params.js';
import { initMlp, mlpForward, type MlpSpec } from '../../src/models/mlp.js';
import { hutchinsonTrace, topHessianEigen } from '../../src/observables/hessian.js';
import {
  fmt, findPython, runPython, speedRatio, time,
  type BenchContext, type BenchRow, type BenchSection, type SectionResult, type Target,
} from '../harness.js';

const SECTION = 'hessian';

interface Plan { widths: number[]; examples: number; runs: number; seconds: number; topK: number; lanczosTol: number; maxIter: number; traceTol: number; maxProbes: number }

function plan(quick: boolean): Plan {
  return quick
    ? { widths: [20, 32, 32, 4], examples: 100, runs: 3, seconds: 0.2, topK: 5, lanczosTol: 1e-4, maxIter: 100, traceTol: 0.05, maxProbes: 100 }
    : { widths: [100, 256, 256, 10], examples: 1000, runs: 8, seconds: 4, topK: 5, lanczosTol: 1e-4, maxIter: 300, traceTol: 0.01, maxProbes: 2000 };
}

const TORCH_MISSING = 'PyTorch unavailable (apt-get install python3-torch to compare)';

async function run(ctx: BenchContext): Promise<SectionResult> {
  const p = plan(ctx.quick);
  const notes: string[] = [];
  // PyTorch first, so its process is gone before we time ours (2 cores, shared machine).
  let torch: any;
  let torchNote: string | undefined;
  try {
    const py = await findPython(['torch']);
    if (!py) throw new Error('No module named torch');
    torch = await runPython('hessian.py', [JSON.stringify({ widths: p.widths, examples: p.examples, runs: p.runs, minSeconds: p.seconds, topK: p.topK, lanczosTol: p.lanczosTol, traceTol: p.traceTol, maxProbes: p.maxProbes })], undefined, py);
  } catch (e) {
    const msg = (e as Error).message;
    torchNote = /torch/i.test(msg) ? TORCH_MISSING : `PyTorch reference failed: ${msg}`;
    ctx.log(`  ${torchNote}`);
  }

  const previous = backend();
  const rows: BenchRow[] = [];
  let gradMs = NaN, hvpMs = NaN, lanczosS = NaN, traceS = NaN;
  let top: ReturnType<typeof topHessianEigen> | undefined;
  let tr: ReturnType<typeof hutchinsonTrace> | undefined;
  const spec: MlpSpec = { widths: p.widths, activation: 'tanh' };
  try {
    await useWasm();
    const rng = new Rng(4);
    const params = initMlp(spec, rng.split('init'), 'f64');
    const X = randn(rng.split('x'), [p.examples, p.widths[0]], 1, 'f64');
    const Y = randn(rng.split('y'), [p.examples, p.widths[p.widths.length - 1]], 1, 'f64');
    const fl = flatLoss((...ps: Tensor[]) => scale(mseLoss(mlpForward(spec, ps, X), Y), 0.5), params);
    const theta = flatten(params);
    const P = theta.length;
    ctx.log(`  MLP ${p.widths.join('-')} (${P} parameters), ${p.examples} examples, f64, wasm`);
    const v = rng.split('v').normals(P);
    // Interleaved rounds (grad, HVP, grad, HVP, …), best of each: on a shared machine the load
    // changes over seconds, and timing one after the other would bias the ratio.
    gradMs = Infinity; hvpMs = Infinity;
    for (let r = 0; r < p.runs; r++) {
      const opts = { warmup: r === 0 ? 1 : 0, minRuns: 1, minSeconds: p.seconds / p.runs };
      gradMs = Math.min(gradMs, time(() => fl.grad(theta), opts).best * 1e3);
      hvpMs = Math.min(hvpMs, time(() => fl.hvp(theta, v), opts).best * 1e3);
    }
    ctx.log(`  grad ${fmt(gradMs)} ms, hvp ${fmt(hvpMs)} ms → ${fmt(hvpMs / gradMs)}×`);
    const hvp = (u: Float64Array) => fl.hvp(theta, u);
    let t0 = performance.now();
    top = topHessianEigen(hvp, P, { k: p.topK, tol: p.lanczosTol, maxIter: p.maxIter });
    lanczosS = (performance.now() - t0) / 1000;
    ctx.log(`  top-${p.topK} Lanczos: ${fmt(lanczosS)} s, ${top.hvps} HVPs, λ = ${Array.from(top.values, (x) => fmt(x)).join(', ')}`);
    t0 = performance.now();
    tr = hutchinsonTrace(hvp, P, { relTol: p.traceTol, maxProbes: p.maxProbes, rng: rng.split('trace') });
    traceS = (performance.now() - t0) / 1000;
    ctx.log(`  Hutchinson: ${fmt(tr.value)} ± ${fmt(tr.stderr)} in ${tr.probes} probes, ${fmt(traceS)} s`);
    const model = `MLP ${p.widths.join('-')} tanh (${P} params), ${p.examples} examples, f64, wasm`;

    const tg = torch?.gradMs as number | undefined, th = torch?.hvpMs as number | undefined;
    rows.push({ section: SECTION, name: `gradient, ${model}`, ours: gradMs, unit: 'ms', reference: tg, ratio: speedRatio(gradMs, tg, 'lower'), note: torchNote ?? 'PyTorch autograd, f64, 1 thread' });
    rows.push({ section: SECTION, name: `HVP (double backward), ${model}`, ours: hvpMs, unit: 'ms', reference: th, ratio: speedRatio(hvpMs, th, 'lower'), note: torchNote ?? 'PyTorch double backward, f64, 1 thread' });
    rows.push({ section: SECTION, name: 'HVP cost / gradient cost', ours: hvpMs / gradMs, unit: '× grad', reference: tg && th ? th / tg : undefined, note: 'target ≤ 3× (Pearlmutter: one extra forward/backward over the backward graph); reference = the same multiple in PyTorch, no speed ratio' });
    const tl = torch?.lanczosS as number | undefined;
    rows.push({
      section: SECTION, name: `top-${p.topK} Hessian eigenvalues, Lanczos (tol ${p.lanczosTol}), ${model}`, ours: lanczosS, unit: 's', reference: tl, ratio: speedRatio(lanczosS, tl, 'lower'),
      note: `${top.hvps} HVPs${top.converged ? '' : ' (not converged)'}; λ₁ = ${fmt(top.values[0])}, λ₅ = ${fmt(top.values[top.values.length - 1])}${torchNote ? `; ${torchNote}` : torch?.lanczosNote ? `; reference: ${torch.lanczosNote}` : ''}`,
    });
    const tt = torch?.traceS as number | undefined;
    rows.push({
      section: SECTION, name: `Hutchinson trace to ${p.traceTol * 100}% standard error, ${model}`, ours: traceS, unit: 's', reference: tt, ratio: speedRatio(traceS, tt, 'lower'),
      note: `tr = ${fmt(tr.value)} ± ${fmt(tr.stderr)} after ${tr.probes} Rademacher probes${tr.converged ? '' : ` (cap ${p.maxProbes} reached)`}${torchNote ? `; ${torchNote}` : torch?.traceProbes ? `; reference: ${torch.traceProbes} probes` : ''}`,
    });
  } finally {
    setBackend(previous);
  }
  const targets: Target[] = [{ label: 'HVP / gradient', measured: hvpMs / gradMs, op: '<=', threshold: 3, unit: '×' }];
  if (ctx.quick) notes.push('**--quick run**: a small MLP; a smoke test of the pipeline, not a measurement.');
  if (torchNote) notes.push(torchNote);
  return { rows, targets, notes };
}

export const hessianSection: BenchSection = {
  id: 'hessian',
  title: 'Hessian estimators (issue 4): HVP cost, top-k Lanczos, Hutchinson trace',
  description: 'Exact Hessian-vector products (double backward) in f64 on the wasm backend, and the estimators built on them, single-threaded; PyTorch beside them when installed.',
  ratioLabel: 'speed vs PyTorch (>1 = ours faster)',
  run,
};
