/**
 * Seeded, splittable random numbers.
 *
 * Generator: xoshiro128** (Blackman & Vigna), 32-bit state words so it runs at full speed
 * in JavaScript without BigInt. Seeding and splitting go through splitmix32-style mixing, so
 * `rng.split('init')` and `rng.split('data')` are independent streams that do not depend on
 * how many numbers the parent has drawn: adding a draw to one part of an experiment never
 * changes the numbers another part sees.
 */
import * as libm from './libm.js';

/** 32-bit finalizer from MurmurHash3 / splitmix32: a bijection with good avalanche. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** FNV-1a hash of a string label, so streams can be named. */
function hashLabel(label: string | number): number {
  const s = String(label);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** The 32-bit key this stream was built from; splitting hashes it with the label. */
  readonly key: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    // Fold a possibly >32-bit integer seed into 32 bits.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    this.key = mix32(lo ^ mix32(hi + 0x9e3779b9));
    let z = this.key;
    const next = () => (z = (z + 0x9e3779b9) >>> 0, mix32(z));
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** An independent child stream named by `label`; the parent's state is untouched. */
  split(label: string | number): Rng {
    return new Rng(mix32(this.key ^ mix32(hashLabel(label) + 0x6a09e667)));
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0; this.s1 >>>= 0; this.s2 >>>= 0; this.s3 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Standard normal by the polar Box–Muller method (exact, no tables). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * libm.log(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new RangeError(`int(n) needs n >= 1, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** ±1 with equal probability (Rademacher probes). */
  rademacher(): number {
    return this.nextUint32() & 1 ? 1 : -1;
  }

  /** Fill a new Float64Array with N(0, std²) draws. */
  normals(n: number, std = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = std * this.normal();
    return out;
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]; p[i] = p[j]; p[j] = t;
    }
    return p;
  }
}

export const rng = (seed: number) => new Rng(seed);
