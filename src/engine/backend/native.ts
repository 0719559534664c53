import type { FloatArray } from '../dtype.js';
import type { Backend } from './types.js';
import { referenceBackend } from './reference.js';
import { lapackKernels, type LapackRoutines } from '../linalg/native-lapack.js';

/**
 * The native backend for Node: OpenBLAS's sgemm/dgemm (through its CBLAS interface) and
 * LAPACK's dsyevd/dgesdd/dpotrf from the system's shared library (Debian: libopenblas0, whose
 * libopenblas.so.0 carries LAPACK too; liblapack.so.3 is tried for LAPACK otherwise).
 *
 * Route: the `koffi` FFI (an optional npm dependency that ships prebuilt binaries), so nothing
 * is compiled on install and only the runtime .so files are needed. A typed array passed for a
 * pointer parameter is handed over as a pointer into its own memory (no copy; measured ≈ 0.3 µs
 * per call whatever the array size), so `matmul` works directly on the caller's arrays.
 *
 * Row-major gemm: cblas_?gemm with CblasRowMajor does the operand swap (Cᵀ = op(B)ᵀ·op(A)ᵀ)
 * itself. Elementwise kernels (the core ones and the optional families) are delegated to the
 * wasm backend (or the reference one).
 *
 * Threads: OpenBLAS reads OPENBLAS_NUM_THREADS (and OPENBLAS_CORETYPE) when it loads; nothing
 * here overrides them. `setNativeThreads(n)` calls openblas_set_num_threads.
 *
 * Safety: a native routine trusts its sizes, so every call checks the array lengths first and
 * throws a RangeError naming the operand instead of reading or writing out of bounds.
 */

export interface NativeOptions {
  /**
   * Shared libraries with CBLAS, tried in order (default: $LMECH_OPENBLAS if set, then
   * libopenblas.so.0, libopenblas.so).
   */
  libraries?: string[];
  /** Libraries tried for LAPACK when the BLAS library lacks dsyevd_ (default: liblapack.so.3). */
  lapackLibraries?: string[];
  /** Module specifier of the FFI (default 'koffi'). */
  ffiModule?: string;
  /** Backend for the elementwise kernels (default: the wasm backend, else the reference one). */
  elementwise?: Backend;
}

export interface NativeInfo {
  /** Library that provides BLAS, as named to the loader. */
  library: string;
  /** Library that provides LAPACK, or null when only BLAS was found. */
  lapack: string | null;
  /** openblas_get_corename(): the kernel family in use (e.g. "Haswell", "Cooperlake"). */
  corename: string | null;
  /** openblas_get_config(): version and build options. */
  config: string | null;
  /** openblas_get_num_threads(). */
  threads: number | null;
  /** FFI used, with its version. */
  ffi: string;
}

/** The little of koffi's API used here (kept local so the module type-checks without it). */
interface Ffi {
  load(path: string): FfiLibrary;
  version?: string;
}
interface FfiLibrary {
  func(signature: string): (...args: never[]) => unknown;
}

type Gemm = (
  order: number, transA: number, transB: number, m: number, n: number, k: number,
  alpha: number, a: FloatArray, lda: number, b: FloatArray, ldb: number,
  beta: number, c: FloatArray, ldc: number,
) => void;

const CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112;

const SIGNATURES = {
  dgemm: 'void cblas_dgemm(int, int, int, int, int, int, double, const double *, int, const double *, int, double, double *, int)',
  sgemm: 'void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int)',
  dsyevd: 'void dsyevd_(const char *, const char *, const int *, double *, const int *, double *, double *, const int *, int *, const int *, int *, size_t, size_t)',
  dgesdd: 'void dgesdd_(const char *, const int *, const int *, double *, const int *, double *, double *, const int *, double *, const int *, double *, const int *, int *, int *, size_t)',
  dpotrf: 'void dpotrf_(const char *, const int *, double *, const int *, int *, size_t)',
  corename: 'const char * openblas_get_corename()',
  config: 'const char * openblas_get_config()',
  getThreads: 'int openblas_get_num_threads()',
  setThreads: 'void openblas_set_num_threads(int)',
} as const;

interface Loaded {
  info: NativeInfo;
  setThreads: ((n: number) => void) | null;
  getThreads: (() => number) | null;
}

/** The most recently created native backend's library (for nativeInfo / setNativeThreads). */
let loaded: Loaded | null = null;

