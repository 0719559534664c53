/**
 * Aggregation over a family of runs, pure functions over plain cells:
 *   groupBySeed — cells that differ only in their seed form one group;
 *   stats       — mean, sample standard deviation s (n − 1), standard error s/√n;
 *   argminOver  — per group of the other axes, the axis value minimising a metric's seed mean,
 *                 with a percentile-bootstrap interval: resample the seeds with replacement
 *                 (B times, seeded), recompute every mean and the argmin, report the 2.5% and
 *                 97.5% quantiles of the argmin (Efron & Tibshirani 1993, ch. 13);
 *   fitOverAxis — per group of the other axes, a straight-line fit of the metric's seed mean
 *                 against an axis (linear, or log–log for a power law y ∝ x^slope), with the
 *                 slope's standard error from observables/fit.ts.
 */
import { Rng } from '../engine/rng.js';
import { canonicalJson } from './sweep.js';
import { linearFit, logLogFit, type LineFit } from '../observables/fit.js';

export interface AggCell {
  coords: Record<string, unknown>;
  /** null for cells without a result (failed, queued). */
  summary: Record<string, number> | null;
  status: string;
}

export interface Stats { n: number; mean: number; std: number; sem: number }

export function stats(values: readonly number[]): Stats {
  const n = values.length;
  if (n === 0) return { n, mean: NaN, std: NaN, sem: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : NaN;
  return { n, mean, std, sem: n > 1 ? std / Math.sqrt(n) : NaN };
}

export interface Group {
  /** The coordinates shared by the group (seed removed). */
  coords: Record<string, unknown>;
  cells: AggCell[];
  /** Per metric, over the cells with a finite value. */
  metrics: Record<string, Stats>;
  /** Cells in the group whose run diverged (kept, not dropped). */
  diverged: number;
}

const withoutSeed = (c: Record<string, unknown>) => {
  const { seed: _seed, ...rest } = c;
  return rest;
};

export function groupBySeed(cells: readonly AggCell[]): Group[] {
  const groups = new Map<string, Group>();
  for (const c of cells) {
    const coords = withoutSeed(c.coords);
    const key = canonicalJson(coords);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { coords, cells: [], metrics: {}, diverged: 0 }));
    g.cells.push(c);
    if (c.status === 'diverged') g.diverged++;
  }
  for (const g of groups.values()) {
    const names = new Set(g.cells.flatMap((c) => Object.keys(c.summary ?? {})));
    for (const m of names) {
      g.metrics[m] = stats(g.cells.map((c) => c.summary?.[m]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
    }
  }
  return [...groups.values()];
}

export interface Argmin {
  /** The other axes' coordinates. */
  coords: Record<string, unknown>;
  /** Axis value with the smallest seed-mean metric. */
  argmin: number;
  /** Its mean metric. */
  min: number;
  /** 95% bootstrap interval of the argmin (axis units), over seed resamples. */
  lo: number;
  hi: number;
  seeds: number;
}

/**
 * For each setting of the other axes, the value of `axis` that minimises the seed mean of
 * `metric`. Cells without a finite metric (diverged, failed) count as +∞ at their axis value,
 * so a diverging learning rate is never the optimum. Seeds are paired across axis values
 * (the same seed index is resampled at every axis value).
 */
export function argminOver(cells: readonly AggCell[], axis: string, metric: string, opts: { resamples?: number; seed?: number } = {}): Argmin[] {
  const B = opts.resamples ?? 1000;
  const rng = new Rng(opts.seed ?? 0).split('bootstrap');
  const outer = new Map<string, { coords: Record<string, unknown>; byValue: Map<number, Map<unknown, number>> }>();
  for (const c of cells) {
    const v = c.coords[axis];
    if (typeof v !== 'number') continue;
    const { [axis]: _a, seed, ...rest } = c.coords;
    const key = canonicalJson(rest);
    let o = outer.get(key);
    if (!o) outer.set(key, (o = { coords: rest, byValue: new Map() }));
    let m = o.byValue.get(v);
    if (!m) o.byValue.set(v, (m = new Map()));
    const x = c.summary?.[metric];
    m.set(seed ?? 0, typeof x === 'number' && Number.isFinite(x) ? x : Infinity);
  }
  const out: Argmin[] = [];
  for (const o of outer.values()) {
    const values = [...o.byValue.keys()].sort((a, b) => a - b);
    const seeds = [...new Set(values.flatMap((v) => [...o.byValue.get(v)!.keys()]))];
    const at = (v: number, s: unknown) => o.byValue.get(v)!.get(s) ?? Infinity;
    const best = (pick: unknown[]) => {
      let bi = 0, bm = Infinity;
      values.forEach((v, i) => {
        const mean = pick.reduce<number>((acc, s) => acc + at(v, s), 0) / pick.length;
        if (mean < bm) { bm = mean; bi = i; }
      });
      return { i: bi, mean: bm };
    };
    const full = best(seeds);
    const boot: number[] = [];
    for (let b = 0; b < B; b++) boot.push(values[best(seeds.map(() => seeds[rng.int(seeds.length)])).i]);
    boot.sort((a, b) => a - b);
    const q = (p: number) => boot[Math.min(B - 1, Math.max(0, Math.floor(p * B)))];
    out.push({ coords: o.coords, argmin: values[full.i], min: full.mean, lo: q(0.025), hi: q(0.975), seeds: seeds.length });
  }
  return out;
}

export interface AxisFit extends LineFit {
  coords: Record<string, unknown>;
  /** Axis values used (those with a finite seed mean, and positive ones for log–log). */
  x: number[];
  y: number[];
}

/**
 * Fit the seed mean of `metric` against `axis` for each setting of the other axes. Points
 * without a finite mean (diverged or failed everywhere) are left out and the fit says so by
 * its `x`; fewer than 2 points give NaN.
 */
export function fitOverAxis(cells: readonly AggCell[], axis: string, metric: string, kind: 'linear' | 'loglog' = 'linear'): AxisFit[] {
  const groups = groupBySeed(cells);
  const outer = new Map<string, { coords: Record<string, unknown>; pts: [number, number][] }>();
  for (const g of groups) {
    const x = g.coords[axis];
    if (typeof x !== 'number') continue;
    const { [axis]: _a, ...rest } = g.coords;
    const key = canonicalJson(rest);
    let o = outer.get(key);
    if (!o) outer.set(key, (o = { coords: rest, pts: [] }));
    const y = g.metrics[metric]?.mean;
    if (y !== undefined && Number.isFinite(y) && (kind === 'linear' || (x > 0 && y > 0))) o.pts.push([x, y]);
  }
  return [...outer.values()].map(({ coords, pts }) => {
    pts.sort((a, b) => a[0] - b[0]);
    const x = pts.map((p) => p[0]), y = pts.map((p) => p[1]);
    const fit = x.length >= 2 ? (kind === 'loglog' ? logLogFit(x, y) : linearFit(x, y)) : { slope: NaN, intercept: NaN, se: NaN };
    return { coords, x, y, ...fit };
  });
}
