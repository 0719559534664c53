/**
 * Matrix products, batched with NumPy broadcasting of the leading (batch) axes. Every product
 * goes through backend().matmul, one call per batch entry on subarray views (no copies: tensors
 * are contiguous, so each [m,k] matrix of a batch is one contiguous run).
 *
 * C = op(A)·op(B) (op = optional transpose of the last two axes):
 *   d op(A) = G·op(B)ᵀ,  d op(B) = op(A)ᵀ·G, each mapped back through op and summed over
 *   broadcast batch axes (sumTo). These are matmuls again, so double backward is exact.
 */
import { backend } from '../backend/index.js';
import type { FloatArray } from '../dtype.js';
import { Tensor, fmtShape, shapeSize } from '../tensor.js';
import { sumTo } from './broadcast.js';
import { alloc, broadcastShapes, broadcastStrides, checkDtype, make, requireFloat, rowPlan } from './core.js';
import { dot } from './reduce.js';
import { reshape } from './shape.js';

/** Element stride between consecutive matrices of a batch operand: full batch, one broadcast matrix (0), or −1 (mixed). */
function batchStride(batchShape: readonly number[], nb: number, matrixSize: number): number {
  const s = shapeSize(batchShape);
  return s === nb ? matrixSize : s === 1 ? 0 : -1;
}

/**
 * op(A)·op(B) on the last two axes, where op transposes when the flag is set (no copy is made).
 * Rank 2 × rank 2 is a plain matrix product; rank ≥ 3 operands are batches whose leading axes
 * broadcast ([B,m,k]·[k,n], [B,m,k]·[B,k,n], [1,m,k]·[B,k,n], ...).
 */
export function matmulT(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  checkDtype('matmul', a, b);
  requireFloat('matmul', a);
  if (a.rank < 2 || b.rank < 2) {
    throw new Error(`matmul: expected operands of rank ≥ 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const ra = a.rank, rb = b.rank;
  const [m, k] = transA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
  const [k2, n] = transB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
  if (k !== k2) {
    throw new Error(`matmul: inner dimensions differ: ${fmtShape(a.shape)}${transA ? 'ᵀ' : ''} · ${fmtShape(b.shape)}${transB ? 'ᵀ' : ''}`);
  }
  const batchA = a.shape.slice(0, ra - 2), batchB = b.shape.slice(0, rb - 2);
  // A batch of rows times one matrix is one big matrix product: fold the batch into the rows.
  if (rb === 2 && ra > 2 && !transA && a.size > 0) {
    return reshape(matmulT(reshape(a, [-1, k]), b, false, transB), [...batchA, m, n]);
  }
  const batch = broadcastShapes('matmul', batchA, batchB);
  const nb = shapeSize(batch);
  const out = alloc(a.dtype, nb * m * n) as FloatArray;
  const A = a.data as FloatArray, B = b.data as FloatArray;
  const mk = m * k, kn = k * n, mn = m * n;
  const kernel = backend();
  if (batch.length === 0) {
    kernel.matmul(A, B, out, m, k, n, transA, transB);
  } else if (kernel.matmulBatched && batchStride(batchA, nb, mk) >= 0 && batchStride(batchB, nb, kn) >= 0) {
    kernel.matmulBatched(A, B, out, nb, m, k, n, transA, transB, batchStride(batchA, nb, mk), batchStride(batchB, nb, kn));
  } else {
    const p = rowPlan(batch, [broadcastStrides(batchA, batch), broadcastStrides(batchB, batch)]);
    const [sa, sb] = p.starts, [ia, ib] = p.inner;
    for (let r = 0; r < p.rows; r++) {
      for (let j = 0; j < p.n; j++) {
        const t = r * p.n + j;
        const pa = (sa[r] + j * ia) * mk, pb = (sb[r] + j * ib) * kn;
        kernel.matmul(A.subarray(pa, pa + mk), B.subarray(pb, pb + kn), out.subarray(t * mn, (t + 1) * mn), m, k, n, transA, transB);
      }
    }
  }
  return make('matmul', out, [...batch, m, n], [a, b], (g, needs) => [
    needs[0] ? sumTo(transA ? matmulT(b, g, transB, true) : matmulT(g, b, false, !transB), a.shape) : null,
    needs[1] ? sumTo(transB ? matmulT(g, a, true, transA) : matmulT(a, g, !transA, false), b.shape) : null,
  ]);
}

/**
 * numpy.matmul: [..,m,k]·[..,k,n] → [..,m,n] (batch axes broadcast); a vector operand is
 * promoted to a matrix and its axis dropped after: [..,m,k]·[k] → [..,m]; [k]·[..,k,n] → [..,n];
 * [k]·[k] → scalar.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const fail = () => new Error(`matmul: cannot multiply ${fmtShape(a.shape)} by ${fmtShape(b.shape)}`);
  if (a.rank < 1 || b.rank < 1) throw fail();
  const ka = a.shape[a.rank - 1];
  const kb = b.rank === 1 ? b.shape[0] : b.shape[b.rank - 2];
  if (ka !== kb) throw fail();
  if (a.rank === 1 && b.rank === 1) return dot(a, b);
  if (b.rank === 1) return reshape(matmulT(a, reshape(b, [kb, 1])), a.shape.slice(0, -1));
  if (a.rank === 1) {
    const s = b.shape.slice();
    s.splice(s.length - 2, 1);
    return reshape(matmulT(reshape(a, [1, ka]), b), s);
  }
  return matmulT(a, b);
}
