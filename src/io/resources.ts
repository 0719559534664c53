/**
 * Memory guard for the O(n²) / O(P²) allocations: estimate the bytes a computation will hold
 * before allocating, and refuse with the flag that sized it, the estimate and the limit.
 *
 * Estimates count the float64 arrays (8 bytes each entry) alive at the peak:
 *   analytic kernel, n1 × n2:   the layer recursion holds (q, t) in and (q, t) out, plus the
 *                                NNGP/NTK pair returned ⇒ ~6 · 8 · n1·n2, plus the printed
 *                                output (~40 bytes an entry as text and JS arrays);
 *   empirical NTK (n·k)²:       the matrix, plus the Jacobian blocks (`maxBytes`);
 *   dense Hessian P × P:        8 P², and its eigendecomposition (eigh) twice that again
 *                                (input copy, eigenvectors, workspace ⇒ 3 · 8 · P²);
 *   Lanczos, m steps:           the m basis vectors of length P kept for reorthogonalization, 8 P m.
 * The limit: `--max-memory` (bytes, or with a unit: 512M, 8G, 1.5GiB), by default half of the
 * memory the system reports free (os.freemem()).
 */
import { freemem } from 'node:os';
import { ConfigError } from '../experiments/config.js';

export const F64 = 8;

/** Half of free memory: room for the rest of the process and for the system. */
export const DEFAULT_MEMORY_FRACTION = 0.5;
export const defaultMemoryLimit = (): number => Math.floor(DEFAULT_MEMORY_FRACTION * freemem());

const UNITS: Record<string, number> = {
  '': 1, b: 1, k: 1e3, kb: 1e3, kib: 2 ** 10, m: 1e6, mb: 1e6, mib: 2 ** 20,
  g: 1e9, gb: 1e9, gib: 2 ** 30, t: 1e12, tb: 1e12, tib: 2 ** 40,
};

/** "8G", "512MiB", "1e9" → bytes; errors name the flag. Undefined → the default limit. */
export function parseMemoryLimit(v: string | number | undefined, flag = '--max-memory'): number {
  if (v === undefined) return defaultMemoryLimit();
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)\s*$/i.exec(String(v));
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Number(m[1]) * unit : NaN;
  if (!Number.isFinite(bytes) || bytes <= 0) throw new ConfigError(`${flag}: must be a positive size in bytes, optionally with a unit (e.g. 512M, 8G, 1.5GiB) (got ${JSON.stringify(String(v))})`);
  return Math.floor(bytes);
}

/** 1.6e10 → "16 GB" (decimal units, 2–3 significant digits). */
export function formatBytes(b: number): string {
  const u = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  while (b >= 1000 && i < u.length - 1) { b /= 1000; i++; }
  return `${b >= 100 || i === 0 ? Math.round(b) : b.toPrecision(2)} ${u[i]}`;
}

export const estimate = {
  /** `lmech kernel`: the analytic NNGP/NTK recursion on n1 × n2 pairs, and its printed output. */
  analyticKernel: (n1: number, n2: number): number => n1 * n2 * (6 * F64 + 40),
  /** Empirical NTK: the (n1·k) × (n2·k) matrix (k outputs; 'trace' mode: n1 × n2) and Jacobian blocks. */
  empiricalNtk: (n1: number, n2: number, k: number, P: number, mode: 'trace' | 'full' = 'full', maxBytes = 256 * 2 ** 20): number =>
    (mode === 'full' ? n1 * k * n2 * k : n1 * n2) * F64 + Math.min(maxBytes, 2 * (n1 + n2) * k * P * F64),
  /** A dense P × P Hessian. */
  denseHessian: (P: number): number => P * P * F64,
  /** eigh of an n × n symmetric matrix: input copy, eigenvectors and workspace. */
  eigh: (n: number): number => 3 * n * n * F64,
  /** Lanczos with full reorthogonalization: m basis vectors of length P (+ a few work vectors). */
  lanczos: (P: number, m: number): number => (Math.min(P, m) + 4) * P * F64,
};

/** What one guarded computation needs: what it is, which flag sized it, the estimate. */
export interface MemoryNeed {
  /** e.g. "the NTK matrix 40000 × 40000". */
  what: string;
  /** The flag whose value sized it (e.g. "--x inputs.npy"). */
  flag: string;
  bytes: number;
  /** How to need less (e.g. "use fewer rows"). */
  hint?: string;
}

export class ResourceError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceError';
  }
}

/** Refuse a computation whose estimate exceeds the limit (ResourceError naming the flags). */
export function guardMemory(need: MemoryNeed, limit: number, limitFlag = '--max-memory', limitGiven = false): void {
  if (!(need.bytes > limit)) return;
  const source = limitGiven ? `${limitFlag}` : `${limitFlag} default: ${Math.round(100 * DEFAULT_MEMORY_FRACTION)}% of the ${formatBytes(freemem())} free`;
  throw new ResourceError(
    `${need.flag}: ${need.what} needs about ${formatBytes(need.bytes)} of memory, over the limit of ${formatBytes(limit)} (${source}); ` +
    `${need.hint ? `${need.hint}, or ` : ''}raise ${limitFlag} (e.g. ${limitFlag} ${Math.ceil(need.bytes / 1e9 * 1.1)}G) if the machine has the memory`,
  );
}
