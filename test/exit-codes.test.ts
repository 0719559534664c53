/**
 * Exit codes (issue 10 §1): 0 every verdict as expected, 1 a falsified or unexpected verdict,
 * 2 bad input or usage, 3 runtime failure; documented in --help. Also the messages for numbers
 * that are not finite and for values too long to print.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const lmech = (...args: string[]) => spawnSync(process.execPath, ['bin/lmech.js', ...args], { encoding: 'utf8', timeout: 120_000 });

describe('exit codes', () => {
  it('0: help and list; --help documents every code', () => {
    const h = lmech('--help');
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/Exit codes:[\s\S]*0 +every verdict as expected[\s\S]*\n +1 +a falsified[\s\S]*\n +2 +bad input or usage[\s\S]*\n +3 +runtime failure/);
    expect(lmech('list').status).toBe(0);
  });

  it('1: verify where a seed gives an unexpected verdict (spectral-bias quick, seeds 1 and 2)', () => {
    const r = lmech('verify', '--only', 'spectral-bias', '--seeds', '1,2', '--json', '--workers', '2');
    expect(r.status, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    const quick = out.configurations.find((c: { label: string }) => c.label === 'quick');
    expect(quick).toMatchObject({ expected: 'confirmed', of: 2 });
    expect(quick.agree).toBeLessThan(2);
  });

  it('2: usage errors — no command, no experiment, unknown command, unknown flag, missing required flag', () => {
    for (const args of [[], ['run'], ['nonesuch'], ['verify', '--bogus'], ['hessian', '--data', 'x.json']]) {
      const r = lmech(...args);
      expect(r.status, `lmech ${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.length, args.join(' ')).toBeGreaterThan(0);
    }
  });

  it('2: numbers that are not finite say so; long values are cut in the message', () => {
    const inf = lmech('run', 'dln', '--lr', 'Infinity');
    expect(inf.status).toBe(2);
    expect(inf.stderr).toMatch(/--lr: must be a finite number \(got Infinity\)/);
    const big = lmech('run', 'dln', '--target', '[[1e400]]');
    expect(big.status).toBe(2);
    expect(big.stderr).toMatch(/--target\[0\.0\]: must be a finite number \(got Infinity\)/);
    expect(big.stderr).not.toMatch(/got null/);
    const huge = lmech('run', 'dln', '--singular-values', Array.from({ length: 12000 }, (_, i) => i % 7).join(','));
    expect(huge.status).toBe(2);
    expect(huge.stderr).toMatch(/--singular-values: must be ≤ 32 entries \(got \[0,1,2,.*… \(\d+ characters, 12000 entries\)\)/);
    expect(huge.stderr.length).toBeLessThan(600);
  });

  it('3: a failure while running (report.html cannot be replaced: it is a directory)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-x3-'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: 'lmech-run-manifest', version: 1, experiment: 'dln', config: {}, seed: 0, started: new Date().toISOString(), host: 'h', pid: 0, command: [] }));
    mkdirSync(join(dir, 'report.html', 'inside'), { recursive: true });
    const r = lmech('report', dir);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^lmech: .*(EISDIR|ENOTEMPTY|EEXIST|directory)/);
  });
});
