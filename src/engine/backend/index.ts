import type { Backend } from './types.js';
import type { NativeInfo, NativeOptions } from './native.js';
import { referenceBackend } from './reference.js';

export type { Backend } from './types.js';
export type { NativeInfo, NativeOptions } from './native.js';
export { referenceBackend } from './reference.js';

/**
 * The active backend. Starts as the reference backend; `useWasm()` switches to the
 * WebAssembly SIMD kernels once they are instantiated (async, so it also works on a
 * browser's main thread); `useNative()` to OpenBLAS/LAPACK in Node; `useBest()` to the
 * fastest of those that loads.
 */
let active: Backend = referenceBackend;

export function backend(): Backend {
  return active;
}

export function setBackend(b: Backend): void {
  active = b;
}

export async function useWasm(): Promise<Backend> {
  const { createWasmBackend } = await import('./wasm.js');
  active = await createWasmBackend();
  return active;
}

export function useReference(): Backend {
  active = referenceBackend;
  return active;
}

type NativeModule = typeof import('./native.js');
let nativeModule: NativeModule | null = null;

const inNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Try the native backend; the reason it is unavailable when it is. */
async function tryNative(options: NativeOptions): Promise<Backend | string> {
  if (!inNode()) return 'not running in Node';
  try {
    nativeModule ??= await import('./native.js');
    return await nativeModule.createNativeBackend(options);
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

/** wasm, or the reference backend where WebAssembly SIMD is unavailable. Never throws. */
export async function wasmOrReference(): Promise<Backend> {
  try {
    return await useWasm();
  } catch {
    return useReference();
  }
}

/**
 * Switch to the native backend (OpenBLAS + LAPACK through the koffi FFI). If the FFI or the
 * library is missing, print one line to stderr and fall back to wasm (or reference); never throws.
 */
export async function useNative(options: NativeOptions = {}): Promise<Backend> {
  const b = await tryNative(options);
  if (typeof b !== 'string') {
    active = b;
    return active;
  }
  const fallback = await wasmOrReference();
  const line = `lmech: native backend unavailable (${b}); using ${fallback.name}\n`;
  if (inNode()) process.stderr.write(line);
  return fallback;
}

/** The fastest backend that loads: native in Node when available, else wasm, else reference. Quiet. */
export async function useBest(options: NativeOptions = {}): Promise<Backend> {
  const b = await tryNative(options);
  if (typeof b !== 'string') {
    active = b;
    return active;
  }
  return wasmOrReference();
}

/** The loaded OpenBLAS library and kernel (openblas_get_corename/config), or null. */
export function nativeInfo(): NativeInfo | null {
  return nativeModule?.nativeInfo() ?? null;
}

/** openblas_set_num_threads(n); false when no native library is loaded. */
export function setNativeThreads(n: number): boolean {
  if (!nativeModule) {
    if (!Number.isInteger(n) || n < 1 || n > 1024) throw new RangeError(`setNativeThreads: n must be an integer in [1, 1024], got ${n}`);
    return false;
  }
  return nativeModule.setNativeThreads(n);
}
