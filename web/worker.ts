/**
 * The page's compute thread: switches the engine to the WebAssembly backend, runs one
 * experiment at a time with `runExperiment`, and streams the recorded rows back in batches.
 *
 * Protocol (`ToWorker` / `FromWorker` below):
 *   page → worker  { type: 'run', id, experiment, config, stopFlag? }   start a run
 *                  { type: 'stop', id }                                   abort it
 *   worker → page  { type: 'ready', backend, kernel, variant? }          once, after useWasm()
 *                  { type: 'rows', id, rows, progress, label }            every ~100 ms
 *                  { type: 'done', id, record, seconds, summary }         verdict, checks, metrics
 *                  { type: 'error', id, name, message }                   ConfigError, RangeError, …
 *
 * Training loops are synchronous, so a 'stop' message is only delivered between stages. When
 * the page is cross-origin isolated it also passes a SharedArrayBuffer flag, which the worker
 * polls every time a row or a progress report arrives, and aborts at once.
 */
import { useWasm } from '../src/engine/backend/index.js';
import { relaxedMaddFuses } from '../src/engine/backend/wasm.js';
import { getExperiment } from '../src/experiments/registry.js';
import { runExperiment, type Row } from '../src/experiments/runner.js';
import { runSummary } from '../src/lab/summary.js';

export type ToWorker =
  | { type: 'run'; id: number; experiment: string; config: Record<string, unknown>; stopFlag?: SharedArrayBuffer }
  | { type: 'stop'; id: number };

export type FromWorker =
  | { type: 'ready'; backend: string; kernel: string; variant?: string }
  | { type: 'rows'; id: number; rows: Record<string, Row[]>; progress: number; label?: string }
  | { type: 'done'; id: number; record: unknown; seconds: number; summary: Record<string, number> }
  | { type: 'error'; id: number; name: string; message: string; stack?: string };

const FLUSH_MS = 100;
const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);

/** The matmul kernel in words: which wasm build runs, and whether its multiply-add is fused. */
async function kernelLabel(variant: string | undefined): Promise<string> {
  if (variant === 'relaxed-simd') return `wasm relaxed-SIMD (${(await relaxedMaddFuses()) ? 'FMA' : 'mul+add'})`;
  if (variant === 'simd128') return 'wasm SIMD128';
  return variant ?? 'unknown';
}

const backendReady = useWasm().then(
  async (b) => { post({ type: 'ready', backend: b.name, kernel: await kernelLabel(b.variant), variant: b.variant }); return b; },
  (e: unknown) => { post({ type: 'error', id: -1, name: 'BackendError', message: `WebAssembly backend unavailable: ${String(e)}` }); throw e; },
);

let current: { id: number; controller: AbortController } | null = null;

async function run(msg: Extract<ToWorker, { type: 'run' }>) {
  const controller = new AbortController();
  current = { id: msg.id, controller };
  const flag = msg.stopFlag ? new Int32Array(msg.stopFlag) : null;
  let pending: Record<string, Row[]> = {};
  let pendingCount = 0;
  let progress = 0;
  let label: string | undefined;
  let lastFlush = performance.now();

  const flush = () => {
    lastFlush = performance.now();
    post({ type: 'rows', id: msg.id, rows: pending, progress, label });
    pending = {};
    pendingCount = 0;
  };
  const tick = () => {
    if (flag && Atomics.load(flag, 0) !== 0 && !controller.signal.aborted) controller.abort();
    if (performance.now() - lastFlush >= FLUSH_MS) flush();
  };

  try {
    await backendReady;
    const exp = getExperiment(msg.experiment);
    const t0 = performance.now();
    const out = await runExperiment(exp, msg.config, {
      signal: controller.signal,
      progress: (f, l) => { progress = f; label = l; tick(); },
      sink: {
        record: (series, row) => {
          (pending[series] ??= []).push(row);
          pendingCount++;
          tick();
        },
        close: () => {},
      },
    });
    progress = 1;
    flush(); // always: carries the final progress even when no rows are pending
    post({ type: 'done', id: msg.id, record: out.record, seconds: (performance.now() - t0) / 1000, summary: runSummary(exp, out.record, out.result) });
  } catch (e) {
    if (pendingCount) flush();
    const err = e instanceof Error ? e : new Error(String(e));
    post({ type: 'error', id: msg.id, name: err.name, message: err.message, stack: err.stack });
  } finally {
    if (current?.id === msg.id) current = null;
  }
}

self.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'run') void run(msg);
  else if (msg.type === 'stop' && current && current.id === msg.id) current.controller.abort();
};
