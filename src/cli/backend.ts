/** The `--backend` flag every command shares. */
import { setNativeThreads, useBest, useNative, useReference, wasmOrReference } from '../engine/backend/index.js';
import { ConfigError } from '../experiments/config.js';

/** No --backend: the fastest that loads (native, else wasm, else reference). */
export async function selectBackend(name = 'best'): Promise<void> {
  if (name === 'reference') { useReference(); return; }
  if (name === 'native') { await useNative(); oneBlasThread(); return; }
  if (name === 'best') { await useBest(); oneBlasThread(); return; }
  if (name !== 'wasm') throw new ConfigError(`--backend: must be one of "native", "wasm", "reference" (got ${JSON.stringify(name)})`);
  await wasmOrReference();
}

/**
 * The lab's matrices are small (≤ ~1000) and runs are parallelized over cells, not inside a
 * matmul; OpenBLAS's own threads then mostly spin (verify: 44 s of system time with 2 threads).
 * So one BLAS thread unless the user sets OPENBLAS_NUM_THREADS.
 */
function oneBlasThread(): void {
  if (process.env.OPENBLAS_NUM_THREADS === undefined) setNativeThreads(1);
}
