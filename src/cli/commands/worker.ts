/**
 * `lmech worker --redis URL [--concurrency N]`: run sweep cells from the Redis queue that
 * `lmech sweep … --redis URL` fills, on this machine, until stopped (Ctrl-C or SIGTERM: no new
 * cells are taken, running ones finish and are returned, then it exits 0; a second signal quits
 * at once and their jobs are retried elsewhere once their locks expire).
 *
 *   lmech worker --redis redis://host:6379 [--concurrency N] [--backend native|wasm|reference]
 *                [--queue NAME] [--lock-ms MS] [--stalled-ms MS] [--max-stalled N] [--journal FILE] [--quiet]
 *
 * Each cell runs in a worker thread (BullMQ's sandboxed processor, cluster-processor.ts), so the
 * main thread keeps renewing the job's lock however long the cell computes. A worker that dies
 * stops renewing: after --lock-ms another worker's stalled check (every --stalled-ms) puts the job
 * back in the queue. Environment defaults: LMECH_LOCK_MS, LMECH_STALLED_MS.
 * Exit: 0 stopped, 2 bad input, 3 Redis unreachable.
 */
import { hostname, availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { Worker } from 'bullmq';
import { ConfigError } from '../../experiments/config.js';
import { DEFAULT_QUEUE, RedisUnavailable, checkQueueName, reachRedis, redisConnection, shownUrl } from '../../lab/cluster.js';
import type { ClusterJobData, ClusterJobResult, ProcessorSettings } from '../../lab/cluster-processor.js';

interface WorkerArgs {
  redis?: string;
  concurrency?: string;
  backend?: string;
  queue?: string;
  lockMs?: string;
  stalledMs?: string;
  maxStalled?: string;
  journal?: string;
  quiet?: boolean;
}

function int(flag: string, v: string | undefined, fallback: number, lo: number, hi: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new ConfigError(`${flag}: must be an integer from ${lo} to ${hi} (got ${JSON.stringify(v)})`);
  return n;
}

export async function cmdWorker(o: WorkerArgs): Promise<number> {
  if (!o.redis) throw new ConfigError('--redis: required (the URL the sweep was started with, e.g. redis://host:6379)');
  const url = o.redis;
  const queue = checkQueueName(o.queue ?? DEFAULT_QUEUE);
  const concurrency = int('--concurrency', o.concurrency, availableParallelism(), 1, 256);
  const lockDuration = int('--lock-ms', o.lockMs ?? process.env.LMECH_LOCK_MS, 30_000, 1000, 3_600_000);
  const stalledInterval = int('--stalled-ms', o.stalledMs ?? process.env.LMECH_STALLED_MS, Math.min(30_000, lockDuration), 100, 3_600_000);
  const maxStalledCount = int('--max-stalled', o.maxStalled, 2, 0, 100);
  if (o.backend && !['native', 'wasm', 'reference', 'best'].includes(o.backend)) {
    throw new ConfigError(`--backend: must be one of "native", "wasm", "reference" (got ${JSON.stringify(o.backend)})`);
  }
  try {
    await reachRedis(url);
  } catch (e) {
    if (e instanceof RedisUnavailable) { process.stderr.write(`lmech worker: ${e.message}\n`); return e.exitCode; }
    throw e;
  }
  const name = `${hostname()}:${process.pid}`;
  const settings: ProcessorSettings = { backend: o.backend, worker: name, ...(o.journal ? { journal: resolve(o.journal) } : {}) };
  const say = (s: string) => { if (!o.quiet) process.stderr.write(`${s}\n`); };
  const processor = fileURLToPath(new URL('../../lab/cluster-processor.js', import.meta.url));
  const connection = redisConnection(url);
  const worker = new Worker<ClusterJobData, ClusterJobResult>(queue, processor, {
    connection, concurrency, name,
    useWorkerThreads: true, workerThreadsOptions: { workerData: { lmech: settings } },
    lockDuration, stalledInterval, maxStalledCount,
  });
  worker.on('active', (job) => say(`start ${job.id?.slice(0, 12)} ${job.name}`));
  worker.on('completed', (job, rv) => say(`done  ${job.id?.slice(0, 12)} ${job.name} ${rv.outcome.record.status} ${rv.outcome.seconds.toFixed(2)} s`));
  worker.on('failed', (job, err) => say(`fail  ${job?.id?.slice(0, 12)} ${job?.name}: ${err.message.split('\n')[0]}`));
  worker.on('error', (err) => say(`worker error: ${err.message.split('\n')[0]}`));

  const stopped = new Promise<number>((res) => {
    let stopping = false;
    const stop = (sig: NodeJS.Signals) => {
      if (stopping) process.exit(130);
      stopping = true;
      say(`${sig}: taking no new cells; running cells finish first (again to quit now)`);
      worker.close().then(() => res(0), () => res(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await worker.waitUntilReady();
  say(`worker ${name}: queue ${queue} on ${shownUrl(url)}, ${concurrency} at a time, lock ${lockDuration} ms`);
  const code = await stopped;
  connection.disconnect();
  return code;
}

export function register(program: Command): void {
  program.command('worker')
    .description('run sweep cells from a Redis queue (the other end of `lmech sweep --redis URL`) until stopped')
    .option('--redis <url>', 'Redis server, e.g. redis://host:6379')
    .option('--concurrency <n>', 'cells at a time (default: all cores)')
    .option('--backend <name>', 'native | wasm | reference (default: native if OpenBLAS loads, else wasm)')
    .option('--queue <name>', `queue name (default ${DEFAULT_QUEUE}; the sweep's --queue)`)
    .option('--lock-ms <ms>', 'job lock duration: a dead worker\'s cell is retried this long after it stopped (default 30000, env LMECH_LOCK_MS)')
    .option('--stalled-ms <ms>', 'interval of the check for jobs whose lock expired (default: the lock duration, env LMECH_STALLED_MS)')
    .option('--max-stalled <n>', 'times a job may be retried after its worker died before it is failed', '2')
    .option('--journal <file>', 'append a line per cell start and end (start|done <cell hash> <worker>)')
    .option('--quiet', 'no log lines')
    .action(async (o: WorkerArgs) => { process.exitCode = await cmdWorker(o); });
}
