/**
 * Residuals |measured − theory| for plots where the two curves coincide to the eye, and
 * reference lines of a given slope in log-log plots.
 *
 * A measured row is paired with the theory row of the same series (same values in the `keys`
 * columns: colour, group, facet) at the same x (equal to 12 significant digits). Rows without a
 * theory point at their x are left out rather than interpolated: on a coarse theory grid an
 * interpolant's error can be as large as the deviation being shown (e.g. DLN modes at their
 * sigmoidal transition), so an experiment that wants a series in the residual panel records its
 * theory on that series' x grid.
 *
 * Slope line: y = y₀ (x/x₀)^s through the geometric centre (x₀, y₀) of the measured points it is
 * anchored to, over their x range — parallel to the data exactly when the data follow x^s.
 */
import * as libm from '../engine/libm.js';
export type Row = Record<string, number | string>;

const xKey = (x: number) => x.toPrecision(12);

export interface ResidualOptions {
  x: string;
  y: string;
  /** Which rows are theory (the others are measured). */
  isTheory: (r: Row) => boolean;
  /** Columns that identify a curve (colour, group, facet); a measured row meets the theory with the same values. */
  keys: string[];
  /** |m − θ|/|θ| instead of |m − θ|. */
  relative?: boolean;
}

/** Column of the residual in the rows residualRows returns. */
export const RESIDUAL = '__residual';

/** One row per measured row that has a theory point at its x: the row's own columns plus RESIDUAL. */
export function residualRows(rows: readonly Row[], o: ResidualOptions): Row[] {
  const keyOf = (r: Row, x: number) => `${o.keys.map((k) => String(r[k] ?? '')).join('\u0000')}\u0000${xKey(x)}`;
  const theory = new Map<string, number>();
  for (const r of rows) {
    if (!o.isTheory(r)) continue;
    const x = Number(r[o.x]), y = Number(r[o.y]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const k = keyOf(r, x);
    if (!theory.has(k)) theory.set(k, y); // one value per x (the first)
  }
  const out: Row[] = [];
  for (const r of rows) {
    if (o.isTheory(r)) continue;
    const x = Number(r[o.x]), y = Number(r[o.y]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const t = theory.get(keyOf(r, x));
    if (t === undefined) continue;
    const d = Math.abs(y - t) / (o.relative ? Math.abs(t) : 1);
    if (Number.isFinite(d)) out.push({ ...r, [RESIDUAL]: d });
  }
  return out;
}

export interface SlopeLine { slope: number; label: string; points: { x: number; y: number }[] }

/**
 * A reference line of log-log slope `slope` through the geometric centre of `anchor` (points with
 * x, y > 0), spanning their x range; undefined when fewer than two distinct positive x.
 */
export function slopeLine(anchor: readonly { x: number; y: number }[], slope: number, label: string): SlopeLine | undefined {
  const pts = anchor.filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.x) && Number.isFinite(p.y));
  if (pts.length < 2) return undefined;
  const lx = pts.map((p) => libm.log(p.x)), ly = pts.map((p) => libm.log(p.y));
  const x0 = lx.reduce((a, b) => a + b, 0) / pts.length, y0 = ly.reduce((a, b) => a + b, 0) / pts.length;
  const a = Math.min(...lx), b = Math.max(...lx);
  if (!(b > a)) return undefined;
  const at = (l: number) => ({ x: libm.exp(l), y: libm.exp(y0 + slope * (l - x0)) });
  return { slope, label, points: [at(a), at(b)] };
}
