/**
 * Sweep executors (issue 9 §3): cells per minute of one fixed sweep (quadratic-stability,
 * 2 dims × 2 curvatures × 3 seeds = 12 cells) on the local pool with 1 and 2 workers and
 * through Redis with 2 `lmech worker` processes (one cell at a time each) on this machine; and
 * the executor's own cost per cell — the queue round trip — for a trivial cell (dim 4, 10 steps)
 * run one at a time, through Redis vs in this thread with no executor at all (same store writes).
 *
 * Every figure is the wall time of `runSweep` into a fresh store (this process is the
 * coordinator), after one warm-up sweep over other seeds on the same executor, so worker
 * start-up and JIT warm-up are outside the timed sweep (a local pool is made afresh by each
 * sweep: its start-up is inside, as in real use). The Redis server is one this section starts on
 * a free port (redis-server on PATH), else LMECH_BENCH_REDIS; without either the Redis rows are
 * left out.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../src/cli/backend.js';
import { getExperiment } from '../../src/experiments/registry.js';
import { clusterDispatch, reachRedis } from '../../src/lab/cluster.js';
import { runCell } from '../../src/lab/cell.js';
import { runSweep, type Dispatch } from '../../src/lab/run-sweep.js';
import { Store } from '../../src/lab/store.js';
import type { SweepSpec } from '../../src/lab/sweep.js';
import { fmt, repoRoot, speedRatio, type BenchContext, type BenchRow, type BenchSection, type SectionResult } from '../harness.js';

const SECTION = 'sweep';
const EXP = 'quadratic-stability';

function plan(quick: boolean) {
  return {
    scaling: { dims: quick ? [60, 90] : [150, 200], lambdas: [2, 4], seeds: quick ? 1 : 3, steps: quick ? 500 : 3000 },
    trivial: { cells: quick ? 10 : 60, singles: quick ? 3 : 15 },
  };
}

const scalingSpec = (p: ReturnType<typeof plan>['scaling'], seed0: number): SweepSpec => ({
  experiment: EXP,
  fixed: { steps: p.steps, lrFactors: [0.95, 1.05] },
  axes: [{ fields: ['dim'], points: p.dims.map((d) => [d]) }, { fields: ['lambdaMax'], points: p.lambdas.map((l) => [l]) }],
  seeds: Array.from({ length: p.seeds }, (_, i) => seed0 + i),
});
const trivialSpec = (cells: number, seed0: number): SweepSpec => ({
  experiment: EXP, fixed: { dim: 4, steps: 10, lrFactors: [0.95] }, axes: [],
  seeds: Array.from({ length: cells }, (_, i) => seed0 + i),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => res(p)); });
  });
}

async function startRedis(): Promise<{ url: string; server: ChildProcess | null } | null> {
  if (spawnSync('redis-server', ['--version']).status === 0) {
    const port = await freePort();
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      try { await reachRedis(url); return { url, server }; } catch { await sleep(50); }
    }
    server.kill('SIGKILL');
    return null;
  }
  const url = process.env.LMECH_BENCH_REDIS;
  return url ? { url, server: null } : null;
}

async function stopProcess(c: ChildProcess, sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  c.kill(sig);
  await new Promise((r) => c.once('exit', r));
}

async function run(ctx: BenchContext): Promise<SectionResult> {
  const p = plan(ctx.quick);
  const exp = getExperiment(EXP);
  await selectBackend();
  const dir = mkdtempSync(path.join(tmpdir(), 'lmech-bench-sweep-'));
  let stores = 0;
  /** Seconds for one sweep into a fresh store, and its cell count. */
  const timeSweep = async (spec: SweepSpec, opts: { workers?: number; dispatch?: Dispatch }) => {
    const store = Store.open(path.join(dir, `s${stores++}.sqlite`));
    try {
      const t0 = process.hrtime.bigint();
      const r = await runSweep(exp, spec, { store, ...opts });
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (r.progress.failed > 0 || r.ran !== r.progress.total) {
        const why = store.sweepCells(r.id).find((c) => c.error)?.error;
        throw new Error(`sweep bench: ${r.progress.failed} cells failed, ${r.ran}/${r.progress.total} ran${why ? ` (${why})` : ''}`);
      }
      const busy = store.sweepCells(r.id).reduce((t, c) => t + (c.seconds ?? 0), 0);
      return { seconds, cells: r.ran, busy };
    } finally {
      store.close();
    }
  };
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const scalingCells = p.scaling.dims.length * p.scaling.lambdas.length * p.scaling.seeds;
  const perMin = (t: { seconds: number; cells: number }) => (60 * t.cells) / t.seconds;

  // Local pool, 1 and 2 workers.
  const local: Record<number, { seconds: number; cells: number; busy: number }> = {};
  for (const workers of [1, 2]) {
    await timeSweep(scalingSpec(p.scaling, 1000), { workers });
    local[workers] = await timeSweep(scalingSpec(p.scaling, 0), { workers });
    ctx.log(`  local, ${workers} worker(s): ${scalingCells} cells in ${fmt(local[workers].seconds)} s (cells' own time ${fmt(local[workers].busy)} s)`);
    rows.push({
      section: SECTION, name: `${scalingCells}-cell sweep, local pool, ${workers} worker${workers > 1 ? 's' : ''}`, ours: perMin(local[workers]), unit: 'cells/min',
      reference: perMin(local[1]), ratio: speedRatio(perMin(local[workers]), perMin(local[1]), 'higher'),
      note: `${fmt(local[workers].seconds)} s wall; cells' own time ${fmt(local[workers].busy)} s in all`,
    });
  }
  // The reference for the executor's own cost: the same cells and store writes, no executor.
  const inThread: Dispatch = async (tasks, h) => {
    for (const [i, t] of tasks.entries()) {
      h.onStart(i);
      try { h.onDone(i, await runCell(t, { withSeries: true })); } catch (e) { h.onError(i, e as Error); }
    }
  };
  const trivialLocal = await (async () => {
    await timeSweep(trivialSpec(p.trivial.cells, 1000), { dispatch: inThread });
    return timeSweep(trivialSpec(p.trivial.cells, 0), { dispatch: inThread });
  })();
  ctx.log(`  trivial cell, in this thread: ${fmt((1000 * trivialLocal.seconds) / trivialLocal.cells)} ms/cell`);
  /** Median wall time (ms) of one-cell sweeps, each a fresh dispatch: the latency of one cell. */
  const singleCell = async (opts: { workers?: number; dispatch?: Dispatch }) => {
    const ms: number[] = [];
    for (let i = 0; i < p.trivial.singles; i++) ms.push(1000 * (await timeSweep(trivialSpec(1, 5000 + i), opts)).seconds);
    return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)];
  };
  const singleLocal = await singleCell({ dispatch: inThread });
  const singlePool = await singleCell({ workers: 1 });
  ctx.log(`  one-cell sweep on the local pool (1 worker): ${fmt(singlePool)} ms (in this thread ${fmt(singleLocal)})`);
  const poolRow: BenchRow = {
    section: SECTION, name: `one trivial cell, local pool with 1 worker (median of ${p.trivial.singles} one-cell sweeps)`, ours: singlePool, unit: 'ms',
    reference: singleLocal, ratio: speedRatio(singlePool, singleLocal, 'lower'),
    note: `${fmt(singlePool - singleLocal)} ms over the in-thread run (the pool's worker thread starts with each sweep)`,
  };

  const redis = await startRedis();
  const workers: ChildProcess[] = [];
  try {
    if (!redis) {
      notes.push('Redis rows not measured: no redis-server on PATH and no LMECH_BENCH_REDIS.');
    } else {
      const lmech = path.join(repoRoot(), 'bin', 'lmech.js');
      const startWorkers = (n: number, queue: string) => {
        for (let i = 0; i < n; i++) workers.push(spawn(process.execPath, [lmech, 'worker', '--redis', redis.url, '--queue', queue, '--concurrency', '1', '--quiet'], { stdio: 'ignore' }));
      };
      // 2 worker processes, one cell at a time each.
      startWorkers(2, 'bench-scaling');
      const scalingDispatch = clusterDispatch({ url: redis.url, queue: 'bench-scaling' });
      await timeSweep(scalingSpec(p.scaling, 1000), { dispatch: scalingDispatch });
      const cluster = await timeSweep(scalingSpec(p.scaling, 0), { dispatch: scalingDispatch });
      ctx.log(`  Redis, 2 lmech worker processes: ${scalingCells} cells in ${fmt(cluster.seconds)} s (cells' own time ${fmt(cluster.busy)} s)`);
      rows.push({
        section: SECTION, name: `${scalingCells}-cell sweep, Redis + 2 \`lmech worker\` processes`, ours: perMin(cluster), unit: 'cells/min',
        reference: perMin(local[1]), ratio: speedRatio(perMin(cluster), perMin(local[1]), 'higher'),
        note: `${fmt(cluster.seconds)} s wall; cells' own time ${fmt(cluster.busy)} s in all`,
      });
      while (workers.length) await stopProcess(workers.pop()!);

      // Round trip: one worker, one cell at a time, trivial cells.
      startWorkers(1, 'bench-trivial');
      const trivialDispatch = clusterDispatch({ url: redis.url, queue: 'bench-trivial' });
      await timeSweep(trivialSpec(p.trivial.cells, 1000), { dispatch: trivialDispatch });
      const trivialCluster = await timeSweep(trivialSpec(p.trivial.cells, 0), { dispatch: trivialDispatch });
      const msLocal = (1000 * trivialLocal.seconds) / trivialLocal.cells;
      const msCluster = (1000 * trivialCluster.seconds) / trivialCluster.cells;
      ctx.log(`  trivial cell through Redis: ${fmt(msCluster)} ms/cell (in this thread ${fmt(msLocal)})`);
      rows.push({
        section: SECTION, name: `trivial cell (dim 4, 10 steps) through Redis, 1 worker, ${trivialCluster.cells} cells`, ours: msCluster, unit: 'ms/cell',
        reference: msLocal, ratio: speedRatio(msCluster, msLocal, 'lower'),
        note: `${fmt(msCluster - msLocal)} ms per cell over the in-thread run (cells pipelined: the coordinator's store writes overlap the worker's next cell)`,
      });
      const singleCluster = await singleCell({ dispatch: trivialDispatch });
      ctx.log(`  one-cell sweep through Redis: ${fmt(singleCluster)} ms (in this thread ${fmt(singleLocal)})`);
      rows.push({
        section: SECTION, name: 'one trivial cell, enqueue → result in the store (median of ' + p.trivial.singles + ' one-cell sweeps)', ours: singleCluster, unit: 'ms',
        reference: singleLocal, ratio: speedRatio(singleCluster, singleLocal, 'lower'),
        note: `round trip ≈ ${fmt(singleCluster - singleLocal)} ms over the in-thread run (connecting the coordinator's 3 Redis connections included)`,
      });
    }
  } finally {
    for (const w of workers) await stopProcess(w);
    if (redis?.server) await stopProcess(redis.server, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
  rows.splice(rows.length - (redis ? 1 : 0), 0, poolRow);
  notes.push(
    'cells/min: ratio column = speed-up over the local pool with 1 worker (reference column). ms/cell and ms: reference = the same cells run by the coordinator itself, in its own thread, one after another (no pool, no queue; same store writes); the difference is the executor\'s cost per cell (enqueue, worker pickup, result back, store write).',
    'Cells are CPU-bound; with 2 cores and other work on the machine, 2 workers cannot reach 2×. The local pool starts its worker threads with each sweep (cold JIT in each, visible in the cells\' own time); `lmech worker` processes stay up between sweeps, warmed by the warm-up sweep.',
  );
  if (ctx.quick) notes.push('**--quick run**: reduced sizes; a smoke test of the pipeline, not a measurement.');
  return { rows, notes };
}

export const sweepSection: BenchSection = {
  id: SECTION,
  title: 'Sweep executors: local pool and Redis cluster',
  description: 'Cells per minute of a fixed quadratic-stability sweep with 1 and 2 local workers and with 2 `lmech worker` processes through Redis, and the per-cell cost of the Redis queue for a trivial cell.',
  ratioLabel: 'vs reference',
  run,
};
