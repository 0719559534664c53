import { describe, expect, it } from 'vitest';
import { configFromArgs, describeRange, parseConfig, ConfigError } from '../src/experiments/config.js';
import { z } from 'zod';
import { dlnSchema } from '../src/experiments/dln.js';
import { numericCheck, exactCheck, overallVerdict, regimeCondition, withinTolerance } from '../src/experiments/verdict.js';

describe('experiment config', () => {
  it('fills defaults and coerces CLI words by field type', () => {
    const raw = configFromArgs(dlnSchema, ['--depth', '2', '--singular-values', '3,2,1', '--no-flow', '--rotate', '--init-scheme=random'], 'dln');
    expect(raw).toEqual({ depth: 2, singularValues: [3, 2, 1], flow: false, rotate: true, initScheme: 'random' });
    const c = parseConfig(dlnSchema, raw, 'dln');
    expect(c.lr).toBe(0.002);
    expect(c.depth).toBe(2);
  });

  it('names the field and the allowed range on bad input', () => {
    expect(() => parseConfig(dlnSchema, { depth: 12 }, 'dln')).toThrow(/--depth: must be ≤ 8 \(got 12\)/);
    expect(() => parseConfig(dlnSchema, { lr: 0 }, 'dln')).toThrow(/--lr: must be > 0/);
    expect(() => parseConfig(dlnSchema, { lr: 'fast' }, 'dln')).toThrow(/--lr: expected number \(got "fast"\)/);
    expect(() => parseConfig(dlnSchema, { initScheme: 'orthogonal' }, 'dln')).toThrow(/--init-scheme: must be one of "aligned", "random"/);
    expect(() => parseConfig(dlnSchema, { singularValues: [1, -2] }, 'dln')).toThrow(/--singular-values\[1\]: must be ≥ 0/);
    expect(() => parseConfig(dlnSchema, { dept: 3 }, 'dln')).toThrow(ConfigError);
    expect(() => parseConfig(dlnSchema, { dept: 3 }, 'dln')).toThrow(/unknown option --dept/);
  });
});

describe('verdicts', () => {
  it('applies each tolerance kind', () => {
    expect(withinTolerance(1, 1.04, { kind: 'rel', value: 0.05 })).toBe(true);
    expect(withinTolerance(1, 1.06, { kind: 'rel', value: 0.05 })).toBe(false);
    expect(withinTolerance(0, 0.01, { kind: 'abs', value: 0.02 })).toBe(true);
    expect(withinTolerance(0, NaN, { kind: 'abs', value: 1 })).toBe(false);
    expect(withinTolerance(0, 1.5, { kind: 'range', lo: 1, hi: 2 })).toBe(true);
  });

  it('is out of regime when an assumption fails, whatever the numbers say', () => {
    const bad = regimeCondition('small init', 0.5, 'max', 0.01);
    expect(bad.ok).toBe(false);
    const c = numericCheck({ name: 'x', quantity: 'q', predicted: 1, measured: 1, tolerance: { kind: 'abs', value: 0.1 }, regime: [bad] });
    expect(c.verdict).toBe('out-of-regime');
    expect(c.note).toMatch(/small init = 0.5/);
    const f = numericCheck({ name: 'x', quantity: 'q', predicted: 1, measured: 2, tolerance: { kind: 'abs', value: 0.1 } });
    expect(f.verdict).toBe('falsified');
    expect(overallVerdict([c, f])).toBe('falsified');
    expect(overallVerdict([c])).toBe('out-of-regime');
    expect(overallVerdict([exactCheck({ name: 'o', quantity: 'q', predicted: [1, 2], measured: [1, 2] })])).toBe('confirmed');
    expect(overallVerdict([exactCheck({ name: 'o', quantity: 'q', predicted: [1, 2], measured: [2, 1] })])).toBe('falsified');
  });
});

describe('unfinished runs', () => {
  it('an interrupted run is out of regime even if a partial check disagrees', async () => {
    const { unfinished } = await import('../src/experiments/verdict.js');
    const f = numericCheck({ name: 'x', quantity: 'q', predicted: 1, measured: 2, tolerance: { kind: 'abs', value: 0.1 } });
    expect(overallVerdict([f], 'interrupted')).toBe('out-of-regime');
    const u = unfinished([f], 'interrupted');
    expect(u[0].verdict).toBe('out-of-regime');
    expect(u[0].measured).toBe(2);
    expect(u[0].note).toMatch(/interrupted before completion/);
    expect(unfinished([f], 'ok')[0].verdict).toBe('falsified');
  });
});

describe('allowed ranges in words (lmech list)', () => {
  it('intervals with open/closed ends, integers, choices, booleans, lists', () => {
    expect(describeRange(z.number().int().min(1).max(8).default(3))).toBe('integer in [1, 8]');
    expect(describeRange(z.number().gt(0).max(20))).toBe('(0, 20]');
    expect(describeRange(z.number().min(-1).lt(1).optional())).toBe('[-1, 1)');
    expect(describeRange(z.number().gt(0))).toBe('(0, ∞)');
    expect(describeRange(z.number())).toBe('number');
    expect(describeRange(z.enum(['relu', 'erf']).default('relu'))).toBe('"relu" | "erf"');
    expect(describeRange(z.boolean().default(true))).toBe('true | false');
    expect(describeRange(z.array(z.number().int().min(2).max(4000)).min(3).max(12))).toBe('list of 3–12 (integer in [2, 4000])');
  });
});

describe('tuple fields (e.g. mu-transfer --sp-log2-lr) are comma lists on the CLI and the page', () => {
  it('parses "lo,hi" into a numeric tuple', async () => {
    const { z } = await import('zod');
    const { configFromArgs, fieldKind, parseConfig } = await import('../src/experiments/config.js');
    const schema = z.object({ range: z.tuple([z.number(), z.number()]).default([0, 1]).describe('a range') });
    expect(fieldKind(schema.shape.range)).toBe('array');
    const raw = configFromArgs(schema, ['--range=-6.5,-1.5'], 'x');
    expect(parseConfig(schema, raw, 'x')).toEqual({ range: [-6.5, -1.5] });
  });
});
