/**
 * A portable libm: elementary functions computed with IEEE-754 double arithmetic only (+ − × ÷ and
 * √, which every engine rounds correctly), so that the same input gives the same bits in every
 * JavaScript engine.
 *
 * Why: ECMAScript leaves Math.exp, Math.log, Math.sin, …, and `x ** y` implementation-approximated,
 * and engines differ. Measured (scripts in the issue-10 note): between Node 20's V8 11.3 and
 * Chromium 156's V8, over 200 000 random doubles, Math.exp differs in 6 % of results, Math.log in
 * 4 %, Math.pow(x, 0.37) in 10 %, even `x ** -1` in 0.04 %; `x ** 2`, `x ** 0.5`, Math.sqrt and
 * Math.hypot agree. One differing ulp in the polar Box–Muller draw of an initialization was enough
 * to make the page and the CLI disagree in the 4th digit after 3000 steps at the edge of stability.
 * So every numeric path of the lab calls these functions instead (test/libm.test.ts enforces it).
 *
 * Algorithms (the classic constructions, written here from their published descriptions; the
 * polynomial coefficients are the standard minimax sets of Sun's fdlibm, which are facts):
 *   exp     x = k·ln2 + r, |r| ≤ ln2/2, ln2 split hi/lo (Cody & Waite); e^r from the Remez rational
 *           form e^r = 1 + 2r/(2 − c(r)), c(r) = r − r²(P1 + … + P5 r⁸) (Tang-style reduction).
 *   expm1   the same reduction with a Q-polynomial for (e^r − 1) and a correction term c for the
 *           reduction error (fdlibm's expm1 construction).
 *   log     x = 2^k·m, m ∈ [√½, √2), f = m − 1 exact; log m = 2 atanh s, s = f/(2 + f), evaluated in
 *           double-double (s carried as s_hi + s_lo via an exact residual), so the rounded result is
 *           within ~0.5 ulp and `pow` gets ~1e-30 relative from its logarithm.
 *   pow     x^y = exp(y·log x) with y·log x in double-double and exp(h + l) = e^h (1 + l).
 *   sin/cos argument reduction by π/2 in three pieces (Cody & Waite) for |x| < 2^20·π/2, exact
 *           BigInt reduction against 1200 bits of 2/π beyond (Payne & Hanek); kernels on
 *           [−π/4, π/4] with the fdlibm minimax polynomials; tan = sin/cos of the same reduction.
 *   atan    reduction to |x| < 7/16 by atan x = atan c + atan((x − c)/(1 + c x)), c ∈ {½, 1, 3/2, ∞},
 *           then an odd minimax polynomial; atan2 by quadrant; asin/acos via atan2 and √((1−x)(1+x)).
 *   tanh, sinh, cosh from expm1/exp; log1p, log2, log10 from log with exact corrections.
 * Accuracy against correctly rounded values (mpmath) and against the engine's Math: test/libm.test.ts.
 */

