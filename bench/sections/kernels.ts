/**
 * Kernel-limit figures (issue 3A): the analytic ReLU NTK matrix (n = 2000 inputs of dimension 784,
 * depth 3), the empirical NTK of a width-512 MLP on n = 256 inputs, and the eigenlearning κ solve
 * for 10⁵ eigenvalues — each beside numpy (single-threaded) doing the same computation
 * (bench/reference/kernels.py).
 */
import { useWasm } from '../../src/engine/backend/index.js';
import { Rng } from '../../src/engine/rng.js';
import { tensor } from '../../src/engine/tensor.js';
import { mat } from '../../src/engine/linalg/index.js';
import { initMlp, mlpForward, type MlpSpec } from '../../src/models/mlp.js';
import { empiricalNtk } from '../../src/observables/ntk.js';
import { analyticKernel } from '../../src/theory/kernels.js';
import { powerLawSpectrum, solveKappa } from '../../src/theory/eigenlearning.js';
import { fmt, runPython, speedRatio, time, type BenchContext, type BenchRow, type BenchSection, type SectionResult } from '../harness.js';

const SECTION = 'kernels';

function plan(quick: boolean) {
  return quick
    ? { analytic: { n: 200, d: 784, depth: 3, runs: 1 }, empirical: { n: 16, d: 64, width: 128, depth: 3, runs: 1 }, kappa: { m: 100_000, n: 1000, runs: 2 } }
    : { analytic: { n: 2000, d: 784, depth: 3, runs: 2 }, empirical: { n: 256, d: 64, width: 512, depth: 3, runs: 1 }, kappa: { m: 100_000, n: 1000, runs: 5 } };
}

async function run(ctx: BenchContext): Promise<SectionResult> {
  const p = plan(ctx.quick);
  const notes: string[] = [];
  ctx.log('  numpy reference (single-threaded)...');
  let np: any;
  try {
    np = await runPython('kernels.py', [JSON.stringify(p)]);
  } catch (e) {
    ctx.log(`  numpy reference unavailable: ${(e as Error).message}`);
    notes.push(`numpy reference unavailable (${(e as Error).message}): those rows have no reference.`);
  }
  await useWasm().catch(() => undefined);
  const rows: BenchRow[] = [];
  const rng = new Rng(0);

  // Analytic NTK: Gram matrix on the backend matmul, then the elementwise arc-cosine recursion.
  {
    const { n, d, depth, runs } = p.analytic;
    const X = mat(n, d, rng.normals(n * d));
    const spec = { activation: 'relu' as const, depth, sigmaW2: 2, sigmaB2: 0.1 };
    analyticKernel(spec, mat(50, d, X.data.subarray(0, 50 * d)));
    let trace = 0;
    const t = time(() => { const K = analyticKernel(spec, X).ntk; trace = 0; for (let i = 0; i < n; i++) trace += K.data[i * n + i]; }, { warmup: 0, minRuns: runs, minSeconds: 0 });
    ctx.log(`  analytic NTK n=${n} d=${d}: ${fmt(t.best)} s`);
    const ref = np?.analytic?.seconds as number | undefined;
    rows.push({
      section: SECTION, name: `analytic ReLU NTK matrix, n=${n}, d=${d}, depth ${depth}`, ours: t.best, unit: 's', reference: ref,
      ratio: speedRatio(t.best, ref, 'lower'),
      note: np?.analytic ? `trace ours ${trace.toPrecision(8)} vs numpy ${Number(np.analytic.trace).toPrecision(8)} (inputs differ: separate RNGs; both ≈ n·Θ(x,x))` : undefined,
    });
  }
  // Empirical NTK at init.
  {
    const { n, d, width, depth, runs } = p.empirical;
    const spec: MlpSpec = { widths: [d, ...Array(depth - 1).fill(width), 1], activation: 'relu', parameterization: 'ntk', sigmaW: Math.SQRT2, sigmaB: Math.sqrt(0.1) };
    const params = initMlp(spec, rng.split('mlp'));
    const X = tensor(rng.normals(n * d), [n, d]);
    const t = time(() => empiricalNtk((ps, x) => mlpForward(spec, ps, x), params, X), { warmup: 0, minRuns: runs, minSeconds: 0 });
    ctx.log(`  empirical NTK n=${n} width=${width}: ${fmt(t.best)} s`);
    const ref = np?.empirical?.seconds as number | undefined;
    rows.push({ section: SECTION, name: `empirical NTK, n=${n}, MLP [${spec.widths.join(', ')}]`, ours: t.best, unit: 's', reference: ref, ratio: speedRatio(t.best, ref, 'lower'), note: 'ours: one VJP per example + backend Gram; numpy: batched Jacobian + BLAS Gram' });
  }
  // κ solve.
  {
    const { m, n, runs } = p.kappa;
    const sp = powerLawSpectrum(m, 1.5, 2);
    let kappa = NaN;
    const t = time(() => { kappa = solveKappa(sp, n).kappa; }, { warmup: 1, minRuns: runs, minSeconds: 0 });
    ctx.log(`  κ solve m=${m}: ${fmt(t.best * 1e3)} ms`);
    const ref = np?.kappa?.seconds as number | undefined;
    rows.push({
      section: SECTION, name: `eigenlearning κ solve, ${m} eigenvalues (λ_i = i^{−1.5}), n=${n}`, ours: t.best * 1e3, unit: 'ms', reference: ref !== undefined ? ref * 1e3 : undefined,
      ratio: speedRatio(t.best, ref, 'lower'),
      note: np?.kappa ? `κ ours ${kappa.toPrecision(10)}, numpy ${Number(np.kappa.kappa).toPrecision(10)}` : undefined,
    });
  }
  if (ctx.quick) notes.push('**--quick run**: reduced sizes; a smoke test of the pipeline, not a measurement.');
  return { rows, notes };
}

export const kernelsSection: BenchSection = {
  id: 'kernels',
  title: 'Kernel-limit calculators',
  description: 'Analytic NTK matrix, empirical NTK at init, and the eigenlearning κ solve, beside numpy doing the same computation.',
  ratioLabel: 'speed vs numpy (>1 = ours faster)',
  run,
};