function defaultLibraries(): string[] {
  const env = typeof process !== 'undefined' ? process.env.LMECH_OPENBLAS : undefined;
  return [...(env ? [env] : []), 'libopenblas.so.0', 'libopenblas.so'];
}

/** The first of `names` that loads and has the function `signature` declares. */
function loadFirst(ffi: Ffi, names: string[], symbol: string, signature: string): { name: string; lib: FfiLibrary } {
  const errors: string[] = [];
  for (const name of names) {
    try {
      const lib = ffi.load(name);
      lib.func(signature); // throws when the symbol is absent
      return { name, lib };
    } catch (e) {
      errors.push(`${name}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no library with ${symbol} (${errors.join('; ')})`);
}

function optionalFunc<T>(lib: FfiLibrary, signature: string): T | null {
  try {
    return lib.func(signature) as unknown as T;
  } catch {
    return null;
  }
}

function checkLength(who: string, name: string, arr: FloatArray, need: number): void {
  if (arr.length < need) throw new RangeError(`${who}: ${name} has ${arr.length} elements, need at least ${need}`);
}

/** A size the 32-bit BLAS/LAPACK integers can hold (cheap: this runs on every call). */
const isSize = (v: number): boolean => (v | 0) === v && v >= 0;

function checkDims(who: string, dims: Record<string, number>): void {
  for (const [name, v] of Object.entries(dims)) {
    if (!isSize(v)) throw new RangeError(`${who}: ${name} must be an integer in [0, 2^31), got ${v}`);
  }
}

/**
 * Load OpenBLAS through the FFI and build the backend. Throws (with the reason) when the FFI
 * or the library is missing; `useNative()` turns that into a notice and a fallback.
 */
export async function createNativeBackend(options: NativeOptions = {}): Promise<Backend> {
  const spec = options.ffiModule ?? 'koffi';
  let ffi: Ffi;
  try {
    const mod = (await import(/* @vite-ignore */ spec)) as { default?: Ffi } & Ffi;
    ffi = mod.default ?? mod;
  } catch (e) {
    throw new Error(`FFI module "${spec}" not available (${(e as Error).message.split('\n')[0]})`);
  }
  const blas = loadFirst(ffi, options.libraries ?? defaultLibraries(), 'cblas_dgemm', SIGNATURES.dgemm);
  const dgemm = blas.lib.func(SIGNATURES.dgemm) as unknown as Gemm;
  const sgemm = blas.lib.func(SIGNATURES.sgemm) as unknown as Gemm;

  let lapackName: string | null = null, lapackLib: FfiLibrary | null = null;
  try {
    const found = loadFirst(ffi, [blas.name, ...(options.lapackLibraries ?? ['liblapack.so.3'])], 'dsyevd_', SIGNATURES.dsyevd);
    lapackName = found.name;
    lapackLib = found.lib;
  } catch {
    // BLAS only: linalg keeps its TypeScript routes.
  }
  const routines: LapackRoutines | null = lapackLib && {
    dsyevd: lapackLib.func(SIGNATURES.dsyevd) as unknown as LapackRoutines['dsyevd'],
    dgesdd: lapackLib.func(SIGNATURES.dgesdd) as unknown as LapackRoutines['dgesdd'],
    dpotrf: lapackLib.func(SIGNATURES.dpotrf) as unknown as LapackRoutines['dpotrf'],
  };

  const corename = optionalFunc<() => string>(blas.lib, SIGNATURES.corename);
  const config = optionalFunc<() => string>(blas.lib, SIGNATURES.config);
  const getThreads = optionalFunc<() => number>(blas.lib, SIGNATURES.getThreads);
  const setThreads = optionalFunc<(n: number) => void>(blas.lib, SIGNATURES.setThreads);
  loaded = {
    info: {
      library: blas.name,
      lapack: lapackName,
      corename: corename ? corename() : null,
      config: config ? config() : null,
      threads: getThreads ? getThreads() : null,
      ffi: `koffi ${ffi.version ?? ''}`.trim(),
    },
    setThreads,
    getThreads,
  };

  let elementwise = options.elementwise;
  if (!elementwise) {
    try {
      const { createWasmBackend } = await import('./wasm.js');
      elementwise = await createWasmBackend();
    } catch {
      elementwise = referenceBackend;
    }
  }
  const base = elementwise;

  function gemm(
    a: FloatArray, b: FloatArray, out: FloatArray,
    m: number, k: number, n: number, transA: boolean, transB: boolean,
  ): void {
    if (m === 0 || n === 0) return;
    if (k === 0) {
      out.fill(0, 0, m * n);
      return;
    }
    const f32 = out instanceof Float32Array;
    if (f32 !== a instanceof Float32Array || f32 !== b instanceof Float32Array) {
      referenceBackend.matmul(a, b, out, m, k, n, transA, transB); // mixed element types
      return;
    }
    (f32 ? sgemm : dgemm)(
      CBLAS_ROW_MAJOR, transA ? CBLAS_TRANS : CBLAS_NO_TRANS, transB ? CBLAS_TRANS : CBLAS_NO_TRANS,
      m, n, k, 1, a, transA ? m : k, b, transB ? k : n, 0, out, n,
    );
  }

  const lapack = routines && lapackKernels(routines);

  const backend: Backend = {
    // Every optional kernel family of the elementwise backend (math, rows) carries over.
    ...base,
    name: 'native',
    matmul(a, b, out, m, k, n, transA = false, transB = false) {
      if (!isSize(m) || !isSize(k) || !isSize(n)) checkDims('native matmul', { m, k, n });
      checkLength('native matmul', 'A', a, m * k);
      checkLength('native matmul', 'B', b, k * n);
      checkLength('native matmul', 'out', out, m * n);
      gemm(a, b, out, m, k, n, transA, transB);
    },
    matmulBatched(a, b, out, batch, m, k, n, transA = false, transB = false, strideA = m * k, strideB = k * n) {
      checkDims('native matmulBatched', { batch, m, k, n, strideA, strideB });
      if (batch === 0) return;
      checkLength('native matmulBatched', 'A', a, (batch - 1) * strideA + m * k);
      checkLength('native matmulBatched', 'B', b, (batch - 1) * strideB + k * n);
      checkLength('native matmulBatched', 'out', out, batch * m * n);
      for (let i = 0; i < batch; i++) {
        gemm(
          a.subarray(i * strideA, i * strideA + m * k), b.subarray(i * strideB, i * strideB + k * n),
          out.subarray(i * m * n, (i + 1) * m * n), m, k, n, transA, transB,
        );
      }
    },
    axpby: (alpha, x, beta, y, out) => base.axpby(alpha, x, beta, y, out),
    mul: (x, y, out) => base.mul(x, y, out),
    relu: (x, out) => base.relu(x, out),
    reluMask: (g, x, out) => base.reluMask(g, x, out),
  };
  if (lapack) {
    backend.eigh = (a, n, values, vectors) => {
      checkDims('native eigh', { n });
      checkLength('native eigh', 'a', a, n * n);
      checkLength('native eigh', 'values', values, n);
      if (vectors) checkLength('native eigh', 'vectors', vectors, n * n);
      lapack.eigh(a, n, values, vectors);
    };
    backend.svd = (a, m, n, S, U, V) => {
      checkDims('native svd', { m, n });
      const r = Math.min(m, n);
      checkLength('native svd', 'a', a, m * n);
      checkLength('native svd', 'S', S, r);
      if (U) checkLength('native svd', 'U', U, m * r);
      if (V) checkLength('native svd', 'V', V, n * r);
      return lapack.svd(a, m, n, S, U, V);
    };
    backend.cholesky = (a, n, L) => {
      checkDims('native cholesky', { n });
      checkLength('native cholesky', 'a', a, n * n);
      checkLength('native cholesky', 'L', L, n * n);
      return lapack.cholesky(a, n, L);
    };
  }
  return backend;
}

/** Which library and OpenBLAS kernel the native backend runs on, or null if never loaded. */
export function nativeInfo(): NativeInfo | null {
  if (!loaded) return null;
  return { ...loaded.info, threads: loaded.getThreads ? loaded.getThreads() : loaded.info.threads };
}

/**
 * Set OpenBLAS's thread count (openblas_set_num_threads). Returns false when no native library
 * is loaded or it has no such call.
 */
export function setNativeThreads(n: number): boolean {
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new RangeError(`setNativeThreads: n must be an integer in [1, 1024], got ${n}`);
  if (!loaded?.setThreads) return false;
  loaded.setThreads(n);
  return true;
}
