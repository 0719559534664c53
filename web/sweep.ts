/**
 * A small sweep in the browser: the cells of `expandSweep` (the same expansion and validation as
 * `lmech sweep`) run across several module Web Workers, each the page's ordinary worker running
 * one experiment at a time with the same `runExperiment` the CLI uses. No store: results live in
 * the page; Stop ends dispatch and aborts running cells.
 */
import type { Experiment, ExperimentRecord } from '../src/experiments/types.js';
import { expandSweep, parseAxis, parseSeeds, type SweepCell, type SweepSpec } from '../src/lab/sweep.js';
import type { FromWorker, ToWorker } from './worker.js';

export interface BrowserCell {
  index: number;
  coords: Record<string, unknown>;
  status: 'queued' | 'running' | 'done' | 'diverged' | 'failed';
  verdict: string | null;
  summary: Record<string, number> | null;
  seconds: number | null;
  error?: string;
  /** Short label for the table (the page has no content hashes). */
  hash: string;
}

/** Parse the page's sweep inputs (one axis per line, a seeds field) into a spec. */
export function browserSpec(exp: Experiment, fixed: Record<string, unknown>, axesText: string, seedsText: string): SweepSpec {
  const axes = axesText.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => parseAxis(exp, l));
  const seeds = seedsText.trim() ? parseSeeds(seedsText.trim()) : [];
  const moved = new Set(axes.flatMap((a) => a.fields).concat(seeds.length ? ['seed'] : []));
  return { experiment: exp.name, fixed: Object.fromEntries(Object.entries(fixed).filter(([k]) => !moved.has(k))), axes, seeds };
}

export interface SweepHandle { done: Promise<BrowserCell[]>; stop(): void; /** Set when a worker has no backend. */ error?: string }

export function runBrowserSweep(
  exp: Experiment, spec: SweepSpec, workers: number,
  onUpdate: (cells: BrowserCell[]) => void,
): SweepHandle {
  const plan: SweepCell[] = expandSweep(exp, spec);
  const cells: BrowserCell[] = plan.map((c) => ({ index: c.index, coords: c.coords, status: 'queued', verdict: null, summary: null, seconds: null, hash: `cell ${c.index}` }));
  let stopped = false;
  let next = 0;
  const pool: Worker[] = [];
  const live = new Map<Worker, { i: number; id: number }>();
  let resolve!: (c: BrowserCell[]) => void;
  const done = new Promise<BrowserCell[]>((r) => { resolve = r; });
  let id = 0;

  const finishIfIdle = () => {
    if (live.size === 0 && (stopped || next >= plan.length)) {
      for (const w of pool) w.terminate();
      resolve(cells);
    }
  };
  const dispatch = (w: Worker) => {
    if (stopped || next >= plan.length) { live.delete(w); finishIfIdle(); return; }
    const i = next++;
    const runId = ++id;
    live.set(w, { i, id: runId });
    cells[i].status = 'running';
    onUpdate(cells);
    w.postMessage({ type: 'run', id: runId, experiment: exp.name, config: plan[i].config } satisfies ToWorker);
  };
  const n = Math.max(1, Math.min(workers, plan.length));
  for (let k = 0; k < n; k++) {
    const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    pool.push(w);
    w.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      if (m.type === 'ready') { dispatch(w); return; }
      if (m.type === 'error' && m.id === -1) { handle.error = m.message; stopped = true; finishIfIdle(); return; }
      const cur = live.get(w);
      if (cur === undefined || m.id !== cur.id) return;
      const i = cur.i;
      if (m.type === 'done') {
        const rec = m.record as ExperimentRecord;
        // An interrupted cell (Stop) is not a result: it goes back to queued.
        cells[i] = rec.status === 'interrupted'
          ? { ...cells[i], status: 'queued' }
          : { ...cells[i], status: rec.status === 'diverged' ? 'diverged' : 'done', verdict: rec.verdict, summary: m.summary, seconds: m.seconds };
      } else if (m.type === 'error') {
        cells[i] = { ...cells[i], status: 'failed', error: `${m.name}: ${m.message}` };
      } else return;
      onUpdate(cells);
      dispatch(w);
    };
    w.onerror = (ev) => {
      ev.preventDefault();
      const cur = live.get(w);
      if (cur !== undefined) cells[cur.i] = { ...cells[cur.i], status: 'failed', error: ev.message || 'worker error' };
      live.delete(w);
      onUpdate(cells);
      finishIfIdle();
    };
  }
  const handle: SweepHandle = {
    done,
    stop() {
      stopped = true;
      // Running cells stop at their next step; each worker's 'done' then lands as 'queued'.
      for (const [w, cur] of live) w.postMessage({ type: 'stop', id: cur.id } satisfies ToWorker);
      finishIfIdle();
    },
  };
  return handle;
}
