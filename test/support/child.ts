/** Real `lmech` child processes for the CLI tests (the CLI runs from dist/, built before vitest). */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (signal name if killed by one). */
  exited: Promise<number | string>;
}

export function start(args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['bin/lmech.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '', err = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<number | string>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { proc, stdout: () => out, stderr: () => err, exited };
}

/** Wait until `ok()` holds (polling), or throw after `ms` (a watchdog, not a timing claim). */
export async function until(ok: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** The child's exit code, or kill it (and fail) when it outlives the watchdog. */
export async function exitOf(c: Child, ms: number): Promise<number | string> {
  const t = setTimeout(() => c.proc.kill('SIGKILL'), ms);
  try { return await c.exited; } finally { clearTimeout(t); }
}

/** Rows of a .jsonl file (all complete lines). */
export function jsonl(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } });
}
