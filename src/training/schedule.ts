/** Which steps to record: ~n points evenly spaced in step plus ~n spaced in log(step). */
import * as libm from '../engine/libm.js';
export function recordSchedule(total: number, n = 200): Set<number> {
  const s = new Set<number>([0, total]);
  for (let i = 1; i < n; i++) s.add(Math.round((i * total) / n));
  const logMax = libm.log(Math.max(total, 1));
  for (let i = 0; i < n; i++) s.add(Math.min(total, Math.round(libm.exp((i * logMax) / (n - 1)))));
  return s;
}
