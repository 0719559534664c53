import type { FloatArray } from '../dtype.js';
import type { Backend } from './types.js';
import { referenceMath } from './math-kernels.js';
import { referenceRows } from './row-kernels.js';
import { referenceLinalg } from './linalg-kernels.js';

/**
 * Portable, exact TypeScript kernels: the ground truth every other backend is tested against.
 * The matmul uses i-k-j order so the inner loop streams rows of B and C contiguously.
 */
function matmul(
  a: FloatArray, b: FloatArray, out: FloatArray,
  m: number, k: number, n: number,
  transA = false, transB = false,
): void {
  out.fill(0);
  // Element (i, p) of op(A) and (p, j) of op(B).
  const aRow = transA ? 1 : k, aCol = transA ? m : 1;
  if (!transB) {
    for (let i = 0; i < m; i++) {
      const oi = i * n;
      for (let p = 0; p < k; p++) {
        const aip = a[i * aRow + p * aCol];
        if (aip === 0) continue;
        const bp = p * n;
        for (let j = 0; j < n; j++) out[oi + j] += aip * b[bp + j];
      }
    }
  } else {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        const bj = j * k;
        for (let p = 0; p < k; p++) s += a[i * aRow + p * aCol] * b[bj + p];
        out[i * n + j] = s;
      }
    }
  }
}

export const referenceBackend: Backend = {
  ...referenceMath,
  ...referenceRows,
  ...referenceLinalg,
  name: 'reference',
  matmul,
  axpby(alpha, x, beta, y, out) {
    for (let i = 0; i < out.length; i++) out[i] = alpha * x[i] + beta * y[i];
  },
  mul(x, y, out) {
    for (let i = 0; i < out.length; i++) out[i] = x[i] * y[i];
  },
  relu(x, out) {
    for (let i = 0; i < out.length; i++) out[i] = x[i] > 0 ? x[i] : 0;
  },
  reluMask(g, x, out) {
    for (let i = 0; i < out.length; i++) out[i] = x[i] > 0 ? g[i] : 0;
  },
};
