/**
 * Vite config for the browser page: `npm run web:dev` (dev server) and `npm run web:build`
 * (static files in web/dist, relative base so the folder can be hosted anywhere).
 *
 * The page imports the lab's browser-safe modules straight from ../src. Cross-origin isolation
 * headers let the page share a stop flag with the worker (SharedArrayBuffer), so Stop can
 * interrupt a synchronous training loop; without them the page falls back to terminating
 * the worker. The same isolation is what wasm threads (a shared WebAssembly.Memory) will need.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: here,
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
  worker: { format: 'es' },
  server: { headers: isolation, fs: { allow: [repo] } },
  preview: { headers: isolation },
});
