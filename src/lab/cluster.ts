/**
 * The cluster executor: a sweep's cells dispatched through BullMQ on a Redis server, run by any
 * number of `lmech worker` processes (cluster-processor.ts), their outcomes written by the
 * coordinator into its own store. Node only.
 *
 * Delivery is at least once and the store makes it exactly once:
 * - one queue (default `lmech-cells`) for every sweep; a job's name is its experiment and its id
 *   is the cell hash, so enqueueing a cell that Redis already holds adds nothing: a restarted
 *   coordinator finds the job where it is — waiting, running, or completed while no coordinator
 *   was listening, in which case its stored return value is harvested and the cell never runs
 *   again;
 * - a worker killed mid-cell stops renewing the job's lock; once the lock expires, another
 *   worker's stalled-job check puts the job back in the queue and it runs again;
 * - whatever arrives twice, `Store.complete` writes a cell's result once (guarded by its hash).
 *
 * The coordinator learns of starts and results from the queue's event stream (QueueEvents, read
 * from the id the stream had before the first job was added, so nothing in between is missed)
 * and, as a safety net for a dropped connection, by polling the state of every outstanding job.
 * A result, once in the store, is removed from Redis; results nobody collected expire after
 * `keepSeconds`. On abort (Ctrl-C) the jobs still waiting are withdrawn; running ones finish on
 * their workers and are harvested by the next run of the same sweep.
 */
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { ConfigError } from '../experiments/config.js';
import { cellHash } from './identity.js';
import type { Dispatch } from './run-sweep.js';
import type { CellTask } from './cell.js';
import type { ClusterJobData, ClusterJobResult } from './cluster-processor.js';

export const DEFAULT_QUEUE = 'lmech-cells';

/** Redis cannot be reached: the CLI prints the message on one line and exits 3. */
export class RedisUnavailable extends Error {
  readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailable';
  }
}

/** Validate a `--redis` URL (redis:// or rediss://, host required). */
export function checkRedisUrl(url: string, flag = '--redis'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`${flag}: expected a URL such as redis://host:6379 (got ${JSON.stringify(url)})`);
  }
  if ((u.protocol !== 'redis:' && u.protocol !== 'rediss:') || !u.hostname) {
    throw new ConfigError(`${flag}: expected a redis:// or rediss:// URL with a host, such as redis://host:6379 (got ${JSON.stringify(url)})`);
  }
  return url;
}

/** The URL with any password masked, for messages. */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** Queue names go into Redis keys: letters, digits, '-', '_' and '.' only. */
export function checkQueueName(name: string, flag = '--queue'): string {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name)) throw new ConfigError(`${flag}: 1 to 100 letters, digits, '.', '_' or '-' (got ${JSON.stringify(name)})`);
  return name;
}

/** Fail fast, with one clear line, when nothing answers at `url`. */
export async function reachRedis(url: string, flag = '--redis', timeoutMs = 5000): Promise<void> {
  checkRedisUrl(url, flag);
  const c = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, enableOfflineQueue: false });
  let cause: Error | null = null;
  c.on('error', (e: Error) => { cause ??= e; });
  try {
    await c.connect();
    await c.ping();
  } catch (e) {
    // connect() rejects with "Connection is closed"; the socket's own error says why.
    const err = (cause ?? e) as NodeJS.ErrnoException;
    const why = err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message;
    throw new RedisUnavailable(`${flag} ${shownUrl(url)}: cannot reach a Redis server (${why.split('\n')[0]})`);
  } finally {
    c.disconnect();
  }
}

/**
 * A connection for a BullMQ object: each gets its own (QueueEvents and Worker block on theirs),
 * retrying without limit, as BullMQ requires for blocking clients.
 */
export function redisConnection(url: string): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: null });
  c.on('error', () => { /* ioredis reconnects; BullMQ reports lasting failures */ });
  return c;
}

export interface ClusterOptions {
  /** redis:// URL of the server. */
  url: string;
  /** Queue name (default `lmech-cells`); coordinator and workers must agree. */
  queue?: string;
  /** Safety poll of outstanding jobs' states, in ms (default 5000). */
  pollMs?: number;
  /** Results nobody collected (a coordinator that died) are dropped from Redis after this (default 7 days). */
  keepSeconds?: number;
}

