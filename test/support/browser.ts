/**
 * Shared pieces of the headless-Chromium tests: where Debian's Chromium lives, whether a test
 * suite must run (always on CI), a tiny static server (optionally cross-origin isolated like the
 * Vite dev server), the page built by Vite into a temporary folder, and the Chromium launch.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const onCi = Boolean(process.env.CI);
export const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Skip a browser suite locally without Chromium (with a warning); CI must have it. */
export function browserSuite(name: string): boolean {
  if (!hasChromium && !onCi) console.warn(`${name}: skipped — ${CHROMIUM} not found (install Debian's chromium to run the browser test)`);
  return !hasChromium && !onCi;
}

/** In a suite's beforeAll: fail loudly on CI when Chromium is missing. */
export function requireChromium(): void {
  if (!hasChromium) throw new Error(`${CHROMIUM} is required on CI for the browser test (apt-get install chromium)`);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/** A static server on 127.0.0.1; `isolated` adds COOP/COEP (shared memory, as the Vite dev server). */
export function serve(root: string, opts: { isolated?: boolean } = {}): Promise<Server> {
  const top = resolve(root);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(top, path));
    if (file !== top && !file.startsWith(top + sep)) { res.writeHead(403).end(); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404).end('not found'); return; }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      ...(opts.isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
      'Cache-Control': 'no-store',
    });
    res.end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)));
}

/** http://127.0.0.1:<port>/ of a listening server. */
export function baseUrl(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

export function closeServer(server: Server | undefined): Promise<void> {
  return new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
}

/** The page (web/) built by Vite into `outDir` (default: a new temporary folder); returns the folder. */
export async function buildPage(prefix = 'lmech-web-', outDir = mkdtempSync(join(tmpdir(), prefix))): Promise<string> {
  const { build } = await import('vite');
  await build({ root: join(repo, 'web'), configFile: join(repo, 'web', 'vite.config.ts'), build: { outDir, emptyOutDir: true }, logLevel: 'silent' });
  return outDir;
}

/** Debian's Chromium, headless, without network side traffic. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
