import type { Backend } from './types.js';
import { referenceBackend } from './reference.js';

export type { Backend } from './types.js';
export { referenceBackend } from './reference.js';

/**
 * The active backend. Starts as the reference backend; `useWasm()` switches to the
 * WebAssembly SIMD kernels once they are instantiated (async, so it also works on a
 * browser's main thread).
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
