/**
 * Numbers on axes: one tick formatter (plain or scientific notation, never SI prefixes — a
 * reader of a physics paper reads 5×10⁻⁴, not 500µ), tick positions for linear and log scales,
 * and padded domains that fit the data.
 *
 * Linear ticks are d3's "nice" steps 1·10^k, 2·10^k, 5·10^k; log ticks are decades (thinned
 * to every m-th decade when there are many), or 1-2-5 and 1…9 within a decade or two.
 */
import * as libm from '../engine/libm.js';

const SUPERSCRIPT: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻',
};

const MINUS = '−'; // U+2212, as typeset

/** Plain notation for 10⁻³ ≤ |v| < 10⁵ (6 significant digits), else m×10ⁿ (10ⁿ when m = 1; 4 digits in m); float noise dropped. */
export function formatTick(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const sign = v < 0 ? MINUS : '';
  const a = Math.abs(v);
  const r = Number(a.toPrecision(6)); // 0.30000000000000004 → 0.3
  if (r >= 1e-3 && r < 1e5) return sign + String(r);
  return sign + formatScientific(a);
}

/** 10ⁿ for a power of ten (10⁰ = 1 included), for log axes whose ticks are all decades. */
export function formatPower(v: number): string {
  const e = Math.round(libm.log10(Math.abs(v)));
  return `${v < 0 ? MINUS : ''}10${String(e).split('').map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
}

/**
 * The formatter for an axis's ticks: on a log axis whose ticks are all powers of ten, over three
 * decades or more or reaching where formatTick turns scientific, every tick as 10ⁿ (one notation
 * down the axis: 10⁻⁶ … 10⁰ 10¹, not 0.001 next to 10⁻⁴); otherwise formatTick.
 */
export function tickFormatter(ticks: readonly number[], type: 'linear' | 'log'): (v: number) => string {
  if (type !== 'log' || ticks.length < 2) return formatTick;
  const decades = ticks.every((t) => t > 0 && Math.abs(libm.log10(t) - Math.round(libm.log10(t))) < 1e-9);
  const scientific = ticks.some((t) => t < 1e-3 * (1 - 1e-9) || t >= 1e5);
  if (decades && (ticks[ticks.length - 1] / ticks[0] >= 999 || scientific)) return formatPower;
  return scientific ? formatScientific : formatTick;
}

/** m×10ⁿ (10ⁿ when m = 1) for every value: one notation down a log axis that needs it somewhere. */
export function formatScientific(v: number): string {
  if (!Number.isFinite(v) || v === 0) return formatTick(v);
  const [m, e] = Math.abs(v).toExponential(3).split('e');
  const mantissa = String(Number(m));
  const power = `10${String(Number(e)).split('').map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
  return (v < 0 ? MINUS : '') + (mantissa === '1' ? power : `${mantissa}×${power}`);
}

/** A slope as a fraction with a small denominator where it is one (−0.75 → "−3/4", 1 → "1"), else formatTick. */
export function formatSlope(s: number): string {
  for (const q of [1, 2, 3, 4, 5, 6, 8]) {
    const p = Math.round(s * q);
    if (Math.abs(p / q - s) < 1e-9) return `${p < 0 ? MINUS : ''}${Math.abs(p)}${q === 1 ? '' : `/${q}`}`;
  }
  return formatTick(s);
}

/** Round to 12 significant digits (ticks built by repeated multiplication carry float noise). */
const clean = (v: number) => Number(v.toPrecision(12));

/** About `count` ticks covering [lo, hi] at a nice step (1, 2 or 5 × 10^k), all inside [lo, hi]. */
export function linearTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return Number.isFinite(lo) ? [lo] : [];
  const raw = (hi - lo) / Math.max(1, count);
  const p = libm.pow(10, Math.floor(libm.log10(raw)));
  const f = raw / p;
  const step = (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) out.push(clean(k * step));
  return out;
}

/**
 * Ticks for a log scale over [lo, hi] (0 < lo < hi) drawn `length` pixels long, spaced so that
 * `gap(a, b)` pixels separate neighbours a < b (the labels' size): in order of preference 1…9 or
 * 1-2-5 multiples of decades (for a short range), decades, every m-th decade (on round powers
 * 10⁻⁶, 10⁻³, 1 …), and linear ticks for a range too short for two of those.
 */
export function logTicks(lo: number, hi: number, length: number, gap: (a: number, b: number) => number = () => 16): number[] {
  if (!(lo > 0) || !(hi > lo)) return lo > 0 ? [lo] : [];
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const k0 = Math.floor(libm.log10(lo)), k1 = Math.ceil(libm.log10(hi));
  const multiples = (ms: number[]) => {
    const out: number[] = [];
    for (let k = k0; k <= k1; k++) for (const m of ms) { const v = clean(m * libm.pow(10, k)); if (inside(v)) out.push(v); }
    return out;
  };
  const px = length / libm.log10(hi / lo);
  const fits = (t: number[]) => t.length >= 2 && t.every((v, i) => i === 0 || libm.log10(v / t[i - 1]) * px >= gap(t[i - 1], v));
  const decades = multiples([1]);
  const candidates = decades.length <= 1
    ? [multiples([1, 2, 3, 4, 5, 6, 7, 8, 9]), multiples([1, 2, 5]), multiples([1, 3]), decades]
    : [multiples([1, 2, 5]), decades];
  for (const t of candidates) if (fits(t)) return t;
  for (let every = 2; every <= decades.length; every++) {
    const t = decades.filter((v) => Math.round(libm.log10(v)) % every === 0);
    if (fits(t)) return t;
  }
  if (decades.length >= 2) return [decades[0], decades[decades.length - 1]];
  const lin = linearTicks(lo, hi, 3).filter((v) => v > 0);
  return lin.length >= 2 ? lin : [lo, hi].map((v) => Number(v.toPrecision(2))).filter(inside);
}

/**
 * A domain that fits the values, padded by `pad` of its span on each side (in log space for a
 * log scale). With `zero`, 0 is included (a baseline that means something) and that side is not
 * padded. A single value gets a span of its own size (±10%, or ±1 at 0).
 */
export function fitDomain(values: Iterable<number>, type: 'linear' | 'log', opts: { pad?: number; zero?: boolean } = {}): [number, number] | undefined {
  const pad = opts.pad ?? 0.05;
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (type === 'log' && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return undefined;
  if (type === 'log') {
    let a = libm.log10(lo), b = libm.log10(hi);
    if (b - a < 1e-9) { a -= 0.1; b += 0.1; }
    const d = (b - a) * pad;
    return [libm.pow(10, a - d), libm.pow(10, b + d)];
  }
  const zero = opts.zero === true;
  if (zero) { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(lo))) { const h = lo === 0 ? 1 : 0.1 * Math.abs(lo); lo -= h; hi += h; }
  const d = (hi - lo) * pad;
  return [zero && lo === 0 ? 0 : lo - d, zero && hi === 0 ? 0 : hi + d];
}

/** Width in pixels of a tick label at 11 px sans-serif (for the left margin; superscripts count less). */
export function labelWidth(s: string): number {
  let w = 0;
  for (const c of s) w += '⁰¹²³⁴⁵⁶⁷⁸⁹⁻'.includes(c) ? 4.5 : c === '×' || c === MINUS ? 7.5 : c === '.' ? 3.5 : 6.6;
  return w;
}