// ---------- bit access ----------
const F = new Float64Array(1);
const W = new Uint32Array(F.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // little-endian: high word at index 1
const LO = 1 - HI;

function highWord(x: number): number { F[0] = x; return W[HI] | 0; }
function lowWord(x: number): number { F[0] = x; return W[LO]; }
function fromWords(hi: number, lo: number): number { W[HI] = hi >>> 0; W[LO] = lo >>> 0; return F[0]; }
function withHigh(x: number, hi: number): number { F[0] = x; W[HI] = hi >>> 0; return F[0]; }

/** 2^k for integer k in [−1022, 1023], exact. */
function pow2i(k: number): number { return fromWords((k + 1023) << 20, 0); }

/** x · 2^k, exact unless the result under/overflows (then correctly rounded by two steps). */
export function scalbn(x: number, k: number): number {
  if (k > 1023) { x *= pow2i(1023); k -= 1023; if (k > 1023) { x *= pow2i(1023); k -= 1023; if (k > 1023) k = 1023; } }
  else if (k < -1022) { x *= pow2i(-1022 + 53); k += 1022 - 53; if (k < -1022) { x *= pow2i(-1022 + 53); k += 1022 - 53; if (k < -1022) k = -1022; } }
  return x * pow2i(k);
}

// ---------- double-double helpers (Dekker; no fused multiply-add anywhere) ----------
const SPLIT = 134217729; // 2^27 + 1
function twoProdErr(a: number, b: number, p: number): number {
  let t = SPLIT * a; const ah = t - (t - a), al = a - ah;
  t = SPLIT * b; const bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

// ---------- exp ----------
const LN2_HI = 6.93147180369123816490e-01; // 0x3fe62e42 fee00000: k·LN2_HI exact for |k| < 2^11
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.44269504088896338700e+00;
const P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05,
  P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08;
const EXP_OVER = 7.09782712893383973096e+02, EXP_UNDER = -7.45133219101941108420e+02;

export function exp(x: number): number {
  if (x !== x) return x;
  if (x > EXP_OVER) return Infinity;
  if (x < EXP_UNDER) return 0;
  const ax = x < 0 ? -x : x;
  if (ax < 3.725290298461914e-9) return 1 + x; // |x| < 2^-28
  let k = 0, hi = x, lo = 0;
  if (ax > 0.34657359027997264) { // > ln2/2
    k = ax < 1.0397207708399179 ? (x > 0 ? 1 : -1) : Math.floor(INV_LN2 * x + 0.5);
    hi = x - k * LN2_HI;
    lo = k * LN2_LO;
  }
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const y = 1 - ((lo - (r * c) / (2 - c)) - hi);
  return k === 0 ? y : scalbn(y, k);
}

// ---------- expm1 ----------
const Q1 = -3.33333333333331316428e-02, Q2 = 1.58730158725481460165e-03, Q3 = -7.93650757867487942473e-05,
  Q4 = 4.00821782732936239552e-06, Q5 = -2.01099218183624371326e-07;

export function expm1(x: number): number {
  if (x !== x) return x;
  if (x > EXP_OVER) return Infinity;
  if (x < -38.816242111356935) return -1; // e^x < 2^-56
  const ax = x < 0 ? -x : x;
  let k = 0, c = 0;
  if (ax > 0.34657359027997264) {
    let hi: number, lo: number;
    if (ax < 1.0397207708399179) {
      if (x > 0) { hi = x - LN2_HI; lo = LN2_LO; k = 1; } else { hi = x + LN2_HI; lo = -LN2_LO; k = -1; }
    } else {
      k = Math.floor(INV_LN2 * x + 0.5);
      hi = x - k * LN2_HI;
      lo = k * LN2_LO;
    }
    x = hi - lo;
    c = (hi - x) - lo;
  } else if (ax < 5.551115123125783e-17) { // 2^-54
    return x;
  }
  const hfx = 0.5 * x;
  const hxs = x * hfx;
  const r1 = 1 + hxs * (Q1 + hxs * (Q2 + hxs * (Q3 + hxs * (Q4 + hxs * Q5))));
  const t = 3 - r1 * hfx;
  let e = hxs * ((r1 - t) / (6 - x * t));
  if (k === 0) return x - (x * e - hxs);
  e = x * (e - c) - c;
  e -= hxs;
  if (k === -1) return 0.5 * (x - e) - 0.5;
  if (k === 1) return x < -0.25 ? -2 * (e - (x + 0.5)) : 1 + 2 * (x - e);
  if (k <= -2 || k > 56) {
    const y = 1 - (e - x);
    return scalbn(y, k) - 1;
  }
  if (k < 20) {
    const tt = fromWords(0x3ff00000 - (0x200000 >> k), 0); // 1 − 2^−k
    return scalbn(tt - (e - x), k);
  }
  const tt = pow2i(-k);
  return scalbn((x - (e + tt)) + 1, k);
}

// ---------- log (double-double core) ----------
/** 1/3, 1/5, …, 1/27: the atanh series of log m = 2s + 2s³(1/3 + s²/5 + …). */
const ATANH_C = Array.from({ length: 13 }, (_, n) => 1 / (2 * n + 3));

/** log(x) for finite x > 0 as hi + lo (|lo| ≤ ulp(hi)/2 after the final renormalization). */
function logDD(x: number): { hi: number; lo: number } {
  let k = 0;
  if (x < 2.2250738585072014e-308) { x *= 18014398509481984; k = -54; } // subnormal: × 2^54
  let hx = highWord(x);
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  // m = x / 2^k in [√½, √2): if the mantissa is ≥ √2's, halve it.
  let m = withHigh(x, hx | 0x3ff00000);
  if ((hx | 0x3ff00000) > 0x3ff6a09e || ((hx | 0x3ff00000) === 0x3ff6a09e && lowWord(m) > 0x667f3bcc)) { m *= 0.5; k += 1; }
  const f = m - 1; // exact (Sterbenz)
  // s = f / (2 + f) in double-double: u = 2 + f = uh + ul exactly, s_lo from the exact residual.
  const uh = 2 + f, ul = f - (uh - 2);
  const sh = f / uh;
  const p = sh * uh;
  const pe = twoProdErr(sh, uh, p);
  const sl = (((f - p) - pe) - sh * ul) / uh;
  // log m = 2s + 2s³(1/3 + s²/5 + s⁴/7 + …): |s| ≤ 0.1716, s² ≤ 0.02944; 13 terms reach 2^-64 of 2s.
  const z = sh * sh;
  let poly = ATANH_C[12];
  for (let n = 11; n >= 0; n--) poly = ATANH_C[n] + z * poly;
  const tail = 2 * sh * z * poly;
  // total = k·ln2 + 2 sh + (2 sl + tail), summed in double-double.
  const a = k * LN2_HI;             // exact
  const b = 2 * sh;                 // exact
  const s = a + b;
  const bb = s - a;
  const err = (a - (s - bb)) + (b - bb); // two-sum error of a + b
  const rest = err + (2 * sl + tail + k * LN2_LO);
  const hi = s + rest;
  return { hi, lo: rest - (hi - s) };
}

export function log(x: number): number {
  if (x !== x || x === Infinity) return x;
  if (x === 0) return -Infinity;
  if (x < 0) return NaN;
  if (x === 1) return 0;
  return logDD(x).hi;
}

export function log1p(x: number): number {
  if (x !== x || x === Infinity) return x;
  if (x === -1) return -Infinity;
  if (x < -1) return NaN;
  const ax = x < 0 ? -x : x;
  if (ax < 1.1102230246251565e-16) return x; // 2^-53
  const u = 1 + x;
  // log1p x = log u − ((u − 1) − x)/u to first order in the rounding error of u (exact when u − 1 = x).
  const d = (u - 1) - x;
  const l = logDD(u);
  return l.hi + (l.lo - d / u);
}

const LOG2E_HI = 1.44269504072144627571e+00, LOG2E_LO = 1.67517131648865118353e-10; // hi has 32 trailing zero bits
export function log2(x: number): number {
  if (x !== x || x === Infinity) return x;
  if (x === 0) return -Infinity;
  if (x < 0) return NaN;
  let off = 0;
  if (x < 2.2250738585072014e-308) { x *= 18014398509481984; off = 54; } // subnormal: × 2^54
  // Exact powers of two give their exponent exactly.
  const hx = highWord(x);
  if ((hx & 0x000fffff) === 0 && lowWord(x) === 0) return (hx >> 20) - 1023 - off;
  const l = logDD(x);
  const h = l.hi * LOG2E_HI;
  const r = h + (l.hi * LOG2E_LO + l.lo * INV_LN2 + twoProdErr(l.hi, LOG2E_HI, h));
  return off ? r - off : r;
}

const LOG10E_HI = 4.34294481878168880939e-01, LOG10E_LO = 2.50829467116452752298e-11;
export function log10(x: number): number {
  if (x !== x || x === Infinity) return x;
  if (x === 0) return -Infinity;
  if (x < 0) return NaN;
  const l = logDD(x);
  const h = l.hi * LOG10E_HI;
  return h + (l.hi * LOG10E_LO + l.lo * 0.4342944819032518 + twoProdErr(l.hi, LOG10E_HI, h));
}

// ---------- pow ----------
function isOddInteger(y: number): boolean { return Number.isInteger(y) && Math.abs(y) < 9007199254740992 && Math.abs(y % 2) === 1; }

/**
 * a^n for integer n ≥ 1 by binary powering in double-double (products by Dekker's two-product), so
 * an exactly representable result (e.g. 3^20, 2^11) comes out exactly. null when an intermediate
 * leaves (2^-916, 2^995): beyond, Dekker's split would overflow or the low part underflow (the exp/log
 * route then handles under- and overflow).
 */
const INTPOW_MAX = 2 ** 995, INTPOW_MIN = 2 ** -916;
function intPow(a: number, n: number): { hi: number; lo: number } | null {
  let rh = 1, rl = 0, bh = a, bl = 0;
  for (;;) {
    if (n & 1) {
      const p = rh * bh;
      const e = twoProdErr(rh, bh, p) + (rh * bl + rl * bh);
      rh = p + e; rl = e - (rh - p);
      if (!(Math.abs(rh) < INTPOW_MAX && Math.abs(rh) > INTPOW_MIN)) return null;
    }
    n = Math.floor(n / 2);
    if (n === 0) return { hi: rh, lo: rl };
    const p = bh * bh;
    const e = twoProdErr(bh, bh, p) + 2 * bh * bl;
    bh = p + e; bl = e - (bh - p);
    if (!(Math.abs(bh) < INTPOW_MAX && Math.abs(bh) > INTPOW_MIN)) return null;
  }
}

/** x^y with ECMAScript's special cases (Number::exponentiate). */
export function pow(x: number, y: number): number {
  if (y !== y) return NaN;
  if (y === 0) return 1;
  if (x !== x) return NaN;
  if (y === 1) return x;
  if (y === 2) return x * x;
  if (y === -1) return 1 / x;
  const ax = x < 0 ? -x : x;
  if (y === Infinity || y === -Infinity) {
    if (ax === 1) return NaN;
    return (ax > 1) === (y > 0) ? Infinity : 0;
  }
  if (x === Infinity) return y > 0 ? Infinity : 0;
  if (x === -Infinity) return y > 0 ? (isOddInteger(y) ? -Infinity : Infinity) : (isOddInteger(y) ? -0 : 0);
  if (x === 0) {
    const neg = 1 / x < 0 && isOddInteger(y);
    return y > 0 ? (neg ? -0 : 0) : (neg ? -Infinity : Infinity);
  }
  let sign = 1;
  if (x < 0) {
    if (!Number.isInteger(y)) return NaN;
    if (isOddInteger(y)) sign = -1;
  }
  if (y === 0.5) return Math.sqrt(x); // x > 0 here
  if (ax === 1) return sign;
  if (Number.isInteger(y) && y <= 1024 && y >= -1024) {
    const r = intPow(ax, y < 0 ? -y : y);
    if (r !== null) {
      if (y > 0) return sign * (r.hi + r.lo);
      // 1/(hi + lo) in double-double: q = 1/hi, then one correction step.
      const q = 1 / r.hi;
      const e = (1 - q * r.hi - twoProdErr(q, r.hi, q * r.hi)) - q * r.lo;
      return sign * (q + q * e);
    }
  }
  const l = logDD(ax);
  const ph = y * l.hi;
  if (ph > 710) return sign * Infinity;
  if (ph < -746) return sign * 0;
  const pl = twoProdErr(y, l.hi, ph) + y * l.lo;
  const h = ph + pl;
  const lo = pl - (h - ph);
  const e = exp(h);
  return sign * (e + e * lo);
}

// ---------- sin / cos / tan ----------
const S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
  S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
const C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
  C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;

/** sin(x + y) for |x + y| ≤ π/4, y the tail of the reduced argument. */
function kSin(x: number, y: number): number {
  const z = x * x, v = z * x;
  const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}
/** cos(x + y) for |x + y| ≤ π/4. */
function kCos(x: number, y: number): number {
  const z = x * x, w = z * z;
  const r = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
  const hz = 0.5 * z;
  const ww = 1 - hz;
  return ww + (((1 - ww) - hz) + (z * r - x * y));
}

const INV_PIO2 = 6.36619772367581382433e-01;
const PIO2_1 = 1.57079632673412561417e+00, PIO2_1T = 6.07710050650619224932e-11;
const PIO2_2 = 6.07710050630396597660e-11, PIO2_2T = 2.02226624879595063154e-21;
const PIO2_3 = 2.02226624871116645580e-21, PIO2_3T = 8.47842766036889956997e-32;

let twoOverPiBits: bigint | null = null;
const TWO_OVER_PI_PREC = 1200n;
/** ⌊(2/π)·2^1200⌋, from π by Machin's formula in exact integer arithmetic (computed once, on demand). */
function twoOverPi(): bigint {
  if (twoOverPiBits !== null) return twoOverPiBits;
  const P = TWO_OVER_PI_PREC + 64n;
  const one = 1n << P;
  const arctanInv = (n: bigint) => { // arctan(1/n)·2^P
    let sum = 0n, term = one / n, k = 1n, sign = 1n;
    const n2 = n * n;
    while (term !== 0n) { sum += sign * (term / k); term /= n2; k += 2n; sign = -sign; }
    return sum;
  };
  const pi = 4n * (4n * arctanInv(5n) - arctanInv(239n)); // π·2^P, off by a few units in the last place
  // 2·2^(2P) / (π·2^P) = (2/π)·2^P; dropping the 64 guard bits leaves (2/π)·2^1200.
  twoOverPiBits = ((2n << (2n * P)) / pi) >> 64n;
  return twoOverPiBits;
}

/** Reduce |x| ≥ 2^20·π/2 exactly: x = (n + f)·π/2, returned as n mod 4 and f·π/2 = y0 + y1. */
function reduceLarge(x: number): { n: number; y0: number; y1: number } {
  const neg = x < 0;
  const ax = neg ? -x : x;
  // ax = m · 2^e exactly, m a 53-bit integer.
  const hx = highWord(ax);
  const e = ((hx >> 20) & 0x7ff) - 1075;
  const m = (BigInt(hx & 0x000fffff | 0x00100000) << 32n) | BigInt(lowWord(ax));
  const prod = m * twoOverPi(); // ax·(2/π)·2^1200 / 2^e … scaled: value = prod·2^(e − 1200)
  const s = TWO_OVER_PI_PREC - BigInt(e); // > 0 for every finite double (e ≤ 971)
  let n = Number((prod >> s) & 3n);
  const frac = prod & ((1n << s) - 1n);
  // The top 170 bits of the fraction (s ≥ 229 always) in three exactly representable pieces.
  const q = frac >> (s - 170n);
  let fh = Number(q >> 117n) * 1.1102230246251565e-16;                              // 2^-53
  const fm = Number((q >> 64n) & 0x1fffffffffffffn) * 1.2325951644078310e-32;        // 2^-106
  const fl0 = Number(q & 0xffffffffffffffffn) * 6.6819117752304891e-52;             // 2^-170 (rounds once)
  if (fh >= 0.5) { fh -= 1; n = (n + 1) & 3; }                                       // f ∈ [−½, ½): exact
  // Renormalize fh + fm + fl0 into a double-double (two-sums).
  let s0 = fh + fm; let fl = (fm - (s0 - fh)) + fl0; fh = s0;
  s0 = fh + fl; fl = fl - (s0 - fh); fh = s0;
  // y = f·π/2 in double-double.
  const PIO2_HI = 1.5707963267948966, PIO2_LO = 6.123233995736766e-17;
  const ph = fh * PIO2_HI;
  const pl = twoProdErr(fh, PIO2_HI, ph) + (fh * PIO2_LO + fl * PIO2_HI);
  let y0 = ph + pl;
  let y1 = pl - (y0 - ph);
  if (neg) { y0 = -y0; y1 = -y1; n = (4 - n) & 3; }
  return { n, y0, y1 };
}

/** x = n·π/2 + (y0 + y1), |y0 + y1| ≤ π/4 (approximately), n mod 4. */
function remPio2(x: number): { n: number; y0: number; y1: number } {
  const ax = x < 0 ? -x : x;
  if (ax >= 1647099.3291652855) return reduceLarge(x); // 2^20·π/2
  const fn = Math.floor(x * INV_PIO2 + 0.5);
  let r = x - fn * PIO2_1;
  let w = fn * PIO2_1T;
  let y0 = r - w;
  const j = (highWord(x) >> 20) & 0x7ff;
  if (j - ((highWord(y0) >> 20) & 0x7ff) > 16) { // cancellation: second piece of π/2
    let t = r;
    w = fn * PIO2_2;
    r = t - w;
    w = fn * PIO2_2T - ((t - r) - w);
    y0 = r - w;
    if (j - ((highWord(y0) >> 20) & 0x7ff) > 49) { // third piece
      t = r;
      w = fn * PIO2_3;
      r = t - w;
      w = fn * PIO2_3T - ((t - r) - w);
      y0 = r - w;
    }
  }
  const y1 = (r - y0) - w;
  return { n: ((fn % 4) + 4) % 4, y0, y1 };
}

const PIO4 = 0.7853981633974483;
export function sin(x: number): number {
  const ax = x < 0 ? -x : x;
  if (ax <= PIO4) return ax < 7.450580596923828e-9 ? x : kSin(x, 0);
  if (!Number.isFinite(x)) return NaN;
  const { n, y0, y1 } = remPio2(x);
  switch (n) {
    case 0: return kSin(y0, y1);
    case 1: return kCos(y0, y1);
    case 2: return -kSin(y0, y1);
    default: return -kCos(y0, y1);
  }
}

export function cos(x: number): number {
  const ax = x < 0 ? -x : x;
  if (ax <= PIO4) return ax < 7.450580596923828e-9 ? 1 : kCos(x, 0);
  if (!Number.isFinite(x)) return NaN;
  const { n, y0, y1 } = remPio2(x);
  switch (n) {
    case 0: return kCos(y0, y1);
    case 1: return -kSin(y0, y1);
    case 2: return -kCos(y0, y1);
    default: return kSin(y0, y1);
  }
}

export function tan(x: number): number {
  const ax = x < 0 ? -x : x;
  if (ax < 7.450580596923828e-9) return x;
  if (!Number.isFinite(x)) return NaN;
  if (ax <= PIO4) return kSin(x, 0) / kCos(x, 0);
  const { n, y0, y1 } = remPio2(x);
  const s = kSin(y0, y1), c = kCos(y0, y1);
  return (n & 1) === 0 ? s / c : -c / s;
}

// ---------- atan / atan2 / asin / acos ----------
const ATAN_HI = [4.63647609000806093515e-01, 7.85398163397448278999e-01, 9.82793723247329054082e-01, 1.57079632679489655800e+00];
const ATAN_LO = [2.26987774529616870924e-17, 3.06161699786838301793e-17, 1.39033110312309984516e-17, 6.12323399573676603587e-17];
const AT = [3.33333333333329318027e-01, -1.99999999998764832476e-01, 1.42857142725034663711e-01, -1.11111104054623557880e-01,
  9.09088713343650656196e-02, -7.69187620504482999495e-02, 6.66107313738753120669e-02, -5.83357013379057348645e-02,
  4.97687799461593236017e-02, -3.65315727442169155270e-02, 1.62858201153657823623e-02];

export function atan(x: number): number {
  if (x !== x) return x;
  const neg = x < 0;
  let ax = neg ? -x : x;
  if (ax >= 7.378697629483821e19) return neg ? -(ATAN_HI[3] + ATAN_LO[3]) : ATAN_HI[3] + ATAN_LO[3]; // 2^66
  let id = -1;
  if (ax < 0.4375) {
    if (ax < 7.450580596923828e-9) return x;
  } else if (ax < 1.1875) {
    if (ax < 0.6875) { id = 0; ax = (2 * ax - 1) / (2 + ax); } else { id = 1; ax = (ax - 1) / (ax + 1); }
  } else if (ax < 2.4375) { id = 2; ax = (ax - 1.5) / (1 + 1.5 * ax); } else { id = 3; ax = -1 / ax; }
  const z = ax * ax, w = z * z;
  const s1 = z * (AT[0] + w * (AT[2] + w * (AT[4] + w * (AT[6] + w * (AT[8] + w * AT[10])))));
  const s2 = w * (AT[1] + w * (AT[3] + w * (AT[5] + w * (AT[7] + w * AT[9]))));
  if (id < 0) { const r = ax - ax * (s1 + s2); return neg ? -r : r; }
  const r = ATAN_HI[id] - ((ax * (s1 + s2) - ATAN_LO[id]) - ax);
  return neg ? -r : r;
}

const PI = 3.14159265358979311600e+00, PI_LO = 1.22464679914735317720e-16;
export function atan2(y: number, x: number): number {
  if (x !== x || y !== y) return NaN;
  const yneg = y < 0 || (y === 0 && 1 / y < 0);
  const xneg = x < 0 || (x === 0 && 1 / x < 0);
  if (y === 0) return xneg ? (yneg ? -PI : PI) : y;
  if (x === 0) return yneg ? -ATAN_HI[3] - ATAN_LO[3] : ATAN_HI[3] + ATAN_LO[3];
  if (x === Infinity || x === -Infinity) {
    if (y === Infinity || y === -Infinity) {
      const r = xneg ? 3 * PIO4 : PIO4;
      return yneg ? -r : r;
    }
    return xneg ? (yneg ? -PI : PI) : (yneg ? -0 : 0);
  }
  if (y === Infinity || y === -Infinity) return yneg ? -(ATAN_HI[3] + ATAN_LO[3]) : ATAN_HI[3] + ATAN_LO[3];
  if (x === 1) return atan(y);
  const ex = (highWord(x) >> 20) & 0x7ff, ey = (highWord(y) >> 20) & 0x7ff;
  const k = ey - ex;
  let z: number;
  if (k > 60) z = ATAN_HI[3] + 0.5 * PI_LO;          // |y/x| > 2^60
  else if (xneg && k < -60) z = 0;                  // |y|/x tiny, x < 0
  else z = atan(Math.abs(y / x));
  if (!xneg) return yneg ? -z : z;
  return yneg ? (z - PI_LO) - PI : PI - (z - PI_LO);
}

export function asin(x: number): number {
  if (x !== x || x > 1 || x < -1) return NaN;
  if (x === 1 || x === -1) return x * (ATAN_HI[3] + ATAN_LO[3]);
  return atan2(x, Math.sqrt((1 - x) * (1 + x)));
}

export function acos(x: number): number {
  if (x !== x || x > 1 || x < -1) return NaN;
  return atan2(Math.sqrt((1 - x) * (1 + x)), x);
}

// ---------- hyperbolic ----------
export function tanh(x: number): number {
  if (x !== x) return x;
  const neg = x < 0;
  const ax = neg ? -x : x;
  let z: number;
  if (ax >= 22) z = 1;
  else if (ax < 2.7755575615628914e-17) return x; // 2^-55
  else if (ax >= 1) { const t = expm1(2 * ax); z = 1 - 2 / (t + 2); }
  else { const t = expm1(-2 * ax); z = -t / (t + 2); }
  return neg ? -z : z;
}

export function sinh(x: number): number {
  if (x !== x || x === Infinity || x === -Infinity) return x;
  const h = x < 0 ? -0.5 : 0.5;
  const ax = x < 0 ? -x : x;
  if (ax < 22) {
    if (ax < 3.725290298461914e-9) return x;
    const t = expm1(ax);
    return ax < 1 ? h * (2 * t - (t * t) / (t + 1)) : h * (t + t / (t + 1));
  }
  if (ax < EXP_OVER) return h * exp(ax);
  const w = exp(0.5 * ax);
  return (h * w) * w;
}

export function cosh(x: number): number {
  if (x !== x) return x;
  const ax = x < 0 ? -x : x;
  if (ax === Infinity) return Infinity;
  if (ax < 0.34657359027997264) {
    const t = expm1(ax);
    const w = 1 + t;
    return ax < 5.551115123125783e-17 ? w : 1 + (t * t) / (w + w);
  }
  if (ax < 22) { const t = exp(ax); return 0.5 * t + 0.5 / t; }
  if (ax < EXP_OVER) return 0.5 * exp(ax);
  const w = exp(0.5 * ax);
  return (0.5 * w) * w;
}

/** Everything, for `import { libm } …` and for the engine-agreement test. */
export const libm = { exp, expm1, log, log1p, log2, log10, pow, sin, cos, tan, atan, atan2, asin, acos, tanh, sinh, cosh };
