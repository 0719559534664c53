/** Least-squares straight-line fits used to measure exponents and rates from recorded series. */
import * as libm from '../engine/libm.js';

export interface LineFit {
  slope: number;
  intercept: number;
  /** Standard error of the slope (NaN for fewer than 3 points). */
  se: number;
}

/** Ordinary least squares y ≈ intercept + slope·x. */
export function linearFit(xs: ArrayLike<number>, ys: ArrayLike<number>): LineFit {
  const n = xs.length;
  let mx = 0, my = 0;
  for (let i = 0; i < n; i++) { mx += xs[i]; my += ys[i]; }
  mx /= n; my /= n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) { sxx += (xs[i] - mx) ** 2; sxy += (xs[i] - mx) * (ys[i] - my); }
  const slope = sxy / sxx, intercept = my - slope * mx;
  let ssr = 0;
  for (let i = 0; i < n; i++) ssr += (ys[i] - intercept - slope * xs[i]) ** 2;
  return { slope, intercept, se: n > 2 ? Math.sqrt(ssr / (n - 2) / sxx) : NaN };
}

/** Least-squares slope of ln y against ln x (a power-law exponent) with its standard error. */
export function logLogFit(xs: number[], ys: number[]): LineFit {
  return linearFit(xs.map(libm.log), ys.map(libm.log));
}