/** A Dispatch (run-sweep.ts) that runs the cells on `lmech worker` processes through Redis. */
export function clusterDispatch(opts: ClusterOptions): Dispatch {
  const url = checkRedisUrl(opts.url);
  const name = checkQueueName(opts.queue ?? DEFAULT_QUEUE);
  const pollMs = opts.pollMs ?? 5000;
  const keep = { age: opts.keepSeconds ?? 7 * 24 * 3600 };

  return async (tasks, hooks) => {
    if (tasks.length === 0 || hooks.signal?.aborted) return;
    await reachRedis(url);
    const conns: Redis[] = [];
    const conn = () => { const c = redisConnection(url); conns.push(c); return c; };
    const client = conn();
    // A completed event carries the job's return value (the cell's rows): keep the stream short.
    const queue = new Queue<ClusterJobData, ClusterJobResult>(name, { connection: client, streams: { events: { maxLen: 1000 } } });
    let events: QueueEvents | null = null;
    let poll: ReturnType<typeof setInterval> | null = null;
    try {
      await queue.waitUntilReady();
      // Listen from the stream's current end, before adding: no event of ours can slip past.
      const last = (await client.xrevrange(queue.keys.events, '+', '-', 'COUNT', 1)) as [string, string[]][];
      events = new QueueEvents(name, { connection: conn(), lastEventId: last[0]?.[0] ?? '0-0' });

      const hashes = tasks.map((t) => cellHash(t.experiment, t.config));
      const indexOf = new Map(hashes.map((h, i) => [h, i]));
      const outstanding = new Set(hashes);
      const busy = new Set<string>();
      let finish!: () => void;
      let fail!: (e: Error) => void;
      const finished = new Promise<void>((res, rej) => { finish = res; fail = rej; });
      const settleIfEmpty = () => { if (outstanding.size === 0) finish(); };
      const guard = (p: Promise<unknown>) => p.catch((e) => fail(e instanceof Error ? e : new Error(String(e))));

      const jobOf = (i: number) => {
        const t: CellTask = tasks[i];
        return {
          name: t.experiment,
          data: { experiment: t.experiment, config: t.config, ...(t.label ? { label: t.label } : {}) },
          opts: { jobId: hashes[i], attempts: 1, removeOnComplete: keep, removeOnFail: keep },
        };
      };

      /**
       * Collect a job that reached an end; re-add one that vanished; leave the rest. Its state is
       * read before the job itself, so a job seen completed has its return value. A request
       * while the same job is being looked at runs again after (its event may have come between).
       */
      const again = new Set<string>();
      const harvest = async (hash: string, restartFailed = false): Promise<void> => {
        if (!outstanding.has(hash)) return;
        if (busy.has(hash)) { again.add(hash); return; }
        busy.add(hash);
        try {
          const i = indexOf.get(hash)!;
          const state = await queue.getJobState(hash);
          if (state === 'unknown') {
            const j = jobOf(i);
            await queue.add(j.name, j.data, j.opts);
            return;
          }
          if (state !== 'completed' && state !== 'failed') return;
          const job = await Job.fromId<ClusterJobData, ClusterJobResult>(queue, hash);
          if (!job) return; // removed meanwhile: the next look re-adds it
          if (state === 'completed') {
            const rv = job.returnvalue;
            outstanding.delete(hash);
            if (!rv || typeof rv !== 'object' || !rv.outcome) hooks.onError(i, new Error(`cluster: job ${hash.slice(0, 12)} completed without a cell outcome`));
            else hooks.onDone(i, rv.outcome, rv.worker);
            await job.remove().catch(() => undefined);
            settleIfEmpty();
          } else if (restartFailed) {
            // Left failed by an earlier run: this run tries the cell again, as a local sweep would.
            await job.retry('failed');
          } else {
            outstanding.delete(hash);
            hooks.onError(i, new Error(job.failedReason || 'the cell failed on its worker'), job.processedBy);
            await job.remove().catch(() => undefined);
            settleIfEmpty();
          }
        } finally {
          busy.delete(hash);
          if (again.delete(hash)) await harvest(hash);
        }
      };

      let heard = Date.now();
      events.on('active', ({ jobId }) => {
        heard = Date.now();
        const i = indexOf.get(jobId);
        if (i !== undefined && outstanding.has(jobId)) hooks.onStart(i);
      });
      events.on('completed', ({ jobId }) => { heard = Date.now(); void guard(harvest(jobId)); });
      events.on('failed', ({ jobId }) => { heard = Date.now(); void guard(harvest(jobId)); });
      await events.waitUntilReady();

      await queue.addBulk(tasks.map((_, i) => jobOf(i)));
      // Jobs already known to Redis kept their state: collect those that have ended.
      for (const h of hashes) await harvest(h, true);
      settleIfEmpty();

      // The safety net: look at every outstanding job when the stream has been quiet for a poll
      // period, and at least every 12 periods.
      let ticks = 0;
      poll = setInterval(() => {
        if (++ticks % 12 !== 0 && Date.now() - heard < pollMs) return;
        for (const h of [...outstanding]) void guard(harvest(h));
      }, pollMs);
      const aborted = new Promise<void>((res) => {
        if (hooks.signal?.aborted) res();
        hooks.signal?.addEventListener('abort', () => res(), { once: true });
      });
      await Promise.race([finished, aborted]);
      if (hooks.signal?.aborted && outstanding.size > 0) {
        // Withdraw what has not started (a running job is locked and stays: the next run harvests it).
        for (const h of outstanding) {
          const job = await Job.fromId(queue, h);
          if (job && ['waiting', 'delayed', 'prioritized'].includes(await job.getState())) await job.remove().catch(() => undefined);
        }
      }
    } finally {
      if (poll) clearInterval(poll);
      await events?.close().catch(() => undefined);
      await queue.close().catch(() => undefined);
      for (const c of conns) c.disconnect();
    }
  };
}
