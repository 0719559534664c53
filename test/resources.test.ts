/**
 * Memory guard (issue 10 §1): O(n²)/O(P²) computations are sized before they allocate and
 * refused, naming the flag, the estimate and the limit (--max-memory, default half the free memory).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { estimate, formatBytes, guardMemory, parseMemoryLimit, ResourceError } from '../src/io/resources.js';
import { ConfigError } from '../src/experiments/config.js';
import { kernelCommand } from '../src/cli/commands/kernel.js';
import { defaultHessianOptions, hessianMemory } from '../src/cli/commands/hessian.js';
import { toNpy } from '../src/io/npy.js';
import { saveCheckpoint } from '../src/io/checkpoint.js';
import { initMlp } from '../src/models/mlp.js';
import { Rng } from '../src/engine/rng.js';
import { lmechHessian } from './support/hessian-cli.js';

const lmech = (...args: string[]) => spawnSync(process.execPath, ['bin/lmech.js', ...args], { encoding: 'utf8', timeout: 60_000 });
const rows = (n: number, d = 2) => ({ rows: n, cols: d, data: Float64Array.from({ length: n * d }, (_, i) => Math.sin(i + 1)) });

describe('sizes', () => {
  it('--max-memory: bytes or a unit (decimal and binary); errors name the flag', () => {
    expect(parseMemoryLimit('8G')).toBe(8e9);
    expect(parseMemoryLimit('512M')).toBe(512e6);
    expect(parseMemoryLimit('1.5GiB')).toBe(1.5 * 2 ** 30);
    expect(parseMemoryLimit('64kib')).toBe(65536);
    expect(parseMemoryLimit('1e9')).toBe(1e9);
    expect(parseMemoryLimit(undefined)).toBeGreaterThan(0);
    for (const bad of ['lots', '-1', '0', '5X', '']) expect(() => parseMemoryLimit(bad)).toThrow(/--max-memory: must be a positive size/);
    expect(formatBytes(1.6e10)).toBe('16 GB');
    expect(formatBytes(512)).toBe('512 B');
  });

  it('estimates, by hand: kernel 6 f64 matrices + text, Lanczos basis, dense Hessian, eigh', () => {
    expect(estimate.analyticKernel(1000, 500)).toBe(1000 * 500 * (6 * 8 + 40));
    // MLP [3, 6, 2]: P = 3·6 + 6 + 6·2 + 2 = 38; Lanczos keeps min(P, 200) + 4 vectors of P f64.
    expect(hessianMemory(38, defaultHessianOptions)).toBe((38 + 4) * 38 * 8);
    expect(hessianMemory(1e6, { ...defaultHessianOptions, topK: 50 })).toBe((500 + 4) * 1e6 * 8);
    expect(estimate.denseHessian(1000)).toBe(8e6);
    expect(estimate.eigh(1000)).toBe(24e6);
    expect(estimate.empiricalNtk(10, 10, 2, 100, 'full', 1e9)).toBe(400 * 8 + 2 * 20 * 2 * 100 * 8);
  });

  it('guardMemory refuses with the flag, the estimate and the limit (a usage error)', () => {
    const need = { what: 'the 40000 × 40000 kernel matrices', flag: '--x big.npy', bytes: estimate.analyticKernel(40000, 40000), hint: 'use fewer rows' };
    expect(() => guardMemory(need, 8e9, '--max-memory', true)).toThrow(ResourceError);
    expect(() => guardMemory(need, 8e9, '--max-memory', true)).toThrow(ConfigError);
    expect(() => guardMemory(need, 8e9, '--max-memory', true)).toThrow(/^--x big\.npy: the 40000 × 40000 kernel matrices needs about 141 GB of memory, over the limit of 8\.0 GB \(--max-memory\); use fewer rows, or raise --max-memory/);
    expect(() => guardMemory(need, 2e11)).not.toThrow();
  });
});

describe('commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmech-mem-'));

  it('lmech kernel: 200k input rows are refused before allocating (default limit); --max-memory decides small ones', () => {
    const big = join(dir, 'big.npy');
    writeFileSync(big, toNpy(rows(200_000)));
    const r = lmech('kernel', '--x', big);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--x .*big\.npy: the 200000 × 200000 kernel matrices needs about 3\.5 TB of memory, over the limit of .* \(--max-memory default: 50% of the .* free\); use fewer rows, or raise --max-memory/);
    const small = join(dir, 'small.json');
    writeFileSync(small, JSON.stringify(Array.from({ length: 40 }, (_, i) => [Math.cos(i), Math.sin(i)])));
    expect(() => kernelCommand({ x: small, maxMemory: '100k' })).toThrow(/--x .*small\.json: the 40 × 40 kernel matrices needs about 141 kB of memory, over the limit of 100 kB \(--max-memory\)/);
    expect(kernelCommand({ x: small, maxMemory: '1M' }).matrix.rows).toBe(40);
    expect(() => kernelCommand({ x: small, maxMemory: 'a lot' })).toThrow(/--max-memory: must be a positive size/);
  });

  it('lmech hessian: a model whose Lanczos basis exceeds --max-memory is refused naming --model', async () => {
    const spec = { widths: [3, 6, 2], activation: 'tanh' as const, sigmaB: 0.3 };
    const model = join(dir, 'model.json');
    saveCheckpoint(model, { spec, loss: 'mse', dtype: 'f64', params: initMlp(spec, new Rng(1).split('init')), names: [] });
    const data = join(dir, 'data.json');
    writeFileSync(data, JSON.stringify({ x: [[1, 0, 0], [0, 1, 0], [0, 0, 1]], y: [[1, 0], [0, 1], [1, 1]] }));
    await expect(lmechHessian('--model', model, '--data', data, '--max-memory', '10k')).rejects.toThrow(/--model .*model\.json: the Lanczos basis for 38 parameters needs about 13 kB of memory, over the limit of 10 kB \(--max-memory\)/);
    const out = JSON.parse(await lmechHessian('--model', model, '--data', data, '--max-memory', '20k', '--json', '--top-k', '1'));
    expect(out.model.parameters).toBe(38);
  });
});
