import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The CLI runs from dist/ (built by `npm test` before vitest starts).
const lmech = (...args: string[]) => spawnSync(process.execPath, ['bin/lmech.js', ...args], { encoding: 'utf8', timeout: 120_000 });

describe('lmech CLI', () => {
  it('run dln --json prints one JSON object with the checks and the verdict', () => {
    const r = lmech('run', 'dln', '--depth', '2', '--init', '0.01', '--lr', '0.005', '--json');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]);
    expect(out.experiment).toBe('dln');
    expect(out.config.depth).toBe(2);
    expect(out.verdict).toBe('confirmed');
    expect(out.checks.length).toBeGreaterThan(5);
    for (const c of out.checks) expect(Object.keys(c)).toEqual(expect.arrayContaining(['name', 'predicted', 'measured', 'tolerance', 'verdict']));
  });

  it('bad config: exit 2 and a message naming the field and the range', () => {
    const r = lmech('run', 'dln', '--depth', '12');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--depth: must be ≤ 8 \(got 12\)/);
    const u = lmech('run', 'dln', '--lr');
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/--lr needs a value/);
    const e = lmech('run', 'nonesuch');
    expect(e.status).toBe(2);
    expect(e.stderr).toMatch(/unknown experiment "nonesuch"; known: .*dln/);
  });

  it('--out writes report.json, the observables and an HTML report with plots', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-'));
    const r = lmech('run', 'dln', '--depth', '2', '--init', '0.01', '--lr', '0.005', '--no-conservation', '--out', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verdict: confirmed/);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.verdict).toBe('confirmed');
    const files = readdirSync(dir);
    expect(files).toEqual(expect.arrayContaining(['report.json', 'report.html', 'modes.jsonl', 'loss.jsonl', 'alignment.jsonl']));
    const first = JSON.parse(readFileSync(join(dir, 'modes.jsonl'), 'utf8').split('\n')[0]);
    expect(Object.keys(first)).toEqual(expect.arrayContaining(['t', 'mode', 'u', 'method']));
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(html).toMatch(/stroke-dasharray/); // the theory overlay
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*\shref=/); // self-contained: only inline scripts (figure downloads), nothing fetched
  });

  it('verify --only dln runs the quick config and variants, exits 0 when all are as expected', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-v-'));
    const r = lmech('verify', '--only', 'dln', '--json', '--out', dir);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.experiments.map((e: { verdict: string }) => e.verdict)).toContain('out-of-regime');
    expect(existsSync(join(dir, 'verify.json'))).toBe(true);
  });

  it('verify on 2 workers gives the same records, in plan order, as on 1 (cells do not depend on where they run)', () => {
    const strip = (o: { experiments: { seconds: number }[] }) => o.experiments.map(({ seconds: _s, ...rest }) => rest);
    const one = lmech('verify', '--only', 'dln,quadratic-stability', '--json', '--workers', '1');
    const two = lmech('verify', '--only', 'dln,quadratic-stability', '--json', '--workers', '2');
    expect(one.status, one.stderr).toBe(0);
    expect(two.status, two.stderr).toBe(0);
    const a = JSON.parse(one.stdout), b = JSON.parse(two.stdout);
    expect(a.experiments).toHaveLength(7);
    expect(strip(b)).toEqual(strip(a));
    const bad = lmech('verify', '--workers', '0');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--workers: must be an integer from 1 to 256 \(got "0"\)/);
  });

  it('list shows every option with its default and its allowed range', () => {
    const r = lmech('list');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--depth\s+3\s+integer in \[1, 8\]\s+number of weight matrices/);
    expect(r.stdout).toMatch(/--lr\s+0\.002\s+\(0, 10\]/);
    expect(r.stdout).toMatch(/--init-scheme\s+"aligned"\s+"aligned" \| "random"/);
    expect(r.stdout).toMatch(/--target\s+—\s+list of/);
    expect(r.stdout).toMatch(/--singular-values\s+\[6,4,3,2,1,0\.5\]/);
  });

  it('an experiment checkpoint feeds `lmech hessian`: the edge-of-stability model sits at λ_max ≈ 2/η', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmech-eos-'));
    const r = lmech('run', 'edge-of-stability', '--samples', '300', '--steps', '600', '--lr-scales', '1', '--no-flow-control', '--out', dir);
    expect(r.status, r.stderr).toBe(0);
    const m = r.stdout.match(/checkpoint: lmech hessian --model (\S+) --data (\S+)/);
    expect(m).not.toBeNull();
    const h = lmech('hessian', '--model', m![1], '--data', m![2], '--top-k', '1', '--json');
    expect(h.status, h.stderr).toBe(0);
    const out = JSON.parse(h.stdout);
    const lambda = out.sharpness;
    expect(out.top.values[0]).toBe(lambda);
    expect(typeof lambda).toBe('number');
    // Trained at η = 0.3 at the edge of stability: sharpness within 10% of 2/η = 6.67.
    expect(Math.abs(lambda * 0.3 / 2 - 1)).toBeLessThan(0.1);
  });
});
