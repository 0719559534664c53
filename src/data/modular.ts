/**
 * Modular addition data (Power et al. 2022, "Grokking: generalization beyond overfitting on small
 * algorithmic datasets"; Gromov 2023, arXiv 2301.02679; Nanda et al. 2023, arXiv 2301.05217).
 *
 * For a prime p the task is the whole table of p² pairs
 *     (a, b) ↦ y = (a + b) mod p,        a, b ∈ Z_p = {0, …, p − 1},
 * listed in the fixed order r = a·p + b. A seeded split draws a uniformly random subset of
 * n_train = round(f·p²) pairs for training (f = train fraction) and keeps the rest as the test set:
 * the permutation π = rng.permutation(p²), train = π[0 : n_train] and test = π[n_train :], each
 * sorted by r so the sets do not depend on the order the permutation visits them.
 *
 * Facts used by the tests: every residue y occurs exactly p times in the table (for each a one b);
 * train ∪ test = the table and train ∩ test = ∅.
 */
import type { Rng } from '../engine/rng.js';

export interface ModularSet {
  p: number;
  /** number of pairs */
  size: number;
  a: Int32Array;
  b: Int32Array;
  /** (a + b) mod p */
  y: Int32Array;
}

export interface ModularSplit {
  train: ModularSet;
  test: ModularSet;
}

export function isPrime(n: number): boolean {
  if (!Number.isInteger(n) || n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

/** Validate p: a prime in [3, 257] (the table has p² rows). */
export function checkModulus(p: number, field = 'p'): number {
  if (!Number.isInteger(p) || p < 3 || p > 257 || !isPrime(p)) {
    throw new RangeError(`${field}: must be a prime in [3, 257] (got ${p})`);
  }
  return p;
}

function setOf(p: number, rows: ArrayLike<number>): ModularSet {
  const n = rows.length;
  const a = new Int32Array(n), b = new Int32Array(n), y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const r = rows[k];
    a[k] = Math.floor(r / p);
    b[k] = r % p;
    y[k] = (a[k] + b[k]) % p;
  }
  return { p, size: n, a, b, y };
}

/** All p² pairs (a, b), row r = a·p + b, with y = (a + b) mod p. */
export function modularPairs(p: number): ModularSet {
  checkModulus(p);
  return setOf(p, Array.from({ length: p * p }, (_, r) => r));
}

/** Number of training pairs for train fraction f: round(f·p²), at least 1 and at most p² − 1. */
export function trainSize(p: number, trainFraction: number): number {
  if (!(trainFraction > 0 && trainFraction < 1)) throw new RangeError(`trainFraction: must be in (0, 1) (got ${trainFraction})`);
  return Math.min(p * p - 1, Math.max(1, Math.round(trainFraction * p * p)));
}

/** Seeded train/test split of the p² pairs (see the file comment). */
export function modularSplit(p: number, trainFraction: number, rng: Rng): ModularSplit {
  checkModulus(p);
  const n = trainSize(p, trainFraction);
  const perm = rng.permutation(p * p);
  const train = Array.from(perm.subarray(0, n)).sort((x, y) => x - y);
  const test = Array.from(perm.subarray(n)).sort((x, y) => x - y);
  return { train: setOf(p, train), test: setOf(p, test) };
}
