/**
 * Route (b) of ntk-learning-curves: a wide network in NTK parameterization, trained by full-batch GD
 * to convergence with its initial function removed, against ridgeless KRR with the analytic NTK on
 * the same data (route a) — and the checks built on it, which must be able to fail.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/engine/rng.js';
import { runExperiment } from '../src/experiments/runner.js';
import { networkLearningRun, ntkLearningCurvesExperiment, ntkLearningCurvesSchema } from '../src/experiments/ntk-learning-curves.js';

const small = { dim: 10, depth: 2, degrees: [1, 2], testPoints: 200, networkWidth: 1024 };

/** A small experiment configuration whose KRR part is cheap; only the network checks are read. */
const tiny = { ...small, ns: [10, 20, 40], draws: 3, spectrumSample: 0, network: true, networkNs: [20, 40], networkDraws: 8, degrees: [1] };

async function networkChecks(extra: Record<string, unknown>) {
  const { record } = await runExperiment(ntkLearningCurvesExperiment, { ...tiny, ...extra });
  return record.checks.filter((c) => c.name.startsWith('network'));
}

describe('ntk-learning-curves, route (b): the trained wide network', () => {
  it('centered f − f₀ trained to convergence has the test MSE of analytic-NTK KRR on the same data; the raw network does not', () => {
    const c = ntkLearningCurvesSchema.parse(small);
    const run = networkLearningRun(c, 20, new Rng(5));
    expect(run.status).toBe('completed');
    // Converged (train MSE ≤ 1e-4 × test MSE by construction of the stop) and lazy (NTK moved ≲ 1/√m).
    expect(run.trainOverTest).toBeLessThanOrEqual(1e-4);
    expect(run.ntkChange).toBeLessThan(0.05);
    // The empirical NTK at init is the analytic one up to O(1/√m) (measured ≈ 0.06 at m = 1024).
    expect(run.ntkInitDeviation).toBeLessThan(0.15);
    // Paired with KRR on the same points: measured within 2% here (finite-width kernel error).
    run.testMse.forEach((e, q) => expect(Math.abs(e - run.krrTestMse[q]) / run.krrTestMse[q]).toBeLessThan(0.08));
    // Keeping f₀ adds the NNGP variance of the initial function, O(1) against E_te(degree 1) ≈ 0.15.
    const raw = networkLearningRun({ ...c, networkInit: 'raw' }, 20, new Rng(5));
    expect(raw.testMse[0]).toBeGreaterThan(2 * run.krrTestMse[0]);
  }, 60_000);

  it('the network check is confirmed when centered, falsified with the initial function kept, out of regime when narrow', async () => {
    const ok = await networkChecks({});
    expect(ok.length).toBe(2);
    expect(ok.map((c) => c.verdict)).toEqual(['confirmed', 'confirmed']);
    const raw = await networkChecks({ networkInit: 'raw', networkDraws: 4 });
    expect(raw.map((c) => c.verdict)).toEqual(['falsified', 'falsified']);
    // Width 16: the NTK moves by O(1) during training (measured 0.3–0.7), so this is not the kernel regime.
    const narrow = await networkChecks({ networkWidth: 16, networkDraws: 2, networkSteps: 1000 });
    expect(narrow.map((c) => c.verdict)).toEqual(['out-of-regime', 'out-of-regime']);
    expect(narrow[0].note).toMatch(/NTK change/);
  }, 120_000);
});
