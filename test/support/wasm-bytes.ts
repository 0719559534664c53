import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bytesFile = path.join(root, 'src/engine/backend/wasm-bytes.generated.ts');

/** Newest modification time of the kernel sources (the .wat files and the math-kernel generator). */
function newestSource(): number {
  const dirs = [path.join(root, 'src/engine/backend'), path.join(root, 'scripts/math-kernels')];
  const times = dirs.flatMap((d) => readdirSync(d).filter((f) => /\.(wat|mjs|json|in)$/.test(f) && f !== 'kernels-math.wat')
    .map((f) => statSync(path.join(d, f)).mtimeMs));
  return Math.max(...times, statSync(path.join(root, 'scripts/build-wasm.mjs')).mtimeMs);
}

/** Assemble the wasm bytes when they are missing or older than a kernel source (tests run from source, not dist). */
export function ensureWasmBytes(): void {
  if (!existsSync(bytesFile) || statSync(bytesFile).mtimeMs < newestSource()) {
    execFileSync(process.execPath, [path.join(root, 'scripts/build-wasm.mjs')], { stdio: 'pipe' });
  }
}
